import sqlite3

import pytest

from core.errors import ProjectError, SchemaError
from core.project import Project, catalog
from core.project.schema import MIGRATIONS, SCHEMA_VERSION, apply_migrations
from core.project.store import connect


def test_create_makes_the_layout(tmp_path):
    p = Project.create(tmp_path / "proj", "instance_segmentation", name="Shapes")
    assert (p.root / "project.db").is_file()
    assert (p.root / "media").is_dir() and (p.root / "runs").is_dir()
    assert p.task == "instance_segmentation" and p.name == "Shapes"
    assert p.schema_version == SCHEMA_VERSION
    assert p.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    p.close()


def test_create_refuses_non_empty_folder_and_unknown_task(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(ProjectError, match="not empty"):
        Project.create(tmp_path / "full", "instance_segmentation")
    from core.setup.new_project import create_empty_project

    with pytest.raises(ProjectError, match="Unknown model family 'segmentation'"):
        create_empty_project(tmp_path / "new", "segmentation")
    assert not (tmp_path / "new").exists()


def test_open_refuses_non_projects(tmp_path):
    with pytest.raises(ProjectError, match="is not a Studio project"):
        Project.open(tmp_path)
    (tmp_path / "project.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ProjectError):
        Project.open(tmp_path)


def _v1_project(root):
    """A project as the first schema version wrote it, with some data in it."""
    root.mkdir()
    conn = connect(root / "project.db")
    conn.execute("PRAGMA journal_mode = WAL")
    apply_migrations(conn, upto=1)
    conn.execute("INSERT INTO meta VALUES ('task', 'instance_segmentation'), ('name', 'old')")
    conn.execute("INSERT INTO categories (id, name, source_id) VALUES (1, 'circle', 7)")
    conn.execute("INSERT INTO images (id, file_name, path, width, height) VALUES (1, 'a.png', 'media/a.png', 32, 32)")
    conn.execute("INSERT INTO annotations (image_id, category_id, x, y, w, h) VALUES (1, 1, 1, 2, 3, 4)")
    conn.close()


def test_older_schema_is_migrated_keeping_data(tmp_path):
    root = tmp_path / "old"
    _v1_project(root)
    p = Project.open(root)
    assert p.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    assert p.name == "old"
    tables = {r[0] for r in p.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"videos", "clips", "jobs", "imports"} <= tables
    cols = {r[1] for r in p.conn.execute("PRAGMA table_info(images)")}
    assert "import_id" in cols
    assert [c.source_id for c in catalog.categories(p)] == [7]
    assert catalog.annotations(p)[1][0].bbox == (1.0, 2.0, 3.0, 4.0)
    p.close()


def test_newer_schema_is_refused_with_a_sentence(tmp_path):
    p = Project.create(tmp_path / "p", "instance_segmentation")
    p.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    p.close()
    with pytest.raises(SchemaError, match="written by a newer Studio"):
        Project.open(tmp_path / "p")


def test_transaction_rolls_back_on_error(tmp_path):
    p = Project.create(tmp_path / "p", "instance_segmentation")
    with pytest.raises(RuntimeError):
        with p.transaction() as db:
            db["categories"].insert({"name": "a"})
            raise RuntimeError("boom")
    assert catalog.categories(p) == []
    p.close()


def test_a_second_connection_waits_for_the_writer(tmp_path):
    p = Project.create(tmp_path / "p", "instance_segmentation")
    other = Project.open(tmp_path / "p")
    with p.transaction() as db:
        db["categories"].insert({"name": "a"})
        # WAL: readers still see the last committed state while a write is open
        assert catalog.categories(other) == []
    assert [c.name for c in catalog.categories(other)] == ["a"]
    other.close()
    p.close()


def test_a_version_2_project_keeps_its_splits_as_image_samples(tmp_path):
    """Schema 3 keys splits by sample (unit, id): a project split under schema 2 opens with every
    image in the same split, and its run's training data is still there."""
    root = tmp_path / "v2"
    root.mkdir()
    conn = connect(root / "project.db")
    apply_migrations(conn, upto=2)
    conn.execute("INSERT INTO meta VALUES ('task', 'instance_segmentation'), ('name', 'v2')")
    conn.execute("INSERT INTO categories (id, name) VALUES (1, 'circle')")
    for i, split in ((1, "train"), (2, "train"), (3, "val"), (4, None)):
        conn.execute("INSERT INTO images (id, file_name, path, width, height) VALUES (?, ?, ?, 32, 32)",
                     (i, f"{i}.png", f"media/{i}.png"))
        if split:
            conn.execute("INSERT INTO splits (image_id, split) VALUES (?, ?)", (i, split))
    conn.close()
    with Project.open(root) as p:
        assert p.schema_version == SCHEMA_VERSION
        tables = {r[0] for r in p.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "splits" not in tables and "sample_splits" in tables
        assert {im.id: im.split for im in catalog.images(p)} == {1: "train", 2: "train", 3: "val", 4: None}
        assert catalog.split_sizes(p) == {"train": 2, "val": 1, "test": 0, "unassigned": 1}
        assert catalog.split_sizes(p, "clip") == {"train": 0, "val": 0, "test": 0, "unassigned": 0}
