"""Studio: the desktop application (PySide6) and the `studio` command line.

The command line (`studio.cli`, `studio.commands`) imports no Qt; only `studio gui` does.
"""
