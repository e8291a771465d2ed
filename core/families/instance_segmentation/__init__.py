"""Instance segmentation: Mask R-CNN (ResNet + FPN) on COCO or labelme polygons and RLE masks."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="instance_segmentation",
    title="Instance segmentation",
    summary="Finds each object, draws its exact outline (a mask) and names its class.",
    model="Mask R-CNN, ResNet18/34/50/101 + FPN",
    import_formats=("coco", "labelme"),
    headline_metric="mask_AP",
    picture="instance_segmentation.png",
    order=10,
    annotation_kinds=("box", "mask"),
    sample_kind="image",
    summary_metrics=("mask_AP", "AP", "mask_AP50", "AP50"),
    loss_labels={"loss_classifier": "cls", "loss_box_reg": "box", "loss_mask": "mask", "loss_objectness": "obj",
                 "loss_rpn_box_reg": "rpn"},
    sample_data="core.datasets.sample:import_sample_data",
    sample_schedule="core.families.instance_segmentation.sample_schedule:sample_schedule",
    implementation="core.families.instance_segmentation.family:FAMILY",
    spec="core.families.instance_segmentation.spec:InstanceSegmentationSpec",
    cpu_profile="core.families.instance_segmentation.spec:cpu_sized",
    demo="core.families.instance_segmentation.demo:DEMO",
    smoke_profile="core.families.instance_segmentation.spec:smoke_sized",
)
