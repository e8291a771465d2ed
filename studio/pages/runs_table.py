"""The table of runs: one row per run from `core.project.run_summary.run_row`, sortable, with
numbers that sort as numbers."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from core.families import family_info
from core.project.run_summary import format_duration

STATUS_COLORS = {"running": "#2f8f4e", "done": "", "stopped": "#b7791f", "interrupted": "#c05621",
                 "failed": "#d9443a", "created": ""}


class _Item(QTableWidgetItem):
    """Sorts by its sort key (numbers as numbers, missing values last)."""

    def __init__(self, text: str, key: Any = None):
        super().__init__(text)
        self.key = key if key is not None else text

    def __lt__(self, other) -> bool:  # noqa: D105
        a, b = self.key, getattr(other, "key", other.text())
        if a is None or b is None:
            return a is not None
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


def _family_title(task: str) -> str:
    try:
        return family_info(task).title
    except Exception:  # noqa: BLE001 - an unknown family still lists
        return task


class RunsTable(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("RunsTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.verticalHeader().hide()
        self.metrics: tuple[str, ...] = ()     # the project family's shown metrics, headline first
        self.rows: dict[str, dict] = {}

    def columns(self) -> list[str]:
        metric = [f"best {m}" for m in self.metrics]
        return ["Run", "Family", "Backbone", "Parent", "Status", "Steps", *metric, "Best at", "Duration", "Created"]

    def fill(self, rows: list[dict], metrics: tuple[str, ...]) -> None:
        """Show rows with a best-value column per metric, keeping the selection (by run name) and the
        sort order."""
        keep = set(self.selected_names())
        self.metrics = tuple(metrics)
        self.rows = {r["name"]: r for r in rows}
        cols = self.columns()
        self.setSortingEnabled(False)
        self.clear()
        self.setColumnCount(len(cols))
        self.setHorizontalHeaderLabels(cols)
        self.setRowCount(len(rows))
        for i, r in enumerate(rows):
            best = r["best"]
            steps = f"{r['step'] or 0} / {r['total_steps']}" if r["total_steps"] else str(r["step"] or 0)
            cells = [_Item(r["name"]), _Item(_family_title(r["task"])), _Item(r["backbone"] or ""),
                     _Item(r["parent_run"] or ""), _Item(r["status"]), _Item(steps, r["step"] or 0)]
            for name in self.metrics:
                value = best.get(name)
                shown = value if value is not None and value >= 0 else None   # COCO's -1 means n/a
                cells.append(_Item(f"{shown:.3f}" if shown is not None else "-", shown))
            point = r.get("best_point") or {}
            at = _Item(f"step {point['step']}" if point.get("step") is not None else "-", point.get("step"))
            if point:
                at.setToolTip(f"{point['path']}: {point['metric']} {point['value']:.3f} at step {point['step']} "
                              "(evaluate or export it as the run's best checkpoint)")
            cells.append(at)
            cells.append(_Item(format_duration(r["seconds"]), r["seconds"]))
            cells.append(_Item((r["created_at"] or "")[:16].replace("T", " ")))
            for j, cell in enumerate(cells):
                if 5 <= j < len(cells) - 1:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(i, j, cell)
            color = STATUS_COLORS.get(r["status"])
            if color:
                cells[4].setForeground(QColor(color))
            if r.get("message"):
                cells[4].setToolTip(r["message"])
            cells[0].setToolTip(f"runs/{r['name']}")
        self.setSortingEnabled(True)
        head = self.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)
        self.select_names(keep)

    def selected_names(self) -> list[str]:
        rows = sorted({i.row() for i in self.selectedIndexes()})
        return [self.item(r, 0).text() for r in rows if self.item(r, 0) is not None]

    def select_names(self, names) -> None:
        self.clearSelection()
        mode = self.selectionMode()
        self.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r in range(self.rowCount()):
            if self.item(r, 0).text() in names:
                self.selectRow(r)
        self.setSelectionMode(mode)
