"""`studio gui [PROJECT] [--page NAME --screenshot FILE]` — the desktop application."""
from __future__ import annotations

import argparse

PAGES = ("projects", "data", "label", "train", "runs", "optimize", "preview")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the desktop application")
    p.add_argument("project", nargs="?", help="project folder to open")
    p.add_argument("--page", choices=PAGES, help="page to show first")
    p.add_argument("--screenshot", help="render the page offscreen (at --size) to this PNG and exit")
    p.add_argument("--size", default="1280x800", type=_size, help="the screenshot's size, WIDTHxHEIGHT (default "
                                                                  "1280x800)")
    p.add_argument("--theme", choices=("light", "dark"), help="override the saved theme")
    p.add_argument("--source", help="with a project: open the Preview page on this video, image folder or camera "
                                    "index")
    p.set_defaults(func=_gui)


def _gui(args: argparse.Namespace) -> int:
    from core.errors import StudioError

    if args.source and not args.project:
        raise StudioError("--source previews with a project's model: name the project folder too.")
    if not args.screenshot:           # a screenshot renders offscreen: no window, no X11 libraries
        from studio.system_check import gui_problem

        problem = gui_problem()
        if problem:                   # said before Qt aborts with its own message and a core dump
            raise StudioError(problem)
    from studio.app import run_app  # Qt is imported only here

    return run_app(project=args.project, page=args.page, screenshot=args.screenshot, theme=args.theme,
                   source=args.source, size=args.size)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 1024x700") from None
    if not (320 <= w <= 8192 and 240 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: the size must be between 320x240 and 8192x8192")
    return w, h
