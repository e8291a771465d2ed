"""The Train page end to end: a tiny run started from the page streams curve points, stops with
a checkpoint, resumes to the end, and replays from events.jsonl in a new page; a run trained by
another process is followed from its events file; families without a trainer say so."""
import json
import os

from PySide6.QtCore import Qt

from conftest import create_run, tiny_spec
from core.project import Project, runs
from studio.controllers.jobs import JobController
from studio.pages.train import TrainPage
from studio.session import Session


def _page(qtbot, root):
    session, jobs = Session(), JobController()
    page = TrainPage(session, jobs)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    session.open_project(root)
    return page


def _finish(qtbot, job, timeout=90_000):
    qtbot.waitUntil(lambda: not job.is_active, timeout=timeout)


def _train_steps(events):
    return [e["step"] for e in events if e.get("event") == "metric" and e.get("phase") == "train"]


def test_start_stream_stop_resume_replay(qtbot, make_seg_project):
    project = make_seg_project()
    page = _page(qtbot, project.root)
    assert page.selected_run() is None and page.name_edit.text() == "run-001"
    page.draft_form.set_spec(tiny_spec(total_steps=8, checkpoint_interval=2))
    assert page.start_button.isEnabled()
    changed = []
    page.session.runs_changed.connect(lambda: changed.append(1))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert changed, "creating the run announces it"
    assert page.selected_run() == "run-001"
    assert (project.root / "runs" / "run-001" / "spec.yaml").exists()
    job = page.jobs.active("train", "run-001")[0]
    plot = page.dashboard.loss_plot
    qtbot.waitUntil(lambda: plot.point_count("loss") >= 2, timeout=90_000)    # live points in the plot
    assert page.stop_button.isEnabled() and not page.resume_button.isEnabled()
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    _finish(qtbot, job)
    assert job.status == "stopped"
    stopped_at = job.last_event["step"]
    assert 2 <= stopped_at < 8
    ckpts = sorted((project.root / "runs" / "run-001" / "checkpoints").glob("step-*.pt"))
    assert ckpts and ckpts[-1].name == f"step-{stopped_at:07d}.pt"
    qtbot.waitUntil(page.resume_button.isEnabled, timeout=5000)   # stopped runs resume
    assert page.dashboard.store.progress.status == "stopped"

    resumed = []
    qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    job2 = page.jobs.active("train", "run-001")[0]
    job2.event.connect(resumed.append)
    _finish(qtbot, job2)
    assert job2.status == "done", job2.message
    steps = _train_steps(resumed)
    assert steps[0] == stopped_at + 1 and steps[-1] == 8
    loss = page.dashboard.store.series["loss"]
    assert list(loss.steps) == list(range(1, 9))           # one curve, no duplicated steps
    assert page.dashboard.store.progress.done == 8
    qtbot.waitUntil(lambda: plot.point_count("loss") == 8, timeout=3000)
    assert page.dashboard.eval_plot.point_count("eval/mask_AP") == 1
    assert "mask_AP" in page.dashboard.values.text()
    assert "run-001" in page.run_combo.currentText() and "done" in page.run_combo.currentText()

    # re-opening: a new page (a new GUI session) replays the curves from events.jsonl
    again = _page(qtbot, project.root)
    assert again.selected_run() == "run-001"
    replay = again.dashboard.store.series["loss"]
    assert list(replay.steps) == list(range(1, 9))
    assert list(replay.values) == list(loss.values)
    assert again.dashboard.store.progress.status == "done"
    assert again.dashboard.loss_plot.point_count("loss") == 8
    text = again.dashboard.log_view.toPlainText()     # the story from the events, then the newest stderr
    assert "Resuming run-001 from step-" in text and "train done at step 8" in text
    assert sorted((project.root / "runs" / "run-001" / "logs").glob("train-*.log"))[-1].name in text
    assert not again.resume_button.isEnabled()   # done runs do not resume


