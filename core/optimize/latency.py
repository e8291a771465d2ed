"""Eager latency of a model through its family's graph wrapper: what pruning reports before and
after (TAO's prune prints parameters; Studio also measures the time the user wins)."""
from __future__ import annotations

import time
from typing import Any, Mapping

import numpy as np


def eager_ms(family: Any, spec: Any, model, inputs: Mapping[str, np.ndarray] | None = None, repeats: int = 5,
             warmup: int = 1) -> float:
    """Median milliseconds of one forward pass of `model` (eval mode, no autograd) on `inputs`
    (default: the family's example inputs, batch 1)."""
    import torch

    graph = family.graph(spec)
    arrays = inputs if inputs is not None else family.example_inputs(spec)
    tensors = [torch.from_numpy(np.ascontiguousarray(arrays[name])) for name in graph.inputs]
    module = family.graph_module(model, spec)
    was_training = model.training
    module.eval()
    times = []
    try:
        with torch.inference_mode():
            for i in range(warmup + max(1, repeats)):
                t0 = time.perf_counter()
                module(*tensors)
                if i >= warmup:
                    times.append((time.perf_counter() - t0) * 1000.0)
    finally:
        model.train(was_training)
    return float(np.median(times))
