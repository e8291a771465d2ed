"""Worker processes: `python -m workers <verb> --project P ...` runs one job of `core`.

Thin entry points only: argument parsing, the event channel, the job row, and turning
results and typed errors into events and exit codes. No Qt here.
"""
VERBS = ("train", "evaluate", "export", "infer", "prune", "qat")
