"""The Preview page: run a model over a video, an image folder or a camera and watch what it
finds — masks, boxes and labels drawn on each frame — with play/pause, frame steps, seeking,
a confidence slider, a class filter and live timings. Up to four sources are tiled 2x2 ("Add
source"), inferred in one batch per step; a region of interest drawn on a source ("Draw ROI")
limits where the model looks in it. Decoding and inference run on the preview controller's
worker thread; "Save annotated video" runs the `infer` worker as a job (tiled and with the ROIs
too).

Keys: Space play/pause, Right or . next frame, Left previous frame. The saved video goes, by
default, to the run's exports folder; the line under the button says where it went.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.inference.tiled import Tiles, roi_between
from core.project import catalog
from core.video.multi_reader import MAX_SOURCES
from studio.controllers.preview import PreviewController, PreviewFrame
from studio.pages.base import Page, header
from studio.ui.model_picker import BACKEND_TITLES, ModelPicker
from studio.ui.overlay_controls import ClassFilter, ScoreSlider
from studio.ui.save_target import SavedNote, exports_folder
from studio.ui.source_picker import SourcePicker
from studio.ui.roi_view import RoiView
from studio.ui.transport_bar import TransportBar

IDLE_MESSAGE = "Pick a model, then open a video, an image folder or a camera."


def backend_text(info: dict) -> str:
    """"PyTorch on cpu", plus what a 'fastest' measurement compared."""
    text = f"{BACKEND_TITLES.get(info.get('backend'), info.get('backend'))} on {info.get('device')}"
    measured = [f"{BACKEND_TITLES.get(v.get('backend'), k)} {v['median_ms']:.0f} ms"
                for k, v in (info.get("fastest") or {}).items() if "median_ms" in v]
    text += f" (measured fastest: {', '.join(measured)})" if len(measured) > 1 else ""
    after = info.get("after")
    if after:        # a cascade: say which detector's boxes it classifies
        text += f", after the {after.get('task', 'detector')} model {Path(str(after.get('artifact', ''))).name}"
    return text


class PreviewPage(Page):
    key = "preview"
    title = "Preview"
    needs_project = True

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        self.sources: list[str | int] = []
        self.rois: list[tuple[int, int, int, int] | None] = []
        self._loaded_key: tuple | None = None
        self._note_shown = False
        self.preview = PreviewController(self)
        self.picker = ModelPicker()
        self.view = RoiView()
        self.view.set_message(IDLE_MESSAGE)
        self.transport = TransportBar()
        self.score = ScoreSlider(0.5)
        self.classes = ClassFilter()
        self.stats = QLabel("")
        self.stats.setObjectName("PreviewStats")
        self.stats.setProperty("role", "hint")
        self.stats.setWordWrap(True)
        self.error_label = QLabel("")
        self.error_label.setProperty("role", "error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.source_picker = SourcePicker()
        self.roi_button = QPushButton("Draw ROI")
        self.roi_button.setCheckable(True)
        self.roi_button.setToolTip("Drag a rectangle on a source: the model then looks only inside it")
        self.clear_roi_button = QPushButton("Clear ROIs")
        self.roi_label = QLabel("Whole frames")
        self.roi_label.setProperty("role", "hint")
        self.roi_label.setWordWrap(True)
        self.save_button = QPushButton("Save annotated video...")
        self.save_button.setToolTip("Annotate the whole source into a video file as a job (progress in the jobs "
                                    "panel); the dialog starts in the run's exports folder")
        self.saved = SavedNote()
        self._build()
        self._wire()

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.view, 1)
        left.addWidget(self.transport)
        left.addWidget(self.stats)

        overlay = QGroupBox("Overlay")
        o = QVBoxLayout(overlay)
        o.addWidget(QLabel("Confidence"))
        o.addWidget(self.score)
        o.addWidget(QLabel("Classes"))
        o.addWidget(self.classes, 1)
        region = QGroupBox("Region of interest")
        r = QVBoxLayout(region)
        buttons = QHBoxLayout()
        buttons.addWidget(self.roi_button)
        buttons.addWidget(self.clear_roi_button)
        r.addLayout(buttons)
        r.addWidget(self.roi_label)
        side = QVBoxLayout()
        side.addWidget(overlay, 1)
        side.addWidget(region)
        side.addWidget(self.save_button)
        side.addWidget(self.saved)
        side_box = QWidget()
        side_box.setLayout(side)
        side_box.setFixedWidth(240)
        side.setContentsMargins(0, 0, 0, 0)

        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(side_box)
        lay = QVBoxLayout(self)
        lay.addWidget(header("Preview", "Run a model over a video, an image folder or a camera and see what it "
                                        "finds, frame by frame."))
        lay.addWidget(self.picker)
        lay.addWidget(self.source_picker)
        lay.addWidget(self.error_label)
        lay.addLayout(body, 1)

    def _wire(self) -> None:
        p = self.preview
        p.frame_shown.connect(self._show_frame)
        p.loaded.connect(self._on_loaded)
        p.state_changed.connect(self._on_state)
        p.error.connect(self.show_error)
        self.picker.changed.connect(self._model_changed)
        self.source_picker.source_chosen.connect(self.open_source)
        self.source_picker.source_added.connect(self.add_source)
        self.roi_button.toggled.connect(self.view.set_drawing)
        self.clear_roi_button.clicked.connect(self.clear_rois)
        self.view.roi_drawn.connect(self._on_roi_drawn)
        self.picker.problem.connect(self.show_error)
        self.transport.toggle_requested.connect(p.toggle)
        self.transport.step_requested.connect(p.step)
        self.transport.back_requested.connect(p.step_back)
        self.transport.seek_requested.connect(p.seek)
        self.score.value_changed.connect(p.set_score_threshold)
        self.classes.changed.connect(p.set_classes)
        p.set_score_threshold(self.score.value())
        self.save_button.clicked.connect(self.save_dialog)
        self.session.artifacts_changed.connect(self._reload_models)
        self.session.runs_changed.connect(self._reload_models)
        for keys, slot, what in (("Space", p.toggle, "Play or pause"), (("Right", "."), p.step, "Next frame"),
                                 ("Left", p.step_back, "Previous frame")):
            self.add_shortcut(keys, slot, what)
        self._update_controls()

    # -- page hooks ---------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        self.close_source()
        self.picker.set_project(project, fresh=True)
        self.show_error("")
        self.saved.clear_note()
        # the project's classes until a model says its own
        self.classes.set_classes({c.id: c.name for c in catalog.categories(project)} if project is not None else {})

    def on_shown(self) -> None:
        self._reload_models()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override: nobody watches, save the CPU
        self.preview.pause()
        super().hideEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.preview.stop()
        super().closeEvent(event)

    def _reload_models(self) -> None:
        self.picker.set_project(self.project)

    def settled(self) -> bool:
        """Idle, failed, or some frames into the source."""
        return not self.sources or self.preview.state in ("error", "ended") or self.preview.frames_shown >= 8

    # -- sources ------------------------------------------------------------------------------
    @property
    def source(self) -> str | int | Sequence | None:
        """What is open: one source, a list of tiled ones, or None."""
        if not self.sources:
            return None
        return self.sources[0] if len(self.sources) == 1 else list(self.sources)

    def open_source(self, source: str | int) -> None:
        """Preview `source` (a video file, an image folder, or a camera index) from its start,
        alone (it replaces what was open)."""
        self.sources, self.rois = [source], [None]
        self._sources_changed()
        self._start(0, play=True)

    def add_source(self, source: str | int) -> None:
        """Tile one more source beside the open ones (up to four) and start again from frame 0."""
        if not self.sources:
            self.open_source(source)
            return
        if len(self.sources) >= MAX_SOURCES:
            self.show_error(f"Up to {MAX_SOURCES} sources can be tiled; open one alone to start over.")
            return
        self.sources.append(source)
        self.rois.append(None)
        self._sources_changed()
        self._start(0, play=True)

    def close_source(self) -> None:
        self.preview.stop()
        self.sources, self.rois, self._loaded_key = [], [], None
        self._sources_changed()
        self.view.set_message(IDLE_MESSAGE)
        self.stats.setText("")
        self._update_controls()

    def _sources_changed(self) -> None:
        self.source_picker.show_source(self.sources or None)
        self._show_rois()

    # -- regions of interest ------------------------------------------------------------------
    def set_roi(self, index: int, roi: tuple[int, int, int, int] | None) -> None:
        """Limit where the model looks in source `index` (None: the whole frame); the preview goes
        on from the frame it shows."""
        if not 0 <= index < len(self.sources):
            return
        self.rois[index] = None if roi is None else tuple(int(v) for v in roi)
        self._show_rois()
        self._restart_here()

    def clear_rois(self) -> None:
        if any(r is not None for r in self.rois):
            self.rois = [None] * len(self.sources)
            self._show_rois()
            self._restart_here()

    def _on_roi_drawn(self, start: tuple, end: tuple) -> None:
        frame = self.preview.current
        if frame is None:
            return
        tiles = frame.prediction if isinstance(frame.prediction, Tiles) else \
            Tiles([self._raw_shape(frame)], [None], [None], [""], tile_size=(frame.image.shape[1], frame.image.shape[0]))
        found = roi_between(tiles, start, end)
        self.roi_button.setChecked(False)
        if found is None:
            self.show_error("Drag the region of interest inside one source, a few pixels wide at least.")
            return
        self.show_error("")
        self.set_roi(*found)

    @staticmethod
    def _raw_shape(frame: PreviewFrame):
        return frame.image          # a single source is shown at its own size

    def _show_rois(self) -> None:
        parts = [f"{k + 1}: {x},{y} {w}x{h}" for k, r in enumerate(self.rois) if r is not None
                 for x, y, w, h in [r]]
        self.roi_label.setText("; ".join(parts) if parts else "Whole frames")
        self.clear_roi_button.setEnabled(bool(parts))

    def _restart_here(self) -> None:
        if not self.sources or self.preview.state in ("idle", "error"):
            return
        keep = self.preview.current_index if self.preview.seekable else 0
        self._start(max(0, keep), play=self.preview.is_playing or self.preview.state == "loading")

    def _start(self, start: int, play: bool) -> None:
        self.show_error("")
        artifacts = self.picker.artifacts()
        if not self.sources:
            return
        if not artifacts:
            self.show_error("Pick a model to run first: train a run, or browse for a model file.")
            return
        backend = self.picker.backend()
        self._loaded_key = (tuple(artifacts), backend, tuple(self.sources))
        self.view.set_message(f"Loading {artifacts[0].name} on {BACKEND_TITLES[backend]}...")
        self.stats.setText("")
        self.preview.open(artifacts, backend, self.source, start=start, play=play, rois=list(self.rois))
        self._update_controls()

    def _model_changed(self) -> None:
        note = self.picker.backend_note.text()
        if note or self._note_shown:
            self.show_error(note)                # why the chosen model cannot run here (or clear it)
            self._note_shown = bool(note)
        if not self.sources or note:
            self._update_controls()
            return
        key = (tuple(self.picker.artifacts()), self.picker.backend(), tuple(self.sources))
        if key != self._loaded_key:
            keep = self.preview.current_index if self.preview.seekable else 0
            self._start(max(0, keep), play=self.preview.is_playing or self.preview.state == "loading")

    # -- from the controller ------------------------------------------------------------------
    def _on_loaded(self, info: dict) -> None:
        self.classes.set_classes(info.get("class_names", {}))
        self.transport.set_frame_count(info.get("frame_count"))
        self._update_controls()

    def _show_frame(self, frame: PreviewFrame) -> None:
        self.view.set_frame(frame.image)
        self.transport.set_position(frame.index)
        t = frame.timings
        fps = f"{t['fps']:.1f} FPS" if t.get("fps") else "— FPS"
        self.stats.setText(f"{fps}  ·  decode {t['decode_ms']:.1f} ms  ·  inference {t['inference_ms']:.1f} ms  ·  "
                           f"draw {t['draw_ms']:.1f} ms  ·  {frame.detections} detection"
                           f"{'' if frame.detections == 1 else 's'}  ·  {backend_text(self.preview.info)}")

    def _on_state(self, state: str) -> None:
        self.transport.set_playing(state == "playing")
        if state == "ended":
            self.stats.setText(self.stats.text() + "  ·  end of the source (Space plays it again)")
        self._update_controls()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        if message and self.preview.state == "error":
            self.view.set_message(message)
            self._update_controls()

    def _update_controls(self) -> None:
        active = self.preview.state in ("playing", "paused", "ended")
        self.transport.set_enabled(active, self.preview.seekable)
        ok = bool(self.sources) and self.picker.choice() is not None and self.project is not None
        self.save_button.setEnabled(ok and self.preview.state != "error")
        self.roi_button.setEnabled(active)

    # -- save ---------------------------------------------------------------------------------
    def default_output(self) -> Path:
        """`<stem>-annotated.mp4` in the chosen run's exports folder (the project's without a run)."""
        choice = self.picker.choice()
        first = self.sources[0] if self.sources else "preview"
        stem = "camera" if isinstance(first, int) else Path(str(first)).stem
        stem += f"-tiled{len(self.sources)}" if len(self.sources) > 1 else ""
        return exports_folder(self.project, choice.run if choice else None) / f"{stem}-annotated.mp4"

    def save_dialog(self) -> None:
        if not self.sources or self.project is None:
            return
        out, _ = QFileDialog.getSaveFileName(self, "Save the annotated video", str(self.default_output()),
                                             "Video (*.mp4 *.avi)")
        if out:
            self.save_annotated(out)

    def save_annotated(self, out: str | Path):
        """Start the infer worker over the whole source with the model and threshold shown now."""
        choice = self.picker.choice()
        if choice is None or not self.sources or self.project is None:
            return None
        info = self.preview.info
        artifact = info.get("artifact") or str(choice.path)   # "Fastest" saves with the back end that won
        backend = info.get("backend") or ("auto" if self.picker.backend() == "fastest" else self.picker.backend())
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        rois = [("full" if r is None else ",".join(map(str, r))) for r in self.rois]
        job = self.jobs.start("infer", self.project.root, artifact=artifact, source=[str(x) for x in self.sources],
                              out=str(out), backend=backend, score=self.score.value(), run=choice.run,
                              roi=rois if any(r is not None for r in self.rois) else None)
        self.saved.saving(out)
        job.finished.connect(lambda j: self._saved(j, Path(out)))
        return job

    def _saved(self, job, out: Path) -> None:
        if self.saved.path == out:          # still the file the note is about (not another project's)
            if job.status == "done":
                self.saved.saved(out)
            elif job.status == "stopped":
                self.saved.failed(f"Saving {out.name} was stopped; the file is incomplete.")
            else:
                self.saved.failed(job.message or f"Saving {out.name} failed; see the jobs panel.")
        self.session.artifacts_changed.emit()


PAGE = PreviewPage
