"""Before `studio gui` starts Qt: are the system libraries its window needs there?

On a bare Linux desktop Qt's xcb platform plugin aborts with "xcb-cursor0 or libxcb-cursor0 is
needed to load the Qt xcb platform plugin" (and a core dump) when a library is missing. This
module checks first, without importing Qt: each library the plugin links against is opened by
its exact name (`ctypes.CDLL`, the same search the dynamic loader does), and what is missing is
named with the Debian/Ubuntu package that installs it. The check applies when Qt would use xcb:
Linux, and QT_QPA_PLATFORM unset (outside a Wayland session) or set to xcb.
"""
from __future__ import annotations

import ctypes
import os
import sys
from typing import Callable, Mapping

# What Qt 6's xcb platform plugin (libqxcb.so and libQt6XcbQpa) loads beyond the X11 core that
# every X desktop has, with the Debian/Ubuntu package of each (`ldd libqxcb.so` lists them).
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libEGL.so.1", "libegl1"),
    ("libGL.so.1", "libgl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)


def uses_xcb(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt would start its xcb (X11) platform plugin here."""
    env = os.environ if env is None else env
    if (platform or sys.platform) != "linux":
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if chosen:
        return chosen.startswith("xcb")
    return not env.get("WAYLAND_DISPLAY")       # Qt 6 prefers Wayland in a Wayland session


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
        return True
    except OSError:
        return False


def missing_libraries(loads: Callable[[str], bool] | None = None) -> list[tuple[str, str]]:
    """(library, Debian/Ubuntu package) for each library of the xcb plugin that cannot be loaded."""
    loads = loads or _loads
    return [(lib, pkg) for lib, pkg in XCB_LIBRARIES if not loads(lib)]


def gui_problem(env: Mapping[str, str] | None = None, platform: str | None = None,
                loads: Callable[[str], bool] | None = None) -> str | None:
    """A sentence saying what to install (or why no window can open), or None when all is there."""
    env = os.environ if env is None else env
    if not uses_xcb(env, platform):
        return None
    missing = missing_libraries(loads)
    if missing:
        libs = ", ".join(lib for lib, _ in missing)
        packages = " ".join(pkg for _, pkg in missing)
        return (f"The desktop application cannot open a window: system libraries that Qt's X11 plugin needs are "
                f"missing ({libs}). On Debian or Ubuntu install them with: sudo apt-get install {packages} "
                "(other systems name them alike). Without a window, pages can still be rendered to pictures: "
                "studio gui DIR --page NAME --screenshot FILE.png")
    if not env.get("DISPLAY"):
        return ("The desktop application cannot open a window: no display is set (DISPLAY is empty). Start it from "
                "a desktop session, or render a page without one: studio gui DIR --page NAME --screenshot FILE.png")
    return None
