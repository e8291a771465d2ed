"""Structured pruning: the normalized-L1 rule, granularity and minimum filters, the three
equalizations on coupled (residual) channels, and every family's tiny model pruned into a new run
whose pruned model loads from its checkpoint alone, retrains, evaluates and exports."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core.optimize.prune import PruneError, PruneSettings, PruningScope, channels_to_keep, normalized_l1, prune  # noqa: E402
from family_smoke import smoke_project, trainable_tasks, with_toy  # noqa: E402

nn = torch.nn


def test_normalized_l1_and_how_many_channels_stay():
    w = torch.zeros(4, 2, 1, 1)
    w[:, 0, 0, 0] = torch.tensor([1.0, 4.0, -2.0, 0.2])
    assert normalized_l1(w).tolist() == pytest.approx([0.25, 1.0, 0.5, 0.05])
    scores = torch.tensor([0.05, 0.2, 0.5, 0.9, 1.0, 0.3, 0.01, 0.8])
    assert channels_to_keep(scores, PruneSettings(pth=0.25, granularity=1, min_filters=1)) == 5
    assert channels_to_keep(scores, PruneSettings(pth=0.25, granularity=4, min_filters=1)) == 8   # rounded up
    assert channels_to_keep(scores, PruneSettings(pth=0.95, granularity=1, min_filters=3)) == 3   # at least 3
    assert channels_to_keep(scores, PruneSettings(pth=0.95, granularity=1, min_filters=16)) == 8  # never more


class Residual(nn.Module):
    """Two convolutions whose outputs are added: their output channels are coupled."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Conv2d(2, 4, 1, bias=False), nn.Conv2d(2, 4, 1, bias=False)
        self.head = nn.Conv2d(4, 1, 1)
        with torch.no_grad():
            self.a.weight.copy_(torch.tensor([1.0, 0.1, 1.0, 0.1]).view(4, 1, 1, 1).expand(4, 2, 1, 1))
            self.b.weight.copy_(torch.tensor([1.0, 1.0, 0.1, 0.1]).view(4, 1, 1, 1).expand(4, 2, 1, 1))

    def forward(self, x):
        return self.head(self.a(x) + self.b(x))


@pytest.mark.parametrize("rule, kept", [("union", 3), ("intersection", 1), ("arithmetic", 3)])
def test_equalization_decides_coupled_channels_together(rule, kept):
    model = Residual()
    scope = PruningScope(model, (torch.rand(1, 2, 4, 4),), keep_width=[model.head])
    report = prune(model, scope, PruneSettings(pth=0.5, equalization=rule, granularity=1, min_filters=1))
    # normalized L1: a = [1, .1, 1, .1], b = [1, 1, .1, .1]. union (the larger) keeps 0, 1, 2; intersection
    # (the smaller) keeps 0; arithmetic (the mean: 1, .55, .55, .1) keeps 0, 1, 2 at pth 0.5
    assert model.a.out_channels == model.b.out_channels == model.head.in_channels == kept
    assert report.groups and report.groups[0]["channels"] == 4
    assert model(torch.rand(1, 2, 4, 4)).shape == (1, 1, 4, 4)


def test_bad_settings_are_sentences():
    with pytest.raises(PruneError, match="between 0 and 1"):
        PruneSettings(pth=1.5).check()
    with pytest.raises(PruneError, match="one of union, intersection, arithmetic"):
        PruneSettings(equalization="max").check()
    model = Residual()
    with pytest.raises(PruneError, match="--exclude names layers this model does not have: nope"):
        prune(model, PruningScope(model, (torch.rand(1, 2, 4, 4),)), PruneSettings(exclude=("nope",)))


