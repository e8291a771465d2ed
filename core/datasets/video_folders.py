"""Video folders per class (action recognition): plan an import, then commit it in one transaction.

Layout: one subfolder per class under a root folder. Inside a class folder, each clip is either
a video file (``.mp4``, ``.avi`` ... see `core.video.reader.VIDEO_SUFFIXES`) or a folder of
frames, ``<class>/<clip>/rgb/000001.png`` (the ``rgb`` level may be left out)::

    root/
      wave/   clip1.mp4  clip2.avi
      clap/   take1/rgb/000001.png 000002.png ...

Each clip becomes a row of the ``videos`` table (path, width, height, fps, num_frames, probed
with OpenCV; a frame folder's path is the folder of frames and its fps is unknown) and one
``clips`` row covering the whole video (start 0, end num_frames - 1) whose category is the class.
Videos are not images, so this module has its own small plan and commit, built like
`core.datasets.plan`: planning reads and checks everything and writes nothing; the commit copies
media into a staging folder, then ONE transaction records the import, moves the staging folder
to ``media/import-<id>/`` and inserts categories, videos and clips. A failure rolls back and
removes the copied files.

Report (see `core.datasets.report`): an unreadable video or an empty frame folder is skipped;
videos directly in the root (in no class folder) and class folders without clips are skipped
with one item each; a clip the project already has (same linked path, or same name, size and
frame count when copied) is skipped; nothing importable at all is a rejection.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from core.datasets.report import ImportReport
from core.datasets.sources import IMAGE_SUFFIXES, ImageProblem, probe_image
from core.errors import DataError
from core.jobs.reporter import NullReporter, Reporter
from core.project import Project, utcnow
from core.video.reader import VIDEO_SUFFIXES

SOURCE = "video_folders"


@dataclass
class PlannedVideo:
    file_name: str          # "wave/clip1.mp4" or "clap/take1/rgb" (posix, relative to the root)
    source_path: Path       # the video file, or the folder of frames
    kind: str               # "file" or "frames"
    width: int
    height: int
    fps: float | None
    num_frames: int
    category: int           # index in VideoImportPlan.categories
    what: str = ""


@dataclass
class VideoImportPlan:
    source: str
    format: str = SOURCE
    categories: list[str] = field(default_factory=list)
    videos: list[PlannedVideo] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)

    @property
    def counts(self) -> dict[str, int]:
        return {"videos": len(self.videos), "clips": len(self.videos), "categories": len(self.categories),
                "frames": sum(v.num_frames for v in self.videos)}


@dataclass
class VideoImportResult:
    import_id: int
    videos: int
    clips: int
    categories_created: list[str]
    categories_reused: list[str]
    media_dir: Path | None
    report: ImportReport
    format: str = SOURCE


# ------------------------------------------------------------------------------ probing

def probe_video(path: Path) -> tuple[int, int, float | None, int]:
    """(width, height, fps or None, frame count) of a video file; ImageProblem(reason) when unreadable."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ImageProblem(f"OpenCV cannot open the video {path.name} (damaged, or a codec it lacks)")
        ok, frame = cap.read()
        if not ok or frame is None:
            raise ImageProblem(f"the video {path.name} has no frame that can be decoded")
        height, width = frame.shape[:2]
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        if count <= 0:  # some containers do not say: count by decoding
            count = 1
            while cap.grab():
                count += 1
    finally:
        cap.release()
    return int(width), int(height), (fps if 0.0 < fps < 1000.0 else None), count


def _frames_folder(clip: Path) -> Path:
    return clip / "rgb" if (clip / "rgb").is_dir() else clip


def _frames(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not p.name.startswith("."))


# ------------------------------------------------------------------------------ plan

def plan_video_folders_import(root_dir: str | Path, reporter: Reporter | None = None) -> VideoImportPlan:
    """Read every class folder and probe its clips; nothing is written."""
    reporter = reporter or NullReporter()
    root = Path(root_dir).expanduser().resolve()
    if not root.is_dir():
        raise DataError(f"The video folder {root} does not exist.")
    classes = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    if not classes:
        raise DataError(f"{root} has no class subfolders: put the videos of each action in a folder named after "
                        "the action (e.g. wave/clip1.mp4).")
    plan = VideoImportPlan(source=str(root), report=ImportReport(source=root.name))
    loose = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
    if loose:
        plan.report.skipped("root videos", f"{len(loose)} video(s) lie directly in {root.name} instead of a class "
                            f"folder and were not imported (e.g. {sorted(loose)[0].name}).")
    todo = [(c, sorted(p for p in c.iterdir() if not p.name.startswith(".") and (
        p.is_dir() or p.suffix.lower() in VIDEO_SUFFIXES))) for c in classes]
    total, done = sum(len(t) for _, t in todo), 0
    names: list[str] = []
    for folder, entries in todo:
        before = len(plan.videos)
        for entry in entries:
            done += 1
            reporter.progress(done, total, stage="probe videos")
            video = _plan_clip(entry, root, plan.report)
            if video is not None:
                if folder.name not in names:
                    names.append(folder.name)
                video.category = names.index(folder.name)
                plan.videos.append(video)
        if len(plan.videos) == before:
            why = "holds no videos or frame folders" if not entries else "has no readable clip"
            plan.report.skipped(f"class {folder.name}", f"Skipped because the folder {folder.name} {why}; no "
                                "category is made for it.")
    plan.categories = names
    if not plan.videos:
        plan.report.rejected("videos", "Nothing to import: no class folder holds a readable video or frame folder.")
    return plan


