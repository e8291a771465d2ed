"""`studio` — the command line. Each command group lives in `studio.commands.<name>` and
registers itself with `register(subparsers)`; a command returns an exit code.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from core.errors import JobInterrupted, StudioError

# Command modules, in the order `studio --help` lists them.
COMMAND_MODULES = ("project", "data", "spec", "train", "evaluate", "export", "prune", "qat", "infer", "runs", "bench", "demo", "gui")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio", description="From labeled data to a deployed, optimized computer-vision engine.")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"studio.commands.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except JobInterrupted as exc:       # its worker was stopped first (a checkpoint saved)
        _say(f"studio: {exc}")
        return exc.exit_code
    except StudioError as exc:
        _say(f"studio: {exc}")
        return 2
    except KeyboardInterrupt:
        _say("studio: interrupted")
        return 130


def _say(line: str) -> None:
    """The last line on stderr; a terminal that closed (SIGHUP) must not turn it into a traceback."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
