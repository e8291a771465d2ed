"""COCO's -1 ("nothing of that size to measure") reads n/a in every command that prints metrics."""
from __future__ import annotations

from core.project import Project, runs
from studio.cli import main
from studio.commands.evaluate import print_metrics
from studio.metric_text import metric_text


def test_one_rule_for_metric_values():
    assert metric_text(0.51234) == "0.5123" and metric_text(0.51234, 3) == "0.512"
    assert metric_text(-1.0) == "n/a" and metric_text(-1) == "n/a" and metric_text(None) == "-"
    assert metric_text(0.0) == "0.0000"


def test_evaluate_runs_show_and_runs_list_print_n_a_for_minus_one(tmp_path, capsys):
    with Project.create(tmp_path / "p", "instance_segmentation") as project:
        run_id = runs.create_run(project, "r1", "instance_segmentation", "task: instance_segmentation\n").id
        runs.record_metrics(project, run_id, {"mask_AP": -1.0, "AP": 0.25, "APs": -1.0, "AP50": 0.5}, step=4)
    print_metrics({"AP": 0.25, "APs": -1.0}, {"AP": 0.01, "APs": 0.0})
    evaluate = capsys.readouterr().out
    assert "  APs      n/a\n" in evaluate and "AP    0.2500   (+0.0100 vs trained model)" in evaluate
    assert main(["runs", "show", str(tmp_path / "p"), "r1"]) == 0
    show = capsys.readouterr().out
    assert "metrics: mask_AP n/a  AP 0.2500  APs n/a  AP50 0.5000" in show and "-1" not in show
    assert main(["runs", "list", str(tmp_path / "p")]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[3:7] == ["mask_AP", "AP", "mask_AP50", "AP50"]   # the family's summary metrics
    assert row.split()[3:7] == ["n/a", "0.250", "-", "0.500"] and "-1" not in row