def _event(step, loss):
    return {"event": "metric", "values": {"loss": loss, "lr": 0.01, "samples_per_s": 3.0}, "step": step,
            "phase": "train"}


def test_follows_a_run_trained_by_another_process(qtbot, make_seg_project):
    project = make_seg_project()
    create_run(project, "ext", tiny_spec(total_steps=100))
    run = runs.get_run(project, "ext")
    runs.update_run(project, "ext", status="running")
    events = project.run_dir("ext") / "events.jsonl"
    with open(events, "w") as f:
        for s in range(1, 4):
            f.write(json.dumps(_event(s, 1.0 / s)) + "\n")
    # a live train job row of another process (this test process: alive, not started by the page)
    job_id = runs.start_job(project, run.id, "train", events_path=str(events))
    assert runs.list_jobs(project, run.id)[-1].pid == os.getpid()

    page = _page(qtbot, project.root)
    assert page.selected_run() == "ext"             # the live run is shown on open
    assert "running" in page.run_combo.currentText()
    store = page.dashboard.store
    assert list(store.series["loss"].steps) == [1, 2, 3]
    assert page.stop_button.isEnabled() and not page.resume_button.isEnabled()
    with open(events, "a") as f:
        for s in range(4, 7):
            f.write(json.dumps(_event(s, 1.0 / s)) + "\n")
        f.write('{"event": "metric", "values": {"loss"')      # a partial line waits for its end
    qtbot.waitUntil(lambda: len(store.series["loss"]) == 6, timeout=5000)
    with open(events, "a") as f:
        f.write(': 0.1}, "step": 7, "phase": "train"}\n')
    qtbot.waitUntil(lambda: len(store.series["loss"]) == 7, timeout=5000)
    # the other process resumed from step 4: its file was trimmed and rewritten
    tmp = events.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(_event(s, 2.0)) + "\n" for s in range(1, 5)))
    os.replace(tmp, events)
    qtbot.waitUntil(lambda: list(store.series["loss"].steps) == [1, 2, 3, 4], timeout=5000)
    assert list(store.series["loss"].values) == [2.0] * 4
    # the other process ends: following stops, the run list refreshes
    changed = []
    page.session.runs_changed.connect(lambda: changed.append(1))
    runs.finish_job(project, job_id, "stopped")
    runs.update_run(project, "ext", status="stopped")
    qtbot.waitUntil(lambda: bool(changed), timeout=5000)
    qtbot.waitUntil(page.resume_button.isEnabled, timeout=3000)
    assert not page.stop_button.isEnabled()


def test_new_run_refusals_leave_nothing_behind(qtbot, make_seg_project):
    project = make_seg_project(num_images=6)
    create_run(project, "taken", tiny_spec())
    page = _page(qtbot, project.root)
    page.select_run(None)
    page.name_edit.setText("")
    qtbot.keyClicks(page.name_edit, "taken")
    assert "already exists" in page.message.text()
    page.name_edit.setText("bad name!")
    page.draft_form.set_spec(tiny_spec())
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "not a usable run name" in page.message.text()
    spec = tiny_spec()
    spec.data.train_split = "nope"
    page.draft_form.set_spec(spec)
    page.name_edit.setText("fresh")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "'nope' split has no images" in page.message.text()
    assert [r.name for r in runs.list_runs(project)] == ["taken"]
    assert not (project.root / "runs" / "fresh").exists() and not page.jobs.jobs
    # an invalid form cannot start
    page.draft_form.rows["train.momentum"].editor.widget.setText("x")
    page.draft_form.rows["train.momentum"].editor.on_change()
    assert not page.start_button.isEnabled()
    # copying a run's spec into a new draft
    page.select_run("taken")
    assert page.view_form.rows["train.total_steps"].editor.widget.isReadOnly()
    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    assert page.selected_run() is None and page.draft_form.spec() == tiny_spec()