def _plan_clip(entry: Path, root: Path, report: ImportReport) -> PlannedVideo | None:
    if entry.is_dir():
        frames_dir = _frames_folder(entry)
        name = frames_dir.relative_to(root).as_posix()
        what = f"clip {name}"
        frames = _frames(frames_dir)
        if not frames:
            report.skipped(what, f"Skipped because {name} holds no frame images and no rgb/ folder of frames.")
            return None
        try:
            width, height = probe_image(frames[0])
        except ImageProblem as exc:
            report.skipped(what, f"Skipped because its first frame is unreadable: {exc}.")
            return None
        return PlannedVideo(name, frames_dir, "frames", width, height, None, len(frames), -1, what)
    name = entry.relative_to(root).as_posix()
    what = f"video {name}"
    try:
        width, height, fps, count = probe_video(entry)
    except ImageProblem as exc:
        report.skipped(what, f"Skipped because {exc}.")
        return None
    return PlannedVideo(name, entry, "file", width, height, fps, count, -1, what)


def reconcile_videos(project: Project, plan: VideoImportPlan, copy: bool = True) -> VideoImportPlan:
    """A copy of `plan` without the clips the project already holds (see the module docstring)."""
    rows = project.conn.execute("SELECT id, file_name, path, width, height, num_frames FROM videos").fetchall()
    by_path = {str(project.resolve(p).resolve()): i for i, _, p, _, _, _ in rows}
    by_sig = {(f, w, h, n): i for i, f, _, w, h, n in rows}
    report = ImportReport(plan.report.source, list(plan.report.items))
    keep = []
    for v in plan.videos:
        existing = by_sig.get((v.file_name, v.width, v.height, v.num_frames)) if copy else \
            by_path.get(str(v.source_path.resolve()))
        if existing is not None:
            report.skipped(v.what, f"Skipped because the project already has this clip (video {existing}).")
            continue
        keep.append(v)
    used = sorted({v.category for v in keep})  # a class whose every clip is skipped makes no category
    remap = {old: new for new, old in enumerate(used)}
    keep = [dataclasses.replace(v, category=remap[v.category]) for v in keep]
    return dataclasses.replace(plan, videos=keep, report=report, categories=[plan.categories[i] for i in used])


# ------------------------------------------------------------------------------ commit

def _stage(plan: VideoImportPlan, staging: Path, reporter: Reporter) -> None:
    for n, v in enumerate(plan.videos):
        dest = staging / v.file_name
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            if v.kind == "frames":
                shutil.copytree(v.source_path, dest)
            else:
                shutil.copyfile(v.source_path, dest)
        except OSError as exc:
            raise DataError(f"Could not copy {v.source_path} into the project: {getattr(exc, 'strerror', None) or exc}."
                            ) from exc
        reporter.progress(n + 1, len(plan.videos), stage="copy")


def commit_video_import(project: Project, plan: VideoImportPlan, copy: bool = True,
                        reporter: Reporter | None = None) -> VideoImportResult:
    """Write `plan` into `project` in one transaction (see the module docstring)."""
    reporter = reporter or NullReporter()
    plan.report.raise_if_rejected()
    plan = reconcile_videos(project, plan, copy)
    staging = project.media_dir / f".staging-{uuid.uuid4().hex[:12]}"
    final_dir: Path | None = None
    try:
        if copy and plan.videos:
            _stage(plan, staging, reporter)
        with project.transaction() as db:
            import_id = db["imports"].insert(
                {"format": plan.format, "source": plan.source, "images": 0, "annotations": 0, "report": "{}",
                 "created_at": utcnow()}).last_pk
            if copy and plan.videos:
                final_dir = project.media_dir / f"import-{import_id}"
                if final_dir.exists():
                    final_dir = project.media_dir / f"import-{import_id}-{uuid.uuid4().hex[:8]}"
                os.replace(staging, final_dir)
            existing = dict(project.conn.execute("SELECT name, id FROM categories").fetchall())
            created = [c for c in plan.categories if c not in existing]
            reused = [c for c in plan.categories if c in existing]
            for name in created:
                existing[name] = project.conn.execute("INSERT INTO categories (name) VALUES (?)", (name,)).lastrowid
            now = utcnow()
            for v in plan.videos:
                path = project.relative(final_dir / v.file_name) if final_dir is not None else \
                    project.relative(v.source_path)
                vid = project.conn.execute(
                    "INSERT INTO videos (file_name, path, width, height, fps, num_frames, added_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (v.file_name, path, v.width, v.height, v.fps, v.num_frames, now)).lastrowid
                project.conn.execute(
                    "INSERT INTO clips (video_id, start_frame, end_frame, category_id, source) VALUES (?, ?, ?, ?, ?)",
                    (vid, 0, v.num_frames - 1, existing[plan.categories[v.category]], SOURCE))
            report = {**plan.report.to_dict(), "videos": len(plan.videos)}
            db["imports"].update(import_id, {"annotations": len(plan.videos), "report": json.dumps(report)})
            reporter.progress(1, 1, stage="commit", force=True)
    except BaseException:
        for folder in (staging, final_dir):
            if folder is not None and folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
        raise
    return VideoImportResult(import_id, len(plan.videos), len(plan.videos), created, reused, final_dir, plan.report,
                             plan.format)
