"""2D pose: Keypoint R-CNN (ResNet + FPN) finds each person (or animal, or stick figure) and
places the keypoints of the project's keypoint set, joined by its skeleton."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="pose",
    title="2D pose",
    summary="Finds each person and places their keypoints (the joints your data names: COCO's 17, "
            "CrowdPose's 14, an animal's ...), joined by the skeleton.",
    model="Keypoint R-CNN, ResNet18/34/50/101 + FPN",
    import_formats=("coco",),
    headline_metric="keypoints_AP",
    picture="pose.png",
    order=30,
    annotation_kinds=("box", "keypoints"),
    sample_kind="image",
    summary_metrics=("keypoints_AP", "keypoints_AP50", "PCK", "AP"),
    loss_labels={"loss_keypoint": "kpt", "loss_classifier": "cls", "loss_box_reg": "box", "loss_objectness": "obj",
                 "loss_rpn_box_reg": "rpn"},
    sample_data="core.datasets.sample_pose:import_pose_sample_data",
    sample_schedule="core.families.pose.sample_schedule:sample_schedule",
    implementation="core.families.pose.family:FAMILY",
    spec="core.families.pose.spec:PoseSpec",
    cpu_profile="core.families.pose.spec:cpu_sized",
    demo="core.families.pose.demo:DEMO",
    smoke_profile="core.families.pose.spec:smoke_sized",
)
