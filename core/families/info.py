"""What the GUI and the CLI know about a family without importing torch."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FamilyInfo:
    name: str                      # task id stored in projects and specs, e.g. "instance_segmentation"
    title: str                     # "Instance segmentation"
    summary: str                   # one sentence for the wizard
    model: str                     # "Mask R-CNN, ResNet + FPN"
    import_formats: tuple[str, ...]  # formats `studio data import` accepts for this family
    headline_metric: str           # the metric runs are compared by, e.g. "segm_AP"
    picture: str                   # file under resources/families/
    order: int = 100
    annotation_kinds: tuple[str, ...] = ()  # what an annotation carries: box, mask, keypoints, clip, label
