"""The environment of a Python child process Studio starts (a worker, an import planner, a weights
check): the checkout's root first on PYTHONPATH, so `python -m workers` / `-m core...` resolve
the same code as the parent without an install, and unbuffered output."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of `base` (default: this process's environment) ready for a Python child."""
    env = dict(os.environ if base is None else base)
    env["PYTHONUNBUFFERED"] = "1"
    rest = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + rest if rest else "")
    return env
