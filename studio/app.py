"""`run_app`: start the desktop application, or render one page to a PNG and exit."""
from __future__ import annotations

import os
import sys
import time

from core.errors import StudioError


SCREENSHOT_SIZE = (1280, 800)


def run_app(project: str | None = None, page: str | None = None, screenshot: str | None = None,
            theme: str | None = None, source: str | None = None, settle_ms: int = 1500,
            size: tuple[int, int] = SCREENSHOT_SIZE) -> int:
    if screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from studio.main_window import MainWindow
    from studio.settings import settings
    from studio.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from studio.gc_guard import install as collect_on_gui_thread

    collect_on_gui_thread(app)          # never let a worker thread destroy a widget
    app.setApplicationName("Studio")
    app.setOrganizationName("Studio")
    apply_theme(app, theme or str(settings().value("theme", "light")))
    window = MainWindow()
    if project:
        try:
            window.session.open_project(project)
        except StudioError as exc:
            if screenshot:
                print(f"studio: {exc}", file=sys.stderr)
                return 2
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(window, "Cannot open project", str(exc))
    if page or source:
        window.show_page(page or "preview")
    if source and window.session.project is not None:
        window.page("preview").open_source(int(source) if source.isdigit() else source)
    if screenshot:
        return save_screenshot(app, window, screenshot, settle_ms, size=size)
    window.show()
    return app.exec()


def save_screenshot(app, window, path: str, settle_ms: int = 1500, patience_s: float = 60.0,
                    size: tuple[int, int] = SCREENSHOT_SIZE) -> int:
    """Render the window at `size` (1280x800) once lazy loads have had `settle_ms` and the shown page
    says it has settled (at most `patience_s` more); write a PNG."""
    window.resize(*size)
    window.show()
    start = time.monotonic()
    while True:
        app.processEvents()
        waited = time.monotonic() - start
        if waited * 1000 >= settle_ms and (window.stack.currentWidget().settled() or waited > patience_s):
            break
        time.sleep(0.02)
    ok = window.grab().save(path)
    window.jobs.stop_all(grace_ms=1000)
    window.close()
    from studio.controllers.preview import wait_for_threads

    wait_for_threads()     # what aboutToQuit does when the event loop ran
    return 0 if ok else 1
