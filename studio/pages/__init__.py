"""The main window's pages, one per stage of the work. Each is a `Page` composed of widgets
from `studio.ui`; they talk to each other only through the `Session` and the `JobController`."""
