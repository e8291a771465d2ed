"""Micro benchmarks of the data and drawing code: each returns one `compare(...)` record."""
from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np

from core.bench.timing import compare


def overlay_vectorized_vs_loop() -> dict:
    """Drawing 20 alpha-blended masks on a 512x512 frame: one numpy pass vs a loop per mask."""
    from core.video.draw import blend_masks, colors_for

    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (512, 512, 3), dtype=np.uint8)
    masks = np.zeros((20, 512, 512), bool)
    for k in range(20):
        x, y = rng.integers(0, 400, 2)
        masks[k, y:y + 100, x:x + 100] = True
    labels = np.arange(20) % 5 + 1
    colors = colors_for(labels)

    def loop():
        out = frame.astype(np.float32)
        for k in range(len(masks)):
            m = masks[k]
            out[m] = out[m] * 0.55 + colors[k].astype(np.float32) * 0.45
        return out.astype(np.uint8)

    return compare("overlay: 20 masks on 512x512", "loop per mask", loop, "blend_masks (vectorized)",
                   lambda: blend_masks(frame.copy(), masks, colors, 0.45), repeats=20)


def mask_decode_batch_vs_single() -> dict:
    """Decoding the masks of one image with 12 RLE annotations: one call vs one call each."""
    from core.datasets.masks import annotation_mask, annotation_masks, encode_mask
    from core.project.catalog import Annotation

    rng = np.random.default_rng(1)
    anns = []
    for k in range(12):
        m = np.zeros((256, 256), bool)
        x, y = rng.integers(0, 200, 2)
        m[y:y + 50, x:x + 40] = True
        anns.append(Annotation(None, 1, 1, (float(x), float(y), 40.0, 50.0), seg_kind="rle",
                               segmentation=encode_mask(m)))
    return compare("mask decode: 12 RLEs of 256x256", "annotation_mask each",
                   lambda: np.stack([annotation_mask(a, 256, 256) for a in anns]),
                   "annotation_masks (one call)", lambda: annotation_masks(anns, 256, 256), repeats=50)


def thumbnail_reduced_vs_full() -> dict:
    """A thumbnail of a 1024x1024 PNG: full decode + resize vs cv2's reduced decode."""
    rng = np.random.default_rng(2)
    image = cv2.GaussianBlur(rng.integers(0, 255, (1024, 1024, 3), dtype=np.uint8), (9, 9), 3)
    folder = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    path = str(folder / "big.jpg")
    cv2.imwrite(path, image)

    def full():
        return cv2.resize(cv2.imread(path, cv2.IMREAD_COLOR), (128, 128), interpolation=cv2.INTER_AREA)

    def reduced():
        return cv2.resize(cv2.imread(path, cv2.IMREAD_REDUCED_COLOR_8), (128, 128), interpolation=cv2.INTER_AREA)

    return compare("thumbnail of a 1024 px JPEG", "full decode + resize", full, "IMREAD_REDUCED_COLOR_8 + resize",
                   reduced, repeats=20)


CASES = (overlay_vectorized_vs_loop, mask_decode_batch_vs_single, thumbnail_reduced_vs_full)
