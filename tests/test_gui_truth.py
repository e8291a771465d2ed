"""The studio shows the truth: journeys through the real main window (toy family, trains in
milliseconds) proving that a run started by the wizard attaches live to the Train page, a copied
run starts with empty plots, a newly opened project shows nothing of the last one on any page,
the progress readouts agree, and a job that ended has nothing left to stop."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from core.families import EXTRA_FAMILIES_ENV
from core.project import Project, catalog, runs
from gui_journeys import LOAD_MS, TOY, close_window, main_window, toy_trained, tree_rows

pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    monkeypatch.setattr("studio.wizard.step_estimate.measure", lambda task, spec, reporter=None: 0.01)   # tested in test_step_timing
    w = main_window(qtbot)
    yield w
    close_window(w)


def _plot_curves(dash) -> dict[str, list[str]]:
    return {p.title: p.curve_names() for p in dash.plots}


def test_a_run_started_by_the_wizard_trains_live_on_the_train_page(qtbot, window, tmp_path):
    from test_gui_wizard import choose, click, go_next, open_wizard

    wiz = open_wizard(qtbot, window, tmp_path, name="colors", family="toy_colors")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    wiz.import_page.forms["sample"].images.setValue(24)
    wiz.import_page.val.setValue(25)
    go_next(qtbot, wiz)
    qtbot.waitUntil(wiz.model_page.isComplete, timeout=LOAD_MS)
    go_next(qtbot, wiz)
    assert wiz.button(QWizard.WizardButton.FinishButton).text().replace("&", "") == "Create and train"
    with qtbot.waitSignal(wiz.created, timeout=LOAD_MS):
        click(qtbot, wiz.button(QWizard.WizardButton.FinishButton))
    job = wiz.job
    page = window.page("train")
    assert window.stack.currentWidget() is page and page.selected_run() == "run-001"
    assert page.dashboard.job is job                    # attached: the curves come from the job's events
    qtbot.waitUntil(lambda: not job.is_active, timeout=LOAD_MS)
    assert job.status == "done", job.message
    dash = page.dashboard
    qtbot.waitUntil(lambda: dash.loss_plot.point_count("loss_ce") > 0, timeout=5000)
    assert dash.store.progress.status == "done" and dash.store.progress.done == 40
    assert "done" in page.run_combo.currentText() and "40/40" in page.run_combo.currentText()
    assert "step 40 / 40  (100%)" in dash.progress.text()      # after "epoch N / M  ·  " where it counts epochs
    # what comes next, as links to the pages that do it
    assert page.controls.next_steps.isVisible()
    assert "href='optimize'" in page.controls.next_steps.text() and "href='preview'" in page.controls.next_steps.text()
    page.controls.next_steps.linkActivated.emit("optimize")
    assert window.stack.currentWidget() is window.page("optimize")
    # the jobs panel lists it once, with nothing left to stop
    panel = window.jobs_panel
    assert [r[:2] for r in tree_rows(panel.tree)] == [["train run-001", "done"]]
    assert panel.stop_button(job) is None


def test_copy_to_new_run_starts_with_empty_plots(qtbot, window, tmp_path):
    root = toy_trained(tmp_path)
    assert window.open_project(str(root))
    window.show_page("train")
    page = window.page("train")
    dash = page.dashboard
    qtbot.waitUntil(lambda: dash.eval_plot.point_count("eval/accuracy") == 2, timeout=LOAD_MS)
    assert dash.loss_plot.curve_names() and dash.lr_plot.curve_names()
    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    assert page.selected_run() is None
    assert _plot_curves(dash) == {p.title: [] for p in dash.plots}      # nothing of run r is drawn
    assert legend_count(dash) == 0
    assert dash.values.text().strip() == "" and dash.progress.value() == 0
    assert dash.title.full_text().startswith("New run")
    y0, y1 = dash.loss_plot.plot_item.vb.viewRange()[1]
    assert y1 - y0 >= 2.9          # the empty log plot spans decades (0.01 .. 10), not a crowded 1 .. 10
    page.run_combo.setCurrentIndex(page.run_combo.findData("r"))         # back to r: its curves again
    qtbot.waitUntil(lambda: dash.eval_plot.point_count("eval/accuracy") == 2, timeout=5000)
    qtbot.waitUntil(lambda: dash.loss_plot.curve_names() != [], timeout=5000)
    assert dash.loss_plot.plot_item.vb.autoRangeEnabled()[1]            # and the range follows them


def legend_count(dash) -> int:
    return sum(len(p.legend.items) for p in dash.plots)


def test_a_newly_opened_project_shows_nothing_of_the_last_one(qtbot, window, tmp_path):
    a = toy_trained(tmp_path / "A", name="a", onnx=True)
    assert window.open_project(str(a))
    for key in ("data", "label", "train", "runs", "optimize", "preview"):
        window.show_page(key)
        qtbot.wait(50)
    train, runs_page, optimize = window.page("train"), window.page("runs"), window.page("optimize")
    qtbot.waitUntil(lambda: train.dashboard.loss_plot.point_count("loss_ce") > 0, timeout=LOAD_MS)
    assert runs_page.compare.curve_plot.curve_names()
    # an export of A from the Optimize page: its sentence and its job row
    window.show_page("optimize")
    job = optimize.start_export({"format": "onnx", "opset": 17, "no_eval": False})
    qtbot.waitUntil(lambda: not job.is_active, timeout=LOAD_MS)
    assert job.status == "done", job.message
    assert "Exported" in optimize.export_panel.progress.label.text()
    assert any(r[0] == "export r" for r in tree_rows(window.jobs_panel.tree))
    preview = window.page("preview")
    assert preview.picker.models

    b = tmp_path / "B"
    Project.create(b, "toy_colors", name="b").close()
    assert window.open_project(str(b))
    # Train: no run of A, no curve, no log line
    assert [train.run_combo.itemText(i) for i in range(train.run_combo.count())] == ["New run"]
    assert _plot_curves(train.dashboard) == {p.title: [] for p in train.dashboard.plots}
    assert train.dashboard.log_view.toPlainText().strip() == ""
    # Runs: no row, no curve
    window.show_page("runs")
    assert runs_page.table.rowCount() == 0
    assert runs_page.compare.curve_plot.curve_names() == [] and runs_page.compare.eval_plot.curve_names() == []
    # Optimize: no artifact, no sentence about A's export
    window.show_page("optimize")
    assert optimize.table.rowCount() == 0 and optimize.run_combo.count() == 0
    assert optimize.export_panel.progress.label.text() == "" and optimize.export_panel.progress.isHidden() is False
    assert not optimize.export_panel.progress.label.isVisible() and not optimize.export_panel.progress.bar.isVisible()
    # Jobs: only B's (none)
    assert tree_rows(window.jobs_panel.tree) == []
    # Preview: no model, no class of A
    window.show_page("preview")
    assert preview.picker.models == [] and preview.picker.choice() is None
    assert preview.classes.names() == {}
    # Data and Label: B's (empty) data
    window.show_page("data")
    assert catalog.images(window.session.project) == []
    window.show_page("label")
    assert window.page("label").ids == [] and window.page("label").position.text() == "0 / 0"


def test_the_readouts_agree_while_training_and_after_a_stop(qtbot, window, tmp_path):
    root = toy_trained(tmp_path, total_steps=4)
    assert window.open_project(str(root))
    window.show_page("train")
    page = window.page("train")
    page.select_run(None)
    spec = page.draft_form.spec()
    spec.train = spec.train.with_total_steps(4000)
    spec.train.log_interval, spec.train.checkpoint_interval, spec.train.num_steps_per_eval = 10, 100, 0
    page.draft_form.set_spec(spec)
    page.name_edit.setText("long")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    job = window.jobs.active("train", "long")[0]
    dash = page.dashboard
    qtbot.waitUntil(lambda: (job.step or 0) >= 30, timeout=LOAD_MS)
    # while it trains: the selector and the header show the job's newest step, the same one (the header's
    # bar repaints on the plots' ~10 Hz tick, so it may trail a new event by one tick: they meet)
    def agree() -> bool:
        step = dash.store.progress.done
        return bool(step) and dash.progress.value() == step and \
            f"running   ·   {step}/4000" in page.run_combo.currentText()
    qtbot.waitUntil(agree, timeout=10_000)
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not job.is_active, timeout=LOAD_MS)
    assert job.status == "stopped"
    stopped = job.last_event["step"]
    qtbot.waitUntil(lambda: "stopped" in page.run_combo.currentText(), timeout=5000)
    with Project.open(root) as p:
        assert runs.get_run(p, "long").step == stopped           # the checkpoint's step
    assert dash.store.progress.done == stopped == dash.progress.value()
    assert f"stopped   ·   {stopped}/4000" in page.run_combo.currentText()
    # the GUI names its button: no command-line wording
    assert f"Press Resume (Ctrl+R) to continue" in page.controls.next_steps.text()
    assert "again" not in dash.log_view.toPlainText()
    assert window.jobs_panel.stop_button(job) is None             # an ended job has nothing to stop


def test_the_projects_page_calls_missing_only_a_folder_that_is_gone(qtbot, window, tmp_path):
    import shutil

    from studio.ui.recent_projects import PEEK_ROLE

    for name in ("here", "gone"):
        Project.create(tmp_path / name, "toy_colors", name=name).close()
        assert window.open_project(str(tmp_path / name))
    shutil.rmtree(tmp_path / "gone")
    window.session.close_project()
    window.show_page("projects")
    recent = window.page("projects").recent
    qtbot.waitUntil(lambda: recent.count() == 2, timeout=5000)
    shown = {}
    for i in range(recent.count()):
        peek = recent.item(i).data(PEEK_ROLE)
        shown[peek.name if peek.exists else "gone"] = recent.itemDelegate().placeholder(peek)
    # the toy family has no picture: its title stands in, not a red "missing" under an existing project
    assert shown == {"here": "Toy colors", "gone": "missing"}
