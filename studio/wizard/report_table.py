"""The validation report of an import as a table: rejected first, then skipped, then repaired,
each with what it is about and why. Long reports show their first rows and say how many more."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from core.datasets.report import ImportReport

ACTION_COLORS = {"rejected": "#d9443a", "skipped": "#c7851a", "repaired": "#3a9a5e"}
MAX_ROWS = 500


class ReportTable(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(0, 3, parent)
        self.setObjectName("ReportTable")
        self.setHorizontalHeaderLabels(["Action", "About", "Why"])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        head = self.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(1, 190)
        self.hidden_rows = 0

    def show_report(self, report: ImportReport | None) -> None:
        self.setRowCount(0)
        self.hidden_rows = 0
        if report is None:
            return
        ordered = report.of("rejected") + report.of("skipped") + report.of("repaired")
        shown = ordered[:MAX_ROWS]
        self.hidden_rows = len(ordered) - len(shown)
        self.setRowCount(len(shown) + (1 if self.hidden_rows else 0))
        for row, item in enumerate(shown):
            action = QTableWidgetItem(item.action)
            action.setForeground(QColor(ACTION_COLORS[item.action]))
            font = action.font()
            font.setBold(True)
            action.setFont(font)
            why = QTableWidgetItem(item.reason)
            why.setToolTip(item.reason)
            about = QTableWidgetItem(item.what)
            about.setToolTip(item.what)
            for col, cell in enumerate((action, about, why)):
                self.setItem(row, col, cell)
        if self.hidden_rows:
            more = QTableWidgetItem(f"... and {self.hidden_rows} more items (the whole report is stored with the "
                                    "import and shown on the Data page).")
            more.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(len(shown), 0, more)
            self.setSpan(len(shown), 0, 1, 3)

    def rows(self) -> list[tuple[str, str, str]]:
        out = []
        for r in range(self.rowCount()):
            cells = [self.item(r, c) for c in range(3)]
            out.append(tuple(c.text() if c else "" for c in cells))
        return out
