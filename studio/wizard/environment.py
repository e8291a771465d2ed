"""What the model step needs to know, found without importing torch (importing it would block the
GUI thread for seconds, even from a worker thread): the family's spec class and default specs
(`core.families.spec_lookup`), whether an NVIDIA GPU is there (driver files), which weights
files the torch hub cache already holds (nothing is downloaded), and the trained models of the
same family in the user's recent projects (`core.setup.recent_checkpoints`), with those of the
families that may lend it a backbone."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from core.families.spec_lookup import default_spec_for, gpu_likely, spec_class_for
from core.setup.recent_checkpoints import FoundCheckpoint
from core.specs import fields_of

NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")


@dataclass
class Environment:
    task: str
    spec_class: type
    cuda: bool
    gpu_name: str = ""
    hub_dir: Path | None = None
    cached: list[Path] = field(default_factory=list)
    checkpoints: list[FoundCheckpoint] = field(default_factory=list)   # Studio checkpoints, newest first
    # detection models in recent projects for a family that runs after a detector (`model.detector`,
    # the gesture classifier), newest first; None for the other families
    detectors: list[FoundCheckpoint] | None = None
    # models of the families that may lend this one their backbone (`FamilyInfo.backbone_from`: a
    # gesture classifier may start from a hand detector's), newest first
    lenders: list[FoundCheckpoint] = field(default_factory=list)

    def default_spec(self, profile: str) -> Any:
        return default_spec_for(self.task, profile)

    @property
    def default_profile(self) -> str:
        return "gpu" if self.cuda else "cpu"


def gpu_name() -> str:
    """The first NVIDIA GPU's model name from the driver's /proc files ('' when unknown)."""
    try:
        for info in sorted(NVIDIA_GPUS.glob("*/information")):
            for line in info.read_text(errors="replace").splitlines():
                if line.startswith("Model:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def probe_environment(task: str, reporter=None, recent: Iterable[str | Path] = ()) -> Environment:
    """Cheap (file checks, folder listings, read-only looks at the `recent` project folders), but run
    off the GUI thread all the same."""
    from core.families import family_info
    from core.families.pretrained import cached_weights, hub_checkpoints_dir
    from core.setup.recent_checkpoints import studio_checkpoints

    cuda = gpu_likely()
    hub = hub_checkpoints_dir()
    recent = list(recent)
    spec_class = spec_class_for(task)
    scanned: dict[str, list[FoundCheckpoint]] = {}

    def trained(of: str) -> list[FoundCheckpoint]:      # each family's runs looked up once
        if of not in scanned:
            scanned[of] = studio_checkpoints(recent, of)
        return scanned[of]

    detectors = trained(DETECTOR_TASK) if has_field(spec_class, "model.detector") else None
    lenders = [found for other in family_info(task).backbone_from for found in trained(other)]
    return Environment(task, spec_class, cuda, gpu_name() if cuda else "", hub, cached_weights(hub),
                       trained(task), detectors, lenders)


DETECTOR_TASK = "detection"     # the family whose models a cascade's second stage runs after


def has_field(spec_class: type, dotted: str) -> bool:
    """Whether the spec class has the field "section.name"."""
    head, _, rest = dotted.partition(".")
    for info in fields_of(spec_class):
        if info.name == head:
            return has_field(info.type, rest) if rest and info.is_section else not rest
    return False


def field_choices(spec_class: type, dotted: str) -> tuple:
    """The `choices` of a spec field such as "model.backbone" (empty when it has none)."""
    head, _, rest = dotted.partition(".")
    for info in fields_of(spec_class):
        if info.name == head:
            if rest:
                return field_choices(info.type, rest) if info.is_section else ()
            return tuple(info.choices or ())
    return ()
