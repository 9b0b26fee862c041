from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select, text

from unannotate.core.errors import StorageError
from unannotate.storage import migrations
from unannotate.storage.database import make_engine, open_database, resolve_project
from unannotate.storage.schema import DocumentRow, EventRow, SchemaInfo, SpanRow


def test_new_project_is_at_the_current_schema_version(project_path: Path) -> None:
    db = open_database(project_path)
    with db.read() as session:
        version = session.scalar(select(SchemaInfo.value).where(SchemaInfo.key == "schema_version"))
    db.close()
    assert version == str(migrations.SCHEMA_VERSION)


def test_sqlite_pragmas_wal_fk_busy_timeout_full_sync(project_path: Path) -> None:
    db = open_database(project_path)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    db.close()


def test_foreign_keys_are_enforced(project_path: Path) -> None:
    db = open_database(project_path)
    with pytest.raises(Exception, match="FOREIGN KEY"):
        with db.session() as session:
            session.add(EventRow(kind="accept", document_id=12345))
    db.close()


def test_events_are_append_only(project_path: Path) -> None:
    db = open_database(project_path)
    with db.session() as session:
        session.add(EventRow(kind="import", after={"n": 1}))
    for statement in ("UPDATE events SET kind = 'x'", "DELETE FROM events"):
        with pytest.raises(Exception, match="append-only"):
            with db.session() as session:
                session.execute(text(statement))
    with db.read() as session:
        assert session.scalar(select(EventRow.kind)) == "import"
    db.close()


def test_committed_data_is_durable_across_reopen(project_path: Path) -> None:
    db = open_database(project_path)
    with db.session() as session:
        session.execute(insert(DocumentRow), [{"sha256": "a" * 64, "text": "x", "meta": {}}])
    db.close()
    # A plain sqlite3 reader (no SQLAlchemy) sees the row: it is in the file, not in memory.
    conn = sqlite3.connect(project_path)
    assert conn.execute("SELECT text FROM documents").fetchone() == ("x",)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_not_a_project_file_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("hello, this is not a database")
    with pytest.raises(StorageError, match="not a project file"):
        open_database(bogus)


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE stuff (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="other tables"):
        open_database(other)


