"""Model families: the seam along which Studio grows.

A family is a package whose `__init__` holds `INFO`, a `FamilyInfo` (light, no torch import: what
the GUI's wizard and the CLI need) that names where the rest is: the `Family` implementation
(`core.families.base`), its spec dataclass and its CPU profile. That is the one way a family is
found. Families are discovered, not listed: every subpackage of `core.families`, plus the
packages named in the environment variable `STUDIO_FAMILIES` (comma-separated module names, e.g.
a family a test or a plugin brings; worker processes inherit it). Adding one touches no shared code.
"""
from __future__ import annotations

import functools
import importlib
import os
import pkgutil

from core.dotted import load
from core.errors import ProjectError, StudioError
from core.families.info import FamilyInfo

__all__ = ["FamilyInfo", "family_infos", "family_info", "get_family", "FamilyNotAvailable", "resolve",
           "EXTRA_FAMILIES_ENV"]

EXTRA_FAMILIES_ENV = "STUDIO_FAMILIES"


class FamilyNotAvailable(StudioError):
    """The family is known (projects and data work) but has no trainer in this version."""

    kind = "family_not_available"


def _packages() -> list[str]:
    names = [f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if m.ispkg]
    extra = [n.strip() for n in os.environ.get(EXTRA_FAMILIES_ENV, "").split(",") if n.strip()]
    return names + [n for n in extra if n not in names]


@functools.lru_cache(maxsize=None)
def _infos(packages: tuple[str, ...]) -> dict[str, FamilyInfo]:
    found: dict[str, FamilyInfo] = {}
    for name in packages:
        info = getattr(importlib.import_module(name), "INFO", None)
        if isinstance(info, FamilyInfo):
            found[info.name] = info
    return dict(sorted(found.items(), key=lambda kv: kv[1].order))


def _all() -> dict[str, FamilyInfo]:
    return _infos(tuple(_packages()))


def family_infos() -> list[FamilyInfo]:
    """All known families, in the order the wizard shows them."""
    return list(_all().values())


def family_info(name: str) -> FamilyInfo:
    infos = _all()
    if name not in infos:
        raise ProjectError(f"Unknown model family {name!r}; choose one of: {', '.join(infos)}.")
    return infos[name]


def resolve(reference: str):
    """The object a "module:attribute" reference of an INFO names."""
    return load(reference)


def not_available(info: FamilyInfo) -> FamilyNotAvailable:
    return FamilyNotAvailable(
        f"{info.title} projects can be created and their data imported, but training them arrives in a later "
        "version of Studio.")


def get_family(name: str):
    """The implementation of a family (`core.families.base.Family`; imports torch)."""
    info = family_info(name)
    if not info.trainable:
        raise not_available(info)
    return resolve(info.implementation)
