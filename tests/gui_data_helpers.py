"""Helpers for the Data and Label page tests: open a page on a project, wait for a drawing,
read pixels of the drawing and of the bare image, and pick pixels well inside masks."""
from __future__ import annotations

import cv2
import numpy as np

from core.datasets.masks import annotation_mask
from core.project import Project, catalog


def open_page(qtbot, page_cls, project: Project | None, size=(1200, 800)):
    """A page on its own Session (opened on `project`'s folder), shown."""
    from studio.controllers.jobs import JobController
    from studio.session import Session

    session, jobs = Session(), JobController()
    page = page_cls(session, jobs)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    if project is not None:
        session.open_project(project.root)
        wait_loaded(qtbot, page)
    page._keep = (session, jobs)           # keep the Python owners alive as long as the page
    return page, session


def wait_loaded(qtbot, page, timeout: int = 10_000) -> None:
    """Until a page that reads its project on a background thread (`loading`) has filled in."""
    qtbot.waitUntil(lambda: not getattr(page, "loading", False), timeout=timeout)


def wait_drawn(qtbot, image_widget, image_id: int | None = None, timeout: int = 5000) -> None:
    """Until `image_widget` (an AnnotatedImage) shows image `image_id` (any image when None)."""
    def drawn():
        doc = image_widget.doc
        return (doc is not None and not image_widget.loading
                and (image_id is None or doc.image_id == image_id))
    qtbot.waitUntil(drawn, timeout=timeout)


def qimage_rgb(image) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(h, img.bytesPerLine())
    return buf[:, :w * 3].reshape(h, w, 3).copy()


def rendered(image_widget) -> np.ndarray:
    return qimage_rgb(image_widget.render_image())


def bare(project: Project, image_id: int) -> np.ndarray:
    rec = catalog.image(project, image_id)
    return cv2.cvtColor(cv2.imread(str(project.resolve(rec.path))), cv2.COLOR_BGR2RGB)


def mask_of(project: Project, ann) -> np.ndarray:
    rec = catalog.image(project, ann.image_id)
    return annotation_mask(ann, rec.height, rec.width)


def interior(mask: np.ndarray, others: list[np.ndarray] = ()) -> tuple[int, int]:
    """(y, x) of the pixel deepest inside `mask` and outside every mask in `others`."""
    own = mask.copy()
    for o in others:
        own &= ~o
    dist = cv2.distanceTransform(own.astype(np.uint8), cv2.DIST_L2, 3)
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    assert dist[y, x] >= 1.5, "no pixel well inside the mask"
    return int(y), int(x)


def image_with_masks(project: Project, at_least: int = 1) -> tuple[int, list]:
    """An image id with at least `at_least` mask annotations (none crowd), and those annotations."""
    by_image = catalog.annotations(project)
    for rec in catalog.images(project):
        anns = [a for a in by_image.get(rec.id, []) if a.seg_kind and not a.iscrowd]
        if len(anns) >= at_least and len(anns) == len(by_image.get(rec.id, [])):
            return rec.id, anns
    raise AssertionError(f"no image with {at_least} mask annotations")


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).sum())
