"""What an import would write (`ImportPlan`), checked against a project, then written at once.

Planning and committing are separate so that the GUI can show the validation report before
anything is written:

1. a format planner (`core.datasets.coco.plan_coco_import`, `...labelme.plan_labelme_import`)
   reads the source and returns an `ImportPlan` — no project involved, nothing written;
2. `reconcile(project, plan)` drops images the project already has (same source file, same
   stored path or same sha256 content) with a report item each, and tells which categories are
   new and which are reused by name (a reused name with another keypoint set is refused) — still
   nothing written;
3. `commit_import(project, plan, copy=True)` writes it: media are copied into a staging folder
   first, then ONE `project.transaction()` records the import, moves the staging folder to
   ``media/import-<id>/`` and inserts categories, images and annotations. If anything fails
   the transaction rolls back and the copied files are removed: the project is as it was.

In a plan, an `Annotation`'s `image_id` is the index of its image in `plan.images` and its
`category_id` the index of its category in `plan.categories` (None: an ignore region of every
class, see `core.project.catalog`).

A category whose every annotation `reconcile` drops (each of its images is a duplicate of one
kept, e.g. a class folder of symlinks) is not created: the report says so, beside the items
naming which image was kept for which.

Training ids: categories are matched by name across imports; a new category keeps the id it had
in its source as `source_id` (a reused one keeps the source id of the import that created it).
The contiguous ids a model trains with come from `training_label_map` (1..N in category-id order).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.datasets.keypoint_checks import project_schema_conflicts
from core.datasets.report import ImportReport
from core.errors import DataError
from core.jobs.reporter import NullReporter, Reporter
from core.project import Project, utcnow
from core.project.catalog import Annotation, annotation_row


@dataclass
class PlannedCategory:
    name: str
    source_id: int | None = None
    supercategory: str | None = None
    keypoints: list | None = None      # keypoint names (COCO person_keypoints)
    skeleton: list | None = None


@dataclass
class PlannedImage:
    file_name: str                 # as the source names it (posix, relative to the source's images folder)
    source_path: Path | None       # the file on disk; None when the image comes from `data`
    width: int
    height: int
    source_id: int | None = None
    sha256: str = ""
    data: bytes | None = None      # encoded image bytes (labelme imageData) when there is no file
    what: str = ""                 # how the report names it, e.g. "image 3 (a.png)"


@dataclass
class ImportPlan:
    format: str
    source: str                                  # the annotation file or folder imported
    categories: list[PlannedCategory] = field(default_factory=list)
    images: list[PlannedImage] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)
    new_categories: list[str] | None = None      # filled by `reconcile`
    reused_categories: list[str] | None = None

    @property
    def counts(self) -> dict[str, int]:
        return {"images": len(self.images), "annotations": len(self.annotations),
                "categories": len(self.categories)}

    @property
    def ignore_regions(self) -> int:
        """How many annotations are ignore regions of every class (KITTI DontCare, labelme __ignore__)."""
        return sum(1 for a in self.annotations if a.category_id is None)

    def annotations_per_image(self) -> list[int]:
        n = [0] * len(self.images)
        for a in self.annotations:
            n[a.image_id] += 1
        return n


@dataclass
class ImportResult:
    import_id: int
    images: int
    annotations: int
    categories_created: list[str]
    categories_reused: list[str]
    media_dir: Path | None                       # where copied images went (None when all linked)
    report: ImportReport
    format: str = ""                             # the plan's format (core.datasets.formats)
    ignore_regions: int = 0                      # of the annotations, how many are class-less ignore regions


# ------------------------------------------------------------------------------ categories

def remove_categories(plan: ImportPlan, indices: set[int]) -> None:
    """Take the categories at `indices` out of `plan` (in place), with their annotations; the
    other annotations follow their categories' new indices."""
    if not indices:
        return
    kept = [i for i in range(len(plan.categories)) if i not in indices]
    new_index = {old: new for new, old in enumerate(kept)}
    plan.categories = [plan.categories[i] for i in kept]
    out = []
    for a in plan.annotations:
        if a.category_id is None:
            out.append(a)
        elif a.category_id in new_index:
            a.category_id = new_index[a.category_id]
            out.append(a)
    plan.annotations = out


# ------------------------------------------------------------------------------ reconcile

