"""The full-text index over the documents' texts, and the reads that find through it.

On SQLite: an FTS5 table with the trigram tokenizer (case folded, diacritics kept) and no
positions (``detail=none``: a fifth of the size), over ``documents.text`` as external
content, so the index holds no second copy of the texts; a string is looked up as the AND of
its trigrams. It is brought up to date with the documents added since it last was (the
one-row table ``documents_fts_upto`` keeps the last id it holds) by
:func:`index_new_documents`, off the import's path: an import stays as fast as without an
index, and a look-up until then also reads the documents added since (a scan of those only),
so nothing added is ever missed.
Triggers on ``documents`` take a deleted or changed text out of the index at once (only when
the index holds it). Why trigrams: docs/adr/0026-full-text-index.md.

On PostgreSQL: a GIN trigram index (``pg_trgm``) on ``documents.text`` serves ``ILIKE``;
the server keeps it up to date itself. Where the extension cannot be created (no right to),
the same ``ILIKE`` query runs as a scan on the server.

The index only narrows: it answers "which documents may hold these strings" (a superset);
the caller finds the exact places in the texts. Terms shorter than three characters cannot
be looked up in a trigram index and are left to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, select, text

from .database import Unit
from .schema import DocumentRow, LabelRow, LayerRow, SpanRow

FTS_TABLE = "documents_fts"
PG_TRGM_INDEX = "ix_documents_text_trgm"
MIN_TERM = 3  # a trigram index finds strings of at least three characters

UPTO_TABLE = f"{FTS_TABLE}_upto"  # one row: the highest document id the index holds
_HELD = f"(SELECT upto FROM {UPTO_TABLE})"
_SQLITE_TRIGGERS = (
    "DROP TRIGGER IF EXISTS documents_fts_insert",  # an index kept by insert triggers before
    f"CREATE TRIGGER IF NOT EXISTS documents_fts_delete AFTER DELETE ON documents "
    f"WHEN old.id <= {_HELD} BEGIN "
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); "
    f"END",
    f"CREATE TRIGGER IF NOT EXISTS documents_fts_update AFTER UPDATE OF text ON documents "
    f"WHEN old.id <= {_HELD} BEGIN "
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); "
    f"INSERT INTO {FTS_TABLE} (rowid, text) VALUES (new.id, new.text); END",
)


def create_full_text_index(conn: Connection) -> None:
    """Build the index over every document the project holds, and keep it up to date from
    now on (a new project, or a schema step on an existing one)."""
    if conn.dialect.name == "sqlite":
        if not _sqlite_has_trigram(conn):
            return  # an SQLite built without FTS5 (or before 3.34): finding scans
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
            "text, content='documents', content_rowid='id', "
            "tokenize='trigram case_sensitive 0', detail=none)")
        for statement in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {UPTO_TABLE} ("
                             "one INTEGER PRIMARY KEY CHECK (one = 1), upto INTEGER NOT NULL)")
        conn.exec_driver_sql(f"INSERT OR REPLACE INTO {UPTO_TABLE} (one, upto) "
                             "SELECT 1, coalesce(max(id), 0) FROM documents")
    elif conn.dialect.name == "postgresql":
        # Creating the extension needs the right to (trusted since PostgreSQL 13, so a
        # database owner has it): without it, finding scans, which still works.
        savepoint = conn.begin_nested()
        try:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            conn.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {PG_TRGM_INDEX} ON documents "
                "USING gin (text gin_trgm_ops)")
        except Exception:  # noqa: BLE001 (any refusal of the server: scan instead)
            savepoint.rollback()
        else:
            savepoint.commit()


def _sqlite_has_trigram(conn: Connection) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (tried on a table in memory,
    so nothing is left behind)."""
    probe = conn.connection.driver_connection
    try:
        probe.execute("CREATE VIRTUAL TABLE temp.unannotate_fts_probe USING fts5("
                      "x, tokenize='trigram', detail=none)")
        probe.execute("DROP TABLE temp.unannotate_fts_probe")
    except Exception:  # noqa: BLE001 (no such module, no such tokenizer: scan instead)
        return False
    return True


def indexed_upto(unit: Unit) -> int:
    """The highest document id the SQLite index holds (documents above it are not in it)."""
    value = unit.execute(text(f"SELECT upto FROM {UPTO_TABLE}")).scalar()
    return int(value) if value is not None else 0


def index_new_documents(unit: Unit, limit: int) -> int:
    """Put up to ``limit`` of the documents added since the index was last brought up to
    date into it, the oldest first, in one statement (SQLite; the server keeps its own
    index): how many. 0 without an index or with nothing new."""
    if unit.connection().dialect.name != "sqlite" or not has_full_text_index(unit):
        return 0
    upto = indexed_upto(unit)
    last = unit.execute(text(
        "SELECT max(id) FROM (SELECT id FROM documents WHERE id > :upto ORDER BY id "
        "LIMIT :limit)"), {"upto": upto, "limit": limit}).scalar()
    if last is None:
        return 0
    added = unit.execute(text(
        f"INSERT INTO {FTS_TABLE} (rowid, text) SELECT id, text FROM documents "
        "WHERE id > :upto AND id <= :last ORDER BY id"), {"upto": upto, "last": last}).rowcount
    unit.execute(text(f"UPDATE {UPTO_TABLE} SET upto = :last"), {"last": last})
    return int(added or 0)


def documents_not_indexed(unit: Unit) -> int:
    """How many documents the SQLite index does not hold yet (0 without an index)."""
    if unit.connection().dialect.name != "sqlite" or not has_full_text_index(unit):
        return 0
    return int(unit.execute(text("SELECT count(*) FROM documents WHERE id > :upto"),
                            {"upto": indexed_upto(unit)}).scalar() or 0)


