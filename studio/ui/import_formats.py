"""The import dialog's background work for a format of the registry (`core.datasets.formats`
says what each format asks for, plans with, commits with and says): the check and commit
functions it runs as `DataTask`s, and its verdict sentences.

Planning runs in a child process (a large COCO json parsed on a thread of the GUI process would
hold the interpreter lock, and the GUI with it, for seconds).
"""
from __future__ import annotations

from core.datasets.formats import FORMATS, format_of, import_format

__all__ = ["FORMATS", "check_task", "commit_task", "plan_sentence", "result_sentence"]


def check_task(key: str, values: dict[str, str], copy: bool):
    """fn(project, reporter) -> the plan, reconciled with what the project already holds."""
    fmt = import_format(key)
    kwargs = fmt.kwargs(values)

    def fn(project, reporter):
        from core.datasets.plan_process import plan_in_subprocess

        return fmt.reconcile(project, plan_in_subprocess(fmt.name, kwargs, reporter), copy)
    return fn


def commit_task(key: str, plan, copy: bool):
    """fn(project, reporter) -> the import result (one transaction)."""
    fmt = import_format(key)
    return lambda project, reporter: fmt.commit(project, plan, copy=copy, reporter=reporter)


def plan_sentence(plan) -> str:
    """'Import will add ...' for a checked plan ('' when it adds nothing)."""
    adds = format_of(plan).adds(plan)
    return f"Import will add {adds}." if adds else ""


def result_sentence(result) -> str:
    """What an import did, in a sentence."""
    f = format_of(result)
    if not f.added(result):
        return "Nothing new was imported: everything usable was already in the project."
    return f"Imported {f.result_text(result)} (import {result.import_id})."
