"""The toy family (tests/toy_family, known only through STUDIO_FAMILIES) in the real main window:
the Train page shows its spec and its loss under the family's label, the Runs page says where
its run was best, the Optimize page lists its models with its own metric, and the Preview page
runs its ONNX export over a video and draws its classification — with no shared code knowing it."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from core.families import EXTRA_FAMILIES_ENV  # noqa: E402
from test_family_contract import TOY, make_project  # noqa: E402

LOAD_MS = 60_000


@pytest.fixture
def toy_project(tmp_path, monkeypatch):
    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    from core.families import get_family
    from workers.channel import WorkerReporter
    from core.project import runs
    from core.runtime.convert import checkpoint_to_onnx
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    project = make_project(tmp_path, per_class=8)
    spec = get_family("toy_colors").default_spec("cpu")
    spec.train.total_steps, spec.train.num_steps_per_eval, spec.train.log_interval = 20, 10, 2
    create_run_from_spec(project, "r", spec)
    reporter = WorkerReporter("train", None, project.run_dir("r") / "events.jsonl")   # as the worker writes them
    train_run(project, "r", reporter)
    reporter.close()
    final = project.run_dir("r") / "checkpoints" / "model.pt"
    onnx = checkpoint_to_onnx(final, project.run_dir("r") / "exports" / "model.onnx").path
    runs.add_artifact(project, runs.get_run(project, "r").id, "onnx", onnx, fmt="onnx", precision="fp32",
                      meta={"source": str(final)})
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
    w.page("preview").preview.stop()
    w.session.close_project()


def test_the_toy_family_in_the_main_window(qtbot, window, toy_project, tmp_path):
    from tests.toy_family.data import write_video

    assert window.open_project(str(toy_project))
    window.show_page("train")
    dash = window.page("train").dashboard
    qtbot.waitUntil(lambda: dash.loss_plot.point_count("loss_ce") > 0, timeout=LOAD_MS)
    assert "ce" in [label.text for _sample, label in dash.loss_plot.legend.items]   # the family's label
    qtbot.waitUntil(lambda: dash.eval_plot.point_count("eval/accuracy") == 2, timeout=LOAD_MS)

    window.show_page("runs")
    runs_page = window.page("runs")
    qtbot.waitUntil(lambda: runs_page.table.rowCount() == 1, timeout=LOAD_MS)
    columns = runs_page.table.columns()
    assert "best accuracy" in columns and not any("AP" in c for c in columns)
    assert runs_page.table.item(0, columns.index("Best at")).text() in ("step 10", "step 20")   # where it was best

    window.show_page("optimize")
    table = window.page("optimize").table
    qtbot.waitUntil(lambda: table.rowCount() == 3, timeout=LOAD_MS)      # last, best, ONNX
    files = [table.item(r, 1).text() for r in range(3)]
    assert set(files) == {"model.pt", "best.pt", "model.onnx"}

    window.show_page("preview")
    preview = window.page("preview")
    combo = preview.picker.model_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if "model.onnx" in combo.itemText(i)))
    video = write_video(tmp_path / "colors.mp4", frames=12)
    preview.open_source(str(video))
    qtbot.waitUntil(lambda: preview.preview.current is not None, timeout=LOAD_MS)
    frame = preview.preview.current
    assert frame.detections == 1                                           # one classification per frame
    assert frame.prediction.kind == "classification"
    assert frame.prediction.label in {c.id for c in __import__("core.project.catalog", fromlist=["x"]).categories(
        window.session.project)}
    top_left = frame.image[5:40, 5:120]
    assert (np.abs(top_left.astype(int) - top_left.mean(axis=(0, 1)).astype(int)).max() > 60)   # the tag is drawn
