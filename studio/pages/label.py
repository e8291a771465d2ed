"""The Label page — for now a viewer: step through the images with their annotations drawn.

Keys: D / Right next, A / Left previous, Home / End first / last; M / B / L toggle masks, boxes
and labels; F fits the image. Selecting an annotation in the list highlights it in the image.
Editing (drawing, moving and deleting annotations) grows from this page in a later version.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QSplitter, QVBoxLayout,
                               QWidget)

from core.datasets.browse import category_styles, image_positions
from studio.family_lookup import holds_clips
from studio.pages.base import Page, header
from studio.ui.annotated_image import AnnotatedImage
from studio.ui.annotation_doc import doc_for_image
from studio.ui.annotation_list import AnnotationList

SPLIT_CHOICES = (("All images", None), ("train", "train"), ("val", "val"), ("test", "test"),
                 ("not split", "unassigned"))
EDIT_LATER = ("Viewer only for now: drawing, moving and deleting annotations arrive in a later version. "
              "D / → next · A / ← previous · Home / End · M / B / L toggle masks, boxes, labels · F fit")


class LabelPage(Page):
    key = "label"
    title = "Label"
    needs_project = True

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        self.ids: list[int] = []
        self.splits: dict[int, str | None] = {}
        self.index = -1
        self.styles: dict = {}
        self._dirty = True

        self.split_filter = QComboBox()
        for text, value in SPLIT_CHOICES:
            self.split_filter.addItem(text, value)
        self.split_filter.setToolTip("Step through the images of one split")
        self.split_filter.currentIndexChanged.connect(lambda _i: self.reload(keep=self.current_id()))
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.setToolTip("Previous image (A or Left)")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setToolTip("Next image (D or Right)")
        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        self.spin = QSpinBox()
        self.spin.setToolTip("Go to the image at this position")
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(lambda v: self.go(v - 1))
        self.position = QLabel("0 / 0")
        self.position.setMinimumWidth(90)
        self.file_name = QLabel("")
        self.file_name.setStyleSheet("font-weight: 600;")
        self.file_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        nav = QHBoxLayout()
        nav.addWidget(QLabel("Split"))
        nav.addWidget(self.split_filter)
        nav.addSpacing(12)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.spin)
        nav.addWidget(self.position)
        nav.addWidget(self.next_button)
        nav.addSpacing(12)
        nav.addWidget(self.file_name, 1)

        self.image = AnnotatedImage()
        self.annotations = AnnotationList()
        self.annotations.annotation_selected.connect(self.image.highlight)
        self.info = QLabel("")
        self.info.setProperty("role", "hint")
        self.info.setWordWrap(True)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(QLabel("Annotations"))
        sl.addWidget(self.annotations, 1)
        sl.addWidget(self.info)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.image)
        body.addWidget(side)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([700, 380])
        body.setChildrenCollapsible(False)

        hint = QLabel(EDIT_LATER)
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(header("Label", "Step through the images with their annotations drawn."))
        lay.addWidget(hint)
        lay.addLayout(nav)
        lay.addWidget(body, 1)
        self._shortcuts()
        session.data_changed.connect(self._request_reload)

    def _shortcuts(self) -> None:
        for keys, slot, what in ((("D", "Right"), self.next, "Next image"), (("A", "Left"), self.previous,
                                                                           "Previous image"),
                                 (("Home",), self.first, "First image"), (("End",), self.last, "Last image")):
            act = QAction(what, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
        for act in (*self.image.layer_actions.values(), self.image.fit_action):
            self.addAction(act)       # M / B / L / F anywhere on the page, not only over the image
        self.describe_keys("+ / -", "Zoom in / out (the wheel zooms around the pointer)")

    # -- loading ------------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        self.ids, self.index = [], -1
        self._request_reload()

    def _request_reload(self) -> None:
        self._dirty = True
        if self.isVisible():
            self.reload(keep=self.current_id())

    def on_shown(self) -> None:
        if self._dirty:
            self.reload(keep=self.current_id())
        self.image.view.setFocus()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._dirty:
            self.reload(keep=self.current_id())

    def current_id(self) -> int | None:
        return self.ids[self.index] if 0 <= self.index < len(self.ids) else None

    def reload(self, keep: int | None = None) -> None:
        """Re-read the image list of the chosen split; stay on image `keep` when it is still there."""
        self._dirty = False
        project = self.project
        split = self.split_filter.currentData()
        if project is None:
            self.ids = []
        else:
            self.styles = category_styles(project)
            positions = image_positions(project, split)      # (id, split) tuples: cheap for 20,000 images
            self.ids = [i for i, _ in positions]
            self.splits = dict(positions)
        self.spin.blockSignals(True)
        self.spin.setRange(1 if self.ids else 0, len(self.ids))
        self.spin.blockSignals(False)
        start = self.ids.index(keep) if keep in self.ids else 0
        self.index = -1
        if self.ids:
            self.go(start)
        else:
            self._show_empty()

    def _show_empty(self) -> None:
        project = self.project
        if project is not None and holds_clips(project.task):
            text = "Video projects have clips, not images: the Data page lists them with their action labels."
        elif project is not None and self.split_filter.currentData() is not None and image_positions(project):
            text = "No image is in this split. Choose another split, or split the data on the Data page."
        else:
            text = "This project has no images yet: import labeled images on the Data page."
        self.image.show_message(text)
        self.annotations.set_document(None)
        self.position.setText("0 / 0")
        self.file_name.setText("")
        self.info.setText("")
        for w in (self.prev_button, self.next_button, self.spin):
            w.setEnabled(False)

    # -- stepping -----------------------------------------------------------------------------
    def go(self, index: int) -> None:
        if not self.ids or self.project is None:
            return
        index = min(max(index, 0), len(self.ids) - 1)
        if index == self.index:
            return
        self.index = index
        image_id = self.ids[index]
        doc = doc_for_image(self.project, image_id, self.styles)
        self.image.show_document(doc)
        self.annotations.set_document(doc)
        n = len(self.ids)
        self.position.setText(f"{index + 1:,} / {n:,}")
        self.file_name.setText(doc.title)
        self.file_name.setToolTip(str(doc.path))
        k = len(doc.annotations)
        self.info.setText(f"{doc.width}×{doc.height} px · split: {self.splits.get(image_id) or 'not split'} · "
                          f"{k} annotation{'s' if k != 1 else ''}")
        self.spin.blockSignals(True)
        self.spin.setValue(index + 1)
        self.spin.blockSignals(False)
        self.spin.setEnabled(True)
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < n - 1)

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def first(self) -> None:
        self.go(0)

    def last(self) -> None:
        self.go(len(self.ids) - 1)


PAGE = LabelPage
