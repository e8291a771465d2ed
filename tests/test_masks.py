"""Mask helpers: every encoding normalizes and decodes exactly as pycocotools reads the source."""
from __future__ import annotations

import time

import numpy as np
import pytest

from core.datasets import masks
from core.datasets.masks import SegmentationError
from core.project.catalog import Annotation
from data_fixtures import compressed_rle, decode, uncompressed_rle

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

H, W = 30, 40


def _mask(seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = np.zeros((H, W), bool)
    for _ in range(3):
        y, x = rng.integers(0, H - 8), rng.integers(0, W - 8)
        m[y:y + rng.integers(2, 8), x:x + rng.integers(2, 8)] = True
    m[0, 0] = True  # a run of ones first: list counts start with 0
    return m


def test_string_counts_parser_matches_pycocotools():
    m = _mask()
    assert masks.rle_string_counts(compressed_rle(m)["counts"]) == uncompressed_rle(m)["counts"]


def test_every_encoding_normalizes_to_string_rle_and_decodes_the_same():
    m = _mask(1)
    for seg in (uncompressed_rle(m), compressed_rle(m)):
        n = masks.normalize_segmentation(seg, H, W)
        assert n.kind == "rle" and isinstance(n.segmentation["counts"], str) and not n.notes
        assert np.array_equal(masks.annotation_mask({"segmentation": n.segmentation}, H, W), m)
    for crowd in (0, 1):
        ann = Annotation(None, 1, 1, (0, 0, 1, 1), iscrowd=crowd, seg_kind="rle",
                         segmentation=compressed_rle(m))
        assert np.array_equal(masks.annotation_mask(ann, H, W), m)
    # a COCO dict with list counts straight from a file decodes too (no normalization needed)
    assert np.array_equal(masks.annotation_mask({"segmentation": uncompressed_rle(m), "iscrowd": 1}, H, W), m)


def test_polygons_match_coco_rasterization_and_degenerate_parts_drop():
    polys = [[1, 1, 15, 1, 15, 12, 1, 12], [20, 5, 35, 5, 28, 25], [3, 3, 4, 4]]
    n = masks.normalize_segmentation(polys, H, W)
    assert n.kind == "polygon" and len(n.segmentation) == 2 and "polygon 3" in n.notes[0]
    assert np.array_equal(masks.annotation_mask({"segmentation": n.segmentation}, H, W), decode(polys[:2], H, W))
    odd = masks.normalize_segmentation([[1, 1, 9, 1, 9, 9, 5]], H, W)
    assert odd.segmentation == [[1, 1, 9, 1, 9, 9]] and "odd number" in odd.notes[0]
    bare = masks.normalize_segmentation([1, 1, 9, 1, 9, 9], H, W)
    assert bare.segmentation == [[1, 1, 9, 1, 9, 9]]


@pytest.mark.parametrize("seg, words", [
    ([[1, 1, 2, 2]], "fewer than 3 points"),
    ([[1, 1, 2, 2], [3, 3]], "none of its 2 polygons"),
    ([["a", 1, 2, 2, 3, 3]], "not a list of numbers"),
    ({"size": [H, W], "counts": [5, 5]}, "add up to 10 pixels"),
    ({"size": [H, W], "counts": "!!"}, "invalid character"),
    ({"size": [H + 1, W], "counts": [(H + 1) * W]}, "does not match"),
    ({"counts": [1]}, "no valid [height, width] size"),
    ("polygon", "is a str"),
])
def test_bad_segmentations_say_why(seg, words):
    with pytest.raises(SegmentationError, match=words.replace("[", r"\[").replace("]", r"\]")):
        masks.normalize_segmentation(seg, H, W)


def test_box_only_rasterizes_to_its_box_and_measures():
    ann = Annotation(None, 1, 1, (4, 5, 10, 6))
    m = masks.annotation_mask(ann, H, W)
    assert m.sum() == 60 and m[5:11, 4:14].all()
    assert masks.mask_bbox(m) == (4, 5, 10, 6)
    assert masks.segmentation_area(None, None, H, W, (4, 5, 10, 6)) == 60
    rle = compressed_rle(_mask(2))
    assert masks.segmentation_bbox("rle", rle, H, W) == masks.mask_bbox(_mask(2))
    assert masks.segmentation_area("rle", rle, H, W) == _mask(2).sum()
    assert masks.segmentation_bbox("polygon", [[-5, 2, 50, 2, 20, 40]], H, W) == (0, 2, W, H - 2)
    assert masks.mask_bbox(np.zeros((3, 3), bool)) == (0, 0, 0, 0)


def test_batch_decode_matches_single_and_is_fast():
    anns = []
    for i in range(60):
        m = _mask(i)
        if i % 3 == 0:
            anns.append({"segmentation": compressed_rle(m)})
        elif i % 3 == 1:
            anns.append(Annotation(None, 1, 1, (2, 2, 5, 5), seg_kind="polygon",
                                   segmentation=[[i % 20, 1, 30, 3, 25, 20]]))
        else:
            anns.append(Annotation(None, 1, 1, (1.5, 2.5, 7, 9)))
    stacked = masks.annotation_masks(anns, H, W)
    assert stacked.shape == (60, H, W) and stacked.dtype == bool
    for a, m in zip(anns, stacked):
        assert np.array_equal(masks.annotation_mask(a, H, W), m)
    assert masks.annotation_masks([], H, W).shape == (0, H, W)
    big = [Annotation(None, 1, 1, (0, 0, 1, 1), seg_kind="polygon",
                      segmentation=[[10, 10, 900, 40, 500, 700, 30, 650]]) for _ in range(100)]
    t = time.perf_counter()
    out = masks.annotation_masks(big, 768, 1024)
    assert out.shape == (100, 768, 1024)
    assert time.perf_counter() - t < 5.0  # ~0.1 s here; a pure-Python rasterizer would take minutes
