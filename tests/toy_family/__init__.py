"""A toy family that lives in tests/ and reaches Studio only through `STUDIO_FAMILIES`: a
classifier of a few hundred parameters that names the dominant color of a small image. It proves
that a family arrives as a package: it goes through import, train, resume, evaluate, export,
infer and the preview without a line of shared code knowing it."""
from core.families.info import FamilyInfo

INFO = FamilyInfo(
    name="toy_colors",
    title="Toy colors",
    summary="Names the dominant color of an image (a test family).",
    model="Two convolutions and a linear layer",
    import_formats=("image_folders",),
    headline_metric="accuracy",
    picture="gesture.png",
    order=900,
    annotation_kinds=("label",),
    sample_kind="image",
    summary_metrics=("accuracy", "average_class_accuracy"),
    loss_labels={"loss_ce": "ce"},
    implementation="tests.toy_family.family:FAMILY",
    spec="tests.toy_family.spec:ToySpec",
    cpu_profile="tests.toy_family.spec:cpu_sized",
    smoke_profile="tests.toy_family.spec:smoke_sized",
    sample_data="tests.toy_family.data:import_sample_data",
)
