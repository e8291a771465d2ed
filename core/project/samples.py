"""Samples: the units a family trains and is evaluated on, read from the project's tables.

- an image sample is one image (`ImageSample`, id = the image id);
- a crop sample is one annotated box of an image, cut out with a margin when it is used
  (`CropSample`, id = the annotation id); image-level labels are boxes covering the whole image;
- a clip sample is a frame range of a video or a frame folder with its action label
  (`ClipSample`, id = the clip id).

Splits are stored per unit (`sample_splits`): "image" for image and crop samples (the crops of
one image always share its split, so none straddles train and val), "clip" for clips. Nothing
here imports torch; loading pixels is the family's (`Family.load_input`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

from core.project.store import Project

KINDS = ("image", "crop", "clip")
UNIT_OF_KIND = {"image": "image", "crop": "image", "clip": "clip"}


@dataclass(frozen=True)
class ImageSample:
    id: int                 # the image id
    path: str               # as stored (relative to the project, or absolute)
    width: int
    height: int
    split: str | None

    kind = "image"

    @property
    def image_id(self) -> int:
        return self.id


@dataclass(frozen=True)
class CropSample:
    id: int                 # the annotation id
    image_id: int
    path: str
    width: int              # of the image
    height: int
    box: tuple[float, float, float, float]   # x, y, w, h in image pixels
    category_id: int
    split: str | None

    kind = "crop"


@dataclass(frozen=True)
class ClipSample:
    id: int                 # the clip id
    video_id: int
    path: str               # a video file, or a folder of frames
    start_frame: int        # first and last frame of the clip (inclusive)
    end_frame: int
    category_id: int | None
    width: int
    height: int
    fps: float | None
    split: str | None

    kind = "clip"

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame + 1

    def is_frame_folder(self, project: Project) -> bool:
        return Path(project.resolve(self.path)).is_dir()


Sample = Union[ImageSample, CropSample, ClipSample]


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown sample kind {kind!r}; one of {KINDS}")
    return kind


def samples(project: Project, kind: str, split: str | None = None) -> list[Sample]:
    """Every sample of `kind` (of `split`, or all), ordered by id."""
    unit = UNIT_OF_KIND[_check_kind(kind)]
    where, args = ("WHERE s.split = ?", (split,)) if split is not None else ("", ())
    join = f"LEFT JOIN sample_splits s ON s.unit = '{unit}' AND s.sample_id = "
    if kind == "image":
        rows = project.conn.execute(
            f"SELECT i.id, i.path, i.width, i.height, s.split FROM images i {join}i.id {where} ORDER BY i.id",
            args).fetchall()
        return [ImageSample(*r) for r in rows]
    if kind == "crop":
        rows = project.conn.execute(
            f"SELECT a.id, i.id, i.path, i.width, i.height, a.x, a.y, a.w, a.h, a.category_id, s.split "
            f"FROM annotations a JOIN images i ON i.id = a.image_id {join}i.id "
            f"{where + ' AND' if where else 'WHERE'} COALESCE(a.iscrowd, 0) = 0 AND a.w > 0 AND a.h > 0 ORDER BY a.id",
            args).fetchall()
        return [CropSample(r[0], r[1], r[2], r[3], r[4], (r[5], r[6], r[7], r[8]), r[9], r[10]) for r in rows]
    rows = project.conn.execute(
        f"SELECT c.id, c.video_id, v.path, c.start_frame, c.end_frame, c.category_id, v.width, v.height, v.fps, "
        f"s.split FROM clips c JOIN videos v ON v.id = c.video_id {join}c.id {where} ORDER BY c.id", args).fetchall()
    return [ClipSample(*r) for r in rows]


def count_samples(project: Project, kind: str, split: str | None = None) -> int:
    return len(samples(project, kind, split))


def sample_counts(project: Project, kind: str) -> dict[str, int]:
    """Samples of `kind` per split: {"train": n, "val": n, "test": n, "unassigned": n}."""
    out = {"train": 0, "val": 0, "test": 0, "unassigned": 0}
    for s in samples(project, kind):
        key = s.split if s.split in out else "unassigned"
        out[key] += 1
    return out


def split_unit(project: Project) -> str:
    """What this project's splits assign when nobody says: clips when it holds clips and no images."""
    has_images = project.conn.execute("SELECT 1 FROM images LIMIT 1").fetchone() is not None
    has_clips = project.conn.execute("SELECT 1 FROM clips LIMIT 1").fetchone() is not None
    return "clip" if has_clips and not has_images else "image"
