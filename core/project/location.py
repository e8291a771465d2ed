"""Where a new project goes: check a project name and its parent folder before anything is made.

`check_location(parent, name)` returns the target folder and either a problem sentence (the
project cannot go there) or a note saying what will happen ("... will be created"). Nothing is
created or written here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.project.store import DB_NAME

MAX_NAME = 64
_ALLOWED = re.compile(r"^[A-Za-z0-9 ._()\-]+$")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class LocationCheck:
    target: Path | None
    problem: str | None      # a sentence: why the project cannot go there
    note: str = ""           # what will happen when it can

    @property
    def ok(self) -> bool:
        return self.problem is None


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a project folder name, or None."""
    if not name.strip():
        return "Give the project a name."
    if len(name) > MAX_NAME:
        return f"The name is {len(name)} characters long; keep it to {MAX_NAME}."
    if not _ALLOWED.match(name):
        bad = "".join(sorted({c for c in name if not _ALLOWED.match(c)}))
        return (f"The name cannot contain {bad!r}: use letters, digits, spaces, '-', '_', '.' or brackets "
                "(it becomes a folder name).")
    if name[0] in " ." or name[-1] in " .":
        return "The name cannot start or end with a space or a dot."
    if name.lower().split(".")[0] in _RESERVED:
        return f"{name!r} is a reserved device name on Windows; choose another name."
    return None


def _existing_ancestor(path: Path) -> Path:
    for p in (path, *path.parents):
        if p.exists():
            return p
    return Path(path.anchor)


def check_location(parent: str | os.PathLike, name: str) -> LocationCheck:
    """Check that a project named `name` can be made in `parent` (see the module docstring)."""
    problem = name_problem(name)
    if problem:
        return LocationCheck(None, problem)
    text = str(parent).strip()
    if not text:
        return LocationCheck(None, "Choose the folder the project goes in.")
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        return LocationCheck(None, f"Use a full path for the folder (starting at {Path.home().anchor or '/'}), "
                                   f"not {text!r}.")
    target = folder / name
    if folder.exists() and not folder.is_dir():
        return LocationCheck(target, f"{folder} is a file, not a folder.")
    if not folder.exists():
        base = _existing_ancestor(folder)
        if not base.is_dir() or not os.access(base, os.W_OK | os.X_OK):
            return LocationCheck(target, f"{folder} does not exist and cannot be created: {base} is not writable.")
        return LocationCheck(target, None, f"The folders {folder} and {name} will be created.")
    if not os.access(folder, os.W_OK | os.X_OK):
        return LocationCheck(target, f"{folder} is not writable; choose a folder you can write to.")
    if target.exists():
        if not target.is_dir():
            return LocationCheck(target, f"{target} exists and is a file; choose another name.")
        if (target / DB_NAME).exists():
            return LocationCheck(target, f"{target} already holds a Studio project; open it from the Projects page, "
                                         "or choose another name.")
        try:
            empty = not any(target.iterdir())
        except OSError as exc:
            return LocationCheck(target, f"{target} cannot be read ({exc.strerror or exc}).")
        if not empty:
            return LocationCheck(target, f"{target} already exists and is not empty; choose another name (a new "
                                         "project needs a new or empty folder).")
        if not os.access(target, os.W_OK | os.X_OK):
            return LocationCheck(target, f"{target} is not writable; choose another name.")
        return LocationCheck(target, None, f"The empty folder {target} will hold the project.")
    return LocationCheck(target, None, f"The folder {target} will be created.")


def suggest_name(parent: str | os.PathLike, base: str) -> str:
    """`base`, or `base-2`, `base-3` ... whichever does not exist in `parent` yet."""
    folder = Path(str(parent)).expanduser()
    name, i = base, 1
    while (folder / name).exists():
        i += 1
        name = f"{base}-{i}"
    return name
