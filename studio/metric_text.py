"""How a metric value reads wherever Studio prints one (`studio evaluate`, `studio runs list|show`;
Qt-free, so the GUI's tables can use it too).

COCO evaluation writes -1 for a metric that has nothing to measure (no object of that size in
the split, e.g. APs on a split without small objects): it reads "n/a", never "-1.0000". A metric
that was not measured at all (None) reads "-".
"""
from __future__ import annotations

NOT_APPLICABLE = "n/a"
NOT_MEASURED = "-"


def not_applicable(value: float | None) -> bool:
    """COCO's -1 (any negative value: no metric Studio reports is negative)."""
    return value is not None and value < 0


def metric_text(value: float | None, digits: int = 4) -> str:
    """`0.5123` for a value, "n/a" for COCO's -1, "-" for None."""
    if value is None:
        return NOT_MEASURED
    if not_applicable(value):
        return NOT_APPLICABLE
    return f"{value:.{digits}f}"
