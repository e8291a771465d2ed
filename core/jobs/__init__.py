"""Jobs: the Qt-free side of long work — reporting progress, the event file, starting workers."""
