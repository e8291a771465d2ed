"""A family's spec class and default spec without importing torch (the GUI must not: importing
torch blocks its thread for seconds).

Convention: an implemented family `core.families.<name>` has a `family` module (the trainer
side, which imports torch) and a `spec` module holding the spec dataclass (the one whose `task`
field defaults to the family's name) and optionally `cpu_sized(spec)` for the "cpu" profile.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from typing import Any

from core.families import family_info, get_family
from core.hardware import default_profile, gpu_likely  # noqa: F401 - the profile's owner, re-exported


def is_trainable(task: str) -> bool:
    """True when the family has a trainer in this version (checked without importing it)."""
    info = family_info(task)
    return importlib.util.find_spec(f"core.families.{info.name}.family") is not None


def _spec_module(task: str):
    info = family_info(task)
    if not is_trainable(task):
        get_family(task)  # raises FamilyNotAvailable with its sentence
    return importlib.import_module(f"core.families.{info.name}.spec")


def spec_class_for(task: str) -> type:
    """The spec dataclass of a family. Raises FamilyNotAvailable for families without a trainer."""
    module = _spec_module(task)
    for value in vars(module).values():
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
            fields = {f.name: f for f in dataclasses.fields(value)}
            if "task" in fields and fields["task"].default == task:
                return value
    raise LookupError(f"core.families.{task}.spec has no spec dataclass whose task defaults to {task!r}")


def default_spec_for(task: str, profile: str = "gpu") -> Any:
    """The family's default spec; profile "cpu" shrinks it the way `Family.default_spec` does."""
    module = _spec_module(task)
    spec = spec_class_for(task)()
    cpu_sized = getattr(module, "cpu_sized", None)
    if profile == "cpu" and callable(cpu_sized):
        spec = cpu_sized(spec)
    return spec

