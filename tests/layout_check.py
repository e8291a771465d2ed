"""What "nothing is clipped" means for a rendered window, as a list of sentences (empty: fine).

- every visible widget lies inside the window and inside its parent (scroll areas clip their
  contents on purpose: what is inside a scroll area's viewport is not checked, but a form that
  scrolls sideways is: its rows are cut);
- a one-line label, a button, a check box and a progress bar are wide enough for their text;
- a plot (pyqtgraph) fits its items in its view, and its title fits over the plot.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (QAbstractScrollArea, QCheckBox, QLabel, QProgressBar, QPushButton, QRadioButton,
                               QScrollArea, QWidget)

SLACK = 2   # pixels


def _name(w: QWidget) -> str:
    text = ""
    for attr in ("text", "title"):
        value = getattr(w, attr, None)
        if callable(value):
            try:
                text = value()
            except TypeError:
                text = ""
        elif isinstance(value, str):
            text = value
        if text:
            break
    return f"{type(w).__name__}{'#' + w.objectName() if w.objectName() else ''}" + (f" {text[:40]!r}" if text else "")


def _in_scroll_area(w: QWidget, top: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None and p is not top:
        gp = p.parentWidget()
        if isinstance(gp, QAbstractScrollArea) and p is gp.viewport():
            return True
        p = gp
    return False


def _rect_in(w: QWidget, ref: QWidget) -> QRect:
    return QRect(w.mapTo(ref, QPoint(0, 0)), w.size())


def clipped(window: QWidget) -> list[str]:
    problems: list[str] = []
    for area in window.findChildren(QScrollArea):       # a form that scrolls sideways is cut at its side
        bar = area.horizontalScrollBar()
        if area.isVisibleTo(window) and bar.isVisible() and bar.maximum() > SLACK:
            problems.append(f"{_name(area.widget() or area)} scrolls sideways by {bar.maximum()} px")
    bounds = window.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK)
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window) or w.isWindow():
            continue
        if _in_scroll_area(w, window):       # scrolled into view or not: its own text must still fit
            problems += _text_fits(w)
            continue
        parent = w.parentWidget()
        if parent is None or not parent.isVisibleTo(window) and parent is not window:
            continue
        r = _rect_in(w, window)
        if r.width() <= 0 or r.height() <= 0:
            continue
        if not bounds.contains(r):
            problems.append(f"{_name(w)} reaches outside the window ({r.getRect()} in {window.width()}x"
                            f"{window.height()})")
            continue
        if parent is not window and not parent.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(
                QRect(w.pos(), w.size())):
            problems.append(f"{_name(w)} is cut by its parent {_name(parent)}")
            continue
        problems += _text_fits(w)
        problems += _plot_fits(w)
    return problems


def _text_fits(w: QWidget) -> list[str]:
    fm = w.fontMetrics()
    if isinstance(w, QLabel) and not w.wordWrap() and w.text() and w.pixmap().isNull():
        from PySide6.QtCore import Qt

        if w.textFormat() == Qt.TextFormat.RichText or "<" in w.text():
            need = w.sizeHint().width()
        else:
            need = max(fm.horizontalAdvance(line) for line in w.text().splitlines() or [""])
            need += w.contentsMargins().left() + w.contentsMargins().right() + 2 * w.margin() + 2 * w.indent() \
                if w.indent() > 0 else w.contentsMargins().left() + w.contentsMargins().right() + 2 * w.margin()
        if need > w.width() + SLACK:
            return [f"{_name(w)} needs {need} px but has {w.width()}"]
    elif isinstance(w, (QPushButton, QCheckBox, QRadioButton)) and w.text():
        need = w.minimumSizeHint().width() if isinstance(w, QPushButton) else w.sizeHint().width()
        if need > w.width() + SLACK:
            return [f"{_name(w)} needs {need} px but has {w.width()}"]
    elif isinstance(w, QProgressBar) and w.isTextVisible() and w.text():
        need = fm.horizontalAdvance(w.text()) + 8
        if need > w.width() + SLACK:
            return [f"{_name(w)} text {w.text()!r} needs {need} px but the bar has {w.width()}"]
    return []


def _plot_fits(w: QWidget) -> list[str]:
    try:
        import pyqtgraph as pg
    except ImportError:  # pragma: no cover
        return []
    if not isinstance(w, pg.GraphicsLayoutWidget):
        return []
    problems = []
    layout = w.ci.geometry()
    view = w.viewport().rect()
    if layout.width() > view.width() + SLACK or layout.height() > view.height() + SLACK:
        problems.append(f"plot {getattr(w, 'title', '')!r}: its items need {layout.width():.0f}x{layout.height():.0f}"
                        f" px but it shows {view.width()}x{view.height()}")
    for item in w.ci.items:
        title = getattr(item, "titleLabel", None)
        if title is not None and title.isVisible() and title.text:
            need = title.item.boundingRect().width()
            if need > title.boundingRect().width() + SLACK:
                problems.append(f"plot title {getattr(w, 'title', '')!r} needs {need:.0f} px but has "
                                f"{title.boundingRect().width():.0f}")
    return problems
