"""A family's spec class and default spec without importing torch (the GUI must not: importing
torch blocks its thread for seconds).

Convention: an implemented family `core.families.<name>` has a `family` module (the trainer
side, which imports torch) and a `spec` module holding the spec dataclass (the one whose `task`
field defaults to the family's name) and optionally `cpu_sized(spec)` for the "cpu" profile.
A family with built-in sample data (`FamilyInfo.sample_data`) may add a `sample_schedule` module
whose `sample_schedule(spec)` sets the schedule that learns that data on a CPU in reasonable time.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
from typing import Any, Callable

from core.families import family_info, get_family


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


def sample_schedule_for(task: str) -> Callable[[Any], Any] | None:
    """The family's `sample_schedule(spec)` (the CPU schedule for its built-in sample data), or None
    when the family declares none."""
    info = family_info(task)
    name = f"core.families.{info.name}.sample_schedule"
    if importlib.util.find_spec(name) is None:
        return None
    function = getattr(importlib.import_module(name), "sample_schedule", None)
    return function if callable(function) else None


def gpu_likely() -> bool:
    """A cheap guess (no torch) whether a CUDA GPU is present: the NVIDIA driver is loaded."""
    return os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidia0")


def default_profile() -> str:
    return "gpu" if gpu_likely() else "cpu"
