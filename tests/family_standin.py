"""A stand-in family for tests of shared code: a FamilyInfo whose metrics, loss terms and sample
kind are not Mask R-CNN's, registered by monkeypatching `core.families._all`."""
from __future__ import annotations

import dataclasses

import core.families
from core.families import FamilyInfo

STANDIN = FamilyInfo(name="standin", title="Stand-in", summary="A family for tests.", model="none",
                     import_formats=(), headline_metric="top1", picture="none.png", order=999,
                     sample_kind="clip", summary_metrics=("top1", "top5", "mean_class_acc"),
                     loss_labels={"loss_ce": "ce"})
# what instance segmentation would be with other metric and loss names (it keeps its trainer, so
# the Train page shows its dashboard)
RENAMED_METRICS = ("score", "recall")
RENAMED_LOSSES = {"loss_mask": "silhouette", "loss_classifier": "kind"}


def register(monkeypatch, *infos: FamilyInfo) -> None:
    known = dict(core.families._all())
    known.update({i.name: i for i in infos})
    monkeypatch.setattr(core.families, "_all", lambda: known)


def rename_instance_segmentation(monkeypatch) -> FamilyInfo:
    """Instance segmentation reports "score" (headline) and "recall", and labels its losses otherwise."""
    info = dataclasses.replace(core.families.family_info("instance_segmentation"), headline_metric=RENAMED_METRICS[0],
                               summary_metrics=RENAMED_METRICS, loss_labels=RENAMED_LOSSES)
    register(monkeypatch, info)
    return info
