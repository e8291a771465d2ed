"""What the GUI and the CLI know about a family without importing torch — and where the rest of
it lives: a family is found one way, through its package's `INFO`."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

SAMPLE_KINDS = ("image", "clip", "crop")


@dataclass(frozen=True)
class FamilyInfo:
    name: str                      # task id stored in projects and specs, e.g. "instance_segmentation"
    title: str                     # "Instance segmentation"
    summary: str                   # one sentence for the wizard
    model: str                     # "Mask R-CNN, ResNet + FPN"
    import_formats: tuple[str, ...]  # formats `studio data import` accepts for this family
    headline_metric: str           # the metric runs are compared by (higher is better), e.g. "mask_AP"
    picture: str                   # file under resources/families/
    order: int = 100
    annotation_kinds: tuple[str, ...] = ()  # what an annotation carries: box, mask, keypoints, clip, label
    # What one training / evaluation unit is: an image, a clip (a video or frame folder + frame
    # range), or a crop (an image + a box + a margin). Splits are kept per image for image and
    # crop families (crops of one image never straddle train and val) and per clip for clips.
    sample_kind: str = "image"
    # The metrics tables and terminal lines show, headline first (names as the family reports them).
    summary_metrics: tuple[str, ...] = ()
    # Short labels of loss terms for terminal lines and plot legends ({"loss_mask": "mask"}).
    loss_labels: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    # "module:function" importing the family's built-in sample data into a project (torch-free), or None,
    # and "module:function" setting the schedule that learns that data on a CPU in reasonable time.
    sample_data: str | None = None
    sample_schedule: str | None = None
    # Where the rest is, as "module:attribute" (None: projects and data work, training arrives later):
    # the `core.families.base.Family` instance (its module imports torch), the spec dataclass and the
    # function that sizes a spec for a CPU (both torch-free, so the GUI can build specs).
    implementation: str | None = None
    spec: str | None = None
    cpu_profile: str | None = None
    # "module:attribute" of the family's demo (`core.demo`: its data, spec, video and report metrics), or None.
    demo: str | None = None
    # "module:function" sizing a spec to train in seconds on tiny sample data (the smoke profile:
    # tests that run every family through train, prune, QAT, INT8 and deployment, `studio bench --quick`).
    smoke_profile: str | None = None
    # families whose Studio checkpoints may start this family's backbone with their ResNet body
    # (``backbone.body.*``): a gesture classifier from its hand detector. Their heads are not used.
    backbone_from: tuple[str, ...] = ()
    # the export format that imports back into this family, so a project round-trips: the default
    # of `studio data export` and what the Data page's Export writes
    export_format: str = "coco"

    def __post_init__(self) -> None:
        object.__setattr__(self, "loss_labels", MappingProxyType(dict(self.loss_labels)))
        if self.sample_kind not in SAMPLE_KINDS:
            raise ValueError(f"{self.name}: sample_kind must be one of {SAMPLE_KINDS}, got {self.sample_kind!r}")

    def takes_backbone_from(self, task: str | None) -> bool:
        """Whether a Studio checkpoint of `task` may start this family's backbone (`backbone_from`):
        the one rule the wizard's weights check and the trainer's transfer share."""
        return bool(task) and task != self.name and task in self.backbone_from

    @property
    def trainable(self) -> bool:
        return self.implementation is not None and self.spec is not None

    @property
    def split_unit(self) -> str:
        """What a split assigns: "clip" for clip families, else "image"."""
        return "clip" if self.sample_kind == "clip" else "image"

    @property
    def shown_metrics(self) -> tuple[str, ...]:
        """The headline metric, then the other summary metrics."""
        rest = tuple(m for m in self.summary_metrics if m != self.headline_metric)
        return (self.headline_metric, *rest)
