"""The instance-segmentation dataset adapter: project split -> (image, target, image id).

Images are float RGB CHW tensors in [0, 1] at their original size (the model resizes).
Training targets follow torchvision's Mask R-CNN: boxes x1y1x2y2, labels 1..K (contiguous,
by sorted category id), masks (N, H, W) uint8. Crowd regions are left out of training targets.
Augmentation (horizontal flip) draws from the per-item seed the step sampler hands out, so a
resumed run sees the same flips.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from core.datasets.images import read_rgb
from core.datasets.masks import annotation_masks
from core.project import Project
from core.project import catalog


@dataclass(frozen=True)
class _Item:
    image_id: int
    path: str
    width: int
    height: int
    annotations: tuple


def to_tensor(image_rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image_rgb.transpose(2, 0, 1))).float().div_(255.0)


class InstanceSegmentationDataset(Dataset):
    def __init__(self, project: Project, split: str, category_to_index: dict[int, int], train: bool,
                 horizontal_flip: float = 0.0):
        records = catalog.images(project, split)
        anns = catalog.annotations(project, [r.id for r in records]) if train else {}
        self.items = [
            _Item(r.id, str(project.resolve(r.path)), r.width, r.height,
                  tuple(a for a in anns.get(r.id, []) if not a.iscrowd and a.category_id in category_to_index))
            for r in records]
        self.category_to_index = category_to_index
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
            target = _flip(target, w)
        return to_tensor(image), target, item.image_id

    def _target(self, item: _Item, h: int, w: int) -> dict[str, torch.Tensor]:
        kept = [a for a in item.annotations if a.bbox[2] >= 1 and a.bbox[3] >= 1]
        if not kept:
            return {"boxes": torch.zeros((0, 4)), "labels": torch.zeros((0,), dtype=torch.int64),
                    "masks": torch.zeros((0, h, w), dtype=torch.uint8)}
        boxes = torch.tensor([[x, y, x + bw, y + bh] for x, y, bw, bh in (a.bbox for a in kept)],
                             dtype=torch.float32)
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, h)
        labels = torch.tensor([self.category_to_index[a.category_id] for a in kept], dtype=torch.int64)
        masks = torch.from_numpy(annotation_masks(kept, h, w).astype(np.uint8))
        return {"boxes": boxes, "labels": labels, "masks": masks}


def _flip(target: dict[str, torch.Tensor], width: int) -> dict[str, torch.Tensor]:
    boxes = target["boxes"].clone()
    boxes[:, [0, 2]] = width - target["boxes"][:, [2, 0]]
    return {"boxes": boxes, "labels": target["labels"], "masks": target["masks"].flip(-1)}


def collate(items: list) -> tuple[list, list, list]:
    images, targets, ids = zip(*items)
    return list(images), list(targets), list(ids)
