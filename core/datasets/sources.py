"""Reading an import's source files: JSON with clear errors, image headers, box clipping.

Shared by the format planners (`coco`, `labelme`). A JSON file that cannot be read at all raises
`DataError` with a sentence naming the file (and the line and column for a syntax error); an
image that cannot be read raises `ImageProblem`, which planners turn into a "skipped" item.
"""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any, Sequence

from PIL import Image, UnidentifiedImageError

from core.errors import DataError
from core.fsutil import sha256_file

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


class ImageProblem(Exception):
    """An image file that is missing or cannot be read; `str()` is the reason sentence."""


def read_json(path: str | Path, what: str = "") -> Any:
    """Parse a JSON file or raise DataError("annotations.json is not valid JSON (line 3, column 5): ...")."""
    p = Path(path)
    label = what or p.name
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{label} does not exist ({p}).") from None
    except IsADirectoryError:
        raise DataError(f"{label} is a folder, not a JSON file ({p}).") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{label} is not a UTF-8 text file (byte {exc.start} cannot be decoded); "
                        f"is it really a JSON file?") from None
    except OSError as exc:
        raise DataError(f"{label} cannot be read: {exc.strerror or exc}.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{label} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}.") from None
    except RecursionError:
        raise DataError(f"{label} is nested too deeply to be a dataset file.") from None


def probe_image(path: Path) -> tuple[int, int]:
    """(width, height) of an image file, checking it can be read as an image."""
    if not path.exists():
        raise ImageProblem(f"the file {path} does not exist")
    if not path.is_file():
        raise ImageProblem(f"{path} is not a file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PIL's DecompressionBombWarning and friends
            with Image.open(path) as im:
                size = im.size
                im.verify()
    except UnidentifiedImageError:
        raise ImageProblem(f"the file {path} is not an image format Studio can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem(f"the file {path} cannot be read as an image ({exc})") from None
    if size[0] < 1 or size[1] < 1:
        raise ImageProblem(f"the file {path} has no pixels")
    return int(size[0]), int(size[1])


def image_sha256(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:
        raise ImageProblem(f"the file {path} cannot be read: {exc.strerror or exc}") from None


def parse_box(value: Any) -> tuple[float, float, float, float] | None:
    """A COCO [x, y, w, h] of four finite numbers, or None."""
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        return None
    return tuple(float(v) for v in value)  # type: ignore[return-value]


def clip_box(box: Sequence[float], width: int, height: int) -> tuple[float, float, float, float]:
    """The part of an (x, y, w, h) box inside a width x height image (w or h 0 when outside)."""
    x, y, w, h = box
    x0, y0 = min(max(x, 0.0), width), min(max(y, 0.0), height)
    x1, y1 = max(min(x + w, float(width)), x0), max(min(y + h, float(height)), y0)
    return (x0, y0, x1 - x0, y1 - y0)


def fmt_box(box: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in box) + "]"
