"""Gesture classification: a classifier on hand crops, cascaded after a hand detector."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="gesture",
    title="Gesture",
    summary="Finds hands with a detector, then names the gesture each hand makes.",
    model="ResNet18 classifier on hand crops after a hand detector",
    import_formats=("image_folders",),
    headline_metric="accuracy",
    picture="gesture.png",
    order=50,
    annotation_kinds=("label",),
    sample_kind="crop",
    summary_metrics=("accuracy",),
)
