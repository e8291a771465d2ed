"""Action recognition: one action label per clip of frames (2D ResNet18/34 over stacked frames, or a
3D ResNet: r3d_18, mc3_18, r2plus1d_18)."""
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
    loss_labels={"loss_ce": "ce"},
    implementation="core.families.action_recognition.family:FAMILY",
    spec="core.families.action_recognition.spec:ActionRecognitionSpec",
    cpu_profile="core.families.action_recognition.spec:cpu_sized",
    smoke_profile="core.families.action_recognition.spec:smoke_sized",
    sample_data="core.datasets.sample_clips:import_sample_data",
    demo="core.families.action_recognition.demo:DEMO",
    export_format="frame_folders",
)
