"""A family's spec class and default spec without importing torch (the GUI must not: importing
torch blocks its thread for seconds). Both come from what the family's `INFO` names: its spec
dataclass and its CPU profile function, torch-free modules by contract. `Family.default_spec`
delegates here, so the GUI, the CLI and the trainer build the same defaults.
"""
from __future__ import annotations

from typing import Any, Callable

from core.families import family_info, not_available, resolve
from core.hardware import default_profile, gpu_likely  # noqa: F401 - the profile's owner, re-exported


def is_trainable(task: str) -> bool:
    """True when the family has a trainer in this version (checked without importing it)."""
    return family_info(task).trainable


def spec_class_for(task: str) -> type:
    """The spec dataclass of a family. Raises FamilyNotAvailable for families without a trainer."""
    info = family_info(task)
    if not info.trainable:
        raise not_available(info)
    return resolve(info.spec)


def default_spec_for(task: str, profile: str = "gpu") -> Any:
    """The family's default spec; profile "cpu" shrinks what dominates a CPU step."""
    info = family_info(task)
    spec = spec_class_for(task)()
    if profile == "cpu" and info.cpu_profile:
        spec = resolve(info.cpu_profile)(spec)
    return spec


def sample_schedule_for(task: str) -> Callable[[Any], Any] | None:
    """The family's `sample_schedule(spec)` (the CPU schedule for its built-in sample data, named by
    `FamilyInfo.sample_schedule`), or None when the family declares none."""
    info = family_info(task)
    return resolve(info.sample_schedule) if info.sample_schedule else None

