"""A small versioned migrator.

The schema version lives in ``schema_info``. Version 1 is the first release: it is
created from ``schema.py``. Every later change appends a step to ``STEPS`` that takes the
database from version N-1 to N; steps are never edited once released. Before any step runs
on a SQLite file, the file is copied aside (``<name>.v<N>.bak``); a failing step restores
that copy and says so.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)

from ..core.errors import StorageError
from ..core.listing import list_key, search_key
from .database import sqlite_path
from .fulltext import create_full_text_index
from .schema import Base, DocumentRow, EventRow, SchemaInfo, SpanRow
from .spans import CREATE_PLACE_INDEX, DUPLICATE_REMOVED, exact_duplicates

SCHEMA_VERSION = 6
VERSION_KEY = "schema_version"
REPORT_HINT = (
    "Please report this with the program version and the copy named above; "
    "your original project file was left as it was."
)



_SPANS_V2 = (
    'CREATE TABLE spans_v2 ('
    ' id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,'
    ' layer_id INTEGER NOT NULL REFERENCES layers (id),'
    ' document_id INTEGER NOT NULL REFERENCES documents (id),'
    ' start INTEGER NOT NULL, "end" INTEGER NOT NULL,'
    ' label_id INTEGER NOT NULL REFERENCES labels (id),'
    ' state VARCHAR(16) NOT NULL, score FLOAT, reason TEXT NOT NULL,'
    ' source_id INTEGER REFERENCES spans_v2 (id),'
    ' version INTEGER NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)'
)
_SPAN_COLUMNS = ('id, layer_id, document_id, start, "end", label_id, state, score, reason, '
                 'source_id, version, created_at, updated_at')


def _spans_never_reuse_ids(conn: Connection) -> None:
    """Span ids are never given twice. SQLite gives a new row the highest id plus one, so
    the id of the last span, once deleted, went to the next span made: undoing the delete
    then found another span under its id. The table is rebuilt with AUTOINCREMENT (its
    self-reference renamed with it), and the sequence starts past every id any event names."""
    high = conn.exec_driver_sql(
        "SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM spans "
        "UNION ALL SELECT MAX(span_id) FROM events "
        "UNION ALL SELECT MAX(suggestion_id) FROM events)").scalar() or 0
    if conn.dialect.name != "sqlite":
        if conn.dialect.name == "postgresql" and high:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('spans', 'id'), {int(high)})")
        return
    conn.exec_driver_sql(_SPANS_V2)
    conn.exec_driver_sql(f"INSERT INTO spans_v2 ({_SPAN_COLUMNS}) "
                         f"SELECT {_SPAN_COLUMNS} FROM spans ORDER BY id")
    conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'spans_v2'")
    conn.exec_driver_sql(
        f"INSERT INTO sqlite_sequence (name, seq) VALUES ('spans_v2', {int(high)})")
    conn.exec_driver_sql("DROP TABLE spans")
    conn.exec_driver_sql("ALTER TABLE spans_v2 RENAME TO spans")
    for name, columns in (("ix_spans_document_layer", "document_id, layer_id"),
                          ("ix_spans_source", "source_id"),
                          ("ix_spans_layer_label", "layer_id, label_id")):
        conn.exec_driver_sql(f"CREATE INDEX {name} ON spans ({columns})")


def _v2_review_status(conn: Connection) -> None:
    """Version 2: a document's review status, apart from each annotator's status; span ids
    never reused."""
    conn.exec_driver_sql(
        "CREATE TABLE review_status ("
        " document_id INTEGER NOT NULL REFERENCES documents (id),"
        " status VARCHAR(16) NOT NULL,"
        " reviewer_id INTEGER REFERENCES annotators (id),"
        " updated_at TIMESTAMP WITH TIME ZONE NOT NULL,"
        " PRIMARY KEY (document_id))"
    )
    conn.exec_driver_sql("CREATE INDEX ix_review_status_status ON review_status (status)")
    _spans_never_reuse_ids(conn)


def _v3_spans_by_start(conn: Connection) -> None:
    """Version 3: the index of a document's spans by layer also orders them by start, so the
    spans near a code point are read without reading the document's other spans."""
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_spans_document_layer")
    conn.exec_driver_sql("CREATE INDEX ix_spans_document_layer_start "
                         "ON spans (document_id, layer_id, start)")


