"""Putting weights into a family's model: exactly (a Studio checkpoint of this very model, after
its transforms are replayed) or by matching (transfer learning from other weights).

`restore_model` is the one loader behind resume, evaluate, export and the PyTorch runner.
`transfer_weights` loads what fits from a Studio checkpoint of the same family with another class
set, the ResNet body of another family's Studio checkpoint when the family takes it
(`FamilyInfo.backbone_from`: a gesture classifier from its hand detector), a torchvision detection
model, or a bare torchvision backbone: the family may adapt the file
first (`Family.adapt_pretrained`: a 2D action network's first convolution repeated over the
frames), then tensors whose names and shapes match load, the class-dependent head (`WeightLayout.heads`) keeps its fresh initialization, and a
`TransferReport` says what was loaded, re-initialized, skipped and ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from core.errors import CheckpointError
from core.models import transforms as tf
from core.models.checkpoint import FORMAT, safe_load


def build_with_transforms(family, spec: Any, categories: Sequence, records: list | None,
                          source: str = "the checkpoint") -> nn.Module:
    """`family.build_model` with the recorded transforms replayed (no weights loaded)."""
    return tf.replay(family.build_model(spec, categories), records, source)


def load_exact(model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = lines[1] if len(lines) > 1 else (lines[0] if lines else type(exc).__name__)
        raise CheckpointError(f"The weights in {source} do not fit the model its spec describes: {detail[:300]}") \
            from exc


def restore_model(family, spec: Any, categories: Sequence, payload: dict[str, Any], source: str) -> nn.Module:
    """The model a Studio checkpoint holds: built from its spec and categories, its transforms
    replayed, its weights loaded strictly."""
    model = build_with_transforms(family, spec, categories, payload.get("transforms"), source)
    load_exact(model, payload["model"], source)
    return model


@dataclass
class TransferReport:
    source: str
    kind: str                                       # "studio checkpoint", "full model", "backbone"
    loaded: int = 0
    reinitialized: list[str] = field(default_factory=list)   # class-dependent head tensors left at init
    skipped: list[str] = field(default_factory=list)         # same name, other shape (not the head)
    ignored: list[str] = field(default_factory=list)         # not in this model
    missing: int = 0                                # this model's tensors that got nothing
    transforms: list[str] = field(default_factory=list)      # replayed from a Studio checkpoint
    notes: list[str] = field(default_factory=list)           # what the family adapted (`Family.adapt_pretrained`)

    def sentences(self) -> list[str]:
        out = [f"Pretrained weights from {self.source} ({self.kind}): {self.loaded} tensors loaded, "
               f"{self.missing} left at their initialization."]
        if self.transforms:
            out.append(f"Its model transforms were replayed first: {', '.join(self.transforms)}.")
        out += self.notes
        if self.reinitialized:
            out.append(f"Re-initialized for this project's classes: {_listing(self.reinitialized)}.")
        if self.skipped:
            out.append(f"Skipped (other shape): {_listing(self.skipped)}.")
        if self.ignored:
            out.append(f"Ignored (not in this model): {_listing(self.ignored)}.")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "loaded": self.loaded, "missing": self.missing,
                "reinitialized": self.reinitialized, "skipped": self.skipped, "ignored": self.ignored,
                "transforms": self.transforms, "notes": self.notes}


def _class_names(categories) -> list[str]:
    out = []
    for c in sorted(categories or [], key=lambda c: c["id"] if isinstance(c, dict) else c.id):
        out.append(c["name"] if isinstance(c, dict) else c.name)
    return out


def _listing(keys: list[str], limit: int = 6) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def read_pretrained(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any] | None]:
    """(state dict, the Studio checkpoint header or None) of a weights file."""
    data = safe_load(path, "pretrained weights file")
    header = None
    if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("model"), dict):
        header = {k: data.get(k) for k in ("task", "categories", "transforms", "step", "spec")}
        data = data["model"]
    elif isinstance(data, dict) and isinstance(data.get("model"), dict):
        data = data["model"]
    if not isinstance(data, dict) or not data or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise CheckpointError(f"{Path(path).name} is not a state dict of tensors (nor a Studio checkpoint): it "
                              "cannot initialize a model.")
    return data, header


def transfer_weights(model: nn.Module, family, spec: Any, categories: Sequence, path: str | Path
                     ) -> tuple[nn.Module, TransferReport, list]:
    """Load what fits from `path` into `model`, built for `categories` (see the module docstring).
    A Studio checkpoint whose classes differ from `categories` (by name) gives no head tensor,
    even when the class counts agree: class k of one set is not class k of another.

    Returns (the model — a new one when a Studio checkpoint's transforms had to be replayed —, the
    report, the transform records the model now carries)."""
    p = Path(path).expanduser()
    state, header = read_pretrained(p)
    layout = family.weight_layout(spec)
    records: list = []
    if header is not None and family.info.takes_backbone_from(header.get("task")):
        # another family's model (a hand detector for a gesture classifier): its ResNet body only
        body = "backbone.body."
        state = {layout.backbone + k[len(body):]: v for k, v in state.items()
                 if k.startswith(body) and not any(k[len(body):].startswith(s) for s in layout.backbone_skip)}
        if not state:
            raise CheckpointError(f"{p.name} is a Studio checkpoint of a {header.get('task')} model without a ResNet "
                                  "backbone (no backbone.body tensors): nothing in it can start this model.")
        kind = f"the backbone of a {header.get('task')} checkpoint"
        header = None                                   # its classes and transforms are not this model's
    elif header is not None:
        task = header.get("task")
        if task and task != family.info.name:
            raise CheckpointError(f"{p.name} is a Studio checkpoint of a {task} model; a {family.info.name} run can "
                                  "only start from one of its own family (or from torchvision weights).")
        records = list(header.get("transforms") or [])
        kind = "studio checkpoint"
        if records:   # a pruned model: this run keeps its structure
            model = tf.replay(model, records, p.name)
    elif layout.backbone and not any(k.startswith(layout.backbone) for k in state) and (
            "conv1.weight" in state or any(k.startswith("layer1.") for k in state)):
        state = {layout.backbone + k: v for k, v in state.items()
                 if not any(k.startswith(s) for s in layout.backbone_skip)}
        kind = "backbone"
    else:
        kind = "full model"
    same_classes = header is None or _class_names(header.get("categories")) == _class_names(categories)
    own = model.state_dict()
    state, notes = family.adapt_pretrained(state, own, spec, header)
    usable, reinit, skipped = {}, [], []
    for k, v in state.items():
        if k not in own:
            continue
        head = any(k.startswith(h) for h in layout.heads)
        if head and not same_classes:
            reinit.append(k)
        elif own[k].shape == v.shape:
            usable[k] = v
        elif head:
            reinit.append(k)
        else:
            skipped.append(k)
    if not usable:
        raise CheckpointError(f"No tensor of {p.name} fits this model; is it for another architecture or backbone?")
    model.load_state_dict(usable, strict=False)
    report = TransferReport(str(p), kind, loaded=len(usable), reinitialized=sorted(reinit), skipped=sorted(skipped),
                            ignored=sorted(k for k in state if k not in own), missing=len(own) - len(usable),
                            transforms=tf.names(records), notes=notes)
    return model, report, records
