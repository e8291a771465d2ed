"""Instance segmentation as a `Family`: Mask R-CNN wired to the shared trainer, evaluator,
exporter, runtimes and video pipeline."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from core.metrics.coco import evaluate_coco
from core.families.base import Family, Prediction
from core.families.instance_segmentation import INFO
from core.families.instance_segmentation import data as seg_data
from core.families.instance_segmentation.spec import InstanceSegmentationSpec, cpu_sized


class InstanceSegmentation(Family):
    info = INFO
    spec_class = InstanceSegmentationSpec

    def default_spec(self, profile: str = "gpu") -> InstanceSegmentationSpec:
        spec = InstanceSegmentationSpec()
        return cpu_sized(spec) if profile == "cpu" else spec

    def describe(self, spec: InstanceSegmentationSpec) -> dict[str, str]:
        return {"backbone": spec.model.backbone, "input": f"{spec.data.image_size}px",
                "pretrained": Path(spec.model.pretrained).name if spec.model.pretrained else "none"}

    # --- data --------------------------------------------------------------------------------
    def dataset(self, project, spec: InstanceSegmentationSpec, split: str, train: bool):
        from core.project import catalog

        to_index, _ = self.label_map(catalog.categories(project))
        return seg_data.InstanceSegmentationDataset(
            project, split, to_index, train=train, horizontal_flip=spec.data.horizontal_flip if train else 0.0)

    def collate(self, items: list):
        return seg_data.collate(items)

    # --- model -------------------------------------------------------------------------------
    def build_model(self, spec: InstanceSegmentationSpec, categories: Sequence) -> torch.nn.Module:
        from core.families.instance_segmentation.model import build_model

        model = build_model(spec.model, num_classes=len(categories), image_size=spec.data.image_size)
        _, to_category = self.label_map(categories)
        model.studio_index_to_category = to_category  # used by predict()
        return model

    def training_losses(self, model, batch, device: torch.device) -> dict[str, torch.Tensor]:
        images, targets, _ = batch
        images = [im.to(device, non_blocking=True) for im in images]
        targets = [{k: v.to(device, non_blocking=True) for k, v in t.items()} for t in targets]
        return model(images, targets)

    def predict(self, model, images: list[torch.Tensor], spec: InstanceSegmentationSpec) -> list[Prediction]:
        from core.families.instance_segmentation.postprocess import torch_output_to_prediction

        outputs = model(images)
        return [torch_output_to_prediction(o, model.studio_index_to_category, spec.evaluate.mask_threshold)
                for o in outputs]

    # --- metrics -----------------------------------------------------------------------------
    def evaluate(self, project, split: str, predictions: dict[int, Prediction], spec, out_dir: Path
                 ) -> dict[str, float]:
        return evaluate_coco(project, split, predictions, out_dir, {"bbox": "", "segm": "mask_"})

    # --- deployment --------------------------------------------------------------------------
    def export_onnx(self, model, spec: InstanceSegmentationSpec, path: Path) -> dict[str, Any]:
        from core.families.instance_segmentation.export import export_onnx

        return export_onnx(model, spec.data.image_size, path, opset=spec.export.opset)

    def onnx_preprocess(self, image_rgb: np.ndarray, meta: dict[str, Any]) -> list[np.ndarray]:
        from core.families.instance_segmentation.postprocess import preprocess_rgb

        return [preprocess_rgb(image_rgb)]

    def onnx_postprocess(self, outputs: list[np.ndarray], meta: dict[str, Any], image_shape: tuple[int, int],
                         spec: InstanceSegmentationSpec) -> Prediction:
        from core.families.instance_segmentation.postprocess import onnx_outputs_to_prediction

        _, to_category = self.label_map(meta["categories"])
        return onnx_outputs_to_prediction(outputs, to_category, spec.evaluate.mask_threshold)

    def draw(self, frame_bgr: np.ndarray, prediction: Prediction, class_names: dict[int, str],
             score_threshold: float = 0.5, classes: set[int] | None = None) -> np.ndarray:
        from core.families.instance_segmentation.overlay import draw_instances

        return draw_instances(frame_bgr, prediction, class_names, score_threshold=score_threshold, classes=classes)


FAMILY = InstanceSegmentation()
