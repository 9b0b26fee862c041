"""Inserting many rows of the same shape quickly, on any database the project runs on.

SQLAlchemy's ``insert()`` with a list of dicts spends most of its time per row building
parameters and running each column's type processing. For bulk rows whose per-row values are
plain integers, floats and strings, this compiles the statement once for the connection's
dialect, runs the type processing once for the values shared by every row (a timestamp),
and hands the rows to the driver's ``executemany`` as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    shared: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``; ``shared``
    gives values that are the same for every row. Per-row values go through their column's
    type processing only where the type has one (a float column's ``float()``)."""
    if not rows:
        return
    dialect = connection.dialect
    shared = dict(shared or {})
    processors = [(i, p) for i, name in enumerate(columns)
                  if (p := table.c[name].type.bind_processor(dialect)) is not None]
    if processors:
        rows = [_processed(row, processors) for row in rows]
    fixed = {}
    for name, value in shared.items():
        process = table.c[name].type.bind_processor(dialect)
        fixed[name] = process(value) if process is not None else value
    names = [*columns, *fixed]
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    tail = tuple(fixed.values())
    if compiled.positional:
        order = [names.index(key) for key in compiled.positiontup or ()]
        if order == list(range(len(names))):
            params: list[Any] = [(*row, *tail) for row in rows]
        else:
            params = [tuple((*row, *tail)[i] for i in order) for row in rows]
    else:
        params = [dict(zip(names, (*row, *tail))) for row in rows]
    connection.exec_driver_sql(str(compiled), params)


def _processed(row: Sequence[Any], processors: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for i, process in processors:
        if values[i] is not None:
            values[i] = process(values[i])
    return tuple(values)
