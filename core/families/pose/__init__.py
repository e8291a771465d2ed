"""2D pose: people and their 17 COCO keypoints (Keypoint R-CNN)."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="pose",
    title="2D pose",
    summary="Finds each person and places the 17 joints of the COCO skeleton.",
    model="Keypoint R-CNN, ResNet + FPN",
    import_formats=("coco",),
    headline_metric="keypoints_AP",
    picture="pose.png",
    order=30,
    annotation_kinds=("box", "keypoints"),
    summary_metrics=("keypoints_AP",),
)
