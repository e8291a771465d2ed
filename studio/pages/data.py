"""The Data page: browse the project's labeled images (a lazy thumbnail grid with split and class
filters), its numbers (split sizes, per-class counts overall and per split), the selected image
drawn with its annotations; import (check → report → commit), split and export COCO, each off
the GUI thread with progress. Video projects list their clips and action labels instead.

Keys: Ctrl+I import; in the grid, arrows move the selection.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QLabel, QPushButton, QSplitter, QStackedWidget, QVBoxLayout,
                               QWidget)

from core.datasets.browse import BrowseSnapshot, browse_snapshot
from core.datasets.formats import formats_for
from core.families import family_info
from studio.controllers.data_tasks import DataTask
from studio.family_lookup import holds_clips
from studio.pages.base import Page, header
from studio.pages.data_actions import ActionsBar, SplitDialog
from studio.pages.data_browser import ImageBrowser
from studio.pages.data_clips import ClipsBrowser
from studio.pages.data_details import DatasetSummary, ImageDetails
from studio.ui.annotation_doc import doc_for_image
from studio.ui.import_dialog import ImportDialog
from studio.ui.import_formats import result_sentence
from studio.ui.save_target import exports_folder

EMPTY, IMAGES, CLIPS = 0, 1, 2


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    lay.setContentsMargins(8, 8, 8, 8)
    lay.addWidget(widget)
    return box


# the Export button of each family's round-trip format (`FamilyInfo.export_format`)
EXPORTS = {
    "coco": ("Export COCO…", "Write every image's annotations as one COCO .json file"),
    "image_folders": ("Export image folders…", "Write every image into a folder named after its class (the layout "
                                               "an image-folders import reads back)"),
    "frame_folders": ("Export frame folders…", "Write every clip as <class>/<clip>/rgb/000001.png frames with "
                                               "train/val/test lists"),
}


class DataPage(Page):
    key = "data"
    title = "Data"
    needs_project = True

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        self.styles: dict = {}
        self.stats: dict | None = None
        self.snapshot: BrowseSnapshot | None = None
        self._loading: DataTask | None = None
        self.formats: list[str] = []
        self.export_format = "coco"        # the family's round-trip format (`EXPORTS`)
        self.split_values = (0.2, 0.0, 0)
        self.import_dialog: ImportDialog | None = None
        self.split_dialog: SplitDialog | None = None
        self._dirty = True

        self.actions = ActionsBar()
        self.actions.import_clicked.connect(self.open_import_dialog)
        self.actions.split_clicked.connect(self.open_split_dialog)
        self.actions.export_clicked.connect(self.export_dialog)

        self.empty_text = QLabel("This project has no images yet. Import labeled images to start.")
        self.empty_text.setProperty("role", "subtitle")
        self.empty_text.setWordWrap(True)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_import = QPushButton("Import labeled images…")
        self.empty_import.setProperty("primary", True)
        self.empty_import.clicked.connect(self.open_import_dialog)
        empty = QWidget()
        el = QVBoxLayout(empty)
        el.addStretch(1)
        el.addWidget(self.empty_text)
        el.addWidget(self.empty_import, 0, Qt.AlignmentFlag.AlignHCenter)
        el.addStretch(2)

        self.browser = ImageBrowser()
        self.browser.image_selected.connect(self.show_image)
        self.browser.nothing_shown.connect(lambda: self.details.clear("No image matches the filters."))
        b = self.browser
        self.split_filter, self.class_filter, self.shown, self.grid = b.split_filter, b.class_filter, b.shown, b.grid
        self.summary = DatasetSummary()
        self.details = ImageDetails()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(_group("Dataset", self.summary))
        right.addWidget(_group("Selected image", self.details))
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 3)
        right.setChildrenCollapsible(False)
        browser = QSplitter(Qt.Orientation.Horizontal)
        browser.addWidget(self.browser)
        browser.addWidget(right)
        browser.setStretchFactor(0, 1)
        browser.setStretchFactor(1, 1)
        browser.setSizes([470, 610])
        self.clips = ClipsBrowser()

        self.stack = QStackedWidget()
        for w in (empty, browser, self.clips):
            self.stack.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addWidget(header("Data", "Browse the labeled images, their classes and splits; import, split and "
                                     "export."))
        lay.addWidget(self.actions)
        lay.addWidget(self.stack, 1)
        session.data_changed.connect(self._request_refresh)

    # -- refresh ------------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        self.snapshot = None
        self.browser.clear()
        self.details.clear()
        self._request_refresh()

    def on_shown(self) -> None:
        if self._dirty:
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _request_refresh(self) -> None:
        self._dirty = True
        if self.isVisible():
            self.refresh()

    @property
    def loading(self) -> bool:
        return self._loading is not None

    def refresh(self) -> None:
        """Re-read what is shown. An image project is read on a background thread (a 20,000-image
        project takes most of a second of queries); the widgets are filled when it arrives."""
        self._dirty = False
        project = self.project
        if project is None:
            self.stack.setCurrentIndex(EMPTY)
            return
        info = family_info(project.task)
        formats = formats_for(info)
        self.formats = [f.name for f in formats]
        tip = (f"Import {', '.join(f.short for f in formats)}: check, see the report, then commit (Ctrl+I)" if formats
               else f"{info.title} projects take no import format yet.")
        for b in (self.actions.import_button, self.empty_import):
            b.setToolTip(tip)
        self.empty_import.setEnabled(bool(self.formats))
        video = holds_clips(project.task)
        self.export_format = info.export_format
        text, tip = EXPORTS.get(self.export_format, EXPORTS["coco"])
        self.actions.export_button.setText(text)
        self.actions.export_button.setToolTip(tip)
        if video:
            self.clips.refresh(project)
            self.actions.set_enabled(bool(self.formats), bool(self.clips.rows))   # clips split and export too
            self.stack.setCurrentIndex(CLIPS)
            return
        if self._loading is not None:
            self._dirty = True            # read again once the running read arrives
            return
        self.shown.setText("Reading the project…")
        task = DataTask(project.root, lambda p, _r: browse_snapshot(p), "Reading the project")
        task.succeeded.connect(lambda snap, t=task: self._apply(t, snap))
        task.failed.connect(lambda message, t=task: self._apply(t, None, message))
        self._loading = task
        task.start()

    def _apply(self, task: DataTask, snap: BrowseSnapshot | None, error: str = "") -> None:
        self._loading = None
        project = self.project
        if project is None or task.project_root != project.root or self._dirty:
            self._dirty = False
            self.refresh()                # the project or its data changed meanwhile
            return
        if snap is None:
            self.shown.setText(error)
            return
        self.snapshot, self.styles, self.stats = snap, snap.styles, snap.stats
        has_images = self.stats["images"] > 0
        self.actions.set_enabled(bool(self.formats), has_images)
        if not has_images:
            self.stack.setCurrentIndex(EMPTY)
            return
        self.stack.setCurrentIndex(IMAGES)
        self.summary.set_stats(self.stats)
        self.browser.set_snapshot(snap)

    def show_image(self, image_id: int) -> None:
        if self.project is None:
            return
        self.details.show_image(doc_for_image(self.project, image_id, self.styles), self.browser.split_of(image_id))

    # -- actions ------------------------------------------------------------------------------
    def open_import_dialog(self) -> ImportDialog | None:
        if self.project is None or not self.formats or self.actions.busy:
            return None
        if self.import_dialog is not None and not self.import_dialog.busy:
            self.import_dialog.deleteLater()
        self.import_dialog = ImportDialog(self.project.root, tuple(self.formats), self)
        self.import_dialog.imported.connect(self._on_imported)
        self.import_dialog.open()
        return self.import_dialog

    def _on_imported(self, result) -> None:
        self.actions.status.setText(result_sentence(result))
        self.session.data_changed.emit()

    def open_split_dialog(self) -> SplitDialog | None:
        if self.project is None or self.actions.busy:
            return None
        val, test, seed = self.split_values
        if self.split_dialog is not None:
            self.split_dialog.deleteLater()
        count = len(self.clips.rows) if holds_clips(self.project.task) else (self.stats["images"] if self.stats else 0)
        self.split_dialog = SplitDialog(val, test, seed, count, self)
        self.split_dialog.accepted.connect(lambda: self.split(*self.split_dialog.values()))
        self.split_dialog.open()
        return self.split_dialog

    def split(self, val: float, test: float, seed: int) -> None:
        from core.datasets.split import split_project

        self.split_values = (val, test, seed)
        task = DataTask(self.project.root, lambda p, _r: split_project(p, val=val, test=test, seed=seed), "The split")
        self.actions.run(task, "Splitting…", lambda sizes: self._after_split(sizes, seed))

    def _after_split(self, sizes: dict, seed: int) -> str:
        self.session.data_changed.emit()
        return f"Split with seed {seed}: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()) + "."

    def export_dialog(self) -> None:
        if self.project is None or self.actions.busy:
            return
        path = self._ask_export_path()
        if path:
            self.export_to(path)

    def _ask_export_path(self) -> str:
        if self.export_format == "frame_folders":
            default = str(exports_folder(self.project) / f"{self.project.name}_frames")
            path, _ = QFileDialog.getSaveFileName(self, "Export the clips as frame folders (a new folder)", default)
            return path
        if self.export_format == "image_folders":
            default = str(exports_folder(self.project) / f"{self.project.name}_classes")
            path, _ = QFileDialog.getSaveFileName(self, "Export the images as one folder per class (a new folder)",
                                                  default)
            return path
        default = str(exports_folder(self.project) / f"{self.project.name}_coco.json")
        path, _ = QFileDialog.getSaveFileName(self, "Export COCO annotations", default, "COCO JSON (*.json)")
        return path

    def export_to(self, path: str) -> None:
        from core.datasets.coco import export_coco

        if self.export_format == "frame_folders":
            from core.datasets.clip_export import export_frame_folders

            task = DataTask(self.project.root, lambda p, r: export_frame_folders(p, path, reporter=r), "The export")
            self.actions.run(task, "Exporting…", lambda s: (
                f"Wrote {s['clips']:,} clips ({s['frames']:,} frames) as frame folders in {s['path']}, with split "
                "lists " + ", ".join(f"{k}.txt ({v})" for k, v in s["splits"].items()) + "."))
            return
        if self.export_format == "image_folders":
            from core.datasets.image_folders import export_image_folders

            task = DataTask(self.project.root, lambda p, _r: export_image_folders(p, path), "The export")
            self.actions.run(task, "Exporting…", lambda s: (
                f"Wrote {s['images']:,} images into {s['path']}, one folder per class "
                f"({', '.join(s['classes']) or 'none'}); it imports back as image folders."))
            return
        task = DataTask(self.project.root, lambda p, _r: export_coco(p, path), "The export")
        self.actions.run(task, "Exporting…", lambda s: (
            f"Wrote {s['path']}: {s['images']:,} images, {s['annotations']:,} annotations, {s['categories']} "
            f"categories. {s['names']}"))


PAGE = DataPage
