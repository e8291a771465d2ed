"""The toy family's implementation: everything a `Family` supplies, in under 150 lines."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from core.datasets.images import read_rgb
from core.families.base import Family, GraphSpec, Stage, WeightLayout
from core.fsutil import atomic_write_text
from core.predictions import Classification
from core.project import catalog
from tests.toy_family import INFO


def to_input(image_rgb: np.ndarray, size: int) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> float32 (3, size, size) in [0, 1]."""
    resized = cv2.resize(image_rgb, (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(resized.transpose(2, 0, 1), dtype=np.float32) / 255.0


class TinyNet(nn.Module):
    def __init__(self, classes: int, width: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, 8, 3, stride=2, padding=1)
        self.head = nn.Linear(8, classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.conv2(x))
        return self.head(x.mean(dim=(2, 3)))


class Graph(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.train(model.training)

    def forward(self, image):
        return torch.softmax(self.model(image), dim=1)


class LabelledImages(Dataset):
    def __init__(self, project, split: str, size: int, to_index: dict[int, int]) -> None:
        records = catalog.images(project, split)
        anns = catalog.annotations(project, [r.id for r in records])
        self.items = [(str(project.resolve(r.path)), to_index[anns[r.id][0].category_id]) for r in records
                      if anns.get(r.id)]
        self.size = size

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key):
        index, _seed = key if isinstance(key, tuple) else (key, 0)
        path, label = self.items[index]
        return torch.from_numpy(to_input(read_rgb(path), self.size)), label


class ToyColors(Family):
    info = INFO

    def describe(self, spec) -> dict[str, str]:
        return {"backbone": spec.model.backbone, "input": f"{spec.data.image_size}px"}

    def load_input(self, project, sample, spec) -> np.ndarray:
        return read_rgb(str(project.resolve(sample.path)))

    def dataset(self, project, spec, split: str, train: bool = True):
        to_index, _ = self.label_map(catalog.categories(project), start=0)
        return LabelledImages(project, split, spec.data.image_size, to_index)

    def collate(self, items: list):
        images, labels = zip(*items)
        return torch.stack(images), torch.tensor(labels, dtype=torch.int64)

    def build_model(self, spec, categories: Sequence) -> nn.Module:
        return TinyNet(len(categories), spec.model.width)

    def training_losses(self, model, batch, device) -> dict[str, torch.Tensor]:
        images, labels = batch
        return {"loss_ce": nn.functional.cross_entropy(model(images.to(device)), labels.to(device))}

    def weight_layout(self, spec) -> WeightLayout:
        return WeightLayout(heads=("head.",))

    def graph(self, spec) -> GraphSpec:
        return GraphSpec(inputs=("image",), outputs=("scores",), batched=True,
                         dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}})

    def graph_module(self, model, spec) -> nn.Module:
        return Graph(model)

    def example_inputs(self, spec) -> dict[str, np.ndarray]:
        s = spec.data.image_size
        return {"image": np.random.default_rng(0).random((2, 3, s, s), dtype=np.float32)}

    def preprocess(self, sample_input, spec) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"image": to_input(sample_input, spec.data.image_size)}, {}

    def postprocess(self, outputs, meta, spec, categories) -> Classification:
        return Classification.from_scores(outputs["scores"], sorted(c.id for c in categories))

    def deepstream(self, spec) -> dict[str, Any]:
        return {"network-type": 1, "classifier-threshold": 0.5}

    def stages(self, spec) -> list[Stage]:
        return [Stage(Path(spec.model.after), spec.model.margin)] if spec.model.after else []

    def evaluate(self, project, split: str, predictions, spec, out_dir: Path) -> dict[str, float]:
        records = catalog.images(project, split)
        anns = catalog.annotations(project, [r.id for r in records])
        truth = {r.id: anns[r.id][0].category_id for r in records if anns.get(r.id)}
        pairs = [(truth[i], p.label) for i, p in predictions.items() if i in truth]
        per_class = {}
        for c in sorted({t for t, _ in pairs}):
            hits = [t == p for t, p in pairs if t == c]
            per_class[c] = sum(hits) / len(hits)
        atomic_write_text(Path(out_dir) / "predictions.json", json.dumps(
            [{"sample": i, "truth": truth.get(i), "label": p.label, "score": p.score} for i, p in predictions.items()]))
        return {"accuracy": sum(t == p for t, p in pairs) / max(1, len(pairs)),
                "average_class_accuracy": sum(per_class.values()) / max(1, len(per_class))}


FAMILY = ToyColors()
