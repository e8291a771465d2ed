"""The gesture family: a ResNet18/34 or MobileNetV3 classifier on hand crops (3 x 160 x 160 by
default), cascaded after a hand detector (`spec.model.detector`, `Family.stages`).

Samples are crops (`info.sample_kind`): each annotated box cut with `data.crop_margin`; crops
imported from detection boxes (`core.datasets.detection_crops`) and image folders are whole-image
boxes, so they are used as they are. The graph takes float RGB in [0, 1] (B, 3, S, S), normalizes
inside (`Classifier`) and returns softmax scores; post-processing is `Classification.from_scores`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from core.datasets.crops import crop, xywh_to_xyxy
from core.datasets.images import read_rgb
from core.families.base import Family, GraphSpec, Stage, WeightLayout
from core.families.gesture import INFO
from core.families.gesture.augment import augment_crop
from core.families.gesture.spec import GestureSpec
from core.metrics.classification_report import classification_report, write_confusion
from core.predictions import Classification
from core.project import catalog

_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)
_HEADS = {"resnet18": ("net.fc.",), "resnet34": ("net.fc.",), "mobilenet_v3": ("net.classifier.3.",)}


def to_input(image_rgb: np.ndarray, size: int) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> float32 (3, size, size) in [0, 1]."""
    interp = cv2.INTER_AREA if min(image_rgb.shape[:2]) > size else cv2.INTER_LINEAR
    resized = cv2.resize(image_rgb, (size, size), interpolation=interp)
    return np.ascontiguousarray(resized.transpose(2, 0, 1), dtype=np.float32) / 255.0


class Classifier(nn.Module):
    """A torchvision classifier (`net`) that takes RGB in [0, 1] and normalizes inside (ImageNet
    statistics), returning logits: training, the graph and every export share the one normalization."""

    def __init__(self, backbone: str, classes: int) -> None:
        super().__init__()
        from torchvision import models

        self.net = (models.mobilenet_v3_small(weights=None, num_classes=classes) if backbone == "mobilenet_v3"
                    else getattr(models, backbone)(weights=None, num_classes=classes))
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, image):
        return self.net((image - self.mean) / self.std)


