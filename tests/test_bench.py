"""`studio bench` on the toy family (quick): every case writes a record whose ratio is its
baseline over its candidate (measured in the same run), with the machine named, as JSON and Markdown."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from family_smoke import with_toy  # noqa: E402


@pytest.mark.slow
def test_bench_writes_ratios_measured_side_by_side(tmp_path):
    from studio.cli import main

    with with_toy():
        assert main(["bench", "--out", str(tmp_path), "--quick", "--task", "toy_colors"]) == 0
    report = json.loads((tmp_path / "results.json").read_text())
    assert report["machine"]["cpu"] and report["machine"]["cores"]
    names = [r["name"] for r in report["results"]]
    for wanted in ("ONNX Runtime FP32 vs PyTorch, batch 1", "ONNX Runtime INT8 vs FP32, batch 8",
                   "pruned model vs dense", "video pipeline", "trainer step vs a bare loop", "overlay",
                   "a training window of 8 frames", "disk held by a 150-frame", "action import of a 150-frame"):
        assert any(wanted in n for n in names), wanted
    for r in report["results"]:
        if r.get("skipped"):
            assert "TensorRT" in r["name"] and r["skipped"].endswith(".")
            continue
        assert r["units"] and r["baseline_value"] > 0 and r["candidate_value"] > 0
        if r["units"].startswith("ms"):
            assert r["ratio"] == pytest.approx(r["baseline_value"] / r["candidate_value"], rel=0.01)
    disk = next(r for r in report["results"] if r["name"].startswith("disk held"))
    assert disk["units"] == "MB" and disk["ratio"] == pytest.approx(disk["baseline_value"] / disk["candidate_value"],
                                                                    rel=0.05)
    pruned = next(r for r in report["results"] if "pruned model" in r["name"])
    assert pruned["pruned_part_params_after"] <= 0.5 * pruned["pruned_part_params_before"]
    md = (tmp_path / "results.md").read_text()
    assert "| benchmark | baseline | candidate | units | ratio | target |" in md and report["machine"]["cpu"] in md
