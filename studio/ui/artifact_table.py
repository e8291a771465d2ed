"""A table of a run's deployable artifacts: kind, file, precision, size, age, headline metrics
and their delta against the trained model (the accuracy guardrail), green when the artifact
keeps its accuracy (delta >= -0.01), red when it lost more."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from core.evaluation.guardrail import ArtifactSummary

GOOD_DELTA = -0.01
GREEN, RED = "#2e9e5b", "#d9443a"
BASE_COLUMNS = ("Kind", "File", "Precision", "Size", "Created", "Latency")
KIND_TITLES = {"checkpoint": "Checkpoint", "onnx": "ONNX", "engine": "TensorRT engine"}


def human_size(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def human_time(iso: str) -> str:
    try:
        when = _dt.datetime.fromisoformat(iso).astimezone()
    except (TypeError, ValueError):
        return iso or ""
    return when.strftime("%Y-%m-%d %H:%M")


def delta_color(delta: float) -> str:
    return GREEN if delta >= GOOD_DELTA else RED


def metric_text(value: float | None) -> str:
    return "" if value is None or value < 0 else f"{value:.3f}"   # COCO writes -1 for "no such objects"


def artifact_role(record, is_reference: bool) -> str:
    """What a row's model is, beside its kind: the trained model, the best checkpoint, a pruned one."""
    role = record.meta.get("role")
    if is_reference:
        return " (trained model)"
    if role == "best":
        return f" (best, step {record.meta.get('step')})"
    if role == "pruned":
        return f" (pruned into {record.meta.get('run')})"
    return ""


class ArtifactTable(QTableWidget):
    """Rows of `ArtifactSummary`; `current_summary()` is the selected one."""

    selection_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ArtifactTable")
        self.metric_names: tuple[str, ...] = ()    # the project family's shown metrics (`set_summaries`)
        self.summaries: list[ArtifactSummary] = []
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.setWordWrap(False)
        self.itemSelectionChanged.connect(self.selection_changed)
        self._set_columns()

    def _set_columns(self) -> None:
        names = list(BASE_COLUMNS)
        for m in self.metric_names:
            names += [m, f"Δ {m}"]
        self.setColumnCount(len(names))
        self.setHorizontalHeaderLabels(names)
        head = self.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)   # a stretched File column was squeezed to "..." by many metrics
        for i, m in enumerate(self.metric_names):
            self.horizontalHeaderItem(len(BASE_COLUMNS) + 2 * i).setToolTip(f"{m} on the validation split")
            self.horizontalHeaderItem(len(BASE_COLUMNS) + 2 * i + 1).setToolTip(
                f"{m} of this artifact minus the trained model's; green keeps accuracy (>= {GOOD_DELTA}), "
                "red lost more")

    def set_summaries(self, summaries: list[ArtifactSummary], metric_names: tuple[str, ...]) -> None:
        selected = self.current_summary()
        keep = selected.record.id if selected else None
        if tuple(metric_names) != self.metric_names:
            self.metric_names = tuple(metric_names)
            self._set_columns()
        self.summaries = list(summaries)
        self.setRowCount(len(self.summaries))
        for row, s in enumerate(self.summaries):
            self._fill_row(row, s)
            if s.record.id == keep:
                self.selectRow(row)

    def _fill_row(self, row: int, s: ArtifactSummary) -> None:
        rec = s.record
        kind = KIND_TITLES.get(rec.kind, rec.kind) + artifact_role(rec, s.is_reference)
        cells = [kind, Path(rec.path).name, (rec.precision or "").upper(), human_size(rec.size_bytes),
                 human_time(rec.created_at), f"{s.latency_ms:.1f} ms" if s.latency_ms is not None else ""]
        for m in self.metric_names:
            value = s.metrics.get(m)
            cells.append(metric_text(value))
            if s.is_reference:
                cells.append("reference")
            elif m in s.delta and value is not None and value >= 0:
                cells.append(f"{s.delta[m]:+.3f}")
            else:
                cells.append("not evaluated" if not s.evaluated else "")
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if col == len(BASE_COLUMNS) - 1 and s.latency_ms is not None:
                item.setToolTip(f"p50 per sample at batch 1, measured by the export on {s.machine}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if col == 1:
                item.setToolTip(str(s.path) if s.exists else f"{s.path} (the file is missing)")
                if not s.exists:
                    item.setForeground(QBrush(QColor(RED)))
            if col >= len(BASE_COLUMNS):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                metric = self.metric_names[(col - len(BASE_COLUMNS)) // 2]
                is_delta = (col - len(BASE_COLUMNS)) % 2 == 1
                if is_delta and metric in s.delta and not s.is_reference and text and text[0] in "+-":
                    item.setForeground(QBrush(QColor(delta_color(s.delta[metric]))))
                    item.setData(Qt.ItemDataRole.UserRole, s.delta[metric])
            self.setItem(row, col, item)

    def current_summary(self) -> ArtifactSummary | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not rows or rows[0].row() >= len(self.summaries):
            return None
        return self.summaries[rows[0].row()]

    def row_of(self, kind: str) -> int:
        """The last row of this artifact kind (-1 when none)."""
        rows = [i for i, s in enumerate(self.summaries) if s.record.kind == kind]
        return rows[-1] if rows else -1
