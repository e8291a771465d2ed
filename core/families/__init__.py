"""Model families: the seam along which Studio grows.

Each family is a subpackage of `core.families`. Its `__init__` holds `INFO` (a `FamilyInfo`:
light, no torch import, enough for the GUI's wizard); its `family` module, when the family is
implemented, holds `FAMILY`, a `core.families.base.Family` that supplies the dataset adapter,
model builder, metrics, post-processing and overlay drawing. Families are discovered, not
listed: adding one is adding a package, touching no shared code.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil

from core.errors import ProjectError, StudioError
from core.families.info import FamilyInfo

__all__ = ["FamilyInfo", "family_infos", "family_info", "get_family", "FamilyNotAvailable"]


class FamilyNotAvailable(StudioError):
    """The family is known (projects and data work) but has no trainer in this version."""

    kind = "family_not_available"


@functools.lru_cache(maxsize=None)
def _infos() -> dict[str, FamilyInfo]:
    found: dict[str, FamilyInfo] = {}
    for mod in pkgutil.iter_modules(__path__):
        if not mod.ispkg:
            continue
        package = importlib.import_module(f"{__name__}.{mod.name}")
        info = getattr(package, "INFO", None)
        if isinstance(info, FamilyInfo):
            found[info.name] = info
    return dict(sorted(found.items(), key=lambda kv: kv[1].order))


def family_infos() -> list[FamilyInfo]:
    """All known families, in the order the wizard shows them."""
    return list(_infos().values())


def family_info(name: str) -> FamilyInfo:
    infos = _infos()
    if name not in infos:
        raise ProjectError(f"Unknown model family {name!r}; choose one of: {', '.join(infos)}.")
    return infos[name]


def get_family(name: str):
    """The implementation of a family (`core.families.base.Family`)."""
    info = family_info(name)
    try:
        module = importlib.import_module(f"{__name__}.{info.name}.family")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{info.name}.family":
            raise
        raise FamilyNotAvailable(
            f"{info.title} projects can be created and their data imported, but training them arrives in a "
            f"later version of Studio.") from None
    return module.FAMILY
