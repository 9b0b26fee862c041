"""Reading many rows without holding them all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

STREAM_ROWS = 5_000


def stream_rows(connection: Connection, statement: Any,
                batch: int = STREAM_ROWS) -> Iterator[Any]:
    """The rows of ``statement`` as tuples, streamed in batches of ``batch``. On SQLite
    straight from the driver when no column needs converting (integers and strings do not):
    Core's work per row would be a good part of reading a few hundred thousand spans.
    Elsewhere, through Core. The values bound must be plain ids and names: on SQLite they are rendered into
    the SQL."""
    dialect = connection.dialect
    plain = not any(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in statement.selected_columns)
    if dialect.name != "sqlite" or not plain:
        yield from connection.execute(statement.execution_options(yield_per=batch))
        return
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()
