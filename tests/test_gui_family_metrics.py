"""The GUI names what the project's family names, through the real main window: the Train
dashboard's evaluation curves, best values and loss legend, the Runs table and comparison, and
the Optimize page's artifact table follow `FamilyInfo.shown_metrics` and `loss_labels`. A family
whose metrics are not Mask R-CNN's never shows "AP" or "mask_AP"."""
from __future__ import annotations

import json
import re

import pytest

from conftest import create_run, tiny_spec
from core.project import runs
from family_standin import RENAMED_LOSSES, RENAMED_METRICS, rename_instance_segmentation
from studio.main_window import MainWindow

MASK_RCNN_NAMES = re.compile(r"\b(mask_)?AP(50|75)?\b")


def _trained(project, name, metrics, losses=(2.0, 1.5, 1.0)):
    """A run as the trainer leaves it: spec, events.jsonl, metrics, a checkpoint and an ONNX export."""
    create_run(project, name, tiny_spec(total_steps=len(losses)))
    run = runs.get_run(project, name)
    with open(project.run_dir(name) / "events.jsonl", "w") as f:
        for step, loss in enumerate(losses, 1):
            values = {"loss": loss, "loss_mask": loss / 2, "loss_classifier": loss / 4, "loss_new_term": loss / 8,
                      "lr": 0.01, "samples_per_s": 4.0}
            f.write(json.dumps({"event": "metric", "values": values, "step": step, "phase": "train",
                                "job": "train"}) + "\n")
        f.write(json.dumps({"event": "metric", "values": metrics, "step": len(losses), "phase": "eval",
                            "job": "train"}) + "\n")
        f.write(json.dumps({"event": "done", "status": "done", "step": len(losses), "job": "train"}) + "\n")
    runs.record_metrics(project, run.id, metrics, step=len(losses), split="val")
    files = {}
    for rel in ("checkpoints/model.pt", "exports/model.onnx"):
        files[rel] = project.run_dir(name) / rel
        files[rel].parent.mkdir(parents=True, exist_ok=True)
        files[rel].write_bytes(b"x" * 1024)
    ckpt = runs.add_artifact(project, run.id, "checkpoint", files["checkpoints/model.pt"], precision="fp32")
    runs.record_metrics(project, run.id, metrics, artifact_id=ckpt)
    onnx = runs.add_artifact(project, run.id, "onnx", files["exports/model.onnx"], precision="fp32")
    runs.record_metrics(project, run.id, {k: v - 0.05 for k, v in metrics.items()}, artifact_id=onnx)
    runs.update_run(project, name, status="done", step=len(losses))


def _headers(table, orientation="horizontal") -> list[str]:
    n = table.columnCount() if orientation == "horizontal" else table.rowCount()
    item = table.horizontalHeaderItem if orientation == "horizontal" else table.verticalHeaderItem
    return [item(i).text() for i in range(n)]


def _legend(plot) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    w.session.close_project()       # the Data page's thumbnail workers end with the project


def _open(w, root) -> MainWindow:
    assert w.open_project(str(root))
    return w


def test_pages_show_the_familys_metrics_and_loss_labels_not_mask_rcnns(qtbot, window, make_seg_project, monkeypatch):
    rename_instance_segmentation(monkeypatch)
    project = make_seg_project(num_images=6)
    _trained(project, "a", {"score": 0.40, "recall": 0.70, "f1": 0.5})
    _trained(project, "b", {"score": 0.55, "recall": 0.60, "f1": 0.5})
    w = _open(window, project.root)
    shown = []

    w.show_page("train")
    dash = w.page("train").dashboard
    assert w.page("train").selected_run() == "b"
    qtbot.waitUntil(lambda: dash.eval_plot.point_count("eval/score") == 1, timeout=5000)
    assert set(dash.eval_plot.curves) == {"eval/score", "eval/recall"}        # the family's metrics, not f1
    assert _legend(dash.eval_plot) == ["score", "recall"]
    assert "score 0.550 (best 0.550)" in dash.values.text() and "recall 0.600" in dash.values.text()
    qtbot.waitUntil(lambda: dash.loss_plot.point_count("loss_new_term") == 3, timeout=5000)
    legend = _legend(dash.loss_plot)
    assert {RENAMED_LOSSES["loss_mask"], RENAMED_LOSSES["loss_classifier"], "total", "new_term"} == set(legend)
    shown += [dash.values.text(), dash.eval_plot.title, *legend, *_legend(dash.eval_plot)]

    w.show_page("runs")
    page = w.page("runs")
    columns = page.table.columns()
    assert [c for c in columns if c.startswith("best")] == [f"best {m}" for m in RENAMED_METRICS]
    best = {page.table.item(r, 0).text(): page.table.item(r, columns.index("best score")).text()
            for r in range(page.table.rowCount())}
    assert best == {"a": "0.400", "b": "0.550"}
    page.table.select_names({"a", "b"})
    cmp = page.compare
    labels = _headers(cmp.table, "vertical")
    assert labels[:3] == ["best score", "best recall", "best f1"]
    assert cmp.eval_plot.title == "score (eval)"
    qtbot.waitUntil(lambda: cmp.eval_plot.point_count("b/eval/score") == 1, timeout=5000)
    combo = [cmp.series_combo.itemText(i) for i in range(cmp.series_combo.count())]
    assert RENAMED_LOSSES["loss_mask"] in combo and "loss_mask" not in combo
    shown += [*columns, *labels, cmp.eval_plot.title, *combo]

    w.show_page("optimize")
    opt = w.page("optimize")
    assert opt.run_combo.currentText() == "b"
    headers = _headers(opt.table)
    assert headers[5:] == ["Latency", "score", "Δ score", "recall", "Δ recall"]
    onnx = opt.table.row_of("onnx")
    assert opt.table.item(onnx, headers.index("Δ score")).text() == "-0.050"
    shown += headers

    found = [text for text in shown if MASK_RCNN_NAMES.search(text)]
    assert not found, f"Mask R-CNN metric names shown for a family without them: {found}"


def test_instance_segmentation_keeps_its_names(qtbot, window, make_seg_project):
    project = make_seg_project(num_images=6)
    _trained(project, "a", {"AP": 0.2, "mask_AP": 0.1, "AP50": 0.4, "mask_AP50": 0.3, "APl": -1.0})
    w = _open(window, project.root)
    w.show_page("train")
    dash = w.page("train").dashboard
    qtbot.waitUntil(lambda: dash.eval_plot.point_count("eval/mask_AP") == 1, timeout=5000)
    assert set(dash.eval_plot.curves) == {"eval/mask_AP", "eval/AP", "eval/mask_AP50", "eval/AP50"}
    assert dash.values.text().count("best") == 2 and "mask_AP 0.100 (best 0.100)" in dash.values.text()
    qtbot.waitUntil(lambda: dash.loss_plot.point_count("loss_mask") == 3, timeout=5000)
    assert set(_legend(dash.loss_plot)) == {"total", "mask", "cls", "new_term"}
    w.show_page("runs")
    assert [c for c in w.page("runs").table.columns() if c.startswith("best")] == [
        "best mask_AP", "best AP", "best mask_AP50", "best AP50"]
    w.show_page("optimize")
    assert _headers(w.page("optimize").table)[5:8] == ["Latency", "mask_AP", "Δ mask_AP"]
