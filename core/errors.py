"""Typed errors. Every message is a sentence a user can act on."""
from __future__ import annotations


class StudioError(Exception):
    """Base of every error Studio reports to a user. `str(err)` is the human sentence."""

    kind = "error"


class ProjectError(StudioError):
    """The project folder is missing, not a project, or unusable."""

    kind = "project"


class SchemaError(ProjectError):
    """The project database was written by a newer Studio, or a migration failed."""

    kind = "schema"


class DataError(StudioError):
    """An import, export or dataset problem (unreadable file, bad format, empty split)."""

    kind = "data"


class SpecError(StudioError):
    """An experiment spec does not validate."""

    kind = "spec"


class CheckpointError(StudioError):
    """A checkpoint is missing, truncated or does not fit the model."""

    kind = "checkpoint"


class TrainingError(StudioError):
    kind = "training"


class NonFiniteLossError(TrainingError):
    kind = "non_finite_loss"


class ExportError(StudioError):
    kind = "export"


class RuntimeUnavailableError(StudioError):
    """A requested inference back end (TensorRT, CUDA, ...) is not available here."""

    kind = "runtime_unavailable"


class JobStopped(StudioError):
    """A job stopped because the user asked it to (not a failure)."""

    kind = "stopped"


class RunError(StudioError):
    """A run name is unknown, already exists, or is in the wrong state."""

    kind = "run"


class StorageError(StudioError):
    """A file could not be written: the disk is full or the folder is read-only."""

    kind = "storage"


class JobInterrupted(StudioError):
    """A signal (Ctrl+C, SIGTERM, SIGHUP) reached a launcher, which stopped its worker first.

    `exit_code` is the shell's convention for that signal (128 + its number)."""

    kind = "interrupted"

    def __init__(self, message: str, signum: int, events: list | None = None):
        super().__init__(message)
        self.signum = signum
        self.events = list(events or [])

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
