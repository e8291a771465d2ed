"""The family of a project, for what the GUI and the CLI show (metric columns, loss labels): its
`FamilyInfo`, or None for a family this version of Studio does not know (a project made by a
newer one), whose runs and artifacts still list, unlabelled. Torch-free."""
from __future__ import annotations

from core.errors import StudioError
from core.families import FamilyInfo, family_info


def known_family(task: str | None) -> FamilyInfo | None:
    try:
        return family_info(task) if task else None
    except StudioError:
        return None


def shown_metrics(task: str | None) -> tuple[str, ...]:
    """The metrics tables and lines show for `task`, headline first (none for an unknown family)."""
    info = known_family(task)
    return info.shown_metrics if info is not None else ()


def holds_clips(task: str | None) -> bool:
    """The family's samples are clips of video (the Data page lists clips, the Label page has no
    images to step through)."""
    info = known_family(task)
    return info is not None and info.sample_kind == "clip"
