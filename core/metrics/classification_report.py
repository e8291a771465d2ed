"""Classification metrics computed directly: accuracy, average class accuracy, per-class precision
and recall, and the confusion matrix (rows: the true class, columns: the predicted one), written as
CSV and as a PNG picture."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from core.fsutil import atomic_write_bytes, atomic_write_text


@dataclass(frozen=True)
class ClassificationReport:
    ids: tuple[int, ...]            # category ids, the rows and columns of `confusion`
    names: tuple[str, ...]
    confusion: np.ndarray           # (K, K) counts, [true, predicted]

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    def precision(self) -> np.ndarray:
        predicted = self.confusion.sum(axis=0)
        return np.divide(np.diag(self.confusion), predicted, out=np.zeros(len(self.ids)), where=predicted > 0)

    def recall(self) -> np.ndarray:
        actual = self.confusion.sum(axis=1)
        return np.divide(np.diag(self.confusion), actual, out=np.zeros(len(self.ids)), where=actual > 0)

    def metrics(self) -> dict[str, float]:
        """accuracy, average_class_accuracy (mean recall over classes present), precision_<name>, recall_<name>."""
        actual = self.confusion.sum(axis=1)
        recall, precision = self.recall(), self.precision()
        out = {"accuracy": float(np.trace(self.confusion)) / max(1, self.total),
               "average_class_accuracy": float(recall[actual > 0].mean()) if (actual > 0).any() else 0.0}
        for name, p, r in zip(self.names, precision, recall):
            out[f"precision_{name}"], out[f"recall_{name}"] = float(p), float(r)
        return out


def classification_report(pairs: Sequence[tuple[int, int]], names: Mapping[int, str]) -> ClassificationReport:
    """The confusion of (true id, predicted id) pairs over every category of `names`."""
    ids = tuple(sorted(names))
    index = {c: i for i, c in enumerate(ids)}
    confusion = np.zeros((len(ids), len(ids)), np.int64)
    for t, p in pairs:
        if t in index and p in index:
            confusion[index[t], index[p]] += 1
    return ClassificationReport(ids, tuple(names[c] for c in ids), confusion)


def confusion_csv(report: ClassificationReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["true \\ predicted", *report.names])
    for name, row in zip(report.names, report.confusion):
        w.writerow([name, *(int(v) for v in row)])
    return buf.getvalue()


def confusion_image(report: ClassificationReport, cell: int = 48) -> np.ndarray:
    """The confusion matrix as a BGR picture: each row shaded by its share of the true class, the counts
    written in, class names along both sides (rows: true, columns: predicted)."""
    import cv2

    k = max(1, len(report.ids))
    label_w = max([60] + [8 * len(n) + 12 for n in report.names])
    h, w = label_w + k * cell + 8, label_w + k * cell + 8
    image = np.full((h, w, 3), 255, np.uint8)
    rows = report.confusion.sum(axis=1, keepdims=True)
    share = np.divide(report.confusion, rows, out=np.zeros(report.confusion.shape), where=rows > 0)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for i in range(len(report.ids)):
        for j in range(len(report.ids)):
            x, y = label_w + j * cell, label_w + i * cell
            shade = int(255 - 200 * share[i, j])
            image[y:y + cell, x:x + cell] = (255, shade, shade) if i != j else (shade, 255 - (255 - shade) // 3, shade)
            text = str(int(report.confusion[i, j]))
            cv2.putText(image, text, (x + 6, y + cell // 2 + 5), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        cv2.putText(image, report.names[i], (4, label_w + i * cell + cell // 2 + 5), font, 0.45, (0, 0, 0), 1,
                    cv2.LINE_AA)
    column_names = np.full((label_w, k * cell, 3), 255, np.uint8)
    for j, name in enumerate(report.names):
        strip = np.full((cell, label_w, 3), 255, np.uint8)
        cv2.putText(strip, name, (4, cell // 2 + 5), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        column_names[:, j * cell:(j + 1) * cell] = cv2.rotate(strip, cv2.ROTATE_90_COUNTERCLOCKWISE)
    image[:label_w, label_w:label_w + k * cell] = column_names
    return image


def write_confusion(report: ClassificationReport, out_dir: Path) -> tuple[Path, Path]:
    """confusion.csv and confusion.png in `out_dir`."""
    import cv2

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "confusion.csv", confusion_csv(report))
    ok, png = cv2.imencode(".png", confusion_image(report))
    if not ok:
        raise OSError("could not encode the confusion matrix as PNG")
    atomic_write_bytes(out_dir / "confusion.png", png.tobytes())
    return out_dir / "confusion.csv", out_dir / "confusion.png"
