"""`run_app`: start the desktop application, or render one page to a PNG and exit."""
from __future__ import annotations

import os
import sys
import time

from core.errors import StudioError


def run_app(project: str | None = None, page: str | None = None, screenshot: str | None = None,
            theme: str | None = None, settle_ms: int = 1500) -> int:
    if screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from studio.main_window import MainWindow
    from studio.settings import settings
    from studio.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
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
    if page:
        window.show_page(page)
    if screenshot:
        return save_screenshot(app, window, screenshot, settle_ms)
    window.show()
    return app.exec()


def save_screenshot(app, window, path: str, settle_ms: int = 1500) -> int:
    """Render the window at 1280x800 after letting lazy loads settle; write a PNG."""
    window.resize(1280, 800)
    window.show()
    deadline = time.monotonic() + settle_ms / 1000
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    ok = window.grab().save(path)
    window.jobs.stop_all(grace_ms=1000)
    window.close()
    return 0 if ok else 1
