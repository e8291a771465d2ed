"""Choosing the torch device."""
from __future__ import annotations

import torch

from core.errors import RuntimeUnavailableError


def pick_device(choice: str = "auto") -> torch.device:
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise RuntimeUnavailableError("train.device is 'cuda' but no CUDA GPU is available here; use 'auto' "
                                          "or 'cpu'.")
        return torch.device("cuda")
    return torch.device("cpu")
