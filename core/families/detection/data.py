"""The detection dataset adapter: project split -> (image, target, image id).

Images are float RGB CHW tensors in [0, 1] at their original size (the model resizes). Targets
follow torchvision's detectors: boxes x1y1x2y2 and labels 1..K (contiguous, by sorted category
id). Ignore regions (crowd annotations, and class-less ones such as KITTI's DontCare) are left
out of the targets, as COCO's training references leave iscrowd out. Augmentation (horizontal
flip) draws from the per-item seed the step sampler hands out, so a resumed run sees the same
flips.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from core.datasets.images import read_rgb
from core.project import Project
from core.project import catalog


@dataclass(frozen=True)
class _Item:
    image_id: int
    path: str
    boxes: tuple          # (x, y, w, h) of the objects to learn
    labels: tuple         # their training indices


def to_tensor(image_rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image_rgb.transpose(2, 0, 1))).float().div_(255.0)


def training_objects(annotations, category_to_index: dict[int, int]) -> list:
    """The annotations a detector learns: objects of a trained class, not ignore regions, with area."""
    return [a for a in annotations if not catalog.is_ignore_region(a) and a.category_id in category_to_index
            and a.bbox[2] >= 1 and a.bbox[3] >= 1]


class DetectionDataset(Dataset):
    def __init__(self, project: Project, split: str, category_to_index: dict[int, int], train: bool,
                 horizontal_flip: float = 0.0):
        records = catalog.images(project, split)
        anns = catalog.annotations(project, [r.id for r in records]) if train else {}
        self.items = []
        for r in records:
            kept = training_objects(anns.get(r.id, []), category_to_index)
            self.items.append(_Item(r.id, str(project.resolve(r.path)), tuple(a.bbox for a in kept),
                                    tuple(category_to_index[a.category_id] for a in kept)))
        self.train = train
        self.horizontal_flip = horizontal_flip

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key):
        index, seed = key if isinstance(key, tuple) else (key, 0)
        item = self.items[index]
        image = read_rgb(item.path)
        h, w = image.shape[:2]
        if not self.train:
            return to_tensor(image), {}, item.image_id
        target = self._target(item, h, w)
        if self.horizontal_flip > 0 and np.random.default_rng(seed).random() < self.horizontal_flip:
            image = image[:, ::-1]
            boxes = target["boxes"].clone()
            boxes[:, [0, 2]] = w - target["boxes"][:, [2, 0]]
            target = {"boxes": boxes, "labels": target["labels"]}
        return to_tensor(image), target, item.image_id

    @staticmethod
    def _target(item: _Item, h: int, w: int) -> dict[str, torch.Tensor]:
        if not item.boxes:
            return {"boxes": torch.zeros((0, 4)), "labels": torch.zeros((0,), dtype=torch.int64)}
        boxes = torch.tensor([[x, y, x + bw, y + bh] for x, y, bw, bh in item.boxes], dtype=torch.float32)
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, h)
        return {"boxes": boxes, "labels": torch.tensor(item.labels, dtype=torch.int64)}


def collate(items: list) -> tuple[list, list, list]:
    images, targets, ids = zip(*items)
    return list(images), list(targets), list(ids)
