"""Timing rules of the benchmarks: every comparison measures its baseline and its candidate in the
same run, on the same machine, and reports their ratio (the CPU differs between machines; a ratio
travels, an absolute number only beside the CPU's name)."""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np


def times_ms(fn: Callable[[], Any], repeats: int = 10, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000.0)
    return runs


def p(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else 0.0


def record(name: str, baseline: str, baseline_value: float, candidate: str, candidate_value: float, units: str,
           ratio: float | None, target: float | None = None, **extra: Any) -> dict[str, Any]:
    """One result: `ratio` > 1 means the candidate is better (faster, smaller, closer to the bound)."""
    out = {"name": name, "baseline": baseline, "baseline_value": round(float(baseline_value), 4),
           "candidate": candidate, "candidate_value": round(float(candidate_value), 4), "units": units,
           "ratio": round(float(ratio), 3) if ratio is not None else None, "target": target}
    if target is not None and ratio is not None:
        out["meets_target"] = bool(ratio >= target)
    out.update(extra)
    return out


def compare(name: str, baseline: str, base_fn: Callable[[], Any], candidate: str, cand_fn: Callable[[], Any],
            repeats: int = 10, warmup: int = 2, target: float | None = None) -> dict[str, Any]:
    """Time both in the same run (median ms); ratio > 1 means the candidate is faster."""
    base = p(times_ms(base_fn, repeats, warmup), 50)
    cand = p(times_ms(cand_fn, repeats, warmup), 50)
    return record(name, baseline, base, candidate, cand, "ms", base / cand if cand > 0 else None, target)