def has_full_text_index(unit: Unit) -> bool:
    """Whether the project's database holds the index (a project written by an older
    version and opened read-only in place may not)."""
    connection = unit.connection()
    if connection.dialect.name == "sqlite":
        return unit.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
            {"n": FTS_TABLE}).first() is not None
    if connection.dialect.name == "postgresql":
        return unit.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = :n"),
                            {"n": PG_TRGM_INDEX}).first() is not None
    return False


MAX_TRIGRAMS = 16  # of a long term, looked up (spread over it): enough to narrow well


def _fts_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def trigram_query(terms: Sequence[str]) -> str:
    """An FTS5 query for documents holding every trigram of every term (each a single token,
    the only kind of query an index without positions answers): a superset of the documents
    holding the terms themselves."""
    wanted: list[str] = []
    for term in terms:
        grams = list(dict.fromkeys(term[i:i + MIN_TERM] for i in range(len(term) - 2)))
        if len(grams) > MAX_TRIGRAMS:
            step = (len(grams) - 1) / (MAX_TRIGRAMS - 1)
            grams = [grams[round(n * step)] for n in range(MAX_TRIGRAMS)]
        wanted.extend(g for g in grams if g not in wanted)
    return " AND ".join(_fts_string(gram) for gram in wanted)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _server_folds_case(unit: Unit) -> bool:
    """Whether the server's ILIKE folds the case of letters outside ASCII (its character
    classification is a Unicode locale, not C)."""
    ctype = unit.execute(text("SHOW lc_ctype")).scalar() or ""
    return ctype.upper() not in ("C", "POSIX")


def usable_terms(terms: Sequence[str], *, unicode_case: bool = True) -> list[str]:
    """The terms an index look-up can use: three characters or more (and, where the
    database folds only ASCII case, without cased letters outside ASCII)."""
    return [term for term in terms if len(term) >= MIN_TERM and (
        unicode_case or all(c.isascii() or c.lower() == c.upper() for c in term))]


def candidate_documents(unit: Unit, terms: Sequence[str], *, after: int, limit: int
                        ) -> list[tuple[int, str, str]]:
    """(id, title, text) of at most ``limit`` documents with an id above ``after``, in id
    order, whose text holds every one of ``terms`` ignoring case (every document when there
    are none). A superset: some may not hold them as the caller means."""
    connection = unit.connection()
    documents = DocumentRow.__table__
    columns = (documents.c.id, documents.c.title, documents.c.text)
    if connection.dialect.name == "sqlite" and terms and has_full_text_index(unit):
        usable = usable_terms(terms)
        if usable:
            parameters = {"query": trigram_query(usable), "after": after, "limit": limit,
                          "upto": indexed_upto(unit)}
            if after >= parameters["upto"]:  # past what the index holds: read them all
                return _documents_after(unit, after, limit)
            rows = unit.execute(text(
                f"SELECT d.id, d.title, d.text FROM {FTS_TABLE} f JOIN documents d "
                f"ON d.id = f.rowid WHERE {FTS_TABLE} MATCH :query AND f.rowid > :after "
                "AND f.rowid <= :upto ORDER BY f.rowid LIMIT :limit"), parameters)
            found = [tuple(row) for row in rows]
            if len(found) < limit:  # past the index's matches: the documents it lacks
                found += _documents_after(unit, parameters["upto"], limit - len(found))
            return found  # type: ignore[return-value]
    condition: list[Any] = [documents.c.id > after]
    if connection.dialect.name == "postgresql" and terms:
        folds = _server_folds_case(unit)
        condition += [documents.c.text.ilike(_like_pattern(t), escape="\\")
                      for t in usable_terms(terms, unicode_case=folds)]
    rows = unit.execute(select(*columns).where(and_(*condition))
                        .order_by(documents.c.id).limit(limit))
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _documents_after(unit: Unit, after: int, limit: int) -> list[tuple[int, str, str]]:
    documents = DocumentRow.__table__
    rows = unit.execute(select(documents.c.id, documents.c.title, documents.c.text)
                        .where(documents.c.id > after).order_by(documents.c.id).limit(limit))
    return [tuple(row) for row in rows]  # type: ignore[misc]


def fts_baseline(unit: Unit, term: str, limit: int) -> list[int]:
    """Ids of the first ``limit`` documents the bare index matches ``term``'s trigrams in
    (SQLite)."""
    return list(unit.execute(text(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q ORDER BY rowid LIMIT :n"),
        {"q": trigram_query([term]), "n": limit}).scalars())


def labelled_spans(unit: Unit, document_ids: Sequence[int]
                   ) -> list[tuple[int, int, int, str, str, str]]:
    """(document id, start, end, label, layer name, layer kind) of the annotations (an
    annotator's or gold, rejections left out) in ``document_ids`` (a bounded batch), in
    document and start order."""
    if not document_ids:
        return []
    rows = unit.execute(
        select(SpanRow.document_id, SpanRow.start, SpanRow.end, LabelRow.name, LayerRow.name,
               LayerRow.kind)
        .join(LabelRow, LabelRow.id == SpanRow.label_id)
        .join(LayerRow, LayerRow.id == SpanRow.layer_id)
        .where(SpanRow.document_id.in_(list(document_ids)), SpanRow.state != "rejected",
               LayerRow.kind.in_(("annotator", "gold")))
        .order_by(SpanRow.document_id, SpanRow.start))
    return [tuple(row) for row in rows]  # type: ignore[misc]


def label_exists(unit: Unit, name: str) -> bool:
    return unit.scalar(select(LabelRow.id).where(LabelRow.name == name)) is not None
