"""The pose dataset adapter: project split -> (image, target, image id).

Images are letterboxed to the spec's input size (`postprocess.letterbox`, the rule inference
uses) as float RGB CHW tensors in [0, 1]. Training targets follow torchvision's Keypoint R-CNN:
boxes x1y1x2y2 and keypoints (N, K, 3: x, y, visibility) in the input's pixels, labels 1..C
(contiguous, by sorted category id). Crowd regions and boxes under a pixel are left out; an
unlabeled keypoint (v = 0) does not train. A horizontal flip (drawn from the per-item seed the
step sampler hands out, so a resumed run sees the same flips) mirrors the image and swaps each
left keypoint with its right twin (`core.project.keypoint_schema.flip_pairs`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from core.datasets.images import read_rgb
from core.families.pose.postprocess import letterbox
from core.project import Project
from core.project import catalog


@dataclass(frozen=True)
class _Item:
    image_id: int
    path: str
    annotations: tuple


def to_tensor(image_rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image_rgb.transpose(2, 0, 1))).float().div_(255.0)


class PoseDataset(Dataset):
    def __init__(self, project: Project, split: str, category_to_index: dict[int, int], num_keypoints: int,
                 input_size: tuple[int, int], train: bool, horizontal_flip: float = 0.0,
                 flip_index: list[int] | None = None):
        records = catalog.images(project, split)
        anns = catalog.annotations(project, [r.id for r in records]) if train else {}
        self.items = [
            _Item(r.id, str(project.resolve(r.path)),
                  tuple(a for a in anns.get(r.id, []) if not a.iscrowd and a.category_id in category_to_index))
            for r in records]
        self.category_to_index = category_to_index
        self.num_keypoints = num_keypoints
        self.input_size = input_size
        self.train = train
        self.horizontal_flip = horizontal_flip
        self.flip_index = flip_index or list(range(num_keypoints))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key):
        index, seed = key if isinstance(key, tuple) else (key, 0)
        item = self.items[index]
        image = read_rgb(item.path)
        if not self.train:
            boxed, _ = letterbox(image, *self.input_size)
            return to_tensor(boxed), {}, item.image_id
        h, w = image.shape[:2]
        boxes, labels, kps = self._arrays(item)
        if self.horizontal_flip > 0 and np.random.default_rng(seed).random() < self.horizontal_flip:
            image = image[:, ::-1]
            boxes, kps = flip(boxes, kps, w, self.flip_index)
        boxed, scale = letterbox(np.ascontiguousarray(image), *self.input_size)
        boxes = boxes * scale
        kps[..., :2] *= scale
        keep = (boxes[:, 2] - boxes[:, 0] >= 1) & (boxes[:, 3] - boxes[:, 1] >= 1)
        target = {"boxes": torch.from_numpy(boxes[keep]), "labels": torch.from_numpy(labels[keep]),
                  "keypoints": torch.from_numpy(kps[keep])}
        return to_tensor(boxed), target, item.image_id

    def _arrays(self, item: _Item) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes x1y1x2y2, labels and keypoints (N, K, 3) of an item in its image's pixels."""
        k = self.num_keypoints
        boxes = np.array([[x, y, x + bw, y + bh] for x, y, bw, bh in (a.bbox for a in item.annotations)],
                         np.float32).reshape(-1, 4)
        labels = np.array([self.category_to_index[a.category_id] for a in item.annotations], np.int64)
        kps = np.zeros((len(item.annotations), k, 3), np.float32)
        for i, a in enumerate(item.annotations):
            if a.keypoints and len(a.keypoints) == 3 * k:
                kps[i] = np.asarray(a.keypoints, np.float32).reshape(k, 3)
        kps[kps[..., 2] <= 0] = 0.0
        return boxes, labels, kps


def flip(boxes: np.ndarray, kps: np.ndarray, width: int, flip_index: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Boxes and keypoints of the left-right mirrored image (left and right keypoints swapped)."""
    boxes = boxes.copy()
    boxes[:, [0, 2]] = width - boxes[:, [2, 0]]
    out = kps[:, flip_index].copy()
    labeled = out[..., 2] > 0
    out[..., 0] = np.where(labeled, width - out[..., 0], 0.0)
    return boxes, out


def collate(items: list) -> tuple[list, list, list]:
    images, targets, ids = zip(*items)
    return list(images), list(targets), list(ids)
