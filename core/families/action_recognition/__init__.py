"""Action recognition: one action label per clip of frames (2D ResNet18 or 3D r3d_18)."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="action_recognition",
    title="Action recognition",
    summary="Watches a short clip of frames and names the action happening in it.",
    model="ResNet18 over stacked frames (2D) or r3d_18 (3D)",
    import_formats=("video_folders",),
    headline_metric="accuracy",
    picture="action_recognition.png",
    order=40,
    annotation_kinds=("clip",),
    sample_kind="clip",
    summary_metrics=("accuracy", "average_class_accuracy"),
)
