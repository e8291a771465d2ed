"""Object detection: boxes and classes (Faster R-CNN, ResNet + FPN)."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="detection",
    title="Object detection",
    summary="Puts a box around each object and names its class.",
    model="Faster R-CNN, ResNet + FPN",
    import_formats=("kitti", "coco", "labelme"),
    headline_metric="bbox_AP",
    picture="detection.png",
    order=20,
    annotation_kinds=("box",),
    summary_metrics=("bbox_AP", "AP50"),
)
