"""The jobs panel: a live job's row with progress and a Stop button that stops it (with a
checkpoint), finished jobs listed once, and earlier jobs of the project from its jobs table
(a 'running' job whose process is gone reads interrupted)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QPushButton

from conftest import create_run, tiny_spec
from core.project import Project, runs
from studio.controllers.jobs import JobController
from studio.session import Session
from studio.ui.jobs_panel import JobsPanel


def _panel(qtbot, root):
    session, jobs = Session(), JobController()
    panel = JobsPanel(session, jobs)
    qtbot.addWidget(panel)
    panel.resize(900, 200)
    panel.show()
    session.open_project(root)
    return panel


def _rows(panel) -> list[list[str]]:
    tree = panel.tree
    return [[tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]
            for i in range(tree.topLevelItemCount())]


def test_a_live_job_shows_progress_and_its_stop_button_stops_it(qtbot, make_seg_project):
    project = make_seg_project()
    create_run(project, "live", tiny_spec(total_steps=400, checkpoint_interval=100))
    panel = _panel(qtbot, project.root)
    job = panel.jobs.start("train", project.root, run="live")
    item = panel.tree.topLevelItem(0)
    assert item.text(0) == "train live"
    bar = panel.tree.itemWidget(item, 2)
    assert isinstance(bar, QProgressBar)
    qtbot.waitUntil(lambda: bar.value() > 0, timeout=90_000)
    assert item.text(1) == "running" and item.text(3)        # an ETA once steps are timed
    stop = panel.tree.itemWidget(item, 6).findChild(QPushButton)
    assert stop.isEnabled()
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    assert item.text(1) == "stopping" and not stop.isEnabled()
    qtbot.waitUntil(lambda: not job.is_active, timeout=90_000)
    step = job.last_event["step"]
    assert item.text(1) == "stopped" and item.text(5) == f"stopped at step {step}"
    with Project.open(project.root) as p:
        assert runs.get_run(p, "live").status == "stopped"
    panel.reload_history()
    assert [r[0] for r in _rows(panel)] == ["train live"]     # listed once, not again as history


def test_earlier_jobs_come_from_the_project_and_dead_ones_read_interrupted(qtbot, make_seg_project):
    project = make_seg_project()
    run = runs.create_run(project, "old", project.task, "task: instance_segmentation\n")
    done = runs.start_job(project, run.id, "export")
    runs.finish_job(project, done, "done")
    dead = runs.start_job(project, run.id, "train")
    runs.update_job(project, dead, pid=2 ** 22 + 12345)       # no such process
    panel = _panel(qtbot, project.root)
    rows = _rows(panel)
    assert [(r[0], r[1]) for r in rows] == [("train old", "interrupted"), ("export old", "done")]
    assert all(r[4].startswith("today ") for r in rows)


def test_a_worker_killed_with_sigkill_says_so_and_how_to_resume(qtbot, make_seg_project):
    import os
    import signal

    project = make_seg_project()
    create_run(project, "k", tiny_spec(total_steps=400, checkpoint_interval=100))
    panel = _panel(qtbot, project.root)
    job = panel.jobs.start("train", project.root, run="k")
    events = []
    job.event.connect(events.append)
    qtbot.waitUntil(lambda: any(e.get("phase") == "train" for e in events), timeout=90_000)
    pid = job.pid
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: not job.is_active, timeout=30_000)
    item = panel.tree.topLevelItem(0)
    assert item.text(1) == "failed"
    assert f"The train worker (process {pid}) was killed by SIGKILL" in item.text(5)
    assert "press Resume to continue from its last checkpoint" in item.text(5)
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "killed"   # the dashboard hears it too
