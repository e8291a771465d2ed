"""The validation report of an import: every problem found, what was done about it, and why.

Each item has an `action`:

- ``repaired``: the data was fixed and kept. A box reaching outside its image is clipped; a
  missing or non-positive area is recomputed; a degenerate part (fewer than 3 points) of a
  multi-polygon is dropped while the other parts stay; a missing box is computed from the
  segmentation; an uncompressed RLE that needed re-encoding is not a problem and is not reported.
  Image sizes that disagree with the file on disk are replaced by the file's.
- ``skipped``: that one thing is left out and the rest is imported. A missing or unreadable image
  file (together with its annotations), an annotation of an unknown category or image, a box of
  zero area, a segmentation with no usable polygon or an invalid RLE, a duplicate entry, an image
  already in the project.
- ``rejected``: a problem that makes the whole import refuse to commit, because going on would
  guess at what the data means. Used sparingly: two categories with the same id and different
  names (which one do annotations mean?), or nothing importable at all (no usable image).
  A plan with rejections cannot be committed: `raise_if_rejected` raises `ImportRejected`
  (a `DataError`) carrying the report.

A file that cannot be read at all (not JSON, not the expected format) is not a report item: the
planner raises `DataError` straight away with a sentence that names the file.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from core.errors import DataError

ACTIONS = ("repaired", "skipped", "rejected")


@dataclass(frozen=True)
class ReportItem:
    action: str   # "repaired", "skipped" or "rejected"
    what: str     # "annotation 17", "image 3 (a.png)", "category 2"
    reason: str   # a sentence a user can act on

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {self.action!r}")

    def __str__(self) -> str:
        return f"{self.action}: {self.what}: {self.reason}"


@dataclass
class ImportReport:
    """Items found while planning an import (and, for project duplicates, while merging)."""

    source: str = ""
    items: list[ReportItem] = field(default_factory=list)

    # -- adding ---------------------------------------------------------------------------------
    def add(self, action: str, what: str, reason: str) -> ReportItem:
        item = ReportItem(action, what, reason)
        self.items.append(item)
        return item

    def repaired(self, what: str, reason: str) -> ReportItem:
        return self.add("repaired", what, reason)

    def skipped(self, what: str, reason: str) -> ReportItem:
        return self.add("skipped", what, reason)

    def rejected(self, what: str, reason: str) -> ReportItem:
        return self.add("rejected", what, reason)

    def extend(self, other: "ImportReport") -> None:
        self.items.extend(other.items)

    # -- reading --------------------------------------------------------------------------------
    @property
    def counts(self) -> dict[str, int]:
        c = Counter(i.action for i in self.items)
        return {a: c.get(a, 0) for a in ACTIONS}

    @property
    def has_rejections(self) -> bool:
        return any(i.action == "rejected" for i in self.items)

    def of(self, action: str) -> list[ReportItem]:
        return [i for i in self.items if i.action == action]

    def find(self, what: str) -> list[ReportItem]:
        """Items about `what` (exact match, or `what` followed by a space, e.g. "image 3")."""
        return [i for i in self.items if i.what == what or i.what.startswith(what + " ")]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "counts": self.counts, "items": [asdict(i) for i in self.items]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ImportReport":
        return cls(source=d.get("source", ""), items=[ReportItem(**i) for i in d.get("items", [])])

    def summary(self, max_items: int = 20) -> str:
        """A few lines for a terminal: the counts, then the items (rejections first)."""
        c = self.counts
        if not self.items:
            return "Validation: no problems found."
        lines = [f"Validation: {c['repaired']} repaired, {c['skipped']} skipped, {c['rejected']} rejected."]
        ordered = self.of("rejected") + self.of("skipped") + self.of("repaired")
        for item in ordered[:max_items]:
            lines.append(f"  {item}")
        if len(ordered) > max_items:
            lines.append(f"  ... and {len(ordered) - max_items} more (the full report is stored with the import).")
        return "\n".join(lines)

    def raise_if_rejected(self) -> None:
        if self.has_rejections:
            first = self.of("rejected")
            detail = "; ".join(f"{i.what}: {i.reason}" for i in first[:3])
            more = f" (and {len(first) - 3} more)" if len(first) > 3 else ""
            name = f" of {self.source}" if self.source else ""
            raise ImportRejected(f"The import{name} was refused and nothing was written: {detail}{more}",
                                 self)


class ImportRejected(DataError):
    """An import refused to commit; `report` holds every item, the rejections among them."""

    def __init__(self, message: str, report: ImportReport):
        super().__init__(message)
        self.report = report
