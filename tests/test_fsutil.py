"""Atomic writes: all or nothing, and files with the permissions a plain write would give them."""
import stat

import pytest

from core.fsutil import atomic_path, atomic_write_text


def test_a_new_file_gets_the_umask_mode_not_a_private_one(tmp_path, monkeypatch):
    import core.fsutil

    assert core.fsutil._UMASK == core.fsutil._read_umask()
    monkeypatch.setattr(core.fsutil, "_UMASK", 0o027)
    atomic_write_text(tmp_path / "report.json", "{}")
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o640


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "spec.yaml"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "model.pt"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "good" and [p.name for p in tmp_path.iterdir()] == ["model.pt"]
