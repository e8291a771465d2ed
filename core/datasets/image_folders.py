"""Image folders per class: plan an import of image-level labels.

Layout: one subfolder per class under a root folder, images inside (nested folders inside a
class folder belong to that class)::

    root/
      thumbs_up/  a.png b.jpg ...
      palm/       c.png ...

Storage convention (read by the gesture family): an image-level label is stored as ONE
annotation whose box is the whole image ``(0, 0, width, height)``, with ``seg_kind=None``,
``segmentation=None`` and ``source="image_label"``. Nothing else marks it: a reader that wants
the class of an image looks for its annotation with ``source == "image_label"``.

Class folders become categories (sorted by name, no source id). What the report says:

- an image that cannot be read is skipped;
- images lying directly in the root (in no class folder) are skipped, counted in one item;
- a class folder without images makes no category (skipped, one item each);
- nothing importable at all is a rejection. A root without any subfolder is not this format
  and raises `DataError` straight away.
"""
from __future__ import annotations

from pathlib import Path

from core.datasets.plan import ImportPlan, PlannedCategory, PlannedImage
from core.datasets.report import ImportReport
from core.datasets.sources import IMAGE_SUFFIXES, ImageProblem, image_sha256, probe_image
from core.errors import DataError
from core.jobs.reporter import NullReporter, Reporter
from core.project import catalog

IMAGE_LABEL_SOURCE = "image_label"


def _hidden(path: Path, root: Path) -> bool:
    return any(s.startswith(".") for s in path.relative_to(root).parts)


def class_folders(root: Path) -> list[Path]:
    """The visible subfolders of `root`, sorted by name."""
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def plan_image_folders_import(root_dir: str | Path, reporter: Reporter | None = None) -> ImportPlan:
    """Read every class folder and check its images; nothing is written."""
    reporter = reporter or NullReporter()
    root = Path(root_dir).expanduser().resolve()
    if not root.is_dir():
        raise DataError(f"The image folder {root} does not exist.")
    classes = class_folders(root)
    if not classes:
        raise DataError(f"{root} has no class subfolders: put the images of each class in a folder named after "
                        "the class (e.g. palm/, fist/).")
    plan = ImportPlan(format="image_folders", source=str(root), report=ImportReport(source=root.name))
    loose = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if loose:
        names = ", ".join(p.name for p in sorted(loose)[:3])
        plan.report.skipped("root images", f"{len(loose)} image(s) lie directly in {root.name} instead of a class "
                            f"folder and were not imported (e.g. {names}).")
    todo = [(c, sorted(p for p in c.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                       and not _hidden(p, root))) for c in classes]
    total = sum(len(files) for _, files in todo)
    done = 0
    labels: list[tuple[int, str]] = []     # (image index, class name)
    for folder, files in todo:
        if not files:
            plan.report.skipped(f"class {folder.name}", f"Skipped because the folder {folder.name} holds no images "
                                f"({', '.join(IMAGE_SUFFIXES)}); no category is made for it.")
            continue
        for path in files:
            done += 1
            reporter.progress(done, total, stage="check images")
            name = path.relative_to(root).as_posix()
            what = f"image {name}"
            try:
                width, height = probe_image(path)
                sha = image_sha256(path)
            except ImageProblem as exc:
                plan.report.skipped(what, f"Skipped because {exc}.")
                continue
            plan.images.append(PlannedImage(name, path, width, height, None, sha, what=what))
            labels.append((len(plan.images) - 1, folder.name))
    names = sorted({c for _, c in labels})
    plan.categories = [PlannedCategory(n) for n in names]
    index = {n: i for i, n in enumerate(names)}
    for image_idx, cls in labels:
        im = plan.images[image_idx]
        plan.annotations.append(catalog.Annotation(
            id=None, image_id=image_idx, category_id=index[cls], bbox=(0.0, 0.0, float(im.width), float(im.height)),
            area=float(im.width * im.height), iscrowd=0, seg_kind=None, segmentation=None,
            source=IMAGE_LABEL_SOURCE))
    if not plan.images:
        why = "its class folders hold no images" if total == 0 else f"none of its {total} image(s) can be read"
        plan.report.rejected("images", f"Nothing to import: {why}.")
    return plan


def export_image_folders(project, out_dir: str | Path, split: str | None = None) -> dict:
    """Write each labelled image (of `split`, or all) as OUT/<class>/<name>, the layout
    `plan_image_folders_import` reads back, so a gesture project round-trips. The class of an image
    is its image-level label (or, for images with boxes, the class of its first box). Files go
    through a staging folder: a failure leaves OUT as it was. Returns {"path", "images", "classes"}."""
    import os
    import shutil
    import uuid

    from core.datasets.plan import unique_media_path

    if split is not None and split not in catalog.SPLITS:
        raise DataError(f"Unknown split {split!r}; choose one of: {', '.join(catalog.SPLITS)}.")
    records = catalog.images(project, split)
    if split is not None and not records:
        raise DataError(f"The {split!r} split has no images; run `studio data split` first.")
    names = {c.id: c.name.replace("/", "_") for c in catalog.categories(project)}
    anns = catalog.annotations(project, [r.id for r in records])
    out = Path(out_dir).expanduser().resolve()
    staging = out / f".studio-export-{uuid.uuid4().hex[:12]}"
    used: set[str] = set()
    written: list[str] = []
    try:
        for r in records:
            labelled = [a for a in anns.get(r.id, []) if a.category_id is not None and not a.iscrowd]
            if not labelled:
                continue
            own = [a for a in labelled if a.source == IMAGE_LABEL_SOURCE] or labelled
            rel = unique_media_path(f"{names[own[0].category_id]}/{Path(r.file_name).name}", used)
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(project.resolve(r.path), dest)
            written.append(rel.as_posix())
        for rel in written:
            final = out / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, final)
    except OSError as exc:
        raise DataError(f"Could not write the image folders into {out}: {exc.strerror or exc}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"path": str(out), "images": len(written), "classes": sorted({w.split("/")[0] for w in written})}
