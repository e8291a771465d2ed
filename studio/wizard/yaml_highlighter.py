"""Light YAML colouring for the spec editor: keys bold, comments muted (theme colours)."""
from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat

from studio.theme import colors, current_theme, theme_changed

_KEY = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*:")


class YamlHighlighter(QSyntaxHighlighter):
    def __init__(self, document):
        super().__init__(document)
        self.comment = QTextCharFormat()
        self.key = QTextCharFormat()
        self.key.setFontWeight(QFont.Weight.Bold)
        self._set_colors()
        theme_changed().connect(self._set_colors)

    def _set_colors(self, _theme: str | None = None) -> None:
        self.comment.setForeground(QColor(colors(current_theme())["muted"]))
        if _theme is not None:
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        m = _KEY.match(text)
        if m:
            self.setFormat(m.start(1), m.end(1) - m.start(1), self.key)
        hash_at = _comment_start(text)
        if hash_at is not None:
            self.setFormat(hash_at, len(text) - hash_at, self.comment)


def _comment_start(text: str) -> int | None:
    """Index of a '#' that starts a comment (not inside quotes), or None."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return i
    return None