@pytest.mark.parametrize("task", trainable_tasks())
def test_each_family_prunes_into_a_run_that_loads_retrains_and_exports(task, tmp_path):
    from core.evaluation.artifact import evaluate_artifact
    from core.jobs.reporter import RecordingReporter
    from core.models import checkpoint as ckpt
    from core.runtime import load_runner
    from core.runtime.convert import checkpoint_to_onnx
    from core.setup.pruned_run import prune_into_run
    from core.training.trainer import train_run

    with with_toy():
        project, run = smoke_project(tmp_path, task)
        trained = project.run_dir(run) / "checkpoints" / "model.pt"
        made = prune_into_run(project, run, trained, PruneSettings(pth=0.999, granularity=1, min_filters=1))
        report = made["report"]
        assert report.params_after < report.params_before, report.sentence()
        assert report.latency_ms_before > 0 and report.latency_ms_after > 0       # measured before -> after
        assert f"{report.latency_ms_after:.1f} ms at batch 1" in report.sentence()
        assert {g["layer"] for g in report.groups} and all(g["kept"] <= g["channels"] for g in report.groups)
        start = ckpt.load_checkpoint(made["start"])
        assert [t["name"] for t in start["transforms"]][0] == "resize_layers"
        with load_runner(made["start"]) as runner:                   # loads from its checkpoint alone
            sample = runner.family.samples(project, "val")[0]
            assert len(runner([runner.family.load_input(project, sample, runner.spec)])) == 1
        assert evaluate_artifact(project, run, made["start"])["metrics"]          # evaluated before retraining
        assert train_run(project, made["run"], RecordingReporter()).status == "done"   # retrains
        final = project.run_dir(made["run"]) / "checkpoints" / "model.pt"
        onnx = checkpoint_to_onnx(final, project.run_dir(made["run"]) / "exports" / "model.onnx")
        with load_runner(onnx.path) as ox, load_runner(final) as pt:
            x = pt.family.load_input(project, pt.family.samples(project, "val")[0], pt.spec)
            a, b = ox([x])[0], pt([x])[0]
            assert type(a) is type(b)
            if hasattr(a, "boxes"):
                np.testing.assert_allclose(a.scores, b.scores, atol=1e-3)
            else:
                np.testing.assert_allclose(a.scores, b.scores, atol=1e-4)


def test_studio_prune_prints_what_changed_and_makes_the_run(tmp_path, capsys):
    from core.project import Project, runs
    from studio.cli import main

    with with_toy():
        project, run = smoke_project(tmp_path, "toy_colors")
        root = project.root
        project.close()
        assert main(["prune", str(root), "--run", run, "--pth", "0.999", "--granularity", "1",
                     "--min-filters", "1"]) == 0
        out = capsys.readouterr().out
        assert f"New run {run}-pruned: parameters" in out and "ms at batch 1" in out
        assert " channels" in out and "The pruned model before retraining:" in out
        with Project.open(root) as project:
            made = runs.get_run(project, f"{run}-pruned")
            assert made.parent_run == run and made.status == "created"
            assert main(["prune", str(root), "--run", run, "--pth", "2"]) == 2    # a bad threshold: a sentence
        assert "pth" in capsys.readouterr().err


def test_a_sensitivity_sweep_fine_tunes_each_threshold_and_leaves_only_its_report(tmp_path, capsys):
    import json

    from PIL import Image

    from core.project import Project, runs
    from studio.cli import main

    with with_toy():
        project, run = smoke_project(tmp_path, "toy_colors")
        root = project.root
        before = [r.name for r in runs.list_runs(project)]
        project.close()
        assert main(["prune", str(root), "--run", run, "--sweep", "0.2,0.999", "--sweep-steps", "2",
                     "--granularity", "1", "--min-filters", "1"]) == 0
        out = capsys.readouterr().out
        sweep = json.loads((root / "runs" / run / "prune_sweep.json").read_text())
        assert [p["pth"] for p in sweep["points"]] == [0.2, 0.999] and sweep["fine_tune_steps"] == 2
        low, high = sweep["points"]
        assert high["params"] < low["params"] <= sweep["params_before"]         # more pruned at a higher pth
        assert all(p["metric"] is not None and 0.0 <= p["metric"] <= 1.0 for p in sweep["points"])
        assert "0.999" in out and "params kept" in out
        assert Image.open(root / "runs" / run / "prune_sweep.png").size == (640, 400)
        with Project.open(root) as project:
            assert [r.name for r in runs.list_runs(project)] == before             # scratch runs removed
        assert not list((root / "runs").glob(f"{run}-sweep-*"))
        assert main(["prune", str(root), "--run", run, "--sweep", "0.1,abc"]) == 2
        assert "--sweep takes thresholds separated by commas" in capsys.readouterr().err
