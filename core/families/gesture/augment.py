"""The gesture family's training augmentations of one crop (RGB uint8, H x W x 3), drawn from a
numpy generator so a resumed run sees the same crops:

- a left-right flip with probability `flip`;
- a turn: by a random angle in [-rotation, rotation] degrees (the corners filled by reflecting the
  crop), or else, with `rotate90`, by a random multiple of 90 degrees;
- a random window of at least `crop_scale` of each side, at a random place: the box a detector
  draws is never exactly the one the crop was cut from.

The crop keeps its aspect; `to_input` resizes it to the model's square afterwards.
"""
from __future__ import annotations

import cv2
import numpy as np

from core.datasets.crops import random_window


def augment_crop(piece: np.ndarray, rng: np.random.Generator, flip: float = 0.0, rotate90: bool = False,
                 rotation: float = 0.0, crop_scale: float = 1.0) -> np.ndarray:
    if flip > 0 and rng.random() < flip:
        piece = piece[:, ::-1]
    if rotation > 0:
        piece = rotate(piece, float(rng.uniform(-rotation, rotation)))
    elif rotate90:
        piece = np.rot90(piece, int(rng.integers(4)))
    if crop_scale < 1.0:
        y, x, ch, cw = random_window(*piece.shape[:2], crop_scale, rng, keep_aspect=False)
        piece = piece[y:y + ch, x:x + cw]
    return np.ascontiguousarray(piece)


def rotate(piece: np.ndarray, degrees: float) -> np.ndarray:
    """`piece` turned counter-clockwise by `degrees` about its centre, same size, the corners
    filled by reflection."""
    h, w = piece.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), degrees, 1.0)
    return cv2.warpAffine(np.ascontiguousarray(piece), m, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT_101)
