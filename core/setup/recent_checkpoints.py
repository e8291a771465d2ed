"""Studio checkpoints a new run could start from: the trained models (`best.pt`, `model.pt`) of
the runs of recent projects of the same family, newest first. Found without torch (the project
databases are read read-only, the files are only listed), so the new-project wizard can offer
them; `core.families.pretrained` checks the one the user picks, in a child process."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from core.models.checkpoint_files import best_checkpoint, final_checkpoint
from core.project.peek import peek_project, peek_runs
from core.project.run_summary import spec_facts
from core.project.store import RUNS_DIR

MOST = 5          # offered at most: the newest few
SHOWN_CLASSES = 4


@dataclass(frozen=True)
class FoundCheckpoint:
    path: Path
    project: str                  # the project's name
    run: str
    which: str                    # "best" (at the run's best evaluation) or "last" (when it finished)
    backbone: str | None
    classes: tuple[str, ...]      # the project's classes
    modified: float               # the file's mtime

    def label(self) -> str:
        """"shapes / run-001 (best): resnet18, 3 classes (circle, square, triangle)"."""
        names = ", ".join(self.classes[:SHOWN_CLASSES]) + (", ..." if len(self.classes) > SHOWN_CLASSES else "")
        count = f"{len(self.classes)} {'class' if len(self.classes) == 1 else 'classes'}"
        facts = ", ".join(x for x in (self.backbone, f"{count} ({names})" if self.classes else "") if x)
        return f"{self.project} / {self.run} ({self.which})" + (f": {facts}" if facts else "")


def studio_checkpoints(project_roots: Iterable[str | Path], task: str, most: int = MOST) -> list[FoundCheckpoint]:
    """The trained models of the `task` projects among `project_roots`, newest first, at most `most`."""
    found: list[FoundCheckpoint] = []
    seen: set[Path] = set()
    for root in project_roots:
        root = Path(root)
        if root.resolve() in seen:
            continue
        seen.add(root.resolve())
        peek = peek_project(root)
        if peek.problem or peek.task != task:
            continue
        for run in peek_runs(root):
            if run.task != task:
                continue
            run_dir = root / RUNS_DIR / run.name
            backbone = spec_facts(run.spec_yaml).get("backbone")
            for which, path in (("best", best_checkpoint(run_dir)), ("last", final_checkpoint(run_dir))):
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                found.append(FoundCheckpoint(path, peek.name, run.name, which,
                                             str(backbone) if backbone else None, peek.categories, stat.st_mtime))
    found.sort(key=lambda c: c.modified, reverse=True)
    return found[:most]
