"""What an annotated image shows, as data (`ImageDoc`), and the work that prepares it for drawing
(`prepare`: decode the image and every mask, crop each mask to its extent, color it, trace its
outline). `prepare` runs on a thread-pool thread (`DocLoader`), never on the GUI thread: a
12-megapixel photo with fifty RLE masks takes longer than a frame.

The scene (`studio.ui.annotation_scene`) only turns a `Prepared` into graphics items; the editor
that comes later edits `ImageDoc.annotations` and asks for a new `Prepared`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from core.datasets.browse import CategoryStyle, category_styles
from core.datasets.masks import annotation_mask
from core.datasets.sources import IMAGE_SUFFIXES
from core.project import Project, catalog
from core.video.draw import color_for
from studio.ui.thumbnail_loader import lower_thread_priority

MASK_ALPHA = 130          # of 255, for a plain mask
HATCH_ALPHA = (200, 40)   # stripes of a crowd region: dense, sparse
HATCH_PERIOD = 6          # pixels per stripe pair


IGNORE_RGB = (215, 215, 215)   # an ignore region of every class (KITTI DontCare, labelme __ignore__)
IGNORE_NAME = "ignore"


def class_rgb(category_id: int | None) -> tuple[int, int, int]:
    """The class color shared with the video overlays (core.video.draw), as RGB; light grey for
    an ignore region of every class (no category)."""
    if category_id is None:
        return IGNORE_RGB
    b, g, r = color_for(int(category_id))
    return r, g, b


@dataclass
class ImageDoc:
    path: Path | None                  # the image file (None when `frame` is given)
    width: int
    height: int
    annotations: list[catalog.Annotation] = field(default_factory=list)
    styles: dict[int, CategoryStyle] = field(default_factory=dict)
    image_id: int | None = None
    title: str = ""                    # the file name, for captions
    caption: str = ""                  # a label drawn over the whole image (a clip's action)
    frame: np.ndarray | None = None    # an already decoded BGR image
    frame_index: int | None = None     # `path` is a video: show this frame (width/height 0: the video's)

    def category_name(self, category_id: int | None) -> str:
        if category_id is None:
            return IGNORE_NAME
        style = self.styles.get(category_id)
        return style.name if style else f"class {category_id}"


def doc_for_image(project: Project, image_id: int, styles: dict[int, CategoryStyle] | None = None) -> ImageDoc:
    """The document of one project image (a few small queries; fine on the GUI thread)."""
    rec = catalog.image(project, image_id)
    if rec is None:
        raise KeyError(f"image {image_id} is not in the project")
    anns = catalog.annotations(project, [image_id]).get(image_id, [])
    return ImageDoc(project.resolve(rec.path), rec.width, rec.height, anns,
                    styles if styles is not None else category_styles(project), image_id, rec.file_name)


@dataclass
class PreparedMask:
    x: int                      # where the crop sits in the image
    y: int
    image: QImage               # RGBA crop: the class color where the mask is, transparent elsewhere
    contours: list[np.ndarray]  # outlines (N, 2) in image pixels


@dataclass
class Prepared:
    image: QImage | None                       # None when the file cannot be read
    error: str = ""                            # why, as a sentence
    masks: list[PreparedMask | None] = field(default_factory=list)   # one per annotation


def _read(doc: ImageDoc) -> tuple[np.ndarray | None, str]:
    if doc.frame is not None:
        return doc.frame, ""
    path = doc.path
    what = "video" if doc.frame_index is not None else "image"
    if path is None or not (Path(path).is_file() or (doc.frame_index is not None and Path(path).is_dir())):
        return None, f"The {what} file {path} is missing."
    if doc.frame_index is not None and Path(path).is_dir():      # a clip stored as a folder of frames
        frames = sorted(p for p in Path(path).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not frames:
            return None, f"The frame folder {path} holds no images."
        image = cv2.imread(str(frames[min(doc.frame_index, len(frames) - 1)]), cv2.IMREAD_COLOR)
        return (image, "") if image is not None else (None, f"The frames in {path} cannot be read.")
    if doc.frame_index is not None:
        cap = cv2.VideoCapture(str(path))
        try:
            if doc.frame_index > 0:
                cap.set(cv2.CAP_PROP_POS_FRAMES, doc.frame_index)
            ok, image = cap.read()
        finally:
            cap.release()
        return (image, "") if ok else (None, f"Frame {doc.frame_index} of the video {path} cannot be read.")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        return None, f"The image file {path} cannot be read as an image."
    return image, ""


def to_qimage(bgr: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def prepare_mask(mask: np.ndarray, rgb: tuple[int, int, int], crowd: bool) -> PreparedMask | None:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = np.ascontiguousarray(mask[y0:y1, x0:x1])
    h, w = crop.shape
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[crop, :3] = rgb
    if crowd:  # hatched: diagonal stripes, so a crowd region reads as "many, not one"
        yy, xx = np.mgrid[y0:y1, x0:x1]
        stripes = ((xx + yy) % HATCH_PERIOD) < HATCH_PERIOD // 2
        rgba[..., 3] = np.where(crop, np.where(stripes, HATCH_ALPHA[0], HATCH_ALPHA[1]), 0)
    else:
        rgba[crop, 3] = MASK_ALPHA
    contours, _ = cv2.findContours(crop.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    outlines = [c.reshape(-1, 2) + (x0, y0) for c in contours if len(c) >= 2]
    image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    return PreparedMask(x0, y0, image, outlines)


def _box_mask(bbox, h: int, w: int) -> np.ndarray:
    x, y, bw, bh = bbox
    mask = np.zeros((h, w), bool)
    mask[max(0, int(y)):min(h, int(np.ceil(y + bh))), max(0, int(x)):min(w, int(np.ceil(x + bw)))] = True
    return mask


def prepare(doc: ImageDoc) -> Prepared:
    """Decode the image and the masks of `doc` (thread-safe: numpy, OpenCV and QImage only)."""
    bgr, error = _read(doc)
    if bgr is not None and not (doc.width and doc.height):
        doc.height, doc.width = bgr.shape[:2]
    doc.width, doc.height = doc.width or 640, doc.height or 360     # nothing readable: a blank canvas
    out = Prepared(to_qimage(bgr) if bgr is not None else None, error)
    h, w = doc.height, doc.width
    for ann in doc.annotations:
        if ann.seg_kind is None and ann.iscrowd:   # a box-only ignore region (DontCare): its box, hatched
            out.masks.append(prepare_mask(_box_mask(ann.bbox, h, w), class_rgb(ann.category_id), True))
            continue
        if ann.seg_kind is None:      # box only: the box is drawn, there is no mask
            out.masks.append(None)
            continue
        try:
            mask = annotation_mask(ann, h, w)
        except Exception:  # noqa: BLE001 - a stored segmentation that cannot be decoded draws as its box
            out.masks.append(None)
            continue
        out.masks.append(prepare_mask(mask, class_rgb(ann.category_id), bool(ann.iscrowd)))
    return out


class _Signals(QObject):
    done = Signal(int, object)   # token, Prepared


class _Job(QRunnable):
    def __init__(self, token: int, doc: ImageDoc, signals: _Signals):
        super().__init__()
        self.token, self.doc, self.signals = token, doc, signals

    def run(self) -> None:
        lower_thread_priority(5)     # the GUI thread keeps painting while a big image decodes
        try:
            result = prepare(self.doc)
        except Exception as exc:  # noqa: BLE001 - reported in the view, never lost in a thread
            result = Prepared(None, f"The image could not be prepared: {exc}.")
        self.signals.done.emit(self.token, result)


class DocLoader(QObject):
    """Prepares documents off the GUI thread; only the newest request's result is delivered."""

    ready = Signal(object, object)   # ImageDoc, Prepared

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._token = 0
        self._docs: dict[int, ImageDoc] = {}

    @property
    def busy(self) -> bool:
        return bool(self._docs)

    def request(self, doc: ImageDoc) -> None:
        self._token += 1
        self._docs = {self._token: doc}          # older results are dropped on arrival
        self.pool.clear()                        # and older requests not started yet never run
        self.pool.start(_Job(self._token, doc, self._signals))

    def cancel(self) -> None:
        """Forget every request: results still on their way are dropped."""
        self._docs = {}
        self.pool.clear()

    def _on_done(self, token: int, result: Prepared) -> None:
        doc = self._docs.pop(token, None)
        if doc is not None:
            self.ready.emit(doc, result)

    def wait(self, msecs: int = 5000) -> bool:
        return self.pool.waitForDone(msecs)
