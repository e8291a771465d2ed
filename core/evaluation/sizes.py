"""The input-resolution trade-off: one trained model evaluated at several input sizes, with the
accuracy by object area and the latency measured at each — what a user picks a deploy size from
(`studio evaluate DIR --run R --sizes 224x320,288x384,320x448`; the Optimize page plots it).

The model is the run's checkpoint (best, last or a file) on PyTorch: the family's `resized(spec,
height, width)` gives the spec of each size (the same weights; families whose input cannot change
have none). At each size the split is predicted and scored as any evaluation is (written under
`eval/sizes/<H>x<W>/`), and the latency is the median wall time of one image through the whole
inference path (pre-processing, the graph, post-processing) over up to `LATENCY_IMAGES` of the
split's images, one at a time, after a warm-up — on this machine, under whatever else runs on it.
The result goes to `eval/sizes.json` (atomically); nothing is stored as the run's metrics, so the
trained model's own evaluation (the export guardrail's reference) stays what it was.
"""
from __future__ import annotations

import json
import platform
import re
import statistics
import time
from pathlib import Path
from typing import Any

from core.errors import DataError, SpecError
from core.evaluation.predict import evaluate_runner
from core.fsutil import atomic_write_text
from core.jobs.reporter import NullReporter, Reporter
from core.project import Project, runs

SIZES_FILE = "sizes.json"
LATENCY_IMAGES = 20
WARMUP = 2
_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """"224x320,288x384" -> [(224, 320), (288, 384)] (height x width); a sentence for anything else."""
    sizes = []
    for part in [p for p in str(text).split(",") if p.strip()]:
        m = _SIZE.match(part)
        if not m or int(m.group(1)) <= 0 or int(m.group(2)) <= 0:
            raise SpecError(f"{part.strip()!r} is not an input size; write HEIGHTxWIDTH, e.g. 288x384, and separate "
                            "sizes with commas.")
        size = (int(m.group(1)), int(m.group(2)))
        if size not in sizes:
            sizes.append(size)
    if not sizes:
        raise SpecError("No input size given; write them as HEIGHTxWIDTH separated by commas, e.g. 224x320,288x384.")
    return sizes


def sizes_path(project: Project, run_name: str) -> Path:
    return project.run_dir(run_name) / "eval" / SIZES_FILE


def read_sizes(project_or_run_dir, run_name: str | None = None) -> dict[str, Any] | None:
    """The last trade-off written for a run (`eval/sizes.json`), or None when there is none or it is unreadable."""
    path = (sizes_path(project_or_run_dir, run_name) if run_name is not None
            else Path(project_or_run_dir) / "eval" / SIZES_FILE)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("sizes"), list) else None


def area_metrics(metrics: dict[str, float], headline: str) -> dict[str, float | None]:
    """The headline metric overall and for medium and large objects (COCO's names: <headline>m, <headline>l)."""
    return {"all": metrics.get(headline), "medium": metrics.get(headline + "m"), "large": metrics.get(headline + "l")}


def _latency_ms(runner, inputs: list) -> float:
    for x in inputs[:WARMUP]:
        runner([x])
    times = []
    for x in inputs:
        t0 = time.perf_counter()
        runner([x])
        times.append((time.perf_counter() - t0) * 1000.0)
    return round(statistics.median(times), 2)


def evaluate_sizes(project: Project, run_name: str, sizes: list[tuple[int, int]], checkpoint: str | Path,
                   split: str = "val", reporter: Reporter | None = None, device: str = "cpu") -> dict[str, Any]:
    """Evaluate `checkpoint` of `run_name` at each (height, width) in `sizes`; writes and returns the trade-off."""
    import dataclasses

    from core.runtime.base import family_for
    from core.runtime.torch_backend import TorchRunner, read_checkpoint
    from core.specs import spec_to_yaml, validate_spec

    reporter = reporter or NullReporter()
    runs.get_run(project, run_name)
    artifact, payload = read_checkpoint(checkpoint)
    if artifact.task != project.task:
        raise DataError(f"{Path(checkpoint).name} is a {artifact.task} model but the project is {project.task}.")
    family = family_for(artifact.task)
    base_spec = artifact.spec(family)
    specs = []
    for h, w in sizes:
        spec = family.resized(base_spec, h, w)
        if spec is None:
            raise SpecError(f"{family.info.title} models keep the input size they were trained at, so they cannot be "
                            "compared at other sizes.")
        try:
            validate_spec(spec)
        except SpecError as exc:
            raise SpecError(f"The input size {h}x{w} does not suit this model: {str(exc).split(': ', 1)[-1]}") from exc
        specs.append(spec)
    headline = family.info.headline_metric
    samples = family.samples(project, split)
    if not samples:
        raise DataError(f"The {split!r} split has no samples; run `studio data split` first.")
    out_root = sizes_path(project, run_name).parent / "sizes"
    rows = []
    for n, ((h, w), spec) in enumerate(zip(sizes, specs)):
        reporter.log(f"Input {h}x{w} ({n + 1} of {len(sizes)})...")
        sized = dataclasses.replace(artifact, spec_yaml=spec_to_yaml(spec))
        runner = TorchRunner(artifact.path, device=device, loaded=(sized, payload))
        try:
            result = evaluate_runner(runner, project, split, out_root / f"{h}x{w}", reporter)
            inputs = [family.load_input(project, s, runner.spec) for s in samples[:LATENCY_IMAGES]]
            latency = _latency_ms(runner, inputs)
        finally:
            runner.close()
        metrics = result["metrics"]
        rows.append({"size": f"{h}x{w}", "height": h, "width": w, "metrics": metrics,
                     "ap": area_metrics(metrics, headline), "latency_ms": latency,
                     "latency_images": len(inputs)})
        reporter.log(f"  {headline} {metrics.get(headline, float('nan')):.3f}, {latency:.1f} ms per image")
    summary = {"run": run_name, "checkpoint": str(Path(checkpoint).resolve()), "backend": "pytorch", "device": device,
               "split": split, "samples": len(samples), "headline": headline, "sizes": rows,
               "trained_at": family.describe(base_spec).get("input"),
               "latency": f"median of {min(LATENCY_IMAGES, len(samples))} single images after {WARMUP} warm-up calls, "
                          "pre- and post-processing included",
               "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine()},
               "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    atomic_write_text(sizes_path(project, run_name), json.dumps(summary, indent=2))
    return summary
