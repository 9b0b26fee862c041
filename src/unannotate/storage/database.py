"""Opening a project: where it lives, the engine, SQLite pragmas, migration on open."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from ..core.errors import StorageError

PROJECT_ENV = "UNANNOTATE_PROJECT"
DEFAULT_FILE_NAME = "default.unannotate.db"
BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "unannotate_write"


def default_project_path() -> Path:
    """The project used when none is named: a file in the user data folder."""
    from platformdirs import user_data_path

    return user_data_path("unannotate", appauthor=False) / DEFAULT_FILE_NAME


def resolve_project(project: str | os.PathLike[str] | None) -> str:
    """Turn ``--project``, ``$UNANNOTATE_PROJECT`` or the default into a database URL."""
    chosen = project if project is not None else os.environ.get(PROJECT_ENV) or None
    if chosen is None:
        path = default_project_path()
        return f"sqlite:///{path}"
    text = os.fspath(chosen)
    if "://" in text:
        try:
            make_url(text)
        except (ArgumentError, ValueError) as exc:
            raise StorageError(f"not a database URL: {text!r} ({exc})") from None
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a decision acknowledged to the user survives power loss, not only a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, FULL sync, foreign keys, a busy timeout."""
    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            raise StorageError(f"{path}: is a folder, not a project file")
        path.parent.mkdir(parents=True, exist_ok=True)
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    kwargs: dict[str, object] = {}
    if is_sqlite:
        # pysqlite's own transaction handling defers BEGIN; let SQLAlchemy issue it so a
        # write transaction takes the lock up front (BEGIN IMMEDIATE) and never deadlocks.
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None}
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # A writer takes the write lock up front (waiting up to the busy timeout), so two
            # writers queue instead of failing when a read transaction tries to upgrade.
            write = conn.get_execution_options().get(WRITE_OPTION, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@dataclass
class Database:
    """An open project database: its URL, engine and session factory."""

    url: str
    engine: Engine

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed (durably) when the block ends, rolled back on error."""
        with self.engine.connect() as conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: a consistent snapshot, no write lock."""
        with self.session(write=False) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_database(project: str | os.PathLike[str] | None, *, create: bool = True) -> Database:
    """Open (and create or migrate) the project named by ``project``."""
    from .migrations import migrate

    url = resolve_project(project)
    path = sqlite_path(url)
    if path is not None and not create and not path.exists():
        raise StorageError(f"{path}: no such project file")
    if path is not None and path.exists() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise StorageError(f"{path}: not a project file (not an SQLite database)")
    engine = make_engine(url)
    try:
        migrate(engine)
    except Exception:
        engine.dispose()
        raise
    return Database(url, engine)