def test_family_without_a_trainer_says_so(qtbot, tmp_path, monkeypatch):
    from family_standin import STANDIN, register

    register(monkeypatch, STANDIN)                       # known, but no trainer
    Project.create(tmp_path / "standin", "standin").close()
    page = _page(qtbot, tmp_path / "standin")
    assert page.body.currentWidget() is page.unavailable
    assert "training them arrives in a later version" in page.unavailable.text()


def test_ctrl_enter_starts_from_the_keyboard(qtbot, make_seg_project):
    project = make_seg_project(num_images=6)
    page = _page(qtbot, project.root)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=3000)
    page.draft_form.set_spec(tiny_spec())
    page.name_edit.setText("bad name!")
    page.name_edit.setFocus()
    qtbot.keyClick(page.name_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "not a usable run name" in page.message.text()      # start() ran, and refused
    assert not page.jobs.jobs and runs.list_runs(project) == []


def test_the_gui_process_never_imports_torch(make_seg_project):
    """Importing torch blocks the GUI thread for seconds: the pages work from spec metadata only."""
    import subprocess
    import sys

    project = make_seg_project(num_images=6)
    create_run(project, "r", tiny_spec())
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from studio.session import Session\n"
        "from studio.controllers.jobs import JobController\n"
        "from studio.pages.train import TrainPage\n"
        "from studio.pages.runs import RunsPage\n"
        "s, j = Session(), JobController()\n"
        "t, r = TrainPage(s, j), RunsPage(s, j)\n"
        f"s.open_project({str(project.root)!r})\n"
        "t.select_run(None); t.draft_form.spec(); r.table.select_names({'r'})\n"
        "print(t.selected_run(), 'torch' in sys.modules)\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "False"]


def _type(qtbot, widget, text):
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_the_schedule_follows_total_steps_in_the_main_windows_train_page(qtbot, make_seg_project, monkeypatch):
    """Changing only the run's length rescales warmup, decay steps and the intervals that would not
    fit; a field the user set is left alone; reset brings the default schedule back."""
    import core.hardware as hardware
    from core.specs.sections import TrainSpec
    from studio.main_window import MainWindow

    monkeypatch.setattr(hardware, "gpu_likely", lambda: False)     # the CPU profile, whatever this machine is
    project = make_seg_project(num_images=6)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_project(str(project.root))
    w.show_page("train")
    page = w.page("train")
    assert w.stack.currentWidget() is page
    form = page.draft_form
    assert form.spec().model.backbone == "resnet18"                  # the profile came from core.hardware
    total = form.rows["train.total_steps"].editor.widget
    warmup = form.rows["train.warmup_steps"].editor.widget
    decay = form.rows["train.learning_rate_steps"].editor.widget
    assert (total.value(), warmup.value(), decay.text()) == (2000, 200, "1400, 1800")

    _type(qtbot, total, "60")
    assert (warmup.value(), decay.text()) == (6, "42, 54")
    assert form.spec().train == TrainSpec().with_total_steps(60)     # checkpoint and eval intervals fit in 60
    assert form.spec().train.checkpoint_interval == 3 and form.spec().train.num_steps_per_eval == 15
    assert page.start_button.isEnabled() and not form.errors

    _type(qtbot, warmup, "10")                                       # the user's own warmup stays
    _type(qtbot, total, "120")
    assert (warmup.value(), decay.text()) == (10, "84, 108")

    qtbot.mouseClick(form.rows["train.total_steps"].reset, Qt.MouseButton.LeftButton)
    assert (total.value(), warmup.value(), decay.text()) == (2000, 10, "1400, 1800")

    # a decay the user typed past the end is refused with a sentence naming both keys
    _type(qtbot, total, "60")
    decay.setText("")
    qtbot.keyClicks(decay, "30, 1800")
    assert form.spec() is None and not page.start_button.isEnabled()
    assert "train.learning_rate_steps must be below train.total_steps (60), got 1800" in form.error_label.text()
    assert set(form.invalid_fields()) >= {"train.learning_rate_steps", "train.total_steps"}
    _type(qtbot, total, "90")                                        # the user's decay steps stay theirs
    assert decay.text() == "30, 1800"
