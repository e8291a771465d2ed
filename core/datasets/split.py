"""Deterministic train/val/test split of a project's samples, stratified by each sample's main class.

What is split is a unit (`core.project.samples`): images (for image and crop families: the crops
of one image share its split) or clips (for action families; a clip's class is its label).
Images are grouped by their most frequent category (ties: the lowest category id; images without
annotations form their own group). The number of val (and test) images is ``round(n * fraction)``
— at least one when the fraction is above zero — and is shared out among the groups in proportion
to their sizes (largest remainders first), so every class shows up in val about as often as in
train. Within a group, images are drawn with ``numpy.random.default_rng(seed)``. The same images,
fractions and seed always give the same split; every image is (re)assigned.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

from core.errors import DataError
from core.project import Project
from core.project import catalog
from core.project.samples import split_unit


def _check_fraction(name: str, value: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise DataError(f"--{name} must be a number between 0 and 1, got {value!r}.") from None
    if not math.isfinite(value) or not 0.0 <= value < 1.0:
        raise DataError(f"--{name} must be a fraction of the images, at least 0 and below 1 (e.g. 0.2), got {value:g}.")
    return value


def _quotas(sizes: dict, total: int, rng: np.random.Generator) -> dict:
    """Share `total` among groups in proportion to their sizes (largest remainder, random ties)."""
    n = sum(sizes.values())
    if total <= 0 or n == 0:
        return {g: 0 for g in sizes}
    exact = {g: s * total / n for g, s in sizes.items()}
    out = {g: math.floor(v) for g, v in exact.items()}
    groups = list(sizes)
    tiebreak = dict(zip(groups, rng.random(len(groups))))
    for g in sorted(groups, key=lambda g: (-(exact[g] - out[g]), tiebreak[g]))[:total - sum(out.values())]:
        out[g] += 1
    return out


def _members(project: Project, unit: str) -> tuple[list[int], dict[int, Counter]]:
    """The ids of `unit` and the class counts of each (for stratification)."""
    counts: dict[int, Counter] = defaultdict(Counter)
    if unit == "clip":
        ids = [r[0] for r in project.conn.execute("SELECT id FROM clips ORDER BY id")]
        for clip_id, cat in project.conn.execute("SELECT id, category_id FROM clips WHERE category_id IS NOT NULL"):
            counts[clip_id][cat] += 1
        return ids, counts
    ids = [r[0] for r in project.conn.execute("SELECT id FROM images ORDER BY id")]
    for image_id, cat in project.conn.execute(
            "SELECT image_id, category_id FROM annotations WHERE category_id IS NOT NULL"):   # not ignore regions
        counts[image_id][cat] += 1
    return ids, counts


def plan_split(project: Project, val: float = 0.2, test: float = 0.0, seed: int = 0,
               unit: str | None = None) -> dict[int, str]:
    """Sample id (of `unit`: "image" or "clip"; default: what the project holds) → "train" | "val"
    | "test"; nothing is written."""
    unit = unit or split_unit(project)
    what = "clips" if unit == "clip" else "images"
    val, test = _check_fraction("val", val), _check_fraction("test", test)
    if val + test >= 1.0:
        raise DataError(f"--val {val:g} and --test {test:g} leave no {what} for training; keep their sum below 1.")
    ids, counts = _members(project, unit)
    n = len(ids)
    if n == 0:
        raise DataError(f"The project has no {what} to split; import data first (studio data import).")
    n_val = max(1, round(n * val)) if val > 0 else 0
    n_test = max(1, round(n * test)) if test > 0 else 0
    if n_val + n_test >= n:
        raise DataError(f"The project has {n} {what[:-1]}(s): too few for {n_val} validation and {n_test} test "
                        f"{what[:-1]}(s) with at least one left for training.")
    groups: dict[int, list[int]] = defaultdict(list)
    for i in ids:
        c = counts.get(i)
        groups[min(c, key=lambda k: (-c[k], k)) if c else -1].append(i)
    rng = np.random.default_rng(seed)
    order = {g: [members[j] for j in rng.permutation(len(members))] for g, members in sorted(groups.items())}
    assignment: dict[int, str] = {}
    val_q = _quotas({g: len(m) for g, m in order.items()}, n_val, rng)
    rest = {g: m[val_q[g]:] for g, m in order.items()}
    test_q = _quotas({g: len(m) for g, m in rest.items()}, n_test, rng)
    for g, members in order.items():
        for k, image_id in enumerate(members):
            if k < val_q[g]:
                assignment[image_id] = "val"
            elif k < val_q[g] + test_q[g]:
                assignment[image_id] = "test"
            else:
                assignment[image_id] = "train"
    return dict(sorted(assignment.items()))


def split_project(project: Project, val: float = 0.2, test: float = 0.0, seed: int = 0,
                  unit: str | None = None) -> dict[str, int]:
    """Split and write the splits of `unit` (one transaction); returns the split sizes."""
    unit = unit or split_unit(project)
    assignment = plan_split(project, val, test, seed, unit)
    with project.transaction():
        catalog.set_splits(project, assignment, unit)
    sizes = Counter(assignment.values())
    return {s: sizes.get(s, 0) for s in catalog.SPLITS}
