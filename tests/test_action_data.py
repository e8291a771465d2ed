"""Action data: video import (a truncated, a 0-frame and a damaged video, identical videos, frame
counts, FFmpeg's messages kept off the terminal), clips read on the fly, HMDB-style split files, a
clip shorter than the window, clips marked on a video, stats / split / export of clip projects."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import core.datasets.video_folders as vf
from core.datasets.split_files import apply_split_files, clip_name, read_split_files
from core.datasets.synthetic_clips import ACTIONS, generate_action_folders, render_clip, write_video
from core.errors import DataError
from core.project import Project
from core.video.clip_frames import read_frames
from action_fixtures import action_project
from video_fixtures import truncated_avi

ROOT = Path(__file__).resolve().parents[1]


def gray_video(path: Path, n: int, codec: str = "mp4v") -> Path:
    """Frame i is noise seeded by i (so every frame differs and survives compression distinctly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), 10.0, (32, 32))
    for i in range(n):
        w.write(np.random.default_rng(i).integers(0, 255, (32, 32, 3), np.uint8))
    w.release()
    return path


def zero_frame_video(path: Path) -> Path:
    """A container OpenCV opens but that holds no frame (a writer closed before any frame)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (32, 32))
    w.release()
    return path


# --- reading clips -------------------------------------------------------------------------------

def test_frames_are_read_on_the_fly_and_seeking_is_exact(tmp_path):
    video = gray_video(tmp_path / "v.mp4", 40)
    every = read_frames(video, list(range(40)))
    assert every.shape == (40, 32, 32, 3)
    for start in (0, 7, 21, 32):
        assert np.array_equal(read_frames(video, list(range(start, start + 8))), every[start:start + 8])
    assert np.array_equal(read_frames(video, [5, 3, 5]), every[[5, 3, 5]])       # any order, repeats
    folder = tmp_path / "f"
    folder.mkdir()
    for i in range(5):
        cv2.imwrite(str(folder / f"{i + 1:06d}.png"), np.full((8, 8, 3), 10 * i, np.uint8))
    assert [int(f[0, 0, 0]) for f in read_frames(folder, [4, 0, 2])] == [40, 0, 20]
    with pytest.raises(DataError, match="ends before frame 41"):
        read_frames(video, [39, 40])
    with pytest.raises(DataError, match="holds 5 frames"):
        read_frames(folder, [5])


# --- importing videos ----------------------------------------------------------------------------

def test_truncated_zero_frame_and_damaged_videos_are_reported_and_skipped(tmp_path):
    root = tmp_path / "v"
    gray_video(root / "wave" / "good.mp4", 12)
    truncated_avi(root / "wave" / "cut.avi", frames=30, keep=6)
    zero_frame_video(root / "wave" / "empty.avi")
    (root / "clap").mkdir(parents=True)
    (root / "clap" / "moov.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)
    gray_video(root / "clap" / "ok.mp4", 9)
    plan = vf.plan_video_folders_import(root)
    assert sorted(v.file_name for v in plan.videos) == ["clap/ok.mp4", "wave/good.mp4"]
    cut = plan.report.find("video wave/cut.avi")[0]
    assert cut.action == "skipped" and "truncated: its header claims 30 frames but only 6 decode" in cut.reason
    assert "0 frames" in plan.report.find("video wave/empty.avi")[0].reason
    assert "FFmpeg: moov atom not found" in plan.report.find("video clap/moov.mp4")[0].reason
    assert {v.file_name: v.num_frames for v in plan.videos} == {"clap/ok.mp4": 9, "wave/good.mp4": 12}
    assert plan.clip_lines() == ["clap/ok.mp4: 9 frames (10 fps)", "wave/good.mp4: 12 frames (10 fps)"]


def test_opencv_messages_about_damaged_files_never_reach_the_terminal(tmp_path):
    # the command runs in a child process, so what reaches its file descriptor 2 can be read
    root = tmp_path / "v"
    gray_video(root / "wave" / "good.mp4", 6)
    (root / "wave" / "moov.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)
    proj = tmp_path / "p"
    assert subprocess.run([sys.executable, "-m", "studio.cli", "project", "new", str(proj), "--task",
                           "action_recognition"], cwd=ROOT, capture_output=True).returncode == 0
    out = subprocess.run([sys.executable, "-m", "studio.cli", "data", "import", str(proj), "--format", "video_folders",
                          "--videos", str(root)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "moov atom not found" not in out.stderr                       # nothing leaked from FFmpeg
    assert "skipped: video wave/moov.mp4: Skipped because OpenCV cannot open" in out.stdout
    assert "(FFmpeg: moov atom not found)" in out.stdout                 # ... it is quoted in the report
    assert "wave/good.mp4: 6 frames (10 fps)" in out.stdout              # a frame count per clip
    assert "probe videos 2/2" in out.stderr                              # progress


def test_byte_identical_videos_are_imported_once(tmp_path):
    root = tmp_path / "v"
    gray_video(root / "wave" / "a.mp4", 8)
    (root / "clap").mkdir(parents=True)
    (root / "clap" / "copy.mp4").write_bytes((root / "wave" / "a.mp4").read_bytes())
    gray_video(root / "clap" / "b.mp4", 5)
    for clip in ("f1", "f2"):                              # two identical frame folders
        (root / "clap" / clip / "rgb").mkdir(parents=True)
        for i in range(3):
            cv2.imwrite(str(root / "clap" / clip / "rgb" / f"{i + 1:06d}.png"), np.full((8, 8, 3), 30 * i, np.uint8))
    plan = vf.plan_video_folders_import(root)
    assert sorted(v.file_name for v in plan.videos) == ["clap/b.mp4", "clap/copy.mp4", "clap/f1/rgb"]
    assert "byte-identical to clap/copy.mp4" in plan.report.find("video wave/a.mp4")[0].reason   # first one wins
    assert "byte-identical to clap/f1/rgb" in plan.report.find("clip clap/f2/rgb")[0].reason
    project = Project.create(tmp_path / "p", "action_recognition")
    vf.commit_video_import(project, plan)
    other = tmp_path / "w"
    (other / "wave").mkdir(parents=True)
    (other / "wave" / "renamed.mp4").write_bytes((root / "wave" / "a.mp4").read_bytes())
    gray_video(other / "wave" / "new.mp4", 4)
    again = vf.reconcile_videos(project, vf.plan_video_folders_import(other))
    assert [v.file_name for v in again.videos] == ["wave/new.mp4"]
    assert "the project already has (video" in again.report.find("video wave/renamed.mp4")[0].reason
    project.close()


def test_frame_folders_import_with_and_without_the_rgb_level(tmp_path):
    root = tmp_path / "v"
    for clip, level, n in (("c1", "rgb", 5), ("c2", "", 7)):
        folder = root / "clap" / clip / level if level else root / "clap" / clip
        folder.mkdir(parents=True)
        for i in range(n):
            cv2.imwrite(str(folder / f"{i + 1:06d}.png"), np.full((8, 8, 3), 10 * i + len(clip + level), np.uint8))
    plan = vf.plan_video_folders_import(root)
    assert {v.file_name: v.num_frames for v in plan.videos} == {"clap/c1/rgb": 5, "clap/c2": 7}
    project = Project.create(tmp_path / "p", "action_recognition")
    vf.commit_video_import(project, plan)
    rows = project.conn.execute("SELECT v.file_name, v.path, c.start_frame, c.end_frame FROM clips c "
                                "JOIN videos v ON v.id = c.video_id ORDER BY v.file_name").fetchall()
    assert [(f, s, e) for f, _, s, e in rows] == [("clap/c1/rgb", 0, 4), ("clap/c2", 0, 6)]
    last = read_frames(project.resolve(rows[1][1]), [6])                  # frames copied and read back
    assert int(last[0, 0, 0, 0]) == 60 + len("c2")
    project.close()


# --- splits --------------------------------------------------------------------------------------

def test_hmdb_split_files_split_the_clips(tmp_path):
    root = tmp_path / "v"
    for name, n in (("a1", 5), ("a2", 6), ("a3", 7)):
        gray_video(root / "wave" / f"{name}.avi", n, codec="MJPG")
    for name in ("b1", "b2"):
        for i in range(4):
            (root / "clap" / name / "rgb").mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / "clap" / name / "rgb" / f"{i + 1:06d}.png"),
                        np.random.default_rng(hash(name) % 1000 + i).integers(0, 255, (8, 8, 3), np.uint8))
    splits = tmp_path / "splits"
    splits.mkdir()
    (splits / "wave_test_split1.txt").write_text("a1.avi 1\na2.avi 2\na3.avi 0\n")
    (splits / "clap_test_split1.txt").write_text("b1.avi 1 \n\nb2.avi 2\n")
    (splits / "wave_test_split2.txt").write_text("a1.avi 2\na2.avi 1\na3.avi 1\n")
    assert read_split_files(splits) == {"a1": "train", "a2": "val", "a3": None, "b1": "train", "b2": "val"}
    assert read_split_files(splits, number=2, heldout="test") == {"a1": "test", "a2": "train", "a3": "train"}
    assert clip_name("clap/b1/rgb") == "b1" and clip_name("wave/a1.avi") == "a1"

    project = Project.create(tmp_path / "p", "action_recognition")
    result = vf.commit_video_import(project, vf.plan_video_folders_import(root, split_files=splits))
    assert result.splits == {"train": 2, "val": 2, "test": 0}
    got = dict(project.conn.execute("SELECT v.file_name, s.split FROM clips c JOIN videos v ON v.id = c.video_id "
                                    "LEFT JOIN sample_splits s ON s.unit = 'clip' AND s.sample_id = c.id").fetchall())
    assert got == {"wave/a1.avi": "train", "wave/a2.avi": "val", "wave/a3.avi": None, "clap/b1/rgb": "train",
                   "clap/b2/rgb": "val"}
    again = apply_split_files(project, read_split_files(splits, number=2))
    assert again.sizes == {"train": 2, "val": 1, "test": 0} and len(again.unlisted) == 2
    assert "2 clip(s) are not in the split files" in " ".join(again.sentences())
    project.close()


def test_bad_split_files_are_one_sentence(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("a.avi 1\nb.avi three\n")
    with pytest.raises(DataError, match="s.txt line 2 is not 'name.avi 1|2|0'"):
        read_split_files(f)
    f.write_text("a.avi 1\na.avi 2\n")
    with pytest.raises(DataError, match="a.avi is listed as train in s.txt line 1 and as val"):
        read_split_files(f)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x_test_split2.txt").write_text("a.avi 1\n")
    with pytest.raises(DataError, match="not of split 1"):
        read_split_files(tmp_path / "d")


def test_a_seeded_70_30_split_by_clip_and_stats_of_clips(tmp_path):
    from core.datasets.stats import dataset_stats

    project = action_project(tmp_path, per_class=10, val=0.3)
    stats = dataset_stats(project)
    assert stats["clips"] == 30 and stats["clip_splits"] == {"train": 21, "val": 9, "test": 0, "unassigned": 0}
    assert all(c["val"] == 3 and c["train"] == 7 for c in stats["clip_classes"].values())   # stratified by class
    project.close()


# --- samples, short clips ------------------------------------------------------------------------

def test_clips_marked_on_a_video_are_samples_with_their_frame_range(tmp_path):
    from core.families import get_family
    from core.project.samples import samples
    from action_fixtures import tiny_action_spec

    project = action_project(tmp_path, per_class=2, frames=12)
    video_id, path = project.conn.execute("SELECT id, path FROM videos ORDER BY id").fetchone()
    grow = project.conn.execute("SELECT id FROM categories WHERE name = 'grow'").fetchone()[0]
    with project.transaction():
        clip_id = project.conn.execute("INSERT INTO clips (video_id, start_frame, end_frame, category_id, source) "
                                       "VALUES (?, 6, 9, ?, 'studio')", (video_id, grow)).lastrowid
    sample = next(s for s in samples(project, "clip") if s.id == clip_id)
    assert (sample.start_frame, sample.num_frames, sample.category_id) == (6, 4, grow)
    family = get_family("action_recognition")
    spec = tiny_action_spec(frames=4)
    frames = family.load_input(project, sample, spec)
    assert np.array_equal(frames, read_frames(project.resolve(path), [6, 7, 8, 9]))
    project.close()


def test_a_clip_shorter_than_the_window_is_padded_or_skipped_with_a_report(tmp_path):
    from core.families import get_family
    from action_fixtures import tiny_action_spec

    project = action_project(tmp_path, per_class=2, frames=5)
    family = get_family("action_recognition")
    spec = tiny_action_spec(frames=8)
    padded = family.dataset(project, spec, "train")
    assert len(padded) == len(family.samples(project, "train"))
    assert "have fewer than the 8 frames" in padded.notes[0] and "padded by repeating their last frame" in padded.notes[0]
    x, _ = padded[(0, 0)]
    assert x.shape == (3 * 8, 24, 24)
    frames = x.numpy().reshape(8, 3, 24, 24)
    assert np.array_equal(frames[5], frames[7])                        # the last frame repeated
    spec.data.short_clips = "skip"
    skipped = family.dataset(project, spec, "train")
    assert len(skipped) == 0 and "left out of training" in skipped.notes[0]
    project.close()


# --- export --------------------------------------------------------------------------------------

def test_clip_projects_export_frame_folders_with_split_lists_that_import_back(tmp_path, capsys):
    from studio.cli import main

    project = action_project(tmp_path, per_class=3, frames=6)
    project.close()
    proj = tmp_path / "proj"
    assert main(["data", "export", str(proj), "--format", "coco", str(tmp_path / "x.json")]) == 2
    assert "holds clips, not images: export them with --format frame_folders" in capsys.readouterr().err
    out = tmp_path / "exported"
    assert main(["data", "export", str(proj), str(out)]) == 0              # clip projects default to frame folders
    said = capsys.readouterr().out
    assert "Wrote 9 clip(s) of 3 classes (54 frames)" in said
    train = (out / "train.txt").read_text().split()
    val = (out / "val.txt").read_text().split()
    assert len(train) == 6 and len(val) == 3
    assert sorted(p.name for p in (out / train[0] / "rgb").iterdir()) == [f"{i:06d}.png" for i in range(1, 7)]
    assert main(["data", "export", str(proj), str(out)]) == 2              # never over an existing export
    assert "already exists" in capsys.readouterr().err
    back = Project.create(tmp_path / "back", "action_recognition")
    result = vf.commit_video_import(back, vf.plan_video_folders_import(out, split_files=out / "splits.txt"))
    assert result.clips == 9 and result.splits == {"train": 6, "val": 3, "test": 0}
    with Project.open(proj) as original:
        a = read_frames(original.resolve(original.conn.execute("SELECT path FROM videos ORDER BY id").fetchone()[0]),
                        [0, 5])
    b_path = back.conn.execute("SELECT path FROM videos ORDER BY file_name").fetchone()[0]
    assert read_frames(back.resolve(b_path), [0, 5]).shape == a.shape
    back.close()


def test_cli_split_by_split_files_and_stats(tmp_path, capsys):
    from studio.cli import main

    project = action_project(tmp_path, per_class=2, frames=4)
    names = [clip_name(f) for (f,) in project.conn.execute("SELECT file_name FROM videos ORDER BY id")]
    project.close()
    split_file = tmp_path / "list.txt"
    split_file.write_text("".join(f"{n}.avi {1 if i % 2 else 2}\n" for i, n in enumerate(names)))
    proj = tmp_path / "proj"
    assert main(["data", "split", str(proj), "--split-files", str(split_file)]) == 0
    assert "Split from the split files: train 3, val 3, test 0." in capsys.readouterr().out
    assert main(["data", "stats", str(proj), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["clip_splits"] == {"train": 3, "val": 3, "test": 0, "unassigned": 0}


# --- synthetic clips -----------------------------------------------------------------------------

def test_synthetic_clips_only_tell_their_class_by_motion(tmp_path):
    rng = np.random.default_rng(0)
    clips = {a: render_clip(rng, a, 32, 12) for a in ACTIONS}
    for a, c in clips.items():
        assert c.shape == (12, 32, 32, 3) and c.dtype == np.uint8
        assert np.abs(c[-1].astype(int) - c[0].astype(int)).mean() > 1.0, a     # something moved
    # the mean frame of a class says nothing: the mean image over many clips of any class is alike
    means = {a: np.mean([render_clip(np.random.default_rng(k), a, 32, 4)[0] for k in range(30)], axis=0)
             for a in ("move_left", "move_right")}
    assert np.abs(means["move_left"] - means["move_right"]).mean() < 12
    root = generate_action_folders(tmp_path / "a", 2, size=24, num_frames=6, actions=("grow", "circle"))
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.mkv")) == [
        "circle/circle_000.mkv", "circle/circle_001.mkv", "grow/grow_000.mkv", "grow/grow_001.mkv"]
    write_video(tmp_path / "x.mp4", list(clips["grow"]))
    assert read_frames(tmp_path / "x.mp4", list(range(12))).shape == (12, 32, 32, 3)
    # the demo's clips decode to the very pixels drawn (mp4v at this size changes them more than
    # the motion does)
    write_video(tmp_path / "x.mkv", list(clips["grow"]))
    drawn = np.stack(clips["grow"])[..., ::-1]
    assert np.array_equal(read_frames(tmp_path / "x.mkv", list(range(12))), drawn)
    assert np.abs(read_frames(tmp_path / "x.mp4", list(range(12))).astype(int) - drawn).mean() > 1.0
    with pytest.raises(ValueError, match="mkv"):
        write_video(tmp_path / "x.mov", list(clips["grow"]))
