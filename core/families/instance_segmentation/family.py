"""Instance segmentation as a `Family`: Mask R-CNN wired to the shared trainer, evaluation,
export, runtimes and video pipeline."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from core.datasets.images import read_rgb
from core.families.base import Family, GraphSpec, WeightLayout
from core.families.instance_segmentation import INFO
from core.families.instance_segmentation import data as seg_data
from core.families.instance_segmentation import postprocess as post
from core.families.instance_segmentation.spec import InstanceSegmentationSpec
from core.metrics.coco import evaluate_coco
from core.predictions import Instances


class MaskRCNNGraph(torch.nn.Module):
    """torchvision's MaskRCNN taking one image tensor and returning the graph's four outputs."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        self.train(model.training)

    def forward(self, image: torch.Tensor):
        out = self.model([image])[0]
        return out["boxes"], out["labels"], out["scores"], out["masks"]


class InstanceSegmentation(Family):
    info = INFO

    def describe(self, spec: InstanceSegmentationSpec) -> dict[str, str]:
        return {"backbone": spec.model.backbone, "input": f"{spec.data.image_size}px",
                "pretrained": Path(spec.model.pretrained).name if spec.model.pretrained else "none"}

    def resized(self, spec: InstanceSegmentationSpec, height: int, width: int) -> InstanceSegmentationSpec:
        """Images resized so their longer side is max(height, width) (the model's one size knob)."""
        import dataclasses

        return dataclasses.replace(spec, data=dataclasses.replace(spec.data, image_size=max(height, width)))

    # --- samples -----------------------------------------------------------------------------
    def load_input(self, project, sample, spec) -> np.ndarray:
        return read_rgb(str(project.resolve(sample.path)))

    # --- training ----------------------------------------------------------------------------
    def dataset(self, project, spec: InstanceSegmentationSpec, split: str, train: bool = True):
        from core.project import catalog

        to_index, _ = self.label_map(catalog.categories(project))
        return seg_data.InstanceSegmentationDataset(
            project, split, to_index, train=train, horizontal_flip=spec.data.horizontal_flip if train else 0.0)

    def collate(self, items: list):
        return seg_data.collate(items)

    def build_model(self, spec: InstanceSegmentationSpec, categories: Sequence) -> torch.nn.Module:
        from core.families.instance_segmentation.model import build_model

        return build_model(spec.model, num_classes=len(categories), image_size=spec.data.image_size)

    def training_losses(self, model, batch, device: torch.device) -> dict[str, torch.Tensor]:
        images, targets, _ = batch
        images = [im.to(device, non_blocking=True) for im in images]
        targets = [{k: v.to(device, non_blocking=True) for k, v in t.items()} for t in targets]
        return model(images, targets)

    def weight_layout(self, spec) -> WeightLayout:
        return WeightLayout(heads=("roi_heads.box_predictor.", "roi_heads.mask_predictor.mask_fcn_logits."),
                            backbone="backbone.body.")

    def pruning_scope(self, model, spec):
        """The backbone (ResNet body and FPN), see `core.families.fpn_pruning`."""
        from core.families.fpn_pruning import fpn_backbone_scope

        return fpn_backbone_scope(model, spec.data.image_size)

    # --- one inference path -------------------------------------------------------------------
    def graph(self, spec) -> GraphSpec:
        return GraphSpec(inputs=(post.INPUT_NAME,), outputs=post.OUTPUT_NAMES, dynamic_axes=post.DYNAMIC_AXES,
                         batched=False)

    def graph_module(self, model, spec) -> torch.nn.Module:
        return MaskRCNNGraph(model)

    def example_inputs(self, spec) -> dict[str, np.ndarray]:
        size = spec.data.image_size
        return {post.INPUT_NAME: np.random.default_rng(0).random((3, size, size), dtype=np.float32)}

    def preprocess(self, sample_input: np.ndarray, spec) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {post.INPUT_NAME: post.preprocess_rgb(sample_input)}, {"shape": tuple(sample_input.shape[:2])}

    def postprocess(self, outputs, meta, spec, categories) -> Instances:
        _, to_category = self.label_map(categories)
        return post.to_instances(outputs, to_category, spec.evaluate.mask_threshold, meta["shape"])

    def deepstream(self, spec) -> dict[str, Any]:
        # the outputs are torchvision's (boxes, labels, scores, masks at the input size), not TAO's
        # MRCNN layout: DeepStream needs a parser for them (parse-bbox-instance-mask-func-name)
        return {"network-type": 3, "output-instance-mask": 1, "cluster-mode": 4,
                "output-blob-names": ";".join(post.OUTPUT_NAMES)}

    # --- metrics -----------------------------------------------------------------------------
    def evaluate(self, project, split: str, predictions, spec, out_dir: Path) -> dict[str, float]:
        return evaluate_coco(project, split, predictions, out_dir, {"bbox": "", "segm": "mask_"})


FAMILY = InstanceSegmentation()
