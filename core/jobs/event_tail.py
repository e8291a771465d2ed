"""Follow an events file another process appends to (a run trained by the CLI or another GUI).

Reads only what was appended since the last call; partial last lines wait; a file that shrank
or was replaced (a resumed run trims its events) is read again from the start.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core.jobs.protocol import parse_event_lines


class EventFileTail:
    """Reads the events appended to a file since the last call (a run written by another process).

    Partial last lines wait for the next call. A file that shrank or was replaced (a resumed
    run trims its events) is read again from the start: `read_new` then says `reset=True`.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.offset = 0
        self._ino: int | None = None

    def read_new(self, max_bytes: int | None = None) -> tuple[list[dict[str, Any]], bool]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return [], False
        reset = False
        if (self._ino is not None and st.st_ino != self._ino) or st.st_size < self.offset:
            self.offset, reset = 0, True
        self._ino = st.st_ino
        if st.st_size == self.offset:
            return [], reset
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read(max_bytes) if max_bytes else f.read()
        cut = data.rfind(b"\n") + 1
        self.offset += cut
        return parse_event_lines(data[:cut].splitlines()), reset

    @property
    def at_end(self) -> bool:
        try:
            return self.path.stat().st_size <= self.offset
        except FileNotFoundError:
            return True
