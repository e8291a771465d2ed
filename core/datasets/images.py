"""Reading project images for training, evaluation and inference."""
from __future__ import annotations

import cv2
import numpy as np

from core.errors import DataError


def read_rgb(path: str) -> np.ndarray:
    """An image file as RGB uint8 (H, W, 3); DataError naming the file when it cannot be read."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise DataError(f"The image {path} cannot be read (missing or not an image).")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
