"""Times as the GUI shows them: local, and as near as the reader cares ('today 14:03')."""
from __future__ import annotations

import datetime as _dt


def when(iso: str | None, now: _dt.datetime | None = None) -> str:
    """'today 14:03', 'yesterday 09:12', '3 days ago', '2024-05-01' (local time)."""
    if not iso:
        return "not yet"
    try:
        t = _dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return "not yet"
    now = now or _dt.datetime.now().astimezone()
    days = (now.date() - t.date()).days
    if days == 0:
        return f"today {t:%H:%M}"
    if days == 1:
        return f"yesterday {t:%H:%M}"
    if 1 < days < 7:
        return f"{days} days ago"
    return f"{t:%Y-%m-%d}"
