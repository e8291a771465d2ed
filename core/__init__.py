"""Studio core: pure Python, no Qt.

Project store, datasets and formats, specs, model families, training, evaluation, export,
inference runtimes and video I/O. Nothing here prints or exits: errors are typed
(`core.errors`) and progress goes through a `core.jobs.reporter.Reporter`.
"""
