"""`studio bench --out DIR [--quick] [--task T ...]` (and `make bench`): speed measured side by side
in one run — every comparison's baseline in the same process, on the same machine — written as
`results.json` (name, baseline, candidate, their values, units, ratio, target) and `results.md`.

Cases: each trainable family's back ends (PyTorch eager, ONNX Runtime FP32 and INT8, TensorRT
where present) at batch 1 and 8, its pruned model against the dense one, the video pipeline
against its slowest part, the shared trainer against a bare loop, and the data/drawing micro cases.
"""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any, Callable

from core.fsutil import atomic_write_text

Say = Callable[[str], None]


def machine() -> dict[str, Any]:
    from core.deploy.model_card import cpu_name

    return {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()}


def run_bench(out: Path, quick: bool = False, tasks: list[str] | None = None, say: Say = print) -> dict[str, Any]:
    from core.bench import micro
    from core.bench.families import BenchSetup, family_benchmarks
    from core.bench.pipeline import pipeline_ratio
    from core.bench.training import trainer_overhead
    from core.families import family_infos

    import tempfile

    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = tasks or [i.name for i in family_infos() if i.trainable and i.sample_data]
    results: list[dict[str, Any]] = []
    t0 = time.perf_counter()

    def add(items):
        for item in items if isinstance(items, list) else [items]:
            results.append(item)
            say(line(item))

    for case in micro.CASES:
        add(case())
    for task in chosen:
        say(f"== {task}")
        add(family_benchmarks(task, quick))
    first = next((t for t in chosen if t == "instance_segmentation"), chosen[0] if chosen else None)
    if first is not None:
        with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:
            setup = BenchSetup(first, Path(tmp), quick)
            try:
                add(pipeline_ratio(setup, quick))
                add(trainer_overhead(setup, quick))
            finally:
                setup.close()
    report = {"machine": machine(), "quick": quick, "seconds": round(time.perf_counter() - t0, 1),
              "results": results}
    atomic_write_text(out / "results.json", json.dumps(report, indent=2))
    atomic_write_text(out / "results.md", markdown(report))
    return report


def line(r: dict[str, Any]) -> str:
    if r.get("skipped"):
        return f"{r['name']:<70} skipped: {r['skipped']}"
    target = f"  (target {r['target']}: {'met' if r.get('meets_target') else 'NOT met'})" if r.get("target") else ""
    return (f"{r['name']:<70} {r['baseline']} {r['baseline_value']:.3f} -> {r['candidate']} "
            f"{r['candidate_value']:.3f} {r['units']}  x{r['ratio']}{target}")


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [f"# Studio benchmarks", "", f"{m['cpu']}, {m['cores']} cores, Python {m['python']}; "
             f"{'quick' if report['quick'] else 'full'} run, {report['seconds']} s. A ratio above 1 means the candidate "
             "is better (faster); every pair was measured in the same run.", "",
             "| benchmark | baseline | candidate | units | ratio | target |", "|---|---|---|---|---|---|"]
    for r in report["results"]:
        if r.get("skipped"):
            lines.append(f"| {r['name']} | - | - | - | - | skipped: {r['skipped']} |")
            continue
        target = "" if not r.get("target") else f"≥ {r['target']} ({'met' if r.get('meets_target') else 'not met'})"
        lines.append(f"| {r['name']} | {r['baseline']} {r['baseline_value']:.3f} | {r['candidate']} "
                     f"{r['candidate_value']:.3f} | {r['units']} | {r['ratio']} | {target} |")
    return "\n".join(lines) + "\n"
