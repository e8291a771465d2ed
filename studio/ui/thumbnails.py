"""A lazy thumbnail grid for tens of thousands of images.

`ThumbnailModel` only knows rows (id, file name, path, split, size). The view asks for
`DecorationRole` of the rows it paints — only the visible ones — and the model hands back the
cached thumbnail or a placeholder while `ThumbnailLoader` decodes it on a thread pool. Ready
thumbnails are announced in batches (one repaint per ~40 ms, not one per image). The grid uses
uniform item sizes and batched layout, so 20,000 rows lay out and scroll without stalling.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from studio.theme import colors, current_theme
from studio.ui.thumbnail_loader import ThumbnailLoader

ID_ROLE = Qt.ItemDataRole.UserRole
SPLIT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class ThumbRow:
    id: int
    file_name: str
    path: str          # absolute
    split: str | None
    width: int = 0
    height: int = 0


def _placeholder(size: int, text: str = "") -> QPixmap:
    c = colors(current_theme())
    pm = QPixmap(size, size)
    pm.fill(QColor(c["alt"]))
    p = QPainter(pm)
    p.setPen(QPen(QColor(c["muted"]), 1, Qt.PenStyle.DashLine))
    p.drawRect(0, 0, size - 1, size - 1)
    if text:
        font = QFont()
        font.setPixelSize(11)
        p.setFont(font)
        p.drawText(pm.rect(), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return pm


class ThumbnailModel(QAbstractListModel):
    def __init__(self, loader: ThumbnailLoader | None = None, parent=None):
        super().__init__(parent)
        self.loader = loader or ThumbnailLoader(parent=self)
        self.loader.ready.connect(self._on_ready)
        self._all: list[ThumbRow] = []
        self._rows: list[ThumbRow] = []
        self._row_of: dict[int, int] = {}
        self._split: str | None = None
        self._ids: set[int] | None = None
        self._placeholder = _placeholder(self.loader.size)
        self._unreadable = _placeholder(self.loader.size, "unreadable")
        self._dirty: set[int] = set()
        self._flush = QTimer(self, singleShot=True, interval=40, timeout=self._flush_ready)

    # -- rows and filters ---------------------------------------------------------------------
    def set_rows(self, rows: list[ThumbRow]) -> None:
        self.loader.clear()
        self._placeholder = _placeholder(self.loader.size)
        self._unreadable = _placeholder(self.loader.size, "unreadable")
        self._all = list(rows)
        self._refilter()

    def set_filter(self, split: str | None = None, ids: set[int] | None = None) -> None:
        """Show the rows of `split` ("unassigned": no split; None: every split) whose id is in
        `ids` (None: every id)."""
        self._split, self._ids = split, ids
        self._refilter()

    def _refilter(self) -> None:
        split, ids = self._split, self._ids
        self.beginResetModel()
        self._rows = [r for r in self._all
                      if (split is None or (r.split or "unassigned") == split) and (ids is None or r.id in ids)]
        self._row_of = {r.id: i for i, r in enumerate(self._rows)}
        self.endResetModel()

    def row(self, index: int) -> ThumbRow:
        return self._rows[index]

    def row_of(self, image_id: int) -> int | None:
        return self._row_of.get(image_id)

    @property
    def total(self) -> int:
        return len(self._all)

    # -- Qt model -----------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            pm = self.loader.pixmap(r.id)
            if pm is not None:
                return pm
            if r.id in self.loader.failed:
                return self._unreadable
            self.loader.request(r.id, r.path, r.width, r.height)
            return self._placeholder
        if role == Qt.ItemDataRole.DisplayRole:
            return r.file_name.rsplit("/", 1)[-1]
        if role == Qt.ItemDataRole.ToolTipRole:
            size = f"{r.width}×{r.height} px · " if r.width else ""
            return f"{r.file_name}\n{size}split: {r.split or 'unassigned'}"
        if role == ID_ROLE:
            return r.id
        if role == SPLIT_ROLE:
            return r.split
        return None

    def _on_ready(self, key) -> None:
        row = self._row_of.get(key)
        if row is not None:
            self._dirty.add(row)
            if not self._flush.isActive():
                self._flush.start()

    def _flush_ready(self) -> None:
        rows, self._dirty = self._dirty, set()
        rows = [r for r in rows if r < len(self._rows)]
        if rows:
            roles = [Qt.ItemDataRole.DecorationRole]
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), roles)


class ThumbnailGrid(QListView):
    """The grid; `image_selected(id)` when the current thumbnail changes."""

    image_selected = Signal(int)

    def __init__(self, model: ThumbnailModel | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.thumbs = model or ThumbnailModel(parent=self)
        size = self.thumbs.loader.size
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(400)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setIconSize(QSize(size, size))
        self.setGridSize(QSize(size + 14, size + 26))
        self.setSpacing(0)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(size // 3)
        self.setModel(self.thumbs)

    def setModel(self, model) -> None:  # noqa: N802 - Qt override keeps the selection hook alive
        super().setModel(model)
        if self.selectionModel() is not None:
            self.selectionModel().currentChanged.connect(self._on_current)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.image_selected.emit(int(current.data(ID_ROLE)))

    def select_image(self, image_id: int) -> bool:
        row = self.thumbs.row_of(image_id)
        if row is None:
            return False
        index = self.thumbs.index(row)
        self.setCurrentIndex(index)
        self.scrollTo(index)
        return True

    def current_image(self) -> int | None:
        index = self.currentIndex()
        return int(index.data(ID_ROLE)) if index.isValid() else None
