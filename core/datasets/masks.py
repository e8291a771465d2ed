"""Segmentation helpers on pycocotools: normalize, validate, rasterize, measure.

Stored segmentations (see `core.project.catalog`) are either polygons — a list of flat
``[x1, y1, x2, y2, ...]`` lists, each with at least 3 points — or an RLE with compressed string
counts ``{"size": [h, w], "counts": "..."}``. Uncompressed RLE (a list of run lengths, as COCO
uses for crowd regions) is re-encoded on import. Rasterization follows COCO exactly (pycocotools),
so a mask decoded here matches what the COCO evaluator sees.

A box-only annotation (``seg_kind`` None) rasterizes to its box, the usual fallback when a
segmentation model meets detection data.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
from pycocotools import mask as mask_utils


class SegmentationError(ValueError):
    """A segmentation that cannot be used; `str()` is the reason as a sentence fragment."""


@dataclass
class Normalized:
    kind: str | None              # "polygon", "rle" or None (nothing usable given: box only)
    segmentation: Any             # polygons list or RLE dict with str counts, or None
    notes: list[str] = field(default_factory=list)  # repairs made, as sentences


# ------------------------------------------------------------------------------ RLE strings

def rle_string_counts(s: str) -> list[int]:
    """Run lengths of a COCO compressed RLE string (the inverse of pycocotools' rleToString)."""
    counts: list[int] = []
    p = 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            if p >= len(s):
                raise SegmentationError("the compressed RLE string ends in the middle of a number")
            c = ord(s[p]) - 48
            if not 0 <= c < 64:
                raise SegmentationError(f"the compressed RLE string holds an invalid character {s[p]!r}")
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def _check_counts(counts: Sequence[int], h: int, w: int) -> None:
    if any(c < 0 for c in counts):
        raise SegmentationError("the RLE has a negative run length")
    total = sum(counts)
    if total != h * w:
        raise SegmentationError(f"the RLE run lengths add up to {total} pixels, but the mask is {h}x{w} = {h * w}")


def normalize_rle(seg: dict, h: int, w: int) -> dict:
    """An RLE dict (list or string counts) checked against the image size; string counts out."""
    size = seg.get("size")
    if not (isinstance(size, (list, tuple)) and len(size) == 2 and all(isinstance(v, int) for v in size)):
        raise SegmentationError("the RLE has no valid [height, width] size")
    if (int(size[0]), int(size[1])) != (h, w):
        raise SegmentationError(f"the RLE's size (height {size[0]}, width {size[1]}) does not match the "
                               f"image's (height {h}, width {w})")
    counts = seg.get("counts")
    if isinstance(counts, (bytes, bytearray)):
        counts = counts.decode("ascii", errors="replace")
    if isinstance(counts, str):
        _check_counts(rle_string_counts(counts), h, w)
        return {"size": [h, w], "counts": counts}
    if isinstance(counts, list):
        if not all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
            raise SegmentationError("the RLE counts are not all whole numbers")
        _check_counts(counts, h, w)
        rle = mask_utils.frPyObjects({"size": [h, w], "counts": counts}, h, w)
        return {"size": [h, w], "counts": rle["counts"].decode("ascii")}
    raise SegmentationError("the RLE counts are neither a list of run lengths nor a compressed string")


# ------------------------------------------------------------------------------ polygons

def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def normalize_polygons(seg: list) -> Normalized:
    """Keep the parts with >= 3 points (dropping the others with a note); raise if none is left."""
    notes: list[str] = []
    polys: list[list[float]] = []
    for i, part in enumerate(seg):
        if not isinstance(part, list) or not all(_number(v) for v in part):
            raise SegmentationError(f"polygon {i + 1} is not a list of numbers")
        flat = [float(v) for v in part]
        if len(flat) % 2:
            flat = flat[:-1]
            notes.append(f"polygon {i + 1} had an odd number of coordinates; the last one was dropped.")
        if len(flat) < 6:
            notes.append(f"polygon {i + 1} has {len(flat) // 2} point(s), fewer than 3; it was dropped.")
            continue
        polys.append(flat)
    if not polys:
        n = len(seg)
        raise SegmentationError("its polygon has fewer than 3 points" if n == 1
                                else f"none of its {n} polygons has 3 or more points")
    return Normalized("polygon", polys, notes)


def normalize_segmentation(seg: Any, h: int, w: int) -> Normalized:
    """Any COCO segmentation → stored form. Empty/None → kind None (box only)."""
    if seg is None or seg == [] or seg == {}:
        return Normalized(None, None)
    if isinstance(seg, dict):
        return Normalized("rle", normalize_rle(seg, h, w))
    if isinstance(seg, list):
        if all(isinstance(p, dict) for p in seg):  # a list of RLEs (one object in several pieces)
            rles = [_rle_bytes(normalize_rle(p, h, w)) for p in seg]
            merged = mask_utils.merge(rles)
            return Normalized("rle", {"size": [h, w], "counts": merged["counts"].decode("ascii")},
                              ["a list of RLE pieces was merged into one RLE."])
        if seg and all(_number(v) for v in seg):  # a single flat polygon without the outer list
            n = normalize_polygons([seg])
            n.notes.insert(0, "a bare polygon (not wrapped in a list) was wrapped.")
            return n
        return normalize_polygons(seg)
    raise SegmentationError(f"the segmentation is a {type(seg).__name__}, not polygons or an RLE")


# ------------------------------------------------------------------------------ rasterizing

def _rle_bytes(rle: dict) -> dict:
    counts = rle["counts"]
    return {"size": list(rle["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}


def _fields(ann: Any) -> tuple[str | None, Any, Sequence[float]]:
    """(seg_kind, segmentation, bbox) of a catalog.Annotation or a COCO annotation dict."""
    if isinstance(ann, dict):
        seg = ann.get("segmentation")
        kind = ann.get("seg_kind") or (None if not seg else "rle" if isinstance(seg, dict) else "polygon")
        return kind, seg, ann.get("bbox") or (0, 0, 0, 0)
    return ann.seg_kind, ann.segmentation, ann.bbox


def to_rle(kind: str | None, seg: Any, h: int, w: int, bbox: Sequence[float] | None = None) -> dict:
    """One pycocotools RLE (bytes counts) of a stored segmentation; box-only uses `bbox`."""
    if kind == "polygon":
        return mask_utils.merge(mask_utils.frPyObjects(seg, h, w))
    if kind == "rle":
        if isinstance(seg.get("counts"), list):
            return mask_utils.frPyObjects(seg, h, w)
        return _rle_bytes(seg)
    if bbox is None:
        raise SegmentationError("a box-only annotation needs its box to be rasterized")
    return mask_utils.frPyObjects(np.asarray([bbox], dtype=np.float64), h, w)[0]


def _decode(rles: list[dict]) -> np.ndarray:
    with warnings.catch_warnings():
        # pycocotools 2.0.x under numpy 2 warns about `copy=False` on every decode; harmless.
        warnings.simplefilter("ignore", DeprecationWarning)
        return mask_utils.decode(rles)


def annotation_mask(ann: Any, h: int, w: int) -> np.ndarray:
    """Bool (h, w) mask of one annotation (polygons, RLE of any kind, crowd or not, or its box)."""
    kind, seg, bbox = _fields(ann)
    return _decode([to_rle(kind, seg, h, w, bbox)])[:, :, 0].view(bool)


def annotation_masks(anns: Iterable[Any], h: int, w: int) -> np.ndarray:
    """Bool (N, h, w) masks of many annotations of one image, decoded in one call.

    The result views pycocotools' column-major buffer without copying (transposing to C order
    costs as much as decoding); use `np.ascontiguousarray` where C order matters.
    """
    rles = []
    for a in anns:
        kind, seg, bbox = _fields(a)
        rles.append(to_rle(kind, seg, h, w, bbox))
    if not rles:
        return np.zeros((0, h, w), dtype=bool)
    return _decode(rles).view(bool).transpose(2, 0, 1)


def encode_mask(mask: np.ndarray) -> dict:
    """A bool/uint8 (h, w) mask as a stored RLE (string counts)."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


# ------------------------------------------------------------------------------ measures

def mask_bbox(mask: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, w, h) of the pixels set in `mask`; (0, 0, 0, 0) when empty."""
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return (0.0, 0.0, 0.0, 0.0)
    x0, y0 = int(xs.min()), int(ys.min())
    return (float(x0), float(y0), float(xs.max() - x0 + 1), float(ys.max() - y0 + 1))


def segmentation_bbox(kind: str, seg: Any, h: int, w: int) -> tuple[float, float, float, float]:
    """COCO's box of a segmentation: polygon coordinates' extent (clipped), or the RLE's pixels."""
    if kind == "polygon":
        xs = [v for p in seg for v in p[0::2]]
        ys = [v for p in seg for v in p[1::2]]
        x0, y0 = max(0.0, min(xs)), max(0.0, min(ys))
        x1, y1 = min(float(w), max(xs)), min(float(h), max(ys))
        return (x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))
    x, y, bw, bh = (float(v) for v in mask_utils.toBbox(to_rle(kind, seg, h, w)))
    return (x, y, bw, bh)


def segmentation_area(kind: str | None, seg: Any, h: int, w: int,
                      bbox: Sequence[float] | None = None) -> float:
    """Pixel area of a segmentation (COCO's `area`); a box-only annotation's is w*h of its box."""
    if kind is None:
        return float(bbox[2] * bbox[3]) if bbox is not None else 0.0
    return float(mask_utils.area(to_rle(kind, seg, h, w)))
