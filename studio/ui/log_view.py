"""A read-only log view for a job's stderr: chunks are buffered and appended ~10 times a second,
the view keeps its newest lines (max block count) and follows the end unless the user scrolled
up. It can also show, and follow, a log file written by another process."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 5000
TAIL_BYTES = 256 * 1024


class LogView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("The job's log (its stderr) appears here.")
        self._pending: list[str] = []
        self._file: Path | None = None
        self._offset = 0
        self._flush_timer = QTimer(self, interval=100, singleShot=True, timeout=self.flush)
        self._follow_timer = QTimer(self, interval=500, timeout=self._read_file)

    def append_text(self, text: str) -> None:
        """Queue a chunk (may end mid-line); shown at the next flush."""
        if text:
            self._pending.append(text)
            if not self._flush_timer.isActive():
                self._flush_timer.start()

    def flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if at_end:
            bar.setValue(bar.maximum())

    def clear_log(self) -> None:
        self._pending.clear()
        self.stop_following()
        self.clear()

    def show_file(self, path: str | Path | None, follow: bool = False) -> bool:
        """Append the end of a log file; with follow, keep appending what gets written to it."""
        self.stop_following()
        if path is None or not Path(path).is_file():
            return False
        self._file = Path(path)
        size = self._file.stat().st_size
        self._offset = max(0, size - TAIL_BYTES)
        skipped = f", its first {self._offset} bytes left out" if self._offset else ""
        self.append_text(f"── {self._file.name} (stderr of the newest job{skipped}) ──\n")
        self._read_file()
        self.flush()
        if follow:
            self._follow_timer.start()
        return True

    def stop_following(self) -> None:
        self._follow_timer.stop()
        self._file = None

    def _read_file(self) -> None:
        if self._file is None:
            return
        try:
            with open(self._file, "rb") as f:
                f.seek(self._offset)
                data = f.read(TAIL_BYTES)
        except OSError:
            return
        self._offset += len(data)
        self.append_text(data.decode("utf-8", errors="replace"))


def newest_log(folder: Path, verb: str = "train") -> Path | None:
    """The newest `<verb>-*.log` in a run's logs folder."""
    if not folder.is_dir():
        return None
    logs = sorted(folder.glob(f"{verb}-*.log"))
    return logs[-1] if logs else None
