"""`AnnotationScene`: the graphics items of one annotated image, built from an `ImageDoc` and
its `Prepared` pixels. Items are grouped per annotation (`AnnotationItems`), so layers can be
toggled (masks, boxes, labels), one annotation highlighted, and — later — edited.

Scene coordinates are image pixels. Boxes, outlines and skeleton lines use cosmetic pens (the
same width at every zoom); class tags and keypoint dots ignore the view's zoom.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (QGraphicsEllipseItem, QGraphicsItem, QGraphicsLineItem, QGraphicsPathItem,
                               QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem)

from core.video.skeleton import limb_color, limb_style, point_style
from studio.ui.annotation_doc import ImageDoc, Prepared, class_rgb

LAYERS = ("masks", "boxes", "labels")
DIMMED = 0.22          # opacity of the other annotations while one is highlighted


class TagItem(QGraphicsItem):
    """A class name on a filled tag of the class color; stays the same size at every zoom."""

    def __init__(self, text: str, color: QColor, parent: QGraphicsItem | None = None):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.text, self.color = text, color
        self.font = QFont()
        self.font.setPixelSize(12)
        fm = QFontMetricsF(self.font)
        self._rect = QRectF(0, -fm.height() - 4, fm.horizontalAdvance(text) + 8, fm.height() + 4)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.color)
        painter.drawRoundedRect(self._rect, 3, 3)
        light = self.color.lightnessF() > 0.6
        painter.setPen(QColor("#000000" if light else "#ffffff"))
        painter.setFont(self.font)
        painter.drawText(self._rect.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, self.text)


def _pen(color: QColor, width: float, style=Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(color, width, style)
    pen.setCosmetic(True)
    return pen


@dataclass
class AnnotationItems:
    """Every item drawn for one annotation."""

    color: QColor
    crowd: bool
    mask: QGraphicsPixmapItem | None = None
    outline: QGraphicsPathItem | None = None
    box: QGraphicsRectItem | None = None
    tag: TagItem | None = None
    keypoints: list[QGraphicsItem] = field(default_factory=list)

    def layer(self, name: str) -> list[QGraphicsItem]:
        items = {"masks": [self.mask, self.outline], "boxes": [self.box], "labels": [self.tag]}[name]
        return [i for i in items if i is not None]

    def all(self) -> list[QGraphicsItem]:
        return [i for name in LAYERS for i in self.layer(name)] + self.keypoints


class AnnotationScene(QGraphicsScene):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.doc: ImageDoc | None = None
        self.items_of: list[AnnotationItems] = []
        self.visible = {name: True for name in LAYERS}
        self.highlighted: int | None = None
        self.error = ""

    # -- building -----------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """An empty scene with one sentence (nothing selected, nothing to show)."""
        self.clear()
        self.doc, self.items_of, self.highlighted, self.error = None, [], None, ""
        item = QGraphicsSimpleTextItem(text)
        item.setBrush(QBrush(QColor("#8a93a6")))
        self.addItem(item)
        self.setSceneRect(item.boundingRect().adjusted(-20, -20, 20, 20))

    def build(self, doc: ImageDoc, prepared: Prepared) -> None:
        self.clear()
        self.doc, self.items_of, self.highlighted, self.error = doc, [], None, prepared.error
        w, h = doc.width, doc.height
        if prepared.image is not None:
            base = QGraphicsPixmapItem(QPixmap.fromImage(prepared.image))
            base.setTransformationMode(Qt.TransformationMode.FastTransformation)
            self.addItem(base)
        else:
            self.addRect(QRectF(0, 0, w, h), QPen(Qt.PenStyle.NoPen), QBrush(QColor("#50555f")))
            msg = QGraphicsSimpleTextItem(prepared.error)
            msg.setBrush(QBrush(QColor("#ffffff")))
            msg.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            msg.setPos(4, 4)
            self.addItem(msg)
        for i, ann in enumerate(doc.annotations):
            mask = prepared.masks[i] if i < len(prepared.masks) else None
            self.items_of.append(self._annotation_items(doc, ann, mask))
        if doc.caption:
            tag = TagItem(doc.caption, QColor(20, 20, 20, 200))
            tag.setPos(2, 2 + tag.boundingRect().height())
            tag.setZValue(10)
            self.addItem(tag)
        self.setSceneRect(QRectF(0, 0, w, h))
        self._apply()

    def _annotation_items(self, doc: ImageDoc, ann, mask) -> AnnotationItems:
        color = QColor(*class_rgb(ann.category_id))
        group = AnnotationItems(color, bool(ann.iscrowd))
        if mask is not None:
            group.mask = QGraphicsPixmapItem(QPixmap.fromImage(mask.image))
            group.mask.setPos(mask.x, mask.y)
            group.mask.setZValue(1)
            self.addItem(group.mask)
            path = QPainterPath()
            for c in mask.contours:
                path.moveTo(QPointF(*c[0]))
                for x, y in c[1:]:
                    path.lineTo(QPointF(x, y))
                path.closeSubpath()
            group.outline = self.addPath(path, _pen(color, 1.5))
            group.outline.setZValue(2)
        x, y, bw, bh = ann.bbox
        style = Qt.PenStyle.DashLine if ann.iscrowd else Qt.PenStyle.SolidLine
        group.box = self.addRect(QRectF(x, y, bw, bh), _pen(color, 2, style))
        group.box.setZValue(3)
        crowd = ann.iscrowd and ann.category_id is not None      # an ignore region of every class is named "ignore"
        name = doc.category_name(ann.category_id) + (" (crowd)" if crowd else "")
        group.tag = TagItem(name, color)
        group.tag.setPos(x, y)
        group.tag.setZValue(5)
        self.addItem(group.tag)
        group.keypoints = self._keypoints(doc, ann, color)
        return group

    def _keypoints(self, doc: ImageDoc, ann, color: QColor) -> list[QGraphicsItem]:
        kps = ann.keypoints or []
        pts = [(kps[k], kps[k + 1], kps[k + 2]) for k in range(0, len(kps) - 2, 3)]
        items: list[QGraphicsItem] = []
        style = doc.styles.get(ann.category_id)
        # the rules of core.video.skeleton (the video overlay's too): a colour per limb, dashed to a
        # hidden keypoint, hollow dots for hidden keypoints, nothing for unlabeled ones
        for i, (a, b) in enumerate(style.skeleton if style else ()):
            kind = limb_style(pts[a][2], pts[b][2]) if a < len(pts) and b < len(pts) else None
            if kind is None:
                continue
            bgr = limb_color(i)
            dash = Qt.PenStyle.SolidLine if kind == "solid" else Qt.PenStyle.DashLine
            for pen, z in ((_pen(QColor(0, 0, 0, 150), 4, dash), 6), (_pen(QColor(bgr[2], bgr[1], bgr[0]), 2, dash), 6.5)):
                line = QGraphicsLineItem(pts[a][0], pts[a][1], pts[b][0], pts[b][1])   # a dark halo under
                line.setPen(pen)                                                       # the limb's colour
                line.setZValue(z)
                items.append(line)
        for x, y, v in pts:
            kind = point_style(v)
            if kind is None:
                continue
            dot = QGraphicsEllipseItem(-3.5, -3.5, 7, 7)
            dot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            dot.setPos(x, y)
            dot.setPen(QPen(QColor("#ffffff"), 1.5 if kind == "filled" else 2))
            dot.setBrush(QBrush(color) if kind == "filled" else QBrush(Qt.BrushStyle.NoBrush))  # hollow: hidden
            dot.setZValue(7)
            items.append(dot)
        for item in items:
            self.addItem(item)
        return items

    # -- layers and highlight -------------------------------------------------------------------
    def set_layer_visible(self, name: str, on: bool) -> None:
        if name not in LAYERS:
            raise ValueError(f"unknown layer {name!r}; one of {LAYERS}")
        self.visible[name] = bool(on)
        self._apply()

    def highlight(self, index: int | None) -> None:
        """Bring one annotation forward (thicker lines, full opacity) and dim the others."""
        if index is not None and not 0 <= index < len(self.items_of):
            index = None
        self.highlighted = index
        self._apply()

    def _apply(self) -> None:
        for i, group in enumerate(self.items_of):
            for name in LAYERS:
                for item in group.layer(name):
                    item.setVisible(self.visible[name])
            on = self.highlighted is None or self.highlighted == i
            for item in group.all():
                item.setOpacity(1.0 if on else DIMMED)
            width = 3.5 if self.highlighted == i else 2.0
            if group.box is not None:
                group.box.setPen(_pen(group.color, width, group.box.pen().style()))
            if group.outline is not None:
                group.outline.setPen(_pen(QColor("#ffffff") if self.highlighted == i else group.color,
                                          width - 0.5))
            z = 20 if self.highlighted == i else 0
            for item in group.all():
                item.setZValue(item.zValue() % 20 + z)

    # -- pixels -------------------------------------------------------------------------------
    def render_image(self) -> QImage:
        """The scene at the image's own size (what a screenshot of the drawing would show)."""
        rect = self.sceneRect()
        image = QImage(max(1, int(rect.width())), max(1, int(rect.height())), QImage.Format.Format_RGB32)
        image.fill(QColor("#000000"))
        painter = QPainter(image)
        self.render(painter, QRectF(image.rect()), rect)
        painter.end()
        return image
