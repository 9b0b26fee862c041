"""Opening a project file only to read it: also on read-only media, never changing it.

A project file is a SQLite database in WAL mode. Reading one normally still needs its folder
to be writable: the reader makes the ``-shm`` index of the write-ahead log beside it. So a
project is opened to read in the first of these ways that works:

1. ``mode=ro``: SQLite reads, and refuses every write. Works wherever the ``-shm`` file can
   be made or already exists (SQLite reads a read-only ``-shm`` too).
2. ``mode=ro&immutable=1`` when there is no write-ahead log holding transactions: on
   read-only media nothing can change the file while it is read, and SQLite then needs no
   ``-shm`` and takes no locks. (With a log that holds transactions, ``immutable`` would
   ignore them: never used then.)
3. A copy in a temporary folder, read there: when the log holds transactions that cannot be
   read in place, or when the project was written by an older version of the program (its
   schema is upgraded in the copy, never in the original). The copy is removed on close.

Whatever the way, the :class:`~.database.Database` is marked read-only: it refuses to begin
a write transaction, and every message names the original file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError

from ..core.errors import StorageError
from .database import BUSY_TIMEOUT_MS, Database, plain_storage_error

SQLITE_HEADER = b"SQLite format 3\x00"


def folder_writable(path: Path) -> bool:
    """Whether files can be made beside ``path`` (its ``-wal`` and ``-shm``). ``os.access``
    says no on a read-only file system even to root; permission bits do not stop root."""
    return os.access(path.parent, os.W_OK)


def file_writable(path: Path) -> bool:
    """Whether the project at ``path`` can be changed in place: the file and its folder."""
    return os.access(path, os.W_OK) and folder_writable(path)


def _log_holds_transactions(path: Path) -> bool:
    wal = Path(f"{path}-wal")
    try:
        return wal.stat().st_size > 0
    except FileNotFoundError:
        return False


def read_uri(path: Path, *, immutable: bool = False) -> str:
    """The SQLite URI reading ``path`` without writing (``as_uri`` escapes ``?`` and ``#``)."""
    return f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection that reads ``path`` and can write nothing (ways 1 and 2
    above); a :class:`StorageError` when neither can read it in place."""
    last: sqlite3.Error | None = None
    # immutable only where nothing can write (no process could be changing the file) and no
    # log holds transactions (immutable would ignore them).
    ways = [False] if folder_writable(path) or _log_holds_transactions(path) else [False, True]
    for immutable in ways:
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(read_uri(path, immutable=immutable), uri=True,
                                   timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.execute("PRAGMA query_only=ON")
            return conn
        except sqlite3.Error as error:
            last = error
            if conn is not None:
                conn.close()
    raise StorageError(f"{path}: cannot be read in place ({last})")


def copy_for_reading(path: Path, copy: Path) -> Path:
    """``path`` copied to ``copy`` for reading: through SQLite's backup API where the file
    can be read in place (a consistent copy even while someone writes), else the file and
    its write-ahead log as they are (a folder nobody can write to changes no more)."""
    try:
        source = connect_read_only(path)
    except StorageError:
        shutil.copyfile(path, copy)
        wal = Path(f"{path}-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        return copy
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise StorageError(f"{path}: cannot be read as a project ({error})") from None
    finally:
        source.close()
    return copy


def _read_only_engine(path: Path, connect: Callable[[], sqlite3.Connection]) -> Engine:
    engine = create_engine(f"sqlite:///{path}", creator=connect)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA query_only=ON")  # a write fails, whatever opened the file
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN")

    return engine


def open_read_only(path: Path) -> Database:
    """The project file at ``path`` opened only to read (see the module's notes)."""
    from .migrations import SCHEMA_VERSION, current_version

    if not path.exists():
        raise StorageError(f"{path}: no such project file")
    if path.is_dir():
        raise StorageError(f"{path}: is a folder, not a project file")
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise StorageError(f"{path}: not a project file (not an SQLite database)")
    url = f"sqlite:///{path}"
    version: int | None = None
    engine: Engine | None = None
    try:
        probe = connect_read_only(path)
        probe.close()
        engine = _read_only_engine(path, lambda: connect_read_only(path))
        with engine.connect() as conn:
            version = current_version(conn)
    except StorageError:
        engine = None  # cannot be read in place: read a copy
    except DBAPIError as error:
        if engine is not None:
            engine.dispose()
        plain = plain_storage_error(error, str(path))
        raise (plain or StorageError(f"{path}: cannot be read ({error.orig})")) from None
    if engine is not None and version is None:
        engine.dispose()
        raise StorageError(f"{path}: not a project file (it holds no unannotate project)")
    if engine is not None and version is not None and version > SCHEMA_VERSION:
        engine.dispose()
        raise StorageError(
            f"this project was written by a newer version of unannotate (schema {version}; "
            f"this program knows up to {SCHEMA_VERSION}). Upgrade the program to open it.")
    if engine is not None and version == SCHEMA_VERSION:
        return Database(url, engine, read_only=True)
    if engine is not None:
        engine.dispose()
    return _open_copy(path)


def _open_copy(path: Path) -> Database:
    """Read ``path`` from a copy in a temporary folder (an older schema is upgraded there)."""
    from .database import open_database

    folder = Path(tempfile.mkdtemp(prefix="unannotate-read-"))
    try:
        copy = copy_for_reading(path, folder / path.name)
        opened = open_database(copy, create=False)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    opened.close()
    engine = _read_only_engine(copy, lambda: connect_read_only(copy))
    with engine.connect() as conn:
        conn.execute(select(1))
    return Database(f"sqlite:///{path}", engine, read_only=True,
                    on_close=lambda: shutil.rmtree(folder, ignore_errors=True))
