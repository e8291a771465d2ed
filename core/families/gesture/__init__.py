"""Gesture classification: a classifier on hand crops, cascaded after a hand detector."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="gesture",
    title="Gesture",
    summary="Finds hands with a detector, then names the gesture each hand makes.",
    model="ResNet18/34 or MobileNetV3 classifier on hand crops after a hand detector",
    import_formats=("image_folders", "detection_crops"),
    headline_metric="accuracy",
    picture="gesture.png",
    order=50,
    annotation_kinds=("label",),
    sample_kind="crop",
    summary_metrics=("accuracy", "average_class_accuracy"),
    loss_labels={"loss_ce": "ce"},
    sample_data="core.datasets.synthetic_hands:import_sample_gestures",
    implementation="core.families.gesture.family:FAMILY",
    spec="core.families.gesture.spec:GestureSpec",
    cpu_profile="core.families.gesture.spec:cpu_sized",
    smoke_profile="core.families.gesture.spec:smoke_sized",
    demo="core.families.gesture.demo:DEMO",
    backbone_from=("detection",),
    export_format="image_folders",
)
