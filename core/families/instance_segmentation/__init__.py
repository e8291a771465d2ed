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
)
