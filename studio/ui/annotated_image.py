"""`AnnotatedImage`: one image with its annotations drawn — masks (polygons and RLE, crowd regions
hatched), boxes, class tags, keypoints with skeleton lines — with zoom and layer toggles.

    view = AnnotatedImage()
    view.show_document(doc_for_image(project, image_id))    # decoded off the GUI thread
    view.ready.connect(...)                                   # the drawing is up to date

Data and drawing stay apart: `ImageDoc` (studio.ui.annotation_doc) is what is shown,
`AnnotationScene` (studio.ui.annotation_scene) the items drawn from it, this widget the view.
Mouse: wheel zooms around the pointer, drag pans, double-click fits. Keys (while it has focus):
F fit, + / - zoom, M / B / L toggle masks / boxes / labels.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter
from PySide6.QtWidgets import QGraphicsView, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from studio.theme import colors, current_theme, theme_changed
from studio.ui.annotation_doc import DocLoader, ImageDoc, Prepared
from studio.ui.annotation_scene import LAYERS, AnnotationScene

ZOOM_STEP = 1.25
ZOOM_RANGE = (0.05, 64.0)
LAYER_KEYS = {"masks": "M", "boxes": "B", "labels": "L"}


class AnnotationView(QGraphicsView):
    """A QGraphicsView that fits the image until the user zooms, then keeps the zoom."""

    zoom_changed = Signal(float)

    def __init__(self, scene: AnnotationScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.fitting = True
        self.setStyleSheet("QGraphicsView { border: none; }")
        self.apply_theme()
        theme_changed().connect(self.apply_theme)     # a theme switched at run time repaints the canvas

    def apply_theme(self, _theme: str | None = None) -> None:
        c = colors(current_theme())
        self.setBackgroundBrush(QColor(c["alt"]))

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        self.fitting = True
        rect = self.sceneRect()
        if rect.width() > 0 and rect.height() > 0:
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom)

    def zoom_by(self, factor: float) -> None:
        target = min(max(self.zoom * factor, ZOOM_RANGE[0]), ZOOM_RANGE[1])
        if self.zoom > 0:
            self.fitting = False
            self.scale(target / self.zoom, target / self.zoom)
            self.zoom_changed.emit(self.zoom)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(ZOOM_STEP ** steps)
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.fitting:
            self.fit()


class AnnotatedImage(QWidget):
    ready = Signal()                 # the scene shows the last requested document
    layer_toggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None, toolbar: bool = True):
        super().__init__(parent)
        self.scene = AnnotationScene(self)
        self.view = AnnotationView(self.scene)
        self.loader = DocLoader(self)
        self.loader.ready.connect(self._on_prepared)
        self.layer_actions: dict[str, QAction] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for name in LAYERS:
            act = QAction(name.title(), self, checkable=True, checked=True)
            act.setShortcut(QKeySequence(LAYER_KEYS[name]))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setToolTip(f"Show or hide the {name} ({LAYER_KEYS[name]})")
            act.toggled.connect(lambda on, n=name: self._set_layer(n, on))
            self.addAction(act)
            self.layer_actions[name] = act
            button = QToolButton()
            button.setDefaultAction(act)
            bar.addWidget(button)
        bar.addStretch(1)
        self.zoom_label = QLabel("")
        self.zoom_label.setProperty("role", "hint")
        self.zoom_label.setToolTip("Wheel: zoom around the pointer · drag: pan · double-click or F: fit")
        bar.addWidget(self.zoom_label)
        self.fit_action = fit = QAction("Fit", self, shortcut=QKeySequence("F"))
        fit.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        fit.setToolTip("Fit the image to the view (F, or double-click the image)")
        fit.triggered.connect(self.view.fit)
        self.addAction(fit)
        fit_button = QToolButton()
        fit_button.setDefaultAction(fit)
        bar.addWidget(fit_button)
        for key, factor in (("+", ZOOM_STEP), ("=", ZOOM_STEP), ("-", 1 / ZOOM_STEP)):
            act = QAction(self, shortcut=QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(lambda _=False, f=factor: self.view.zoom_by(f))
            self.addAction(act)
        self.toolbar = QWidget()
        self.toolbar.setLayout(bar)
        self.toolbar.setStyleSheet("QToolButton { padding: 2px 8px; border-radius: 4px; }"
                                   "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text); }")
        self.toolbar.setVisible(toolbar)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.toolbar)
        lay.addWidget(self.view, 1)
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self.show_message("Select an image to see its annotations.")

    # -- what to show -------------------------------------------------------------------------
    @property
    def doc(self) -> ImageDoc | None:
        return self.scene.doc

    @property
    def loading(self) -> bool:
        return self.loader.busy

    def show_document(self, doc: ImageDoc) -> None:
        """Draw `doc` once its pixels are decoded (the previous drawing stays until then)."""
        self.loader.request(doc)

    def show_message(self, text: str) -> None:
        self.loader.cancel()
        self.scene.show_message(text)
        self.view.fit()

    def _on_prepared(self, doc: ImageDoc, prepared: Prepared) -> None:
        same_size = self.scene.doc is not None and (self.scene.doc.width, self.scene.doc.height) == (
            doc.width, doc.height)
        self.scene.build(doc, prepared)
        if self.view.fitting or not same_size:
            self.view.fit()
        self.ready.emit()

    # -- layers, highlight, pixels ------------------------------------------------------------
    def set_layer_visible(self, name: str, on: bool) -> None:
        self.layer_actions[name].setChecked(on)

    def layer_visible(self, name: str) -> bool:
        return self.scene.visible[name]

    def toggle_layer(self, name: str) -> None:
        self.layer_actions[name].toggle()

    def _set_layer(self, name: str, on: bool) -> None:
        self.scene.set_layer_visible(name, on)
        self.layer_toggled.emit(name, on)

    def highlight(self, index: int | None) -> None:
        self.scene.highlight(index)

    def render_image(self) -> QImage:
        """The drawing at the image's own pixel size."""
        return self.scene.render_image()
