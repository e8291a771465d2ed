"""The terminal names what the run's family names: loss labels, eval metrics (headline first),
what a sample is, and the `runs list` columns; nothing Mask R-CNN's for another family."""
from __future__ import annotations

import contextlib
import io

from core.project import Project, runs
from family_standin import STANDIN, register
from studio.cli import main
from studio.commands.progress import event_printer


def _lines(task, events) -> list[str]:
    out = io.StringIO()
    printer = event_printer(task, stream=out)
    for ev in events:
        printer(ev)
    return out.getvalue().splitlines()


TRAIN = {"event": "metric", "phase": "train", "step": 3,
         "values": {"loss": 1.5, "loss_mask": 0.5, "loss_classifier": 0.25, "loss_extra": 0.125, "loss_ce": 0.75,
                    "lr": 0.01, "samples_per_s": 2.0}}
EVAL = {"event": "metric", "phase": "eval", "step": 3,
        "values": {"AP": 0.2, "AP50": 0.4, "mask_AP": 0.1, "mask_AP50": 0.3, "APs": -1.0, "ARmax100": 0.5,
                   "top1": 0.6, "top5": 0.9}}


def test_instance_segmentation_lines_use_its_labels_and_metrics():
    train, ev = _lines("instance_segmentation", [TRAIN, EVAL])
    assert "(mask 0.500 cls 0.250 loss_extra 0.125 loss_ce 0.750)" in train   # unlabelled terms: own names
    assert "2.0 img/s" in train
    assert ev == "eval step 3: mask_AP 0.100  AP 0.200  mask_AP50 0.300  AP50 0.400"


def test_another_family_prints_its_own_names_and_never_mask_rcnn_ones(monkeypatch):
    register(monkeypatch, STANDIN)
    train, ev = _lines("standin", [TRAIN, EVAL])
    assert "(loss_mask 0.500 loss_classifier 0.250 loss_extra 0.125 ce 0.750)" in train
    assert "2.0 clips/s" in train and "img/s" not in train
    assert ev == "eval step 3: top1 0.600  top5 0.900"


def test_a_demos_earlier_stage_prints_as_its_own_family():
    """The gesture demo trains its hand detector first: those lines are the detector's (img/s, its
    labels), the classifier's after them are the gesture family's (crops/s)."""
    detector = {**TRAIN, "values": {**TRAIN["values"], "loss_classifier": 0.25}, "task": "detection"}
    first, second = _lines("gesture", [detector, {**TRAIN, "task": "gesture"}])
    assert "img/s" in first and "crops/s" not in first and "(loss_mask 0.500 cls 0.250" in first
    assert "crops/s" in second and "ce 0.750" in second


def test_without_a_family_every_term_and_metric_prints_under_its_name():
    train, ev = _lines(None, [TRAIN, {**EVAL, "values": {"acc": 0.5, "APs": -1.0}}])
    assert "(loss_mask 0.500 loss_classifier 0.250 loss_extra 0.125 loss_ce 0.750)" in train
    assert ev == "eval step 3: acc 0.500  APs n/a"


def _runs_list(root) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["runs", "list", str(root)]) == 0
    return out.getvalue()


def test_runs_list_columns_are_the_familys_shown_metrics(monkeypatch, tmp_path):
    register(monkeypatch, STANDIN)
    with Project.create(tmp_path / "s", "standin") as project:
        run = runs.create_run(project, "r1", "standin", "task: standin\n", total_steps=10)
        runs.record_metrics(project, run.id, {"top1": 0.625, "top5": 0.875}, step=10)
        runs.create_run(project, "r2", "standin", "task: standin\n", total_steps=10)
    header, first, second = _runs_list(tmp_path / "s").splitlines()
    assert header.split()[3:] == ["top1", "top5", "mean_class_acc", "ended"]
    assert "AP" not in header
    assert first.split()[3:6] == ["0.625", "0.875", "-"] and second.split()[3:6] == ["-", "-", "-"]

    with Project.create(tmp_path / "seg", "instance_segmentation") as project:
        run = runs.create_run(project, "r1", project.task, "task: instance_segmentation\n", total_steps=4)
        runs.record_metrics(project, run.id, {"AP": 0.25, "mask_AP": 0.5, "mask_AP50": -1.0, "AP50": 0.75}, step=4)
    header, row = _runs_list(tmp_path / "seg").splitlines()
    assert header.split()[3:] == ["mask_AP", "AP", "mask_AP50", "AP50", "ended"]
    assert row.split()[3:7] == ["0.500", "0.250", "n/a", "0.750"]
