"""Toy data: small images whose dominant color is their class, as image folders per class, and a
video whose color changes every few frames."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

COLORS = {"blue": (255, 40, 40), "green": (40, 255, 40), "red": (40, 40, 255)}   # BGR


def image(color: str, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    base = np.array(COLORS[color], np.float32)
    noise = rng.normal(0, 30, (size, size, 3))
    return np.clip(base * rng.uniform(0.6, 1.0) + noise, 0, 255).astype(np.uint8)


def write_folders(root: Path, per_class: int = 12, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for color in COLORS:
        (root / color).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            cv2.imwrite(str(root / color / f"{color}_{i:03d}.png"), image(color, rng))
    return root


def write_video(path: Path, frames: int = 12, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 6.0, (64, 64))
    names = list(COLORS)
    for i in range(frames):
        writer.write(cv2.resize(image(names[(i // 4) % 3], rng), (64, 64)))
    writer.release()
    return path


def import_sample_data(project, num_images: int = 36, size: int = 32, seed: int = 0, reporter=None):
    """The toy family's sample data: colour images in class folders, imported as a user would."""
    import tempfile

    from core.datasets.image_folders import plan_image_folders_import
    from core.datasets.plan import commit_import

    with tempfile.TemporaryDirectory(prefix="toy-") as tmp:
        root = write_folders(Path(tmp) / "colors", per_class=max(1, num_images // len(COLORS)), seed=seed)
        return commit_import(project, plan_image_folders_import(root), copy=True, reporter=reporter)
