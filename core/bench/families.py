"""Benchmarks of every trainable family's model at its CPU size (random weights: speed does not
depend on what was learned), on inputs from the family's own sample data:

- back ends: PyTorch eager vs ONNX Runtime FP32 vs ONNX Runtime INT8 (Q/DQ, calibrated on the
  sample data), p50 / p90 latency at batch 1 and 8 (and TensorRT where it runs);
- pruning: parameters, MACs and eager latency before -> after a structured pruning that removes at
  least half of the pruned part's parameters (the threshold is raised until it does).
"""
from __future__ import annotations

import copy
import tempfile
import warnings
from pathlib import Path
from typing import Any

from core.bench.timing import p, record, times_ms


class BenchSetup:
    """A family's tiny sample project (for inputs) and a CPU-sized model saved as a checkpoint."""

    def __init__(self, task: str, folder: Path, quick: bool) -> None:
        import torch

        from core.datasets.split import split_project
        from core.families import family_info, get_family, resolve
        from core.models.checkpoint import write_checkpoint
        from core.project import catalog
        from core.runtime.base import categories_payload
        from core.setup.new_project import create_empty_project
        from core.specs import spec_to_yaml

        self.task, self.folder = task, folder
        self.info = family_info(task)
        self.family = get_family(task)
        self.project = create_empty_project(folder / "project", task)
        resolve(self.info.sample_data)(self.project, num_images=24 if quick else 40, size=96, seed=0)
        split_project(self.project, val=0.5, seed=0)
        self.spec = self.family.default_spec("cpu")
        self.categories = catalog.categories(self.project)
        torch.manual_seed(0)
        self.model = self.family.build_model(self.spec, self.categories).eval()
        self.checkpoint = folder / "model.pt"
        write_checkpoint(self.checkpoint, {"step": 0, "task": task, "spec": spec_to_yaml(self.spec),
                                           "categories": categories_payload(self.categories),
                                           "model": self.model.state_dict(), "transforms": []})
        samples = self.family.samples(self.project)
        self.inputs = [self.family.load_input(self.project, s, self.spec) for s in samples[:8]]
        while len(self.inputs) < 8:
            self.inputs += self.inputs[:8 - len(self.inputs)]

    def close(self) -> None:
        self.project.close()


def _latency(runner, inputs, repeats: int) -> dict[str, float]:
    from core.runtime import measure_ms

    one = measure_ms(runner, inputs[:1], repeats)
    eight = measure_ms(runner, inputs[:8], max(2, repeats // 3))
    return {"b1_p50": p(one, 50), "b1_p90": p(one, 90), "b8_p50": p(eight, 50), "b8_p90": p(eight, 90)}


def backends(setup: BenchSetup, quick: bool) -> list[dict[str, Any]]:
    from core.optimize.ptq import quantize_int8
    from core.runtime import load_runner
    from core.runtime.convert import checkpoint_to_onnx
    from core.deploy.export import _derived_sidecar
    from core.runtime.tensorrt_backend import tensorrt_available

    repeats = 5 if quick else 20
    fp32 = checkpoint_to_onnx(setup.checkpoint, setup.folder / "model.onnx").path
    int8 = setup.folder / "model.int8.onnx"
    quantize_int8(fp32, int8, setup.family, setup.spec, setup.inputs, batch_size=4)
    _derived_sidecar(fp32, int8, "int8", {"method": "benchmark calibration on the sample data"})
    measured: dict[str, dict[str, float]] = {}
    for name, path in (("PyTorch", setup.checkpoint), ("ONNX Runtime FP32", fp32), ("ONNX Runtime INT8", int8)):
        with load_runner(path, stages=False) as runner:
            measured[name] = _latency(runner, setup.inputs, repeats)
    title = f"{setup.info.title} ({setup.family.describe(setup.spec).get('backbone', '')})"
    out = []
    for batch in ("b1", "b8"):
        n = 1 if batch == "b1" else 8
        torch_ms, fp32_ms, int8_ms = (measured[k][f"{batch}_p50"] for k in measured)
        p90 = {k: round(v[f"{batch}_p90"], 3) for k, v in measured.items()}
        out.append(record(f"{title}: ONNX Runtime FP32 vs PyTorch, batch {n}", "PyTorch eager", torch_ms,
                          "ONNX Runtime FP32", fp32_ms, "ms (p50)", torch_ms / fp32_ms, 1.5 if n == 1 else None,
                          p90_ms=p90, family=setup.task))
        out.append(record(f"{title}: ONNX Runtime INT8 vs FP32, batch {n}", "ONNX Runtime FP32", fp32_ms,
                          "ONNX Runtime INT8 (Q/DQ)", int8_ms, "ms (p50)", fp32_ms / int8_ms, 1.5, p90_ms=p90,
                          family=setup.task))
    ok, reason = tensorrt_available()
    if not ok:
        out.append({"name": f"{title}: TensorRT", "skipped": reason, "family": setup.task})
    return out


def pruning(setup: BenchSetup, quick: bool) -> list[dict[str, Any]]:
    import torch

    from core.optimize.prune import PruneSettings, prune

    repeats = 5 if quick else 20
    base = setup.model
    scope_params = lambda m: sum(x.numel() for x in setup.family.pruning_scope(m, setup.spec).module.parameters())  # noqa: E731
    before_params = scope_params(base)
    tries = [(pth, g) for g in (8, 1) for pth in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)]
    for pth, g in tries:   # TAO's granularity of 8 first; layers too narrow for it go one channel at a time
        model = copy.deepcopy(base)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = prune(model, setup.family.pruning_scope(model, setup.spec),
                           PruneSettings(pth=pth, granularity=g, min_filters=g))
        if scope_params(model) <= 0.5 * before_params:
            break
    graph = setup.family.graph(setup.spec)

    def run(m):
        module = setup.family.graph_module(m, setup.spec).eval()
        arrays = [setup.family.preprocess(x, setup.spec)[0] for x in setup.inputs[:1]]
        import numpy as np

        tensors = [torch.from_numpy(np.stack([a[n] for a in arrays]) if graph.batched else arrays[0][n])
                   for n in graph.inputs]

        def call():
            with torch.inference_mode():
                module(*tensors)
        return call

    before_ms = p(times_ms(run(base), repeats), 50)
    after_ms = p(times_ms(run(model), repeats), 50)
    title = setup.info.title
    params = {"params_before": report.params_before, "params_after": report.params_after,
              "pruned_part_params_before": before_params, "pruned_part_params_after": scope_params(model),
              "macs_before": report.macs_before, "macs_after": report.macs_after, "pth": report.settings["pth"]}
    return [record(f"{title}: pruned model vs dense, batch 1 eager", "dense", before_ms, "pruned", after_ms,
                   "ms (p50)", before_ms / after_ms, 1.5, family=setup.task, **params)]


def family_benchmarks(task: str, quick: bool) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix=f"studio-bench-{task}-") as tmp:
        setup = BenchSetup(task, Path(tmp), quick)
        try:
            return backends(setup, quick) + pruning(setup, quick)
        finally:
            setup.close()
