"""Export a clip project as frame folders plus split lists — the layout the action importer reads
back (and TAO's ActionRecognitionNet trains on):

    OUT/<class>/<clip>/rgb/000001.png ...      every frame of each clip's range
    OUT/train.txt  val.txt  test.txt           one "<class>/<clip>" per line, the clips of that split
    OUT/splits.txt                              HMDB style: "<clip>.avi 1|2|0" (train, val or test, none)

A clip named by its video's stem (or frame folder's name) gets its frame range appended when it
covers part of the video (`clip1_f10-41`), and a number when two clips would share a name.
The folder is written beside OUT and renamed into place at the end, so an export that fails or is
stopped leaves nothing half-written; OUT must not exist yet or be empty.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import cv2

from core.datasets.split_files import clip_name
from core.errors import DataError, JobStopped
from core.jobs.reporter import NullReporter, Reporter
from core.project import Project
from core.project.samples import samples
from core.video.clip_frames import read_frames

CHUNK = 64        # frames read at a time


def _names(rows: list, project: Project) -> list[str]:
    out, used = [], set()
    counts = dict(project.conn.execute("SELECT id, num_frames FROM videos").fetchall())
    for s, file_name in rows:
        name = clip_name(file_name or Path(s.path).name)
        if s.start_frame > 0 or (counts.get(s.video_id) and s.end_frame < counts[s.video_id] - 1):
            name = f"{name}_f{s.start_frame}-{s.end_frame}"
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        out.append(name)
    return out


def export_frame_folders(project: Project, out_dir: str | Path, split: str | None = None,
                         reporter: Reporter | None = None) -> dict[str, Any]:
    """Write every clip (of `split`, or all) as a frame folder under `out_dir`; returns a summary."""
    reporter = reporter or NullReporter()
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"{out} already exists and is not an empty folder; choose a new folder to export into.")
    clips = [s for s in samples(project, "clip", split) if s.category_id is not None]
    if not clips:
        what = f"in the {split!r} split" if split else "with an action label"
        raise DataError(f"The project has no clips {what} to export; import videos first (studio data import).")
    names = dict(project.conn.execute("SELECT id, name FROM categories").fetchall())
    files = dict(project.conn.execute("SELECT id, file_name FROM videos").fetchall())
    rows = [(s, files.get(s.video_id)) for s in clips]
    clip_names = _names(rows, project)
    staging = out.parent / f".{out.name}.export-{uuid.uuid4().hex[:8]}"
    lists: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    hmdb: list[str] = []
    frames_written = 0
    try:
        for n, (s, name) in enumerate(zip(clips, clip_names)):
            if reporter.should_stop():
                raise JobStopped("The export was stopped; nothing was written.")
            rel = f"{names[s.category_id]}/{name}"
            folder = staging / rel / "rgb"
            folder.mkdir(parents=True)
            path = project.resolve(s.path)
            for first in range(s.start_frame, s.end_frame + 1, CHUNK):
                chunk = list(range(first, min(first + CHUNK, s.end_frame + 1)))
                for k, frame in zip(chunk, read_frames(path, chunk)):
                    if not cv2.imwrite(str(folder / f"{k - s.start_frame + 1:06d}.png"),
                                       cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
                        raise DataError(f"Could not write a frame into {folder}; is the disk full?")
                    frames_written += 1
            if s.split in lists:
                lists[s.split].append(rel)
            hmdb.append(f"{name}.avi {dict(train=1, val=2, test=2).get(s.split or '', 0)}")
            reporter.progress(n + 1, len(clips), phase="export")
        for key, entries in lists.items():
            (staging / f"{key}.txt").write_text("".join(e + "\n" for e in entries), encoding="utf-8")
        (staging / "splits.txt").write_text("".join(e + "\n" for e in hmdb), encoding="utf-8")
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"path": str(out), "clips": len(clips), "frames": frames_written,
            "splits": {k: len(v) for k, v in lists.items()}, "classes": len({s.category_id for s in clips})}
