"""Video folders per class: videos and frame folders probed, videos + clips rows, one transaction."""
from __future__ import annotations

import pytest

import core.datasets.video_folders as vf
from core.datasets.report import ImportRejected
from core.datasets.synthetic import generate_video
from core.errors import DataError
from core.project import Project
from data_fixtures import snapshot, write_png


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "proj", "action_recognition")
    yield p
    p.close()


def dataset(root):
    generate_video(root / "wave" / "w1.mp4", num_frames=7, size=32, seed=1, fps=10)
    generate_video(root / "wave" / "w2.avi", num_frames=5, size=32, seed=2, fps=10)
    for i in range(4):
        write_png(root / "clap" / "take1" / "rgb" / f"{i + 1:06d}.png", 40, 30, seed=i)
    for i in range(3):
        write_png(root / "clap" / "take2" / f"{i + 1:06d}.png", 40, 30, seed=10 + i)
    return root


def rows(project, sql):
    return project.conn.execute(sql).fetchall()


def test_videos_and_frame_folders_become_videos_and_clips(project, tmp_path):
    plan = vf.plan_video_folders_import(dataset(tmp_path / "v"))
    assert plan.report.items == []
    assert plan.categories == ["clap", "wave"]
    assert plan.counts == {"videos": 4, "clips": 4, "categories": 2, "frames": 19}
    result = vf.commit_video_import(project, plan)
    assert (result.videos, result.clips, result.categories_created) == (4, 4, ["clap", "wave"])
    videos = {r[0]: r[1:] for r in rows(project, "SELECT file_name, path, width, height, fps, num_frames FROM videos")}
    assert videos["wave/w1.mp4"][1:] == (32, 32, 10.0, 7)
    assert videos["clap/take1/rgb"][1:] == (40, 30, None, 4)
    assert videos["clap/take2"][4] == 3
    for _, (path, *_rest) in videos.items():
        assert path.startswith("media/import-") and (project.root / path).exists()  # copied into the project
    clips = rows(project, "SELECT v.file_name, c.start_frame, c.end_frame, k.name, c.source FROM clips c "
                          "JOIN videos v ON v.id = c.video_id JOIN categories k ON k.id = c.category_id")
    assert sorted(clips) == [("clap/take1/rgb", 0, 3, "clap", "video_folders"), ("clap/take2", 0, 2, "clap", "video_folders"),
                             ("wave/w1.mp4", 0, 6, "wave", "video_folders"), ("wave/w2.avi", 0, 4, "wave", "video_folders")]
    (imp,) = rows(project, "SELECT format, annotations FROM imports")
    assert imp == ("video_folders", 4)


def test_linking_references_in_place_and_reimport_skips(project, tmp_path):
    root = dataset(tmp_path / "v")
    vf.commit_video_import(project, vf.plan_video_folders_import(root), copy=False)
    paths = [r[0] for r in rows(project, "SELECT path FROM videos")]
    assert all(p.startswith(str(root)) for p in paths)
    again = vf.commit_video_import(project, vf.plan_video_folders_import(root), copy=False)
    assert again.videos == 0 and len(again.report.of("skipped")) == 4
    assert again.categories_reused == [] and again.categories_created == []


def test_unreadable_and_empty_are_skipped_with_reasons(tmp_path):
    root = dataset(tmp_path / "v")
    (root / "wave" / "broken.mp4").write_bytes(b"\x00" * 100)
    (root / "clap" / "empty_clip").mkdir()
    (root / "nothing").mkdir()
    generate_video(root / "loose.mp4", num_frames=2, size=16)
    plan = vf.plan_video_folders_import(root)
    assert len(plan.videos) == 4
    assert plan.report.find("video wave/broken.mp4")[0].action == "skipped"
    assert "holds no frame images" in plan.report.find("clip clap/empty_clip")[0].reason
    assert "no category is made" in plan.report.find("class nothing")[0].reason
    assert "lie directly in v" in plan.report.find("root videos")[0].reason
    assert "nothing" not in plan.categories


def test_nothing_readable_is_rejected_and_a_failure_rolls_back(project, tmp_path, monkeypatch):
    (tmp_path / "bad" / "wave").mkdir(parents=True)
    (tmp_path / "bad" / "wave" / "x.mp4").write_bytes(b"junk")
    plan = vf.plan_video_folders_import(tmp_path / "bad")
    assert plan.report.has_rejections
    before = snapshot(project)
    with pytest.raises(ImportRejected):
        vf.commit_video_import(project, plan)
    good = vf.plan_video_folders_import(dataset(tmp_path / "v"))
    monkeypatch.setattr(vf, "utcnow", lambda: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        vf.commit_video_import(project, good)
    assert snapshot(project) == before
    assert not any(p.name.startswith(".staging") for p in project.media_dir.iterdir())


def test_not_this_format_raises_a_sentence(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        vf.plan_video_folders_import(tmp_path / "none")
    (tmp_path / "flat").mkdir()
    with pytest.raises(DataError, match="no class subfolders"):
        vf.plan_video_folders_import(tmp_path / "flat")


def test_cli_imports_video_folders_with_a_dry_run_first(tmp_path, capsys):
    from studio.cli import main

    root = dataset(tmp_path / "v")
    proj = tmp_path / "actions"
    assert main(["project", "new", str(proj), "--task", "action_recognition"]) == 0
    assert main(["data", "import", str(proj), "--format", "video_folders"]) == 2
    assert "needs --videos DIR" in capsys.readouterr().err
    assert main(["data", "import", str(proj), "--format", "video_folders", "--videos", str(root), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would add 4 video(s) as 4 clip(s) of 19 frames; classes: clap, wave" in out
    with Project.open(proj) as p:
        assert rows(p, "SELECT count(*) FROM videos") == [(0,)]
    assert main(["data", "import", str(proj), "--format", "video_folders", "--videos", str(root)]) == 0
    assert "Imported 4 video(s) as 4 clip(s) (import 1, copied into" in capsys.readouterr().out
    with Project.open(proj) as p:
        assert rows(p, "SELECT count(*) FROM clips") == [(4,)]
    assert main(["data", "import", str(proj), "--format", "video_folders", "--videos", str(root)]) == 0
    assert "Nothing new was imported" in capsys.readouterr().out
