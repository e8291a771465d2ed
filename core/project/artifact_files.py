"""Where the files that go with an exported artifact live: its model card (`<artifact>.card.md` and
`.card.json`) and its deployment folder (`<artifact>.deploy/`: DeepStream, Triton, labels). The
export writes them; the guardrail, `studio runs show` and the Optimize page read them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def card_paths(artifact: Path) -> tuple[Path, Path]:
    """(Markdown, JSON) model-card paths of `artifact`."""
    artifact = Path(artifact)
    return artifact.with_name(artifact.name + ".card.md"), artifact.with_name(artifact.name + ".card.json")


def deploy_folder(artifact: Path) -> Path:
    artifact = Path(artifact)
    return artifact.with_name(artifact.name + ".deploy")


def read_card(artifact: Path) -> dict[str, Any] | None:
    """The model card's JSON, or None when there is none or it cannot be read."""
    try:
        data = json.loads(card_paths(artifact)[1].read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
