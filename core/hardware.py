"""Which default spec sizing ("cpu" or "gpu" profile) suits this machine — decided here, for the
CLI (`studio spec default`, `studio train`), the GUI's Train page and the new-project wizard.

Torch-free on purpose: importing torch blocks a GUI thread for seconds. A CUDA GPU is likely
when the NVIDIA driver is loaded, the installed torch was built with CUDA (read from its
`version.py` without importing it) and CUDA_VISIBLE_DEVICES does not hide every device. The
trainer still decides the device itself (`train.device: auto`); this only picks the sizing.
"""
from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

PROFILES = ("auto", "cpu", "gpu")
DRIVER_FILES = ("/proc/driver/nvidia/version", "/dev/nvidia0")
_CUDA_LINE = re.compile(r"^cuda\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)


def nvidia_driver_loaded() -> bool:
    return any(os.path.exists(p) for p in DRIVER_FILES)


def torch_built_with_cuda() -> bool:
    """The installed torch is a CUDA build (False when torch is missing or CPU-only)."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    for folder in spec.submodule_search_locations:
        try:
            text = (Path(folder) / "version.py").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        return _CUDA_LINE.search(text) is not None
    return False


def cuda_devices_hidden() -> bool:
    value = os.environ.get("CUDA_VISIBLE_DEVICES")
    return value is not None and value.strip() in ("", "-1")


def gpu_likely() -> bool:
    """A cheap guess (no torch import) whether training here will find a CUDA GPU."""
    return nvidia_driver_loaded() and not cuda_devices_hidden() and torch_built_with_cuda()


def default_profile() -> str:
    return "gpu" if gpu_likely() else "cpu"


def resolve_profile(profile: str = "auto") -> str:
    """"cpu" or "gpu": `profile` itself, or this machine's default for "auto"."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
    return default_profile() if profile == "auto" else profile
