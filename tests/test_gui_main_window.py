"""The main window: pages on the side bar and Ctrl+1..7, pages that need a project locked until
one is open, the recent-projects menu, the light and dark themes, and the window's geometry
kept between sessions (QSettings)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from core.project import Project
from studio.main_window import PAGE_MODULES, MainWindow
from studio.settings import recent_projects, settings


def _window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)    # menu shortcuts go to the active window
    return w


def _current(w) -> str:
    return w.stack.currentWidget().key


def test_pages_wait_for_a_project_then_follow_the_side_bar_and_keys(qtbot, tmp_path):
    Project.create(tmp_path / "p", "instance_segmentation").close()
    w = _window(qtbot)
    assert _current(w) == "projects"
    locked = [w.sidebar.item(i).flags() & Qt.ItemFlag.ItemIsEnabled for i in range(len(PAGE_MODULES))]
    assert bool(locked[0]) and not any(locked[1:])
    w.show_page("train")
    assert _current(w) == "projects"                  # a locked page cannot be shown
    assert w.open_project(str(tmp_path / "p"))
    assert _current(w) == "data" and w.windowTitle() == "p — Studio"
    for i, key in enumerate(PAGE_MODULES):
        qtbot.keyClick(w, Qt.Key(Qt.Key.Key_1 + i), Qt.KeyboardModifier.ControlModifier)
        assert _current(w) == key
        assert w.sidebar.currentRow() == i
    w.sidebar.setCurrentRow(PAGE_MODULES.index("runs"))   # a click on the side bar
    assert _current(w) == "runs"
    w.session.close_project()
    assert _current(w) == "projects" and w.windowTitle() == "Studio"


def test_recent_projects_fill_the_menu_and_a_missing_one_is_dropped(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    for name in ("a", "b"):
        Project.create(tmp_path / name, "instance_segmentation").close()
    w = _window(qtbot)
    assert not w.recent_menu.isEnabled()
    w.open_project(str(tmp_path / "a"))
    w.open_project(str(tmp_path / "b"))
    assert recent_projects() == [str(tmp_path / "b"), str(tmp_path / "a")]
    assert [a.text() for a in w.recent_menu.actions()] == recent_projects()
    w.session.close_project()
    (tmp_path / "a" / "project.db").unlink()
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args[2]))
    w.recent_menu.actions()[1].trigger()                 # "a" is no longer a project
    assert warned and "is not a Studio project" in warned[0]
    assert recent_projects() == [str(tmp_path / "b")]
    assert [a.text() for a in w.recent_menu.actions()] == [str(tmp_path / "b")]


def test_themes_switch_and_persist(qtbot):
    w = _window(qtbot)
    app = QApplication.instance()
    try:
        w.set_theme("dark")
        window_color = app.palette().color(QPalette.ColorRole.Window)
        assert window_color.lightness() < 60
        assert settings().value("theme") == "dark"
        assert [a.data() for a in w.theme_actions.actions() if a.isChecked()] == ["dark"]
        w.set_theme("light")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 200
        assert settings().value("theme") == "light"
    finally:
        w.set_theme("light")


def test_geometry_and_dock_layout_come_back(qtbot):
    w = _window(qtbot)                 # the offscreen screen is 800x800: sizes that fit it
    w.resize(960, 640)
    w.jobs_dock.hide()
    qtbot.wait(50)
    w.close()
    again = _window(qtbot)
    assert (again.width(), again.height()) == (960, 640)
    assert not again.jobs_dock.isVisible()
