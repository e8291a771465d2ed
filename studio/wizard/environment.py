"""What the model step needs to know about this computer, found off the GUI thread: the family's
implementation (importing it imports torch), whether a CUDA GPU is there, and which weights files
the torch hub cache already holds (nothing is downloaded)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.specs import fields_of


@dataclass
class Environment:
    task: str
    family: Any                    # core.families.base.Family
    cuda: bool
    gpu_name: str = ""
    hub_dir: Path | None = None
    cached: list[Path] = field(default_factory=list)

    @property
    def default_profile(self) -> str:
        return "gpu" if self.cuda else "cpu"


def probe_environment(task: str, reporter=None) -> Environment:
    """Runs on a worker thread (torch takes seconds to import)."""
    import torch

    from core.families import get_family
    from core.families.pretrained import cached_weights, hub_checkpoints_dir

    family = get_family(task)
    cuda = bool(torch.cuda.is_available())
    name = torch.cuda.get_device_name(0) if cuda else ""
    hub = hub_checkpoints_dir()
    return Environment(task, family, cuda, name, hub, cached_weights(hub))


def field_choices(spec_class: type, dotted: str) -> tuple:
    """The `choices` of a spec field such as "model.backbone" (empty when it has none)."""
    head, _, rest = dotted.partition(".")
    for info in fields_of(spec_class):
        if info.name == head:
            if rest:
                return field_choices(info.type, rest) if info.is_section else ()
            return tuple(info.choices or ())
    return ()
