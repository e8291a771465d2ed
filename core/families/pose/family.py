"""2D pose as a `Family`: Keypoint R-CNN, sized to the project's keypoint set, wired to the shared
trainer, evaluation (COCO keypoint AP by OKS, box AP, PCK), export, runtimes and video pipeline.

A pose model predicts one keypoint set: every category of the project must have the same
keypoint names (`core.project.keypoint_schema.shared_schema`); its skeleton joins the predicted
keypoints when they are drawn."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from core.datasets.images import read_rgb
from core.errors import DataError
from core.families.base import Family, GraphSpec, WeightLayout
from core.families.pose import INFO
from core.families.pose import data as pose_data
from core.families.pose import postprocess as post
from core.families.pose.spec import PoseSpec
from core.fsutil import atomic_write_text
from core.metrics.coco import evaluate_coco
from core.metrics.keypoint_sigmas import sigmas_for
from core.metrics.pck import pck
from core.predictions import Instances
from core.project.keypoint_schema import KeypointSchema, flip_pairs, shared_schema


class KeypointRCNNGraph(torch.nn.Module):
    """torchvision's KeypointRCNN taking one letterboxed image tensor and returning the graph's five outputs."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        self.train(model.training)

    def forward(self, image: torch.Tensor):
        out = self.model([image])[0]
        return out["boxes"], out["labels"], out["scores"], out["keypoints"], out["keypoints_scores"]


def keypoint_schema(categories: Sequence) -> KeypointSchema:
    """The keypoint set the model predicts: the one every category shares (a DataError otherwise)."""
    try:
        return shared_schema((c.name, c.keypoints) for c in categories)
    except ValueError as exc:
        raise DataError(f"A pose model cannot be made for this project: {exc}.") from exc


class Pose(Family):
    info = INFO

    def describe(self, spec: PoseSpec) -> dict[str, str]:
        return {"backbone": spec.model.backbone, "input": f"{spec.data.input_height}x{spec.data.input_width}",
                "pretrained": Path(spec.model.pretrained).name if spec.model.pretrained else "none"}

    def resized(self, spec: PoseSpec, height: int, width: int) -> PoseSpec:
        """The spec with another input size (the same weights run at any multiple of 32)."""
        return dataclasses.replace(spec, data=dataclasses.replace(spec.data, input_height=height, input_width=width))

    # --- samples -----------------------------------------------------------------------------
    def load_input(self, project, sample, spec) -> np.ndarray:
        return read_rgb(str(project.resolve(sample.path)))

    # --- training ----------------------------------------------------------------------------
    def dataset(self, project, spec: PoseSpec, split: str, train: bool = True):
        from core.project import catalog

        categories = catalog.categories(project)
        schema = keypoint_schema(categories)
        to_index, _ = self.label_map(categories)
        return pose_data.PoseDataset(
            project, split, to_index, schema.size, (spec.data.input_height, spec.data.input_width), train=train,
            horizontal_flip=spec.data.horizontal_flip if train else 0.0, flip_index=flip_pairs(schema.names))

    def collate(self, items: list):
        return pose_data.collate(items)

    def build_model(self, spec: PoseSpec, categories: Sequence) -> torch.nn.Module:
        from core.families.pose.model import build_model

        return build_model(spec, num_classes=len(categories), num_keypoints=keypoint_schema(categories).size)

    def training_losses(self, model, batch, device: torch.device) -> dict[str, torch.Tensor]:
        images, targets, _ = batch
        images = [im.to(device, non_blocking=True) for im in images]
        targets = [{k: v.to(device, non_blocking=True) for k, v in t.items()} for t in targets]
        return model(images, targets)

    def weight_layout(self, spec) -> WeightLayout:
        return WeightLayout(heads=("roi_heads.box_predictor.", "roi_heads.keypoint_predictor."),
                            backbone="backbone.body.")

    def pruning_scope(self, model, spec):
        """The backbone (ResNet body and FPN) at the input size, as Mask R-CNN's: the RPN and the
        RoI heads (box and keypoint) keep their width."""
        from core.families.fpn_pruning import fpn_backbone_scope

        return fpn_backbone_scope(model, spec.data.input_height, spec.data.input_width)

    # --- one inference path -------------------------------------------------------------------
    def graph(self, spec) -> GraphSpec:
        return GraphSpec(inputs=(post.INPUT_NAME,), outputs=post.OUTPUT_NAMES, dynamic_axes=post.DYNAMIC_AXES,
                         batched=False)

    def graph_module(self, model, spec) -> torch.nn.Module:
        from core.families.pose.model import set_input_size

        return KeypointRCNNGraph(set_input_size(model, spec.data.input_height, spec.data.input_width))

    def example_inputs(self, spec) -> dict[str, np.ndarray]:
        shape = (3, spec.data.input_height, spec.data.input_width)
        return {post.INPUT_NAME: np.random.default_rng(0).random(shape, dtype=np.float32)}

    def preprocess(self, sample_input: np.ndarray, spec) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        image, scale = post.preprocess_rgb(sample_input, spec.data.input_height, spec.data.input_width)
        return {post.INPUT_NAME: image}, {"shape": tuple(sample_input.shape[:2]), "scale": scale}

    def postprocess(self, outputs, meta, spec, categories) -> Instances:
        _, to_category = self.label_map(categories)
        schema = keypoint_schema(categories)
        return post.to_instances(outputs, to_category, meta["scale"], meta["shape"], schema.size,
                                 spec.evaluate.visible_score, schema.limbs)

    # --- metrics -----------------------------------------------------------------------------
    def evaluate(self, project, split: str, predictions, spec: PoseSpec, out_dir: Path) -> dict[str, float]:
        from core.project import catalog

        schema = keypoint_schema(catalog.categories(project))
        try:
            sigmas, rule = sigmas_for(schema.names, spec.evaluate.keypoint_sigmas)
        except ValueError as exc:
            raise DataError(f"{exc}.") from exc
        metrics = evaluate_coco(project, split, predictions, out_dir, {"keypoints": "keypoints_", "bbox": ""},
                                sigmas=sigmas, sigmas_rule=rule)
        gt = json.loads((out_dir / "gt.json").read_text())
        results = json.loads((out_dir / "predictions.json").read_text())
        reading = pck(gt["annotations"], results, alpha=spec.evaluate.pck_alpha)
        atomic_write_text(out_dir / "pck.json", json.dumps({**reading, "alpha": spec.evaluate.pck_alpha,
                                                            "compared": "gt.json and predictions.json"}, indent=2))
        metrics["PCK"] = reading["PCK"]
        return metrics


FAMILY = Pose()
