"""Object detection: boxes and classes (Faster R-CNN, ResNet + FPN, or a light CPU option)."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="detection",
    title="Object detection",
    summary="Puts a box around each object and names its class.",
    model="Faster R-CNN, ResNet18/34/50 + FPN",
    import_formats=("kitti", "coco", "labelme"),
    headline_metric="AP",
    picture="detection.png",
    order=20,
    annotation_kinds=("box",),
    sample_kind="image",
    summary_metrics=("AP", "AP50", "voc_mAP"),
    loss_labels={"loss_classifier": "cls", "loss_box_reg": "box", "loss_objectness": "obj",
                 "loss_rpn_box_reg": "rpn", "classification": "cls", "bbox_regression": "box",
                 "bbox_ctrness": "ctr"},
    sample_data="core.datasets.synthetic_hands:import_sample_hands",
    sample_schedule="core.families.detection.sample_schedule:sample_schedule",
    implementation="core.families.detection.family:FAMILY",
    spec="core.families.detection.spec:DetectionSpec",
    cpu_profile="core.families.detection.spec:cpu_sized",
    demo="core.families.detection.demo:DEMO",
    smoke_profile="core.families.detection.spec:smoke_sized",
)
