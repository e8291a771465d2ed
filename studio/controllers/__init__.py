"""Controllers: Qt objects that run and watch work (worker processes through QProcess)."""
