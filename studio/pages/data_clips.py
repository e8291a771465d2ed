"""The Data page of a video project (action recognition): every clip with its video, frames and
action label; the selected clip as a filmstrip of evenly spaced frames, played while the pointer
rests on it."""
from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QSplitter, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from core.datasets.browse import ClipRow, clips, video_count
from core.project import Project
from studio.ui.clip_filmstrip import ClipFilmstrip

COLUMNS = ("Video", "Frames", "Duration", "Action")
EMPTY = ("This project has no videos yet. Import a folder with one subfolder of videos (or frame folders) per "
         "action class; its clips and their action labels are then listed here.")


class ClipsBrowser(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project: Project | None = None
        self.rows: list[ClipRow] = []
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_select)
        self.frame = ClipFilmstrip()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.frame)
        split.setSizes([500, 500])
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setProperty("role", "subtitle")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addWidget(self.stack, 1)

    @property
    def is_empty(self) -> bool:
        return self.stack.currentIndex() == 0

    def refresh(self, project: Project) -> None:
        self.project = project
        self.rows = clips(project)
        videos = video_count(project)
        labels = Counter(r.label or "no label" for r in self.rows)
        self.summary.setText(
            f"<b>{videos:,}</b> video(s) · <b>{len(self.rows):,}</b> clip(s)"
            + (" · " + ", ".join(f"{k} {v:,}" for k, v in sorted(labels.items())) if labels else ""))
        self.stack.setCurrentIndex(1 if self.rows else 0)
        self.summary.setVisible(bool(self.rows))
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            frames = r.end_frame - r.start_frame + 1
            duration = f"{frames / r.fps:.1f} s" if r.fps else ""
            cells = (r.video_name, f"{r.start_frame}–{r.end_frame}", duration, r.label or "no label")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setToolTip(r.video_path)
                self.table.setItem(i, col, item)
        self.frame.clear()

    def _on_select(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.project is None:
            return
        r = self.rows[rows[0].row()]
        self.frame.show_clip(self.project.resolve(r.video_path), r.start_frame, r.end_frame,
                             f"<b>{r.video_name}</b> · {r.label or 'no label'} · frames {r.start_frame}–{r.end_frame}")