def _v4_one_span_per_place(conn: Connection) -> None:
    """Version 4: one span per place (start, end, label) in a layer, rejections left out.

    Exact duplicates made before are removed, the earliest kept. A duplicate made from a
    suggestion (or a colleague's span) becomes the rejection of that source, as deciding it
    now would ("already there"), so its suggestion does not come back as pending; any other
    is deleted, and spans made from it now come from the one kept. Each removal is recorded
    as an event holding the row as it was (``before``) and what became of it (``after``).
    Then a unique index keeps it so."""
    spans, events = SpanRow.__table__, EventRow.__table__
    found = list(exact_duplicates(conn))
    rejected = [(row, kept) for row, kept in found if row["source_id"] is not None]
    deleted = [(row, kept) for row, kept in found if row["source_id"] is None]
    if rejected:
        conn.execute(update(spans).where(spans.c.id == bindparam("old"))
                     .values(state="rejected", reason=bindparam("why"),
                             version=spans.c.version + 1),
                     [{"old": row["id"], "why": f"already there as span {kept}"}
                      for row, kept in rejected])
    if deleted:
        conn.execute(update(spans).where(spans.c.source_id == bindparam("old"))
                     .values(source_id=bindparam("new")),
                     [{"old": row["id"], "new": kept} for row, kept in deleted])
        conn.execute(delete(spans).where(spans.c.id == bindparam("old")),
                     [{"old": row["id"]} for row, _ in deleted])
    if found:
        conn.execute(insert(events), [
            {"kind": DUPLICATE_REMOVED, "annotator_id": None, "document_id": row["document_id"],
             "layer_id": row["layer_id"], "span_id": row["id"], "suggestion_id": None,
             "suggester": None, "before": row,
             "after": {"kept": kept, "now": "rejected" if row["source_id"] else "deleted"},
             "target_id": None, "group_id": "schema-v4"} for row, kept in found])
    conn.exec_driver_sql(CREATE_PLACE_INDEX)


def _v5_full_text_index(conn: Connection) -> None:
    """Version 5: the full-text index over the documents' texts (storage/fulltext.py),
    built over the documents already there and kept up to date from then on."""
    create_full_text_index(conn)


LISTING_BATCH = 5000  # documents whose list keys are written in one statement


def _v6_document_list_keys(conn: Connection) -> None:
    """Version 6: what the document list sorts, searches and counts by, kept beside each
    document (its list key, search key and length in characters) with indexes over them, so
    a project of 100,000 documents lists, filters and counts without reading the texts; and
    the index of spans by layer and label extended with state and document, so counts per
    label and the list's label filter read that index alone."""
    present = {column["name"] for column in inspect(conn).get_columns("documents")}
    for column, kind in (("list_key", "TEXT NOT NULL DEFAULT ''"),
                         ("search_key", "TEXT NOT NULL DEFAULT ''"),
                         ("characters", "INTEGER NOT NULL DEFAULT 0")):
        if column not in present:  # a project made by this version, set back for a test
            conn.exec_driver_sql(f"ALTER TABLE documents ADD COLUMN {column} {kind}")
    documents = DocumentRow.__table__
    c = documents.c
    change = (update(documents).where(c.id == bindparam("row_id"))
              .values(list_key=bindparam("key"), search_key=bindparam("search"),
                      characters=bindparam("length")))
    last = 0
    while rows := conn.execute(select(c.id, c.title, c.source, func.length(c.text))
                               .where(c.id > last).order_by(c.id).limit(LISTING_BATCH)).all():
        conn.execute(change, [
            {"row_id": row_id, "key": list_key(title, source),
             "search": search_key(title, source), "length": length or 0}
            for row_id, title, source, length in rows])
        last = rows[-1][0]
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_documents_listing "
                         "ON documents (id, characters, language, search_key)")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_documents_list_key "
                         "ON documents (list_key, id, search_key)")
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_spans_layer_label")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_spans_layer_label_state "
                         "ON spans (layer_id, label_id, state, document_id)")


