"""How an export names its images — one rule for every export format (COCO file_names, KITTI label
files):

- by default each image keeps the name it came with (the images table keeps it as its source named
  it, e.g. ``JPEGImages/2011_000003.jpg``), so the export re-imports elsewhere with the original
  images folder; two images of the export that came with the same name (from different imports)
  cannot both keep it: the export is refused with a sentence pointing to `with_images`;
- with ``with_images=DIR`` the images are copied into DIR and named by their path there: the
  source name, made relative and safe, with ``_1``, ``_2``... added to a name an earlier image took
  (`core.datasets.plan.unique_media_path`, the rule the importer uses for the project's media).
  Copied images go through a staging folder, so a failure leaves DIR as it was;
- with ``images_root=ROOT`` the names are the stored files' paths relative to ROOT.
"""
from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.datasets.plan import unique_media_path
from core.errors import DataError


@dataclass
class ExportNames:
    names: dict[int, str]           # image id -> its name in the export
    mode: str                       # "source", "copied" or "images_root"
    root: Path | None               # what the names are relative to (None: the sources)
    stored: dict[int, Path]         # image id -> the project's file
    sources: dict[int, tuple]       # image id -> (source_file, import_id)
    imgs: list

    def finish(self, what: str = "file_names") -> dict[str, Any]:
        """Copy the images when asked to; returns {"names": a sentence saying what `what` are relative
        to and how to re-import} (and "source_roots" for source names)."""
        if self.mode == "copied":
            _copy_images(self.root, {self.names[i]: self.stored[i] for i in self.names})
            return {"names": f"The {len(self.names)} image(s) were copied into {self.root} and the {what} are "
                             f"relative to it (re-import with --images {self.root})."}
        if self.mode == "images_root":
            return {"names": f"The {what} are relative to {self.root} (re-import with --images {self.root})."}
        roots = _source_roots(self.imgs, self.sources)
        return {"source_roots": roots, "names": _source_names_sentence(roots, what)}


def export_names(project, imgs: list, images_root: str | Path | None = None,
                 with_images: str | Path | None = None) -> ExportNames:
    """The names of `imgs` (image records) in an export (see the module docstring)."""
    if images_root is not None and with_images is not None:
        raise DataError("Choose either the images root or a folder to copy the images into, not both.")
    sources = {r[0]: (r[1], r[2]) for r in project.conn.execute("SELECT id, source_file, import_id FROM images")}
    stored = {im.id: project.resolve(im.path) for im in imgs}
    if with_images is not None:
        return ExportNames(_copy_names(imgs), "copied", Path(with_images).expanduser().resolve(), stored, sources,
                           imgs)
    if images_root is not None:
        root = Path(images_root).expanduser().resolve()
        return ExportNames({im.id: _file_name(stored[im.id], root) for im in imgs}, "images_root", root, stored,
                           sources, imgs)
    return ExportNames(_source_names(imgs, sources), "source", None, stored, sources, imgs)


def _source_names(imgs: list, sources: dict[int, tuple]) -> dict[int, str]:
    """Each image's file_name as its source named it; two images with one name are refused."""
    first: dict[str, Any] = {}
    for im in imgs:
        other = first.setdefault(im.file_name, im)
        if other is not im:
            a, b = sources[other.id][1], sources[im.id][1]
            where = f"imports {a} and {b}" if a != b else f"import {a}"
            raise DataError(f"Images {other.id} and {im.id} (from {where}) both came as {im.file_name!r}, so the "
                            "export cannot keep the names the data came with; export with --with-images DIR, which "
                            "copies the images and gives the second one its own name.")
    return {im.id: im.file_name for im in imgs}


def _copy_names(imgs: list) -> dict[int, str]:
    """Each image's path inside the folder it is copied into (see unique_media_path)."""
    used: set[str] = set()
    return {im.id: unique_media_path(im.file_name, used).as_posix() for im in imgs}


def _copy_images(folder: Path, files: dict[str, Path]) -> None:
    """Copy `files` (name in folder -> stored file) into `folder`: all into a staging folder first,
    then each moved into place; a failure removes the staging folder and leaves `folder` as it was."""
    staging = folder / f".studio-export-{uuid.uuid4().hex[:12]}"
    try:
        for name, src in files.items():
            dest = staging / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        for name in files:
            final = folder / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, final)
    except OSError as exc:
        raise DataError(f"Could not copy the images into {folder}: {exc.strerror or exc}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _source_roots(imgs: list, sources: dict[int, tuple]) -> list[str]:
    """The folders the images' source names are relative to (what to pass as --images), as far
    as the stored source files tell; "" stands for images that have no file of their own there."""
    roots: dict[str, None] = {}
    for im in imgs:
        source = sources[im.id][0] or ""
        name = im.file_name.replace("\\", "/")
        if Path(name).is_absolute():
            continue
        source_posix = source.replace("\\", "/")
        if "#" not in source and source_posix.endswith("/" + name):
            roots[source[:len(source) - len(name) - 1]] = None
        else:
            roots[""] = None     # embedded in the source (labelme imageData): no file to point at
    return list(roots)


def _source_names_sentence(roots: list[str], what: str = "file_names") -> str:
    """How to re-import an export that keeps the source names, from the folders they came from."""
    present = [r for r in roots if r and Path(r).is_dir()]
    gone = [r for r in roots if r and not Path(r).is_dir()]
    text = f"The {what} are the names the data came with"
    if len(present) == 1 and not gone and "" not in roots:
        return f"{text} (re-import with --images {present[0]})."
    if present:
        text += f" (relative to {present[0]})" if len(present) == 1 else \
            f", relative to {len(present)} different folders ({', '.join(present)})"
    if gone:
        text += f"; the folder(s) {', '.join(gone)} they came from no longer exist"
    if "" in roots:
        text += "; some images came embedded in their source files and have no file of their own"
    return text + "; export with --with-images DIR to put every image in one folder beside the export."


def _file_name(path: Path, root: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), root)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return path.resolve().as_posix()
