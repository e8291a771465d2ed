"""The built-in sample data: synthetic shapes generated and imported through the real COCO
path (so the demo, the wizard and the tests exercise the importer too)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from core.datasets.coco import plan_coco_import
from core.datasets.plan import ImportResult, commit_import
from core.datasets.synthetic import generate_coco
from core.jobs.reporter import NullReporter, Reporter
from core.project import Project


def import_sample_data(project: Project, num_images: int = 200, size: int = 128, seed: int = 0,
                       reporter: Reporter | None = None) -> ImportResult:
    """Generate `num_images` synthetic shape scenes and import them (one transaction)."""
    reporter = reporter or NullReporter()
    with tempfile.TemporaryDirectory(prefix="studio-sample-") as tmp:
        reporter.log(f"Generating {num_images} sample images ({size} px)...")
        ann = generate_coco(Path(tmp) / "shapes", num_images, size=size, seed=seed)
        plan = plan_coco_import(ann, ann.parent, reporter=reporter)
        result = commit_import(project, plan, copy=True, reporter=reporter)
    return result


def sample_video(path: str | Path, num_frames: int = 48, size: int = 128, seed: int = 1) -> Path:
    from core.datasets.synthetic import generate_video

    return generate_video(path, num_frames=num_frames, size=size, seed=seed)


__all__ = ["import_sample_data", "sample_video"]
