"""The left side of the Data page: split and class filters over the lazy thumbnail grid."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.datasets.browse import BrowseSnapshot
from core.project.catalog import SPLITS
from studio.ui.thumbnails import ThumbnailGrid


class ImageBrowser(QWidget):
    image_selected = Signal(int)
    nothing_shown = Signal()          # the filters leave no image

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.snapshot: BrowseSnapshot | None = None
        self.split_filter, self.class_filter = QComboBox(), QComboBox()
        self.split_filter.setToolTip("Show the images of one split")
        self.class_filter.setToolTip("Show the images holding at least one annotation of a class")
        self.split_filter.currentIndexChanged.connect(self.apply_filter)
        self.class_filter.currentIndexChanged.connect(self.apply_filter)
        self.shown = QLabel()
        self.shown.setProperty("role", "hint")
        self.grid = ThumbnailGrid()
        self.grid.image_selected.connect(self.image_selected)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Split"))
        filters.addWidget(self.split_filter)
        filters.addWidget(QLabel("Class"))
        filters.addWidget(self.class_filter, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(filters)
        lay.addWidget(self.shown)
        lay.addWidget(self.grid, 1)

    def clear(self) -> None:
        self.snapshot = None
        self.grid.thumbs.set_rows([])

    def set_snapshot(self, snap: BrowseSnapshot) -> None:
        """Show the images of `snap`, keeping the filters and the selected image when they still apply."""
        selected = self.grid.current_image()
        self.snapshot = snap
        self._fill_filters()
        self.grid.thumbs.set_rows(snap.rows, *self._filter())
        self._after_filter(selected)

    def split_of(self, image_id: int) -> str | None:
        row = self.grid.thumbs.row_of(image_id)
        return self.grid.thumbs.row(row).split if row is not None else None

    def _fill_filters(self) -> None:
        stats = self.snapshot.stats
        sizes = stats["splits"]
        split, cat = self.split_filter.currentData(), self.class_filter.currentData()
        for combo in (self.split_filter, self.class_filter):
            combo.blockSignals(True)
            combo.clear()
        self.split_filter.addItem(f"All ({stats['images']:,})", None)
        for s in (*SPLITS, "unassigned"):
            if s != "unassigned" or sizes.get(s):
                self.split_filter.addItem(f"{'not split' if s == 'unassigned' else s} ({sizes.get(s, 0):,})", s)
        self.class_filter.addItem("All classes", None)
        for cid, style in self.snapshot.styles.items():
            self.class_filter.addItem(f"{style.name} ({self.snapshot.images_per_class.get(cid, 0):,} images)", cid)
        for combo, value in ((self.split_filter, split), (self.class_filter, cat)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)

    def _filter(self) -> tuple[str | None, set[int] | None]:
        cat = self.class_filter.currentData()
        ids = self.snapshot.ids_by_class.get(cat, set()) if cat is not None and self.snapshot else None
        return self.split_filter.currentData(), ids

    def apply_filter(self, *_args) -> None:
        if self.snapshot is None:
            return
        selected = self.grid.current_image()
        self.grid.thumbs.set_filter(*self._filter())
        self._after_filter(selected)

    def _after_filter(self, select: int | None) -> None:
        model = self.grid.thumbs
        self.shown.setText(f"{model.rowCount():,} of {model.total:,} images shown")
        if select is None or not self.grid.select_image(select):
            if model.rowCount():
                self.grid.select_image(model.row(0).id)
            else:
                self.nothing_shown.emit()
