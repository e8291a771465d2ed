"""Sentences the import page shows about a checked plan and the validation split (no Qt)."""
from __future__ import annotations

VAL_TIP = "Share of the images held out for validation (stratified by class, seed 0); 0 % keeps all for training."


def count(n: int, singular: str, plural: str | None = None) -> str:
    """'1 image', '3 images', '2 categories'."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def plan_summary(plan) -> str:
    c = plan.counts
    if "videos" in c:
        what = (f"{count(c['videos'], 'video')} ({count(c['frames'], 'frame')}) in "
                f"{count(c['categories'], 'class', 'classes')}")
    else:
        what = (f"{count(c['images'], 'image')}, {count(c['annotations'], 'annotation')}, "
                f"{count(c['categories'], 'category', 'categories')}")
    names = list(plan.categories)[:6]
    if names:
        labels = [n if isinstance(n, str) else n.name for n in names]
        more = ", ..." if len(plan.categories) > 6 else ""
        what += f" ({', '.join(labels)}{more})"
    r = plan.report.counts
    return f"{what}. Validation: {r['repaired']} repaired, {r['skipped']} skipped, {r['rejected']} rejected."


def split_problem(n: int, val: float) -> str | None:
    """Why `n` items cannot be split with a validation fraction `val` (as core.datasets.split does it)."""
    if val <= 0 or n == 0:
        return None
    n_val = max(1, round(n * val))
    if n_val >= n:
        return (f"{count(n, 'image')} {'is' if n == 1 else 'are'} too few for a validation split of {val:.0%}: "
                "lower it, set it to 0, or import more images.")
    return None