# STEPS[n] migrates a database at version n+1 to version n+2.
STEPS: list[Callable[[Connection], None]] = [_v2_review_status, _v3_spans_by_start,
                                             _v4_one_span_per_place, _v5_full_text_index,
                                             _v6_document_list_keys]
assert len(STEPS) == SCHEMA_VERSION - 1, "each schema version after the first needs a step"


def _append_only_events(conn: Connection) -> None:
    """The events table refuses UPDATE and DELETE: history is append-only."""
    if conn.dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS events_no_{action.lower()} "
                f"BEFORE {action} ON events BEGIN "
                "SELECT RAISE(ABORT, 'events are append-only'); END"
            )
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION unannotate_events_append_only() RETURNS trigger "
            "AS $$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$ LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            "DROP TRIGGER IF EXISTS events_append_only ON events"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION unannotate_events_append_only()"
        )


def current_version(conn: Connection) -> int | None:
    """The schema version of the database, or None when it holds no project yet."""
    if not inspect(conn).has_table(SchemaInfo.__tablename__):
        return None
    value = conn.execute(
        select(SchemaInfo.value).where(SchemaInfo.key == VERSION_KEY)
    ).scalar_one_or_none()
    return int(value) if value is not None else None


def _set_version(conn: Connection, version: int) -> None:
    conn.execute(
        text("UPDATE schema_info SET value = :v WHERE key = :k"),
        {"v": str(version), "k": VERSION_KEY},
    )


def backup_sqlite(path: Path, version: int) -> Path:
    """Copy the project file aside with SQLite's backup API (consistent even in WAL mode)."""
    target = path.with_name(f"{path.name}.v{version}.bak")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.v{version}.{n}.bak")
        n += 1
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def _restore_sqlite(path: Path, backup: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, path)


def migrate(engine: Engine, steps: list[Callable[[Connection], None]] | None = None,
            target: int | None = None) -> int:
    """Bring the database to the current schema version and return that version.

    ``steps`` and ``target`` exist for tests of the migrator itself."""
    steps = STEPS if steps is None else steps
    target = SCHEMA_VERSION if target is None else target
    with engine.connect() as conn:
        conn.execution_options(unannotate_write=True)
        with conn.begin():
            version = current_version(conn)
            if version is None:
                if inspect(conn).get_table_names():
                    raise StorageError(
                        f"{engine.url.render_as_string(hide_password=True)}: "
                        "this database holds other tables, not an unannotate project"
                    )
                Base.metadata.create_all(conn)
                _append_only_events(conn)
                create_full_text_index(conn)
                conn.execute(
                    SchemaInfo.__table__.insert(), {"key": VERSION_KEY, "value": str(target)}
                )
                return target
    if version == target:
        return version
    if version > target:
        raise StorageError(
            f"this project was written by a newer version of unannotate (schema {version}; "
            f"this program knows up to {target}). Upgrade the program to open it."
        )
    path = sqlite_path(str(engine.url))
    backup = backup_sqlite(path, version) if path is not None else None
    try:
        for step_version in range(version, target):
            with engine.connect() as conn:
                conn.execution_options(unannotate_write=True)
                with conn.begin():
                    steps[step_version - 1](conn)
                    _set_version(conn, step_version + 1)
    except Exception as exc:
        engine.dispose()
        if path is not None and backup is not None:
            _restore_sqlite(path, backup)
            raise StorageError(
                f"upgrading {path} from schema {version} failed at step {step_version + 1}: "
                f"{exc}. The project was restored from {backup}. {REPORT_HINT}"
            ) from exc
        raise StorageError(
            f"upgrading the project from schema {version} failed at step "
            f"{step_version + 1}: {exc}. {REPORT_HINT}"
        ) from exc
    return target
