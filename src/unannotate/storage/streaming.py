"""Reading many rows without holding them all."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

STREAM_ROWS = 5_000


def stream_rows(connection: Connection, statement: Any,
                batch: int = STREAM_ROWS) -> Iterator[Sequence[Any]]:
    """The rows of ``statement`` as tuples, streamed in batches of ``batch``.

    On SQLite, whose cursors read lazily, straight from the driver, each column through its
    type's result processing where it has one, as Core would: the spans of a large project
    are millions of rows, and Core's work per row is a good part of an export's or an
    agreement report's time. The values bound must then be plain ids and names (they are
    rendered into the SQL). Elsewhere, through Core."""
    dialect = connection.dialect
    if dialect.name != "sqlite":
        yield from connection.execute(statement.execution_options(yield_per=batch))
        return
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    processors = [
        (i, process) for i, column in enumerate(statement.selected_columns)
        if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
    ]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled))
        while rows := cursor.fetchmany(batch):
            if processors:
                rows = [_processed(row, processors) for row in rows]
            yield from rows
    finally:
        try:
            cursor.close()
        except dialect.loaded_dbapi.Error:  # a reading given up on: the connection is gone
            pass


def _processed(row: Sequence[Any], processors: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for i, process in processors:
        values[i] = process(values[i])
    return tuple(values)
