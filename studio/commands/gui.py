"""`studio gui [PROJECT] [--page NAME --screenshot FILE]` — the desktop application."""
from __future__ import annotations

import argparse

PAGES = ("projects", "data", "label", "train", "runs", "optimize", "preview")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the desktop application")
    p.add_argument("project", nargs="?", help="project folder to open")
    p.add_argument("--page", choices=PAGES, help="page to show first")
    p.add_argument("--screenshot", help="render the page offscreen at 1280x800 to this PNG and exit")
    p.add_argument("--theme", choices=("light", "dark"), help="override the saved theme")
    p.set_defaults(func=_gui)


def _gui(args: argparse.Namespace) -> int:
    from studio.app import run_app  # Qt is imported only here

    return run_app(project=args.project, page=args.page, screenshot=args.screenshot, theme=args.theme)
