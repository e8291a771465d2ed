"""The right side of the Data page: the dataset's numbers (split sizes, per-class counts overall and
per split) and the selected image drawn with its annotations, its file facts and annotation list."""
from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from core.project.catalog import SPLITS
from studio.ui.annotated_image import AnnotatedImage
from studio.ui.annotation_doc import ImageDoc
from studio.ui.annotation_list import AnnotationList


def _human_bytes(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return ""


def _number_item(value: int, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(f"{value:,}")
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setData(Qt.ItemDataRole.UserRole, value)
    if bold:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item


class DatasetSummary(QWidget):
    """Totals, split sizes and the class × split table of `core.datasets.stats.dataset_stats`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.splits = QLabel()
        self.splits.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setObjectName("ClassCounts")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setToolTip("Annotations per class: every image, then each split")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.totals)
        lay.addWidget(self.splits)
        lay.addWidget(self.table, 1)
        self.columns: list[str] = []

    def set_stats(self, stats: dict[str, Any]) -> None:
        k = stats["kinds"]
        self.totals.setText(
            f"<b>{stats['images']:,}</b> images · <b>{stats['annotations']:,}</b> annotations "
            f"({k['polygon']:,} polygon, {k['rle']:,} RLE mask, {k['box']:,} box only; {stats['crowd']:,} crowd)"
            + (f" · {stats['images_without_annotations']:,} image(s) without annotations"
               if stats["images_without_annotations"] else "")
            + (f" · <b>{stats['keypoint_annotations']:,}</b> with keypoints ({stats['labeled_keypoints']:,} labeled)"
               if stats.get("keypoint_annotations") else ""))
        sizes = stats["splits"]
        parts = [f"{s} <b>{sizes.get(s, 0):,}</b>" for s in SPLITS]
        if sizes.get("unassigned"):
            parts.append(f"not split <b>{sizes['unassigned']:,}</b>")
        self.splits.setText("Images per split: " + " · ".join(parts))
        self.columns = ["all", *SPLITS] + (["unassigned"] if sizes.get("unassigned") else [])
        cats = stats["categories"]
        self.table.clear()
        self.table.setColumnCount(1 + len(self.columns))
        self.table.setRowCount(len(cats) + 1)
        self.table.setHorizontalHeaderLabels(["Class", *[("not split" if c == "unassigned" else c)
                                                          for c in self.columns]])
        per = stats["per_class"]
        for row, cat in enumerate(cats):
            self.table.setItem(row, 0, QTableWidgetItem(cat["name"]))
            for col, split in enumerate(self.columns, start=1):
                self.table.setItem(row, col, _number_item(int(per[split].get(cat["name"], 0)), bold=split == "all"))
        total = len(cats)
        self.table.setItem(total, 0, QTableWidgetItem("total"))
        for col, split in enumerate(self.columns, start=1):
            self.table.setItem(total, col, _number_item(sum(per[split].values()), bold=True))
        rows_shown = min(self.table.rowCount(), 3)   # more scroll: a 1024x700 window must not cut the table
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height() + 22 * rows_shown + 4)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 1 + len(self.columns)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

    def count(self, class_name: str, split: str = "all") -> int | None:
        """The number shown for `class_name` in column `split` (None when absent)."""
        if split not in self.columns:
            return None
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0) and self.table.item(row, 0).text() == class_name:
                return int(self.table.item(row, 1 + self.columns.index(split)).data(Qt.ItemDataRole.UserRole))
        return None


class ImageDetails(QWidget):
    """The selected image: its annotations drawn, file facts and the annotation list."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel("No image selected")
        self.title.setStyleSheet("font-weight: 600;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info = QLabel("")
        self.info.setProperty("role", "hint")
        self.info.setWordWrap(True)
        self.image = AnnotatedImage()
        self.annotations = AnnotationList()
        self.annotations.annotation_selected.connect(self.image.highlight)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.image)
        split.addWidget(self.annotations)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([300, 290])
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.info)
        lay.addWidget(split, 1)

    def show_image(self, doc: ImageDoc, split: str | None) -> None:
        self.title.setText(doc.title or (str(doc.path) if doc.path else ""))
        try:
            size = _human_bytes(os.stat(doc.path).st_size) if doc.path else ""
        except OSError:
            size = "file missing"
        n = len(doc.annotations)
        self.info.setText(f"{doc.width}×{doc.height} px · {size} · split: {split or 'not split'} · "
                          f"{n} annotation{'s' if n != 1 else ''}")
        self.info.setToolTip(str(doc.path or ""))
        self.annotations.set_document(doc)
        self.image.show_document(doc)

    def clear(self, message: str = "Select an image to see its annotations.") -> None:
        self.title.setText("No image selected")
        self.info.setText("")
        self.annotations.set_document(None)
        self.image.show_message(message)