def test_missing_project_without_create(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no such project"):
        open_database(tmp_path / "missing.db", create=False)


def test_a_newer_schema_is_refused(project_path: Path) -> None:
    open_database(project_path).close()
    conn = sqlite3.connect(project_path)
    conn.execute("UPDATE schema_info SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="newer version"):
        open_database(project_path)


def _add_column(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE documents ADD COLUMN extra TEXT DEFAULT ''")


def _broken(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE documents ADD COLUMN extra2 TEXT")
    raise RuntimeError("boom")


def test_migration_copies_the_file_aside_first(project_path: Path) -> None:
    db = open_database(project_path)
    with db.session() as session:
        session.execute(insert(DocumentRow), [{"sha256": "b" * 64, "text": "kept", "meta": {}}])
    db.close()
    engine = make_engine(resolve_project(project_path))
    now = migrations.SCHEMA_VERSION
    assert migrations.migrate(engine, steps=[*migrations.STEPS, _add_column],
                              target=now + 1) == now + 1
    engine.dispose()
    backup = project_path.with_name(project_path.name + f".v{now}.bak")
    assert backup.exists()
    conn = sqlite3.connect(backup)
    assert conn.execute("SELECT text FROM documents").fetchone() == ("kept",)
    assert conn.execute("SELECT value FROM schema_info").fetchone() == (str(now),)
    conn.close()
    conn = sqlite3.connect(project_path)
    assert conn.execute("SELECT value FROM schema_info").fetchone() == (str(now + 1),)
    assert conn.execute("SELECT extra FROM documents").fetchone() == ("",)
    conn.close()


def test_a_failed_migration_restores_the_copy_and_says_how_to_report(project_path: Path) -> None:
    db = open_database(project_path)
    with db.session() as session:
        session.execute(insert(DocumentRow), [{"sha256": "c" * 64, "text": "safe", "meta": {}}])
    db.close()
    engine = make_engine(resolve_project(project_path))
    with pytest.raises(StorageError, match="restored from .*report"):
        migrations.migrate(engine, steps=[*migrations.STEPS, _add_column, _broken],
                           target=migrations.SCHEMA_VERSION + 2)
    engine.dispose()
    conn = sqlite3.connect(project_path)
    assert conn.execute("SELECT value FROM schema_info").fetchone() == (
        str(migrations.SCHEMA_VERSION),)
    assert conn.execute("SELECT text FROM documents").fetchone() == ("safe",)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(documents)")]
    assert "extra" not in columns and "extra2" not in columns
    conn.close()


def test_project_location_from_option_env_and_default(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_PROJECT", str(tmp_path / "env.db"))
    assert resolve_project(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_project(tmp_path / "opt.db") == f"sqlite:///{tmp_path / 'opt.db'}"
    assert resolve_project("sqlite:///:memory:") == "sqlite:///:memory:"
    monkeypatch.delenv("UNANNOTATE_PROJECT")
    assert resolve_project(None).endswith("default.unannotate.db")
    with pytest.raises(StorageError, match="not a database URL"):
        resolve_project("nonsense://::")


FIXTURES = Path(__file__).parent / "data"
# A project written by each released schema version, with that version's code, then kept.
SCHEMA_FIXTURES = sorted(FIXTURES.glob("schema-v*.db"), key=lambda p: int(p.stem.split("v")[-1]))


def _columns(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'schema_info' AND name NOT LIKE 'documents_fts%'")]  # derived index
        return {table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
                for table in tables}
    finally:
        conn.close()


def _counts(path: Path, like: Path | None = None) -> dict[str, object]:
    """Row counts and checksums of everything a project holds (of the columns the project
    ``like`` has, when given: columns an upgrade added are left out)."""
    columns_of = _columns(like or path)
    conn = sqlite3.connect(path)
    try:
        found: dict[str, object] = {}
        for table, columns in columns_of.items():
            rows = conn.execute(
                f"SELECT {', '.join(chr(34) + c + chr(34) for c in columns)} FROM {table} "
                "ORDER BY 1, 2").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return found
    finally:
        conn.close()


def test_every_released_schema_has_a_fixture() -> None:
    assert [int(p.stem.split("v")[-1]) for p in SCHEMA_FIXTURES] == list(
        range(1, migrations.SCHEMA_VERSION + 1))


@pytest.mark.parametrize("fixture", SCHEMA_FIXTURES, ids=lambda p: p.stem)
def test_an_old_project_opens_migrated_with_everything_kept(tmp_path: Path,
                                                            fixture: Path) -> None:
    """Each released version's project is copied aside, migrated, and keeps every document,
    span, event and status, row for row; what it could do it still does."""
    import shutil

    from unannotate.core.model import DocumentStatus
    from unannotate.services.decisions import Decider
    from unannotate.services.project import open_project

    version = int(fixture.stem.split("v")[-1])
    path = tmp_path / "old.db"
    shutil.copyfile(fixture, path)
    before = _counts(path)
    assert all(before[t][0] for t in ("documents", "spans", "events", "document_status"))
    project = open_project(path, create=False)
    assert Decider(project, "ana").status(1) is DocumentStatus.DONE
    assert Decider(project, "ana").can_undo()
    project.close()
    after = _counts(path, like=fixture)
    assert {t: after[t] for t in before} == before
    if version < migrations.SCHEMA_VERSION:
        assert _counts(tmp_path / f"old.db.v{version}.bak") == before
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM schema_info").fetchone() == (
        str(migrations.SCHEMA_VERSION),)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # Span ids are never given twice, also in a migrated project.
    assert "AUTOINCREMENT" in conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'spans'").fetchone()[0]
    (seq,) = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'spans'").fetchone()
    assert seq >= conn.execute("SELECT MAX(span_id) FROM events").fetchone()[0]
    conn.close()


def test_upgrading_removes_exact_duplicates_keeping_the_earliest_and_says_which(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A project written by version 3 holding the same span twice (added twice; two
    suggesters' identical suggestions both accepted; a suggester's repeated suggestion with
    an annotation made from the repeat) keeps the earliest of each, records each removal,
    keeps both of two rejections, and refuses a duplicate from then on."""
    import shutil

    from unannotate.services.decisions import Decider
    from unannotate.services.project import open_project

    if request.config.getoption("--backend") == "postgresql":
        pytest.skip("SQLite only: the version-3 project is kept as an SQLite file (the next "
                    "test runs the same step on the server)")
    path = tmp_path / "dups.db"
    shutil.copyfile(FIXTURES / "duplicates-v3.db", path)
    project = open_project(path, create=False)
    ana = Decider(project, "ana")
    assert [(s.id, s.start, s.end, s.label, s.state.value, s.source_id)
            for s in ana.spans(1)] == [
        (10, 4, 17, "PERSON", "accepted", 1),
        (11, 4, 17, "PERSON", "rejected", 5),  # decided, not pending again
        (12, 40, 44, "GPE", "rejected", 2),
        (13, 40, 44, "GPE", "rejected", 6),
        (14, 48, 52, "GPE", "accepted", 7),  # made from the removed repeat: now from the first
        (15, 67, 70, "PERSON", "accepted", None),
    ]
    assert [s.id for s in ana.pending(1)] == [3, 4, 8]
    with project.db.read() as session:
        removed = session.execute(
            select(EventRow.span_id, EventRow.annotator_id, EventRow.after)
            .where(EventRow.kind == migrations.DUPLICATE_REMOVED).order_by(EventRow.span_id)
        ).all()
        assert session.get(SpanRow, 9) is None and session.get(SpanRow, 16) is None
    assert removed == [(9, None, {"kept": 7, "now": "deleted"}),
                       (11, None, {"kept": 10, "now": "rejected"}),
                       (16, None, {"kept": 15, "now": "deleted"})]
    assert ana.add(1, 67, 70, "PERSON").notice.startswith("already there")
    # Undo goes back through every decision, also those whose span the upgrade removed.
    while ana.undo() is not None:
        pass
    assert ana.spans(1) == [] and len(ana.pending(1)) == 8  # the repeated suggestion is gone
    project.close()
    assert (tmp_path / "dups.db.v3.bak").exists()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_the_duplicates_step_runs_through_sqlalchemy_on_any_backend(project_path: Path) -> None:
    """The version-4 step on the project's own backend (also PostgreSQL): duplicates are
    made under version 3's rules (no unique index), then the step runs on open."""
    from unannotate.services.decisions import Decider
    from unannotate.services.project import open_project

    project = open_project(project_path)
    with project.db.session() as session:
        doc = session.execute(insert(DocumentRow).returning(DocumentRow.id),
                              [{"sha256": "e" * 64, "text": "Ana met Ben.", "meta": {}}]
                              ).scalar_one()
    ana = Decider(project, "ana")
    ana.add(doc, 0, 3, "PERSON")
    with project.db.session() as session:
        session.execute(text("DROP INDEX ux_spans_place"))
        session.execute(text("UPDATE schema_info SET value = '3' WHERE key = 'schema_version'"))
        label = project.label_ids(session)["PERSON"]
        for _ in range(2):
            session.add(SpanRow(layer_id=ana.layer_id, document_id=doc, start=0, end=3,
                                label_id=label, state="accepted", reason=""))
    project.close()
    project = open_project(project_path, create=False)
    ana = Decider(project, "ana")
    assert [(s.start, s.end, s.label) for s in ana.spans(doc)] == [(0, 3, "PERSON")]
    with project.db.read() as session:
        assert session.scalar(select(SchemaInfo.value)) == str(migrations.SCHEMA_VERSION)
        assert len(session.scalars(select(EventRow.id).where(
            EventRow.kind == migrations.DUPLICATE_REMOVED)).all()) == 2
    assert ana.add(doc, 0, 3, "PERSON").notice.startswith("already there")
    project.close()