def reconcile(project: Project, plan: ImportPlan) -> ImportPlan:
    """A copy of `plan` without the images the project (or the plan itself) already holds."""
    rows = project.conn.execute("SELECT id, path, source_file, sha256 FROM images").fetchall()
    by_path = {str(project.resolve(p)): i for i, p, _, _ in rows}
    by_source = {s: i for i, _, s, _ in rows if s}
    by_sha = {h: i for i, _, _, h in rows if h}
    seen_path: dict[str, str] = {}
    seen_sha: dict[str, str] = {}
    report = ImportReport(plan.report.source, list(plan.report.items))
    per_image = plan.annotations_per_image()
    keep: list[int] = []
    for idx in _real_files_first(plan.images):
        im = plan.images[idx]
        src = str(im.source_path.resolve()) if im.source_path is not None else None
        why = None
        if src is not None and (src in by_source or src in by_path):
            why = f"the project already has this file (image {by_source.get(src, by_path.get(src))})"
        elif im.sha256 and im.sha256 in by_sha:
            why = f"the project already has an image with the same content (image {by_sha[im.sha256]})"
        elif src is not None and src in seen_path:
            why = f"it is the same file as {seen_path[src]}, which is kept"
        elif im.sha256 and im.sha256 in seen_sha:
            why = f"it has the same content as {seen_sha[im.sha256]}, which is kept"
        if why:
            tail = f"; its {per_image[idx]} annotation(s) are skipped too" if per_image[idx] else ""
            report.skipped(im.what or f"image {im.file_name}", f"Skipped because {why}{tail}.")
            continue
        if src is not None:
            seen_path[src] = im.what or im.file_name
        if im.sha256:
            seen_sha[im.sha256] = im.what or im.file_name
        keep.append(idx)
    keep.sort()
    new_index = {old: new for new, old in enumerate(keep)}
    anns = [dataclasses.replace(a, image_id=new_index[a.image_id]) for a in plan.annotations
            if a.image_id in new_index]
    out = dataclasses.replace(plan, images=[plan.images[i] for i in keep], annotations=anns, report=report,
                              categories=list(plan.categories))
    existing = {r[0] for r in project.conn.execute("SELECT name FROM categories")}
    project_schema_conflicts(project, out.categories, report)
    _drop_emptied_categories(plan, out, existing)
    out.new_categories = [c.name for c in out.categories if c.name not in existing]
    out.reused_categories = [c.name for c in out.categories if c.name in existing]
    return out


def _real_files_first(images: list[PlannedImage]) -> list[int]:
    """The order `reconcile` looks at images in: for a file reached through links too (a class
    folder of symlinks), the file itself comes first, so it is kept and the links are the
    duplicates; otherwise the plan's order."""
    first: dict[str, int] = {}
    for idx, im in enumerate(images):
        if im.source_path is None:
            continue
        src = str(im.source_path.resolve())
        if src not in first or (images[first[src]].source_path.is_symlink() and not im.source_path.is_symlink()):
            first[src] = idx
    chosen = set(first.values())
    return [i for i in range(len(images)) if i in chosen or images[i].source_path is None] + \
        [i for i in range(len(images)) if i not in chosen and images[i].source_path is not None]


def _drop_emptied_categories(before: ImportPlan, after: ImportPlan, existing: set[str]) -> None:
    """Categories that had annotations in `before` and have none left in `after` (every one of
    their images was a duplicate) are taken out of `after`, each new one with a report item."""
    had = {a.category_id for a in before.annotations if a.category_id is not None}
    has = {a.category_id for a in after.annotations if a.category_id is not None}
    emptied = had - has
    for i in sorted(emptied):
        if after.categories[i].name in existing:
            continue      # the project has it already: nothing would be made
        n = sum(1 for a in before.annotations if a.category_id == i)
        after.report.skipped(f"class {after.categories[i].name}",
                             f"No category is made for it: every one of its {n} annotation(s) belongs to an image "
                             "that is a duplicate of one already kept (see the skipped images above).")
    remove_categories(after, emptied)


# ------------------------------------------------------------------------------ media

