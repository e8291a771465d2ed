"""The project store: one folder with project.db (SQLite, WAL), media/ and runs/."""
from core.project.store import Project, utcnow

__all__ = ["Project", "utcnow"]
