"""The Optimize page: the trained run's checkpoint is listed, an export started from the page
runs as a worker job and adds an ONNX row with its accuracy delta, evaluation of an artifact
stores metrics, TensorRT says why it is unavailable here."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.project import runs
from core.runtime.tensorrt_backend import tensorrt_available
from optimize_preview_support import trained_project_copy
from studio.controllers.jobs import JobController
from studio.pages.optimize import OptimizePage
from studio.session import Session
from studio.ui.artifact_table import GREEN, RED
from studio.ui.export_panel import choice_enabled

JOB_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def trained_root(tmp_path_factory):
    return trained_project_copy(tmp_path_factory)


@pytest.fixture
def page(qtbot, trained_root):
    session, jobs = Session(), JobController()
    page = OptimizePage(session, jobs)
    qtbot.addWidget(page)
    session.open_project(trained_root)
    page.resize(1100, 700)
    page.show()
    yield page
    jobs.stop_all(grace_ms=1000)
    jobs.wait_all(15_000)
    session.close_project()


def column(table, title: str) -> int:
    return [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())].index(title)


def test_lists_the_trained_checkpoint_with_its_metrics(page):
    assert page.run_combo.currentText() == "r"
    table = page.table
    assert table.rowCount() == 2                     # the trained model (last) first, then the best checkpoint
    assert table.item(0, column(table, "Kind")).text() == "Checkpoint (trained model)"
    assert table.item(1, column(table, "Kind")).text() == "Checkpoint (best, step 2)"
    assert table.item(1, column(table, "File")).text() == "best.pt"
    assert table.item(1, column(table, "AP")).text() == table.item(0, column(table, "AP")).text()  # same step
    assert table.item(0, column(table, "File")).text() == "model.pt"
    assert table.item(0, column(table, "Precision")).text() == "FP32"
    assert table.item(0, column(table, "Size")).text().endswith("MB")
    assert table.item(0, column(table, "AP")).text() != ""            # the trainer's final evaluation
    assert table.item(0, column(table, "Δ mask_AP")).text() == "reference"
    assert page.export_panel.button.isEnabled()


def test_export_job_adds_an_onnx_row_with_its_delta(page, qtbot):
    changed = []
    page.session.artifacts_changed.connect(lambda: changed.append(True))
    page.export_panel.opset.setValue(17)
    qtbot.mouseClick(page.export_panel.button, Qt.MouseButton.LeftButton)
    job = page.jobs.jobs[-1]
    assert (job.verb, job.run) == ("export", "r")
    assert not page.export_panel.button.isEnabled()                  # one export of a run at a time
    qtbot.waitUntil(lambda: not job.is_active, timeout=JOB_TIMEOUT_MS)
    assert job.status == "done", job.message
    qtbot.waitUntil(lambda: page.table.rowCount() == 3)
    assert changed, "artifacts_changed is emitted after the export"

    table, row = page.table, page.table.row_of("onnx")
    assert table.item(row, column(table, "Kind")).text() == "ONNX"
    assert table.item(row, column(table, "File")).text() == "model.onnx"
    delta_item = table.item(row, column(table, "Δ mask_AP"))
    delta = delta_item.data(Qt.ItemDataRole.UserRole)
    assert delta is not None and delta_item.text() == f"{delta:+.3f}"
    assert delta_item.foreground().color().name() == (GREEN if delta >= -0.01 else RED)
    assert "Exported model.onnx" in page.export_panel.progress.label.text()
    assert page.export_panel.button.isEnabled()
    project = page.project
    onnx = runs.artifacts(project, runs.get_run(project, "r").id, kind="onnx")
    assert len(onnx) == 1 and onnx[0].meta["opset"] == 17


def test_evaluate_artifact_starts_an_evaluate_job_for_the_selected_file(page, qtbot):
    """The action starts the evaluate worker on that file (the worker itself is tested with the CLI)."""
    page.table.selectRow(0)                                          # the trained checkpoint
    assert page.evaluate_button.isEnabled()
    qtbot.mouseClick(page.evaluate_button, Qt.MouseButton.LeftButton)
    job = page.jobs.jobs[-1]
    args = job.process.arguments()
    assert (job.verb, job.run) == ("evaluate", "r")
    assert args[args.index("--artifact") + 1] == str(page.table.summaries[0].path)
    assert not page.evaluate_button.isEnabled()                      # one evaluation of a run at a time
    assert "Evaluating model.pt" in page.eval_progress.label.text()
    with qtbot.waitSignal(page.session.artifacts_changed, timeout=30_000):
        job.stop(grace_ms=0)
    assert "stopped" in page.eval_progress.label.text() or page.eval_progress.label.property("role") == "error"
    assert page.evaluate_button.isEnabled()


def test_formats_and_precisions_offered_and_tensorrt_says_why(page):
    panel = page.export_panel
    ok, reason = tensorrt_available()
    assert choice_enabled(panel.format, "engine") == ok
    if not ok:
        index = panel.format.findData("engine")
        assert panel.format.itemData(index, Qt.ItemDataRole.ToolTipRole) == reason
        assert reason in panel.note.text()
    assert choice_enabled(panel.format, "onnx")
    assert all(choice_enabled(panel.precision, p) for p in ("fp32", "fp16", "int8"))
    titles = [page.sections.tabText(i) for i in range(page.sections.count())]
    assert titles[:5] == ["Export", "Prune", "Retrain", "QAT", "INT8"]
    assert page.prune_panel.button.isEnabled() and page.qat_panel.button.isEnabled()
    assert page.int8_panel.button.isEnabled()
    assert not page.retrain_panel.button.isEnabled()                  # nothing pruned yet
    assert "Prune this run first" in page.retrain_panel.button.toolTip()


def test_project_without_trained_run_disables_export(qtbot, make_seg_project):
    session, jobs = Session(), JobController()
    page = OptimizePage(session, jobs)
    qtbot.addWidget(page)
    project = make_seg_project(num_images=6)
    session.open_project(project.root)
    assert page.run_combo.count() == 0 and not page.run_combo.isEnabled()
    assert "No trained run yet" in page.run_hint.text()
    assert not page.export_panel.button.isEnabled()
    assert page.table.rowCount() == 0
    session.close_project()


def test_delta_colors_follow_the_guardrail(qtbot, make_seg_project):
    project = make_seg_project(num_images=6)
    run = runs.create_run(project, "r", project.task, "task: instance_segmentation\n")
    files = {}
    for rel in ("checkpoints/model.pt", "exports/good.onnx", "exports/bad.onnx"):
        path = project.run_dir("r") / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 2048)
        files[rel] = path
    ckpt = runs.add_artifact(project, run.id, "checkpoint", files["checkpoints/model.pt"], precision="fp32")
    runs.record_metrics(project, run.id, {"AP": 0.5, "mask_AP": 0.4}, artifact_id=ckpt)
    for rel, ap in (("exports/good.onnx", 0.495), ("exports/bad.onnx", 0.45)):
        a = runs.add_artifact(project, run.id, "onnx", files[rel], precision="fp32")
        runs.record_metrics(project, run.id, {"AP": ap, "mask_AP": 0.4}, artifact_id=a)
    session, jobs = Session(), JobController()
    page = OptimizePage(session, jobs)
    qtbot.addWidget(page)
    session.open_project(project.root)
    table, col = page.table, column(page.table, "Δ AP")
    texts = {table.item(r, column(table, "File")).text(): table.item(r, col) for r in range(table.rowCount())}
    assert texts["model.pt"].text() == "reference"
    assert texts["good.onnx"].text() == "-0.005" and texts["good.onnx"].foreground().color().name() == GREEN
    assert texts["bad.onnx"].text() == "-0.050" and texts["bad.onnx"].foreground().color().name() == RED
    assert table.item(0, column(table, "Size")).text() == "2.0 KB"
    session.close_project()