def _safe_relpath(file_name: str) -> PurePosixPath:
    parts = [p for p in PurePosixPath(file_name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    parts = [p for p in parts if not p.endswith(":")]  # a Windows drive
    return PurePosixPath(*parts) if parts else PurePosixPath("image")


def unique_media_path(file_name: str, used: set[str]) -> PurePosixPath:
    """Where an image named `file_name` by its source goes inside a folder Studio fills (the
    project's media, an export's images): the name made relative and safe (no "..", no drive),
    and, when an earlier image took it (compared case-insensitively, as some disks do),
    `<stem>_1<suffix>`, `<stem>_2<suffix>`... The result is added to `used`."""
    rel = _safe_relpath(file_name)
    first, k = rel, 1
    while str(rel).lower() in used:
        rel = first.with_name(f"{first.stem}_{k}{first.suffix}")
        k += 1
    used.add(str(rel).lower())
    return rel


def _stage_media(plan: ImportPlan, staging: Path, copy: bool, reporter: Reporter) -> dict[int, PurePosixPath]:
    """Copy (or write from `data`) the images that go into media; returns index → relative path."""
    used: set[str] = set()
    out: dict[int, PurePosixPath] = {}
    todo = [i for i, im in enumerate(plan.images) if copy or im.source_path is None]
    for n, idx in enumerate(todo):
        im = plan.images[idx]
        rel = unique_media_path(im.file_name, used)
        dest = staging / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            if im.source_path is None:
                dest.write_bytes(im.data or b"")
            else:
                shutil.copyfile(im.source_path, dest)
        except OSError as exc:
            raise DataError(f"Could not copy {im.source_path or im.file_name} into the project: {exc.strerror or exc}."
                            ) from exc
        out[idx] = rel
        reporter.progress(n + 1, len(todo), stage="copy")
    return out


# ------------------------------------------------------------------------------ commit

def commit_import(project: Project, plan: ImportPlan, copy: bool = True,
                  reporter: Reporter | None = None) -> ImportResult:
    """Write `plan` into `project` in one transaction (see the module docstring)."""
    reporter = reporter or NullReporter()
    plan.report.raise_if_rejected()
    plan = reconcile(project, plan)
    plan.report.raise_if_rejected()      # what only the project shows (a category's other keypoint set)
    staging = project.media_dir / f".staging-{uuid.uuid4().hex[:12]}"
    final_dir: Path | None = None
    try:
        staged = _stage_media(plan, staging, copy, reporter)
        with project.transaction() as db:
            import_id = db["imports"].insert(
                {"format": plan.format, "source": plan.source, "images": 0, "annotations": 0,
                 "report": "{}", "created_at": utcnow()}).last_pk
            if staged:
                final_dir = project.media_dir / f"import-{import_id}"
                if final_dir.exists():
                    final_dir = project.media_dir / f"import-{import_id}-{uuid.uuid4().hex[:8]}"
                os.replace(staging, final_dir)
            cat_ids = _write_categories(project, plan)
            img_ids = _write_images(project, plan, staged, final_dir, import_id)
            rows = []
            for a in plan.annotations:
                row = annotation_row(dataclasses.replace(
                    a, id=None, image_id=img_ids[a.image_id],
                    category_id=None if a.category_id is None else cat_ids[a.category_id]))
                row["import_id"] = import_id
                rows.append(row)
            if rows:
                cols = list(rows[0])
                project.conn.executemany(
                    f"INSERT INTO annotations ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [tuple(r[c] for c in cols) for r in rows])
            db["imports"].update(import_id, {
                "images": len(img_ids), "annotations": len(rows),
                "report": json.dumps(plan.report.to_dict())})
            reporter.progress(1, 1, stage="commit", force=True)
    except BaseException:
        for folder in (staging, final_dir):
            if folder is not None and folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)  # only exists when nothing was staged
    return ImportResult(import_id, len(plan.images), len(plan.annotations), list(plan.new_categories or []),
                        list(plan.reused_categories or []), final_dir, plan.report, plan.format,
                        plan.ignore_regions)


def _write_categories(project: Project, plan: ImportPlan) -> dict[int, int]:
    existing = dict(project.conn.execute("SELECT name, id FROM categories").fetchall())
    out = {}
    for idx, c in enumerate(plan.categories):
        if c.name not in existing:
            cur = project.conn.execute(
                "INSERT INTO categories (name, source_id, supercategory, keypoints, skeleton) VALUES (?, ?, ?, ?, ?)",
                (c.name, c.source_id, c.supercategory, json.dumps(c.keypoints) if c.keypoints else None,
                 json.dumps(c.skeleton) if c.skeleton else None))
            existing[c.name] = cur.lastrowid
        out[idx] = existing[c.name]
    return out


def _write_images(project: Project, plan: ImportPlan, staged: dict[int, PurePosixPath],
                  final_dir: Path | None, import_id: int) -> dict[int, int]:
    now = utcnow()
    out = {}
    for idx, im in enumerate(plan.images):
        if idx in staged:
            path = project.relative(final_dir / staged[idx])
        else:
            path = project.relative(im.source_path)
        source = str(im.source_path.resolve()) if im.source_path is not None else f"{plan.source}#{im.file_name}"
        cur = project.conn.execute(
            "INSERT INTO images (file_name, path, width, height, source_id, source_file, sha256, added_at, import_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (im.file_name, path, im.width, im.height, im.source_id, source, im.sha256 or None, now, import_id))
        out[idx] = cur.lastrowid
    return out


def training_label_map(project: Project) -> dict[int, int]:
    """Category id → contiguous training id 1..N (0 is the background), in category-id order."""
    ids = [r[0] for r in project.conn.execute("SELECT id FROM categories ORDER BY id")]
    return {cid: i + 1 for i, cid in enumerate(ids)}
