"""Object detection as a `Family`: Faster R-CNN (or the light option) wired to the shared trainer,
evaluation (COCO bbox AP/AR by pycocotools and VOC mAP per class), export, runtimes and video."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from core.datasets.images import read_rgb
from core.families.base import Family, GraphSpec, WeightLayout
from core.families.detection import INFO
from core.families.detection import data as det_data
from core.families.detection import postprocess as post
from core.families.detection.spec import DetectionSpec
from core.fsutil import atomic_write_text
from core.metrics import voc
from core.metrics.coco import evaluate_coco
from core.predictions import Instances

_HEADS = {"faster_rcnn": ("roi_heads.box_predictor.",), "fcos": ("head.classification_head.cls_logits.",)}


class DetectorGraph(torch.nn.Module):
    """A torchvision detector taking one image tensor and returning the graph's three outputs."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        self.train(model.training)

    def forward(self, image: torch.Tensor):
        out = self.model([image])[0]
        return out["boxes"], out["labels"], out["scores"]


_ARCHITECTURE_NAMES = {"faster_rcnn": "Faster R-CNN", "fcos": "FCOS"}


class Detection(Family):
    info = INFO

    def model_name(self, spec: DetectionSpec) -> str:
        arch = _ARCHITECTURE_NAMES[spec.model.architecture]
        return f"{arch} over a {spec.model.backbone.replace('resnet', 'ResNet')} + FPN"

    def describe(self, spec: DetectionSpec) -> dict[str, str]:
        arch = _ARCHITECTURE_NAMES[spec.model.architecture]
        return {"backbone": spec.model.backbone, "detector": arch, "input": f"{spec.data.image_size}px",
                "pretrained": Path(spec.model.pretrained).name if spec.model.pretrained else "none"}

    # --- samples -----------------------------------------------------------------------------
    def load_input(self, project, sample, spec) -> np.ndarray:
        return read_rgb(str(project.resolve(sample.path)))

    # --- training ----------------------------------------------------------------------------
    def dataset(self, project, spec: DetectionSpec, split: str, train: bool = True):
        from core.project import catalog

        to_index, _ = self.label_map(catalog.categories(project))
        return det_data.DetectionDataset(project, split, to_index, train=train,
                                         horizontal_flip=spec.data.horizontal_flip if train else 0.0)

    def collate(self, items: list):
        return det_data.collate(items)

    def build_model(self, spec: DetectionSpec, categories: Sequence) -> torch.nn.Module:
        from core.families.detection.model import build_model

        return build_model(spec.model, num_classes=len(categories), image_size=spec.data.image_size)

    def training_losses(self, model, batch, device: torch.device) -> dict[str, torch.Tensor]:
        images, targets, _ = batch
        images = [im.to(device, non_blocking=True) for im in images]
        targets = [{k: v.to(device, non_blocking=True) for k, v in t.items()} for t in targets]
        return model(images, targets)

    def weight_layout(self, spec: DetectionSpec) -> WeightLayout:
        return WeightLayout(heads=_HEADS[spec.model.architecture], backbone="backbone.body.")

    def pruning_scope(self, model, spec: DetectionSpec):
        """The backbone (ResNet body and FPN), see `core.families.fpn_pruning`."""
        from core.families.fpn_pruning import fpn_backbone_scope

        return fpn_backbone_scope(model, spec.data.image_size)

    # --- one inference path -------------------------------------------------------------------
    def graph(self, spec) -> GraphSpec:
        return GraphSpec(inputs=(post.INPUT_NAME,), outputs=post.OUTPUT_NAMES, dynamic_axes=post.DYNAMIC_AXES,
                         batched=False)

    def graph_module(self, model, spec) -> torch.nn.Module:
        return DetectorGraph(model)

    def example_inputs(self, spec) -> dict[str, np.ndarray]:
        size = spec.data.image_size
        return {post.INPUT_NAME: np.random.default_rng(0).random((3, size, size), dtype=np.float32)}

    def preprocess(self, sample_input: np.ndarray, spec) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {post.INPUT_NAME: post.preprocess_rgb(sample_input)}, {"shape": tuple(sample_input.shape[:2])}

    def postprocess(self, outputs, meta, spec, categories) -> Instances:
        _, to_category = self.label_map(categories)
        return post.to_instances(outputs, to_category)

    # --- metrics -----------------------------------------------------------------------------
    def evaluate(self, project, split: str, predictions, spec: DetectionSpec, out_dir: Path) -> dict[str, float]:
        """COCO bbox AP/AR (pycocotools) and VOC AP per class at `evaluate.voc_iou_threshold`, both
        from the `gt.json` and `predictions.json` written to `out_dir`."""
        out_dir = Path(out_dir)
        metrics = evaluate_coco(project, split, predictions, out_dir, {"bbox": ""})
        gt = json.loads((out_dir / "gt.json").read_text())
        results = json.loads((out_dir / "predictions.json").read_text())
        threshold = spec.evaluate.voc_iou_threshold
        per_class = voc.voc_per_class(gt, results, threshold)
        names = {c["id"]: c["name"] for c in gt["categories"]}
        metrics["voc_mAP"] = voc.voc_map(per_class)
        for cid, v in per_class.items():
            metrics[f"voc_AP/{names[cid]}"] = v["ap"]
        atomic_write_text(out_dir / "voc.json", json.dumps(
            {"iou_threshold": threshold, "mAP": metrics["voc_mAP"], "compared": "gt.json, predictions.json",
             "classes": {names[c]: v for c, v in per_class.items()}}, indent=2))
        atomic_write_text(out_dir / "voc.txt", voc.format_table(per_class, names, threshold) + "\n")
        return metrics


FAMILY = Detection()
