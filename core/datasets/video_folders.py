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

Videos are probed by decoding every frame (OpenCV; FFmpeg's own complaints are captured, not
printed, and quoted in the report): a video that cannot be opened or has no decodable frame, or
one that ends well before the frame count its header claims (truncated), is skipped with the
reason; a header a frame or two off is corrected to the frames that decode. Frames are not
extracted: clips are read from the videos when they are used (`core.video.clip_frames` says why,
with the measurement). Every clip's frame count is in the plan (`VideoImportPlan.clip_lines`) and
the CLI prints it.

Byte-identical videos (the same sha256 of the file, or of a frame folder's frames) are imported
once: a later copy in the same import, or one the project already holds, is skipped and says
which clip it repeats.

Optional HMDB-style split files (``name.avi 1|2|0``, `core.datasets.split_files`; split 1 of a
folder of ``<class>_test_split<N>.txt`` files) assign the imported clips to train / val (the
files' test videos) in the same transaction.

Report (see `core.datasets.report`): an unreadable video or an empty frame folder is skipped;
videos directly in the root (in no class folder) and class folders without clips are skipped
with one item each; a clip the project already has (same linked path, same content, or same name,
size and frame count when copied) is skipped; nothing importable at all is a rejection.
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

import hashlib

from core.datasets.report import ImportReport
from core.datasets.sources import IMAGE_SUFFIXES, ImageProblem, probe_image
from core.errors import DataError
from core.fsutil import sha256_file
from core.jobs.reporter import NullReporter, Reporter
from core.project import Project, catalog, utcnow
from core.video.clip_frames import quiet_stderr
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
    sha256: str = ""        # of the file, or of the frame folder's frames in name order


@dataclass
class VideoImportPlan:
    source: str
    format: str = SOURCE
    categories: list[str] = field(default_factory=list)
    videos: list[PlannedVideo] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)
    splits: dict[str, str | None] | None = None    # clip name -> split, from split files (None: no files)

    @property
    def counts(self) -> dict[str, int]:
        return {"videos": len(self.videos), "clips": len(self.videos), "categories": len(self.categories),
                "frames": sum(v.num_frames for v in self.videos)}

    def clip_lines(self, limit: int = 20) -> list[str]:
        """'wave/clip1.mp4: 48 frames (12 fps)' per clip (the first `limit`), then the range."""
        lines = [f"{v.file_name}: {v.num_frames} frames" + (f" ({v.fps:g} fps)" if v.fps else "")
                 for v in self.videos[:limit]]
        if len(self.videos) > limit:
            counts = sorted(v.num_frames for v in self.videos)
            lines.append(f"... and {len(self.videos) - limit} more clip(s); frames per clip {counts[0]} to "
                         f"{counts[-1]}, median {counts[len(counts) // 2]}.")
        return lines


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
    splits: dict[str, int] | None = None      # clips per split written from split files


# ------------------------------------------------------------------------------ probing

def probe_video(path: Path) -> tuple[int, int, float | None, int]:
    """(width, height, fps or None, frame count) of a video file, every frame decoded;
    ImageProblem(reason) when it cannot be opened, has no frame, or ends well before the frame
    count its header claims. FFmpeg's messages are captured and quoted, never printed."""
    with quiet_stderr() as said:
        try:
            found = _decode_all(path)
        except ImageProblem as exc:
            problem = exc
        else:
            problem = None
    detail = f" (FFmpeg: {said[0].split('] ', 1)[-1]})" if said else ""
    if problem is not None:
        raise ImageProblem(f"{problem}{detail}")
    width, height, fps, decoded, claimed = found
    if claimed > decoded + max(1, claimed // 100):
        raise ImageProblem(f"the video {path.name} is truncated: its header claims {claimed} frames but only "
                           f"{decoded} decode{detail}")
    return width, height, fps, decoded


def _decode_all(path: Path) -> tuple[int, int, float | None, int, int]:
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ImageProblem(f"OpenCV cannot open the video {path.name} (damaged, or a codec it lacks)")
        ok, frame = cap.read()
        if not ok or frame is None:
            raise ImageProblem(f"the video {path.name} has no frame that can be decoded (0 frames)")
        height, width = frame.shape[:2]
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        claimed = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        decoded = 1
        while cap.grab():
            decoded += 1
    finally:
        cap.release()
    return int(width), int(height), (fps if 0.0 < fps < 1000.0 else None), decoded, claimed


def frames_sha256(files: list[Path]) -> str:
    """The content hash of a frame folder: its frames' bytes in name order."""
    h = hashlib.sha256()
    for f in files:
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _frames_folder(clip: Path) -> Path:
    return clip / "rgb" if (clip / "rgb").is_dir() else clip


def _frames(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not p.name.startswith("."))


# ------------------------------------------------------------------------------ plan

def plan_video_folders_import(root_dir: str | Path, split_files: str | Path | None = None,
                              reporter: Reporter | None = None) -> VideoImportPlan:
    """Read every class folder and probe its clips (and the split files, when given); nothing is written."""
    reporter = reporter or NullReporter()
    root = Path(root_dir).expanduser().resolve()
    if not root.is_dir():
        raise DataError(f"The video folder {root} does not exist.")
    splits = None
    if split_files:
        from core.datasets.split_files import read_split_files

        splits = read_split_files(split_files, number=1)
    classes = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    if not classes:
        raise DataError(f"{root} has no class subfolders: put the videos of each action in a folder named after "
                        "the action (e.g. wave/clip1.mp4).")
    plan = VideoImportPlan(source=str(root), report=ImportReport(source=root.name), splits=splits)
    loose = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
    if loose:
        plan.report.skipped("root videos", f"{len(loose)} video(s) lie directly in {root.name} instead of a class "
                            f"folder and were not imported (e.g. {sorted(loose)[0].name}).")
    todo = [(c, sorted(p for p in c.iterdir() if not p.name.startswith(".") and (
        p.is_dir() or p.suffix.lower() in VIDEO_SUFFIXES))) for c in classes]
    total, done = sum(len(t) for _, t in todo), 0
    names: list[str] = []
    seen: dict[str, str] = {}
    for folder, entries in todo:
        before = len(plan.videos)
        for entry in entries:
            done += 1
            reporter.progress(done, total, stage="probe videos")
            video = _plan_clip(entry, root, plan.report)
            if video is not None and _repeats(video, plan, seen):
                continue
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
    elif splits is not None:
        from core.datasets.split_files import assignment

        _, matched = assignment([(i, v.file_name) for i, v in enumerate(plan.videos)], splits)
        if not any(matched.sizes.values()):
            plan.report.rejected("split files", f"No clip is named in the split files {Path(split_files).name} "
                                 f"(they list e.g. {next(iter(splits))}.avi); check that they belong to these videos.")
        for name in matched.unlisted[:20]:
            plan.report.skipped(f"split of {name}", "Not listed in the split files: the clip is imported in no split.")
    return plan


def _repeats(video: PlannedVideo, plan: VideoImportPlan, seen: dict[str, str]) -> bool:
    """True (and a report item) when `video` has the content of one planned before it."""
    first = seen.get(video.sha256)
    if first is not None:
        plan.report.skipped(video.what, f"Skipped because it is byte-identical to {first}.")
        return True
    seen[video.sha256] = video.file_name
    return False


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
        return PlannedVideo(name, frames_dir, "frames", width, height, None, len(frames), -1, what,
                            frames_sha256(frames))
    name = entry.relative_to(root).as_posix()
    what = f"video {name}"
    try:
        width, height, fps, count = probe_video(entry)
    except ImageProblem as exc:
        report.skipped(what, f"Skipped because {exc}.")
        return None
    return PlannedVideo(name, entry, "file", width, height, fps, count, -1, what, sha256_file(entry))


def reconcile_videos(project: Project, plan: VideoImportPlan, copy: bool = True) -> VideoImportPlan:
    """A copy of `plan` without the clips the project already holds (see the module docstring)."""
    rows = project.conn.execute("SELECT id, file_name, path, width, height, num_frames, sha256 FROM videos").fetchall()
    by_path = {str(project.resolve(p).resolve()): i for i, _, p, _, _, _, _ in rows}
    by_sig = {(f, w, h, n): i for i, f, _, w, h, n, _ in rows}
    by_sha = {sha: (i, f) for i, f, _, _, _, _, sha in rows if sha}
    report = ImportReport(plan.report.source, list(plan.report.items))
    keep = []
    for v in plan.videos:
        existing = by_sig.get((v.file_name, v.width, v.height, v.num_frames)) if copy else \
            by_path.get(str(v.source_path.resolve()))
        if existing is not None:
            report.skipped(v.what, f"Skipped because the project already has this clip (video {existing}).")
            continue
        if v.sha256 and v.sha256 in by_sha:
            vid, name = by_sha[v.sha256]
            report.skipped(v.what, f"Skipped because it is byte-identical to {name}, which the project already has "
                                   f"(video {vid}).")
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
            clip_ids: list[tuple[int, str]] = []
            for v in plan.videos:
                path = project.relative(final_dir / v.file_name) if final_dir is not None else \
                    project.relative(v.source_path)
                vid = project.conn.execute(
                    "INSERT INTO videos (file_name, path, width, height, fps, num_frames, added_at, sha256) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (v.file_name, path, v.width, v.height, v.fps, v.num_frames, now, v.sha256 or None)).lastrowid
                clip_ids.append((project.conn.execute(
                    "INSERT INTO clips (video_id, start_frame, end_frame, category_id, source) VALUES (?, ?, ?, ?, ?)",
                    (vid, 0, v.num_frames - 1, existing[plan.categories[v.category]], SOURCE)).lastrowid, v.file_name))
            split_sizes = _write_splits(project, plan, clip_ids)
            report = {**plan.report.to_dict(), "videos": len(plan.videos), "clips": plan.clip_lines(limit=10_000),
                      **({"splits": split_sizes} if split_sizes is not None else {})}
            db["imports"].update(import_id, {"annotations": len(plan.videos), "report": json.dumps(report)})
            reporter.progress(1, 1, stage="commit", force=True)
    except BaseException:
        for folder in (staging, final_dir):
            if folder is not None and folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
        raise
    return VideoImportResult(import_id, len(plan.videos), len(plan.videos), created, reused, final_dir, plan.report,
                             plan.format, split_sizes)


def _write_splits(project: Project, plan: VideoImportPlan, clip_ids: list[tuple[int, str]]) -> dict[str, int] | None:
    """The new clips' splits from the plan's split files (inside the import's transaction)."""
    if plan.splits is None:
        return None
    from core.datasets.split_files import assignment

    splits, result = assignment(clip_ids, plan.splits)
    catalog.set_splits(project, {i: s for i, s in splits.items() if s is not None}, "clip")
    return result.sizes
