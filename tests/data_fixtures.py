"""Helpers shared by the data-room tests: tiny images, COCO/labelme files, project snapshots, the CLI."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from core.project import Project


def write_png(path: Path, w: int = 48, h: int = 40, seed: int = 0) -> Path:
    """A small noisy PNG (distinct content per seed, so sha256s differ)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), img)
    return path


def write_json(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def decode(seg, h: int, w: int) -> np.ndarray:
    """Reference decoding straight from pycocotools (what the source file means)."""
    if isinstance(seg, list):
        rle = mask_utils.merge(mask_utils.frPyObjects(seg, h, w))
    elif isinstance(seg["counts"], list):
        rle = mask_utils.frPyObjects(seg, h, w)
    else:
        rle = {"size": seg["size"], "counts": seg["counts"].encode("ascii")}
    return mask_utils.decode(rle).astype(bool)


def uncompressed_rle(mask: np.ndarray) -> dict:
    flat = mask.ravel(order="F").astype(np.uint8)
    counts, run, cur = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            run, cur = 0, v
        run += 1
    counts.append(run)
    return {"size": list(mask.shape), "counts": counts}


def compressed_rle(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": list(mask.shape), "counts": rle["counts"].decode("ascii")}


def snapshot(project: Project) -> tuple[list[str], list[str]]:
    """Everything an import could change: the database content and the media folder listing."""
    dump = list(project.conn.iterdump())
    media = sorted(p.relative_to(project.root).as_posix() for p in project.media_dir.rglob("*"))
    return dump, media


def data_cli(*argv: str) -> int:
    """Run `studio data ...` through this module's own parser (studio.cli lists modules not written yet)."""
    from studio.commands import data

    parser = argparse.ArgumentParser(prog="studio")
    sub = parser.add_subparsers(dest="command")
    data.register(sub)
    args = parser.parse_args(["data", *argv])
    return int(args.func(args) or 0)
