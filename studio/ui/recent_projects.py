"""The list of recent projects: one card-like row each (family picture, name, task, path, when it
was last opened and a few counts); a folder that is gone is shown as missing."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QStyle, QStyledItemDelegate

from core.project.peek import ProjectPeek
from studio.theme import colors, current_theme

PICTURES = Path(__file__).resolve().parents[2] / "resources" / "families"
PATH_ROLE = Qt.ItemDataRole.UserRole
PEEK_ROLE = Qt.ItemDataRole.UserRole + 1
OPENED_ROLE = Qt.ItemDataRole.UserRole + 2
MISSING = "#d9443a"
ROW_HEIGHT = 84


def _title(task: str) -> str:
    try:
        from core.families import family_info

        return family_info(task).title
    except Exception:  # noqa: BLE001 - an unknown task is shown as it is
        return task.replace("_", " ")


class RecentDelegate(QStyledItemDelegate):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._pictures: dict[str, QPixmap] = {}

    def picture(self, task: str) -> QPixmap:
        if task not in self._pictures:
            pix = QPixmap(str(PICTURES / f"{task}.png"))
            self._pictures[task] = pix.scaled(96, 64, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation) if not pix.isNull() else pix
        return self._pictures[task]

    def placeholder(self, peek: ProjectPeek) -> str:
        """What stands in the picture's place: '' under a picture, "missing" only for a folder that is gone."""
        if not peek.exists:
            return "missing"
        return "" if not self.picture(peek.task).isNull() else _title(peek.task)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt override
        return QSize(400, ROW_HEIGHT)

    def paint(self, painter: QPainter, option, index) -> None:
        peek: ProjectPeek = index.data(PEEK_ROLE)
        c = colors(current_theme())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        rect = option.rect.adjusted(4, 3, -4, -3)
        bg = QColor(c["highlight"]) if selected else QColor(c["base"])
        if not selected and option.state & QStyle.StateFlag.State_MouseOver:
            bg = QColor(c["alt"])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(c["alt"]) if not selected else bg)
        painter.setBrush(bg)
        painter.drawRoundedRect(rect, 6, 6)
        text = QColor("#ffffff") if selected else QColor(c["text"])
        muted = QColor("#e8eefc") if selected else QColor(c["muted"])
        pic = self.picture(peek.task) if peek.exists else QPixmap()
        pic_rect = QRect(rect.left() + 10, rect.top() + (rect.height() - 64) // 2, 96, 64)
        if not pic.isNull():
            painter.drawPixmap(pic_rect.topLeft(), pic)
        else:      # "missing" only for a folder that is gone; a family without a picture gets its title
            painter.setPen(QColor(MISSING) if not peek.exists else muted)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(pic_rect, 4, 4)
            painter.drawText(pic_rect.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder(peek))
        x = pic_rect.right() + 14
        width = rect.right() - x - 10
        bold = QFont(option.font)
        bold.setBold(True)
        bold.setPointSizeF(option.font.pointSizeF() * 1.1)
        painter.setFont(bold)
        painter.setPen(text)
        line = QRect(x, rect.top() + 8, width, 22)
        name = peek.name + ("" if peek.exists else "  (missing)")
        painter.drawText(line, Qt.AlignmentFlag.AlignVCenter, name)
        name_w = painter.fontMetrics().horizontalAdvance(name)
        painter.setFont(option.font)
        if peek.task:
            painter.setPen(muted)
            painter.drawText(line.adjusted(name_w + 12, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, f"·  {_title(peek.task)}")
        fm = painter.fontMetrics()
        painter.setPen(muted)
        path = fm.elidedText(str(peek.root), Qt.TextElideMode.ElideMiddle, width)
        painter.drawText(QRect(x, rect.top() + 31, width, 20), Qt.AlignmentFlag.AlignVCenter, path)
        if peek.problem:
            painter.setPen(QColor("#ffd9d6") if selected else QColor(MISSING))
            detail = peek.problem + "  Press Delete to remove it from the list."
        else:
            counts = f"{peek.images} images" if peek.images or not peek.videos else f"{peek.videos} videos"
            detail = f"Last opened {index.data(OPENED_ROLE)}  ·  {counts}  ·  {peek.runs} run(s)"
        painter.drawText(QRect(x, rect.top() + 52, width, 20), Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(detail, Qt.TextElideMode.ElideRight, width))
        painter.restore()


class RecentProjectsList(QListWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("RecentProjects")
        self.setItemDelegate(RecentDelegate(self))
        self.setMouseTracking(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(True)
        self.setToolTip("Double-click or press Enter to open; Delete removes the entry from the list.")

    def set_projects(self, entries: list[tuple[ProjectPeek, str]]) -> None:
        """entries: (peek, last-opened text) in the order to show."""
        current = self.current_path()
        self.clear()
        for peek, opened in entries:
            item = QListWidgetItem()
            item.setData(PATH_ROLE, str(peek.root))
            item.setData(PEEK_ROLE, peek)
            item.setData(OPENED_ROLE, opened)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{peek.name}, {peek.root}")
            self.addItem(item)
            if str(peek.root) == current:
                self.setCurrentItem(item)

    def current_path(self) -> str | None:
        item = self.currentItem()
        return item.data(PATH_ROLE) if item is not None else None

    def item_for(self, path: str) -> QListWidgetItem | None:
        return next((self.item(i) for i in range(self.count()) if self.item(i).data(PATH_ROLE) == path), None)
