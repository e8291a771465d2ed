"""`AnnotationList`: the annotations of one image as rows (class, kind, area, crowd, keypoints);
selecting a row emits its index so a view can highlight that annotation."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPixmap, QIcon
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from studio.ui.annotation_doc import ImageDoc, class_rgb

COLUMNS = ("#", "Class", "Kind", "Area", "Crowd", "Points")
KINDS = {"polygon": "polygon", "rle": "RLE", None: "box"}


def _swatch(rgb: tuple[int, int, int]) -> QIcon:
    pm = QPixmap(10, 10)
    pm.fill(QColor(*rgb))
    return QIcon(pm)


class AnnotationList(QTreeWidget):
    annotation_selected = Signal(object)     # index into the document's annotations, or None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        head = self.header()
        head.setStretchLastSection(False)
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Select an annotation to highlight it in the image. Kind: polygon, RLE mask or box "
                        "only; Points: visible keypoints / all keypoints")
        self.itemSelectionChanged.connect(self._on_selection)

    def set_document(self, doc: ImageDoc | None) -> None:
        self.blockSignals(True)
        self.clear()
        for i, ann in enumerate(doc.annotations if doc else []):
            kps = ann.keypoints or []
            visible = sum(1 for v in kps[2::3] if v > 0)
            item = QTreeWidgetItem([str(i + 1), doc.category_name(ann.category_id), KINDS.get(ann.seg_kind, "?"),
                                    f"{ann.area:,.0f}", "yes" if ann.iscrowd else "",
                                    f"{visible} / {len(kps) // 3}" if kps else ""])
            item.setIcon(1, _swatch(class_rgb(ann.category_id)))
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            for col in (0, 3, 5):
                item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if ann.iscrowd:
                item.setForeground(4, QBrush(QColor("#d08a16")))
            self.addTopLevelItem(item)
        self.setColumnHidden(5, not any(a.keypoints for a in (doc.annotations if doc else [])))
        self.blockSignals(False)

    def selected_index(self) -> int | None:
        items = self.selectedItems()
        return int(items[0].data(0, Qt.ItemDataRole.UserRole)) if items else None

    def select_index(self, index: int | None) -> None:
        if index is None:
            self.clearSelection()
            return
        item = self.topLevelItem(index)
        if item is not None:
            self.setCurrentItem(item)

    def _on_selection(self) -> None:
        self.annotation_selected.emit(self.selected_index())
