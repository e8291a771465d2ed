"""Model cards: `<artifact>.card.md` and `.card.json` beside every exported artifact — what it is,
how it was trained, on what data, how accurate it is against the trained model, how fast it runs on
the machine that exported it, and the hashes that tie the files together."""
from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any, Mapping

from core.fsutil import atomic_write_text
from core.project.artifact_files import card_paths


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_model_card(artifact: Path, card: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write the card's JSON (everything) and Markdown (for people); returns both paths."""
    md_path, json_path = card_paths(artifact)
    atomic_write_text(json_path, json.dumps(card, indent=2, default=str))
    atomic_write_text(md_path, render(card))
    return md_path, json_path


def _row(k: str, v: Any) -> str:
    return f"| {k} | {v} |"


def render(c: Mapping[str, Any]) -> str:
    m, d = c.get("metrics") or {}, c.get("delta") or {}
    t = c.get("training") or {}
    lines = [f"# Model card: {c['artifact']['file']}", "", c.get("summary", ""), "",
             "| | |", "|---|---|",
             _row("Family", c["family"]["title"]), _row("Architecture", c["family"]["model"]),
             *[_row(k.replace("_", " ").capitalize(), v) for k, v in (c["family"].get("facts") or {}).items()],
             _row("Format", c["artifact"]["kind"]), _row("Precision", c["artifact"]["precision"]),
             _row("Size", f"{c['artifact']['size_bytes'] / 1e6:.1f} MB"),
             _row("Model transforms", ", ".join(c.get("transforms") or []) or "none"),
             _row("Run", t.get("run")), _row("Steps", t.get("steps")), _row("Epochs", t.get("epochs")),
             _row("Batch size", t.get("batch_size")), _row("Learning rate", t.get("init_learning_rate"))]
    if m:
        lines += ["", f"## Accuracy on the {c.get('split', 'val')!r} split", "",
                  "| metric | value | delta vs the trained model |", "|---|---|---|"]
        for k, v in m.items():
            delta = d.get(k)
            shown_delta = "" if delta is None or v == -1 else f"{delta:+.4f}"
            lines.append(f"| {k} | {'n/a' if v == -1 else f'{v:.4f}'} | {shown_delta} |")
    for warning in c.get("warnings") or []:
        lines += ["", f"**Warning:** {warning}"]
    speed = c.get("throughput") or {}
    if speed:
        lines += ["", "## Speed on the exporting machine", "",
                  f"{speed.get('backend')} on {speed.get('machine')}: {speed.get('latency_ms_p50', 0):.1f} ms per "
                  f"sample at batch 1 (p50 of {speed.get('runs')} runs; p90 {speed.get('latency_ms_p90', 0):.1f} ms)."]
    data = c.get("data") or {}
    if data.get("per_class"):
        splits = [s for s in ("train", "val", "test") if any(v.get(s) for v in data["per_class"].values())]
        lines += ["", "## Data", "", "| class | " + " | ".join(splits) + " |", "|---" * (len(splits) + 1) + "|"]
        for name, counts in data["per_class"].items():
            lines.append(f"| {name} | " + " | ".join(str(counts.get(s, 0)) for s in splits) + " |")
    q = c.get("quantization")
    if q:
        lines += ["", "## Quantization", ""] + [f"- {k}: {v}" for k, v in q.items()]
    lines += ["", "## Files", ""] + [f"- {k}: `{v}`" for k, v in (c.get("hashes") or {}).items()]
    return "\n".join(lines) + "\n"
