"""Median-of-N timing helpers shared by the benchmarks."""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable


def median_ms(fn: Callable[[], Any], repeats: int = 10, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(runs)


def compare(name: str, baseline: str, base_fn: Callable[[], Any], candidate: str, cand_fn: Callable[[], Any],
            repeats: int = 10, warmup: int = 2) -> dict[str, Any]:
    """Time both in the same run; ratio > 1 means the candidate is faster."""
    base = median_ms(base_fn, repeats, warmup)
    cand = median_ms(cand_fn, repeats, warmup)
    return {"benchmark": name, "baseline": baseline, "baseline_ms": round(base, 3), "candidate": candidate,
            "candidate_ms": round(cand, 3), "speedup": round(base / cand, 3) if cand > 0 else None}
