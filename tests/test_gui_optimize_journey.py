"""Prune -> Retrain -> QAT -> INT8 through the real main window, on the toy family: each tab starts
its worker job, the pruned run appears on the Retrain tab and trains, the QAT run is made and
trains by itself, the INT8 export lands in the table with its delta and latency, and its model
card and DeepStream / Triton folder open from the row."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

pytest.importorskip("torch")

from core.families import EXTRA_FAMILIES_ENV  # noqa: E402
from test_family_contract import TOY, make_project  # noqa: E402

JOB_MS = 240_000


@pytest.fixture
def toy_root(tmp_path, monkeypatch):
    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    from core.families import get_family
    from core.jobs.reporter import RecordingReporter
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    project = make_project(tmp_path, per_class=8)
    spec = get_family("toy_colors").default_spec("cpu")
    spec.train.total_steps, spec.train.num_steps_per_eval = 20, 10
    create_run_from_spec(project, "r", spec)
    assert train_run(project, "r", RecordingReporter()).status == "done"
    root = project.root
    project.close()
    return root


@pytest.fixture
def window(qtbot):
    from studio.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    w.jobs.stop_all(grace_ms=1000)
    w.jobs.wait_all(15_000)
    w.session.close_project()


def finish(qtbot, window, verb: str, run: str):
    job = next(j for j in reversed(window.jobs.jobs) if (j.verb, j.run) == (verb, run))
    qtbot.waitUntil(lambda: not job.is_active, timeout=JOB_MS)
    assert job.status == "done", job.message
    return job


@pytest.mark.slow
def test_prune_retrain_qat_and_int8_from_the_optimize_page(qtbot, window, toy_root, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    assert window.open_project(str(toy_root))
    window.show_page("optimize")
    page = window.page("optimize")
    assert page.run_combo.currentText() == "r"

    page.sections.setCurrentWidget(page.prune_panel)                           # sensitivity sweep
    assert not page.prune_panel.sweep_plot.isVisible()
    page.prune_panel.sweep_pths.setText("0.3,0.9")
    page.prune_panel.sweep_steps.setValue(2)
    page.prune_panel.granularity.setValue(1)
    page.prune_panel.min_filters.setValue(1)
    qtbot.mouseClick(page.prune_panel.sweep_button, Qt.MouseButton.LeftButton)
    job = finish(qtbot, window, "prune", "r")
    assert job.process.arguments()[job.process.arguments().index("--sweep") + 1] == "0.3,0.9"
    qtbot.waitUntil(lambda: "Sweep of r: pth 0.3" in page.prune_panel.progress.label.text())
    assert page.prune_panel.sweep_plot.isVisible() and not page.prune_panel.sweep_plot.pixmap().isNull()

    page.prune_panel.pth.setValue(0.5)                                         # Prune
    qtbot.mouseClick(page.prune_panel.button, Qt.MouseButton.LeftButton)
    assert not page.prune_panel.button.isEnabled()                            # one pruning of a run at a time
    job = finish(qtbot, window, "prune", "r")
    assert job.process.arguments()[job.process.arguments().index("--pth") + 1] == "0.5"
    assert "--sweep" not in job.process.arguments()
    qtbot.waitUntil(lambda: "New run r-pruned" in page.prune_panel.progress.label.text())
    assert "% kept" in page.prune_panel.progress.label.text()

    page.sections.setCurrentWidget(page.retrain_panel)                         # Retrain
    qtbot.waitUntil(lambda: page.retrain_panel.pruned.currentData() == "r-pruned")
    assert page.retrain_panel.button.isEnabled()
    qtbot.mouseClick(page.retrain_panel.button, Qt.MouseButton.LeftButton)
    finish(qtbot, window, "train", "r-pruned")

    page.sections.setCurrentWidget(page.qat_panel)                             # QAT: made, then trained
    page.qat_panel.steps.setValue(4)
    qtbot.mouseClick(page.qat_panel.button, Qt.MouseButton.LeftButton)
    finish(qtbot, window, "qat", "r")
    qtbot.waitUntil(lambda: any((j.verb, j.run) == ("train", "r-qat") for j in window.jobs.jobs))
    finish(qtbot, window, "train", "r-qat")
    from core.project import Project, runs
    with Project.open(toy_root) as project:
        assert runs.get_run(project, "r-qat").status == "done" and runs.get_run(project, "r-qat").total_steps == 4

    page.sections.setCurrentWidget(page.int8_panel)                            # INT8
    page.int8_panel.batch_size.setValue(2)
    page.int8_panel.batches.setValue(2)
    qtbot.mouseClick(page.int8_panel.button, Qt.MouseButton.LeftButton)
    job = finish(qtbot, window, "export", "r")
    args = job.process.arguments()
    assert args[args.index("--precision") + 1] == "int8" and args[args.index("--cal-batches") + 1] == "2"
    qtbot.waitUntil(lambda: page.table.row_of("onnx") >= 0)
    table, row = page.table, page.table.row_of("onnx")
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    assert table.item(row, headers.index("Precision")).text() == "INT8"
    assert table.item(row, headers.index("Latency")).text().endswith(" ms")
    assert table.item(row, headers.index("Δ accuracy")).text()[0] in "+-"
    table.selectRow(row)
    assert page.card_button.isEnabled() and page.deploy_button.isEnabled()
    qtbot.mouseClick(page.card_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
    assert opened[0].endswith("model.int8.onnx.card.md") and opened[1].endswith("model.int8.onnx.deploy")
    table.selectRow(0)                                                         # the trained checkpoint: no card
    assert not page.card_button.isEnabled() and not page.deploy_button.isEnabled()