class ClassifierGraph(nn.Module):
    """image (B, 3, S, S) in [0, 1] -> scores (B, classes)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.train(model.training)

    def forward(self, image):
        return torch.softmax(self.model(image), dim=1)


class CropDataset(Dataset):
    """One split's crop samples as (image tensor, class index). With `balanced`, the item drawn
    for a key is chosen from its augmentation seed: a class uniformly, then a crop of it."""

    def __init__(self, project, samples, size: int, margin: float, to_index: dict[int, int], train: bool,
                 flip: float, balanced: bool, rotate90: bool = False, rotation: float = 0.0,
                 crop_scale: float = 1.0) -> None:
        self.items = [(str(project.resolve(s.path)), xywh_to_xyxy(s.box), to_index[s.category_id])
                      for s in samples if s.category_id in to_index]
        self.size, self.margin, self.train = size, margin, train
        self.augment = dict(flip=flip, rotate90=rotate90, rotation=rotation, crop_scale=crop_scale)
        by_class: dict[int, list[int]] = {}
        for i, (_, _, label) in enumerate(self.items):
            by_class.setdefault(label, []).append(i)
        self.by_class = [by_class[k] for k in sorted(by_class)] if balanced and train else None

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key):
        index, seed = key if isinstance(key, tuple) else (key, 0)
        rng = np.random.default_rng(seed)
        if self.by_class:
            members = self.by_class[int(rng.integers(len(self.by_class)))]
            index = members[int(rng.integers(len(members)))]
        path, box, label = self.items[index]
        piece = crop(read_rgb(path), box, self.margin)
        if self.train:
            piece = augment_crop(piece, rng, **self.augment)
        return torch.from_numpy(to_input(np.ascontiguousarray(piece), self.size)), label


class Gesture(Family):
    info = INFO

    def model_name(self, spec: GestureSpec) -> str:
        net = {"resnet18": "ResNet18", "resnet34": "ResNet34", "mobilenet_v3": "MobileNetV3-Small"}[spec.model.backbone]
        after = ", after a hand detector" if spec.model.detector else ""
        return f"{net} classifier on {spec.data.image_size} px crops{after}"

    def describe(self, spec: GestureSpec) -> dict[str, str]:
        return {"backbone": spec.model.backbone, "input": f"{spec.data.image_size}px",
                "after": Path(spec.model.detector).name if spec.model.detector else "none"}

    def load_input(self, project, sample, spec: GestureSpec) -> np.ndarray:
        image = read_rgb(str(project.resolve(sample.path)))
        box = getattr(sample, "box", None)
        return np.ascontiguousarray(crop(image, xywh_to_xyxy(box), spec.data.crop_margin)) if box else image

    def dataset(self, project, spec: GestureSpec, split: str, train: bool = True):
        to_index, _ = self.label_map(catalog.categories(project), start=0)
        return CropDataset(project, self.samples(project, split), spec.data.image_size, spec.data.crop_margin,
                           to_index, train, spec.data.horizontal_flip, spec.data.balanced_sampling,
                           spec.data.rotate90, spec.data.rotation, spec.data.random_crop_scale)

    def collate(self, items: list):
        images, labels = zip(*items)
        return torch.stack(images), torch.tensor(labels, dtype=torch.int64)

    def build_model(self, spec: GestureSpec, categories: Sequence) -> nn.Module:
        return Classifier(spec.model.backbone, len(categories))

    def training_losses(self, model, batch, device) -> dict[str, torch.Tensor]:
        images, labels = batch
        return {"loss_ce": nn.functional.cross_entropy(model(images.to(device)), labels.to(device))}

    def weight_layout(self, spec: GestureSpec) -> WeightLayout:
        return WeightLayout(heads=_HEADS[spec.model.backbone], backbone="net.",
                            backbone_skip=("fc.", "classifier.3."))

    # --- one inference path -------------------------------------------------------------------
    def graph(self, spec) -> GraphSpec:
        return GraphSpec(inputs=("image",), outputs=("scores",), batched=True,
                         dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}})

    def graph_module(self, model, spec) -> nn.Module:
        return ClassifierGraph(model)

    def example_inputs(self, spec) -> dict[str, np.ndarray]:
        s = spec.data.image_size
        return {"image": np.random.default_rng(0).random((2, 3, s, s), dtype=np.float32)}

    def preprocess(self, sample_input, spec) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"image": to_input(sample_input, spec.data.image_size)}, {}

    def postprocess(self, outputs, meta, spec, categories) -> Classification:
        return Classification.from_scores(outputs["scores"], sorted(c.id for c in categories))

    def deepstream(self, spec) -> dict[str, Any]:
        return {"network-type": 1, "classifier-threshold": 0.5}

    def stages(self, spec: GestureSpec) -> list[Stage]:
        if not spec.model.detector:
            return []
        classes = tuple(spec.model.detector_classes) or None
        return [Stage(Path(spec.model.detector), spec.model.margin, classes)]

    # --- metrics -----------------------------------------------------------------------------
    def evaluate(self, project, split: str, predictions, spec, out_dir: Path) -> dict[str, float]:
        """Accuracy, per-class precision and recall, and the confusion matrix (confusion.csv and
        confusion.png beside predictions.json)."""
        names = {c.id: c.name for c in catalog.categories(project)}
        truth = {s.id: s.category_id for s in self.samples(project, split)}
        pairs = [(truth[i], p.label) for i, p in sorted(predictions.items()) if i in truth]
        out_dir = Path(out_dir)
        from core.fsutil import atomic_write_text

        atomic_write_text(out_dir / "predictions.json", json.dumps(
            [{"sample": i, "truth": truth.get(i), "label": p.label, "score": p.score}
             for i, p in sorted(predictions.items())]))
        report = classification_report(pairs, names)
        write_confusion(report, out_dir)
        return report.metrics()


FAMILY = Gesture()
