"""Opening a project: where it lives, the engine, SQLite pragmas, migration on open.

A project is a SQLite file (the default) or a PostgreSQL database on a team server, named by a
``postgresql://`` URL. A server's password is never kept in plain text by the program: it
comes from the URL, the system keyring, libpq's own password file, or is asked for.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ..core.errors import DiskFullError, ProjectBusyError, ReadOnlyProjectError, StorageError

PROJECT_ENV = "UNANNOTATE_PROJECT"
DEFAULT_FILE_NAME = "default.unannotate.db"
BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "unannotate_write"

# PostgreSQL: the driver the program brings, and the names a server URL may be given with.
POSTGRESQL_DRIVER = "postgresql+psycopg"
POSTGRESQL_SCHEMES = ("postgresql", "postgres")
KEYRING_SERVICE = "unannotate"
PASSWORD_TRIES = 3
# Writers on one server database queue on this transaction-level advisory lock, as writers
# on a SQLite file queue on its write lock (docs/adr/0010): the decision code reads, checks
# and then writes, and relies on no other writer coming in between.
WRITER_LOCK_KEY = 0x756E616E6E6F74  # "unannot"

# The handle of one transaction (a unit of work), as :meth:`Database.session` yields it.
# Services pass it on to the repository functions of this package and never look inside.
Unit = Session

# Asked for a server's password when none is stored: gets the place (``user@host:port/db``,
# never with a password), returns the password or None when the person declines.
PasswordPrompt = Callable[[str], str | None]


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
            url = make_url(text)
        except (ArgumentError, ValueError) as exc:
            raise StorageError(
                f"not a database URL: {without_password(text)!r} ({exc})") from None
        if url.drivername in POSTGRESQL_SCHEMES:
            return url.set(drivername=POSTGRESQL_DRIVER).render_as_string(hide_password=False)
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def is_postgresql(url: str | URL) -> bool:
    return make_url(url).get_backend_name() in POSTGRESQL_SCHEMES


def _strip_password(url: URL) -> URL:
    # URL.set() takes None as "leave as it is": build the URL again without the password.
    return URL.create(url.drivername, url.username, None, url.host, url.port, url.database,
                      url.query)


def without_password(location: str) -> str:
    """``location`` as it may be shown, logged or kept in the settings: a database URL loses
    its password (and the driver the program picks by itself); a file path stays as it is."""
    if "://" not in location:
        return location
    try:
        url = make_url(location)
    except (ArgumentError, ValueError):
        # Not a URL SQLAlchemy reads: still never show what stands between ':' and '@'.
        return re.sub(r"(://[^/:@]*):[^@/]*@", r"\1@", location)
    url = _strip_password(url)
    if url.drivername == POSTGRESQL_DRIVER:
        url = url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def database_name(url: str | URL) -> str:
    """The name of the database a URL names: a file's path, or a server database's name."""
    return make_url(url).database or ""


def keyring_entry(url: str | URL) -> str:
    """The keyring's name for a server login, ``user@host:port/db`` (libpq's defaults filled
    in), under the service ``unannotate``."""
    url = make_url(url)
    user = url.username or getpass.getuser()
    host = url.host or str(url.query.get("host") or "localhost")
    return f"{user}@{host}:{url.port or 5432}/{url.database or user}"


def stored_password(url: str | URL) -> str | None:
    """The password saved in the system keyring for this server login, if any."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, keyring_entry(url))
    except Exception:  # noqa: BLE001
        # Any failure of a keyring (none on the machine, a locked one): as if none were saved.
        return None


def save_password(url: str | URL, password: str) -> None:
    """Keep ``password`` for this server login in the system keyring (never in a file of the
    program's)."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, keyring_entry(url), password)
    except KeyringError as exc:
        raise StorageError(
            f"the password could not be saved in the system keyring ({exc}); "
            f"keep it in ~/.pgpass instead") from None


def sqlite_path(url: str | URL) -> Path | None:
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


def _postgresql_transactions(engine: Engine) -> None:
    """Each transaction on a server says what it is, as ``BEGIN``/``BEGIN IMMEDIATE`` do on
    SQLite: a reader gets a snapshot of the whole project (REPEATABLE READ, READ ONLY: never
    blocks, never fails to serialise); a writer runs at READ COMMITTED and first takes the
    project's writer lock, waiting at most the busy timeout as a SQLite writer does."""

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(WRITE_OPTION, False):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")
        else:
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url``; SQLite files get WAL, FULL sync, foreign keys, a busy timeout;
    a PostgreSQL server gets checked connections and per-transaction isolation."""
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
    elif is_postgresql(url):
        # A window stays open for hours: a connection the server or a network dropped in
        # the meantime is replaced before use instead of failing the next decision.
        kwargs.update(pool_pre_ping=True, isolation_level="READ COMMITTED",
                      connect_args={"application_name": "unannotate",
                                    "client_encoding": "UTF8"})
    engine = create_engine(url, **kwargs)
    if is_postgresql(url):
        _postgresql_transactions(engine)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # A writer takes the write lock up front (waiting up to the busy timeout), so two
            # writers queue instead of failing when a read transaction tries to upgrade.
            write = conn.get_execution_options().get(WRITE_OPTION, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


# SQLite's primary result codes (the low byte of an extended code) that a person can act on.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26
# PostgreSQL's SQLSTATEs for the same two conditions.
_PG_DISK_FULL, _PG_READ_ONLY = "53100", "25006"


def plain_storage_error(error: DBAPIError, where: str) -> StorageError | None:
    """The database driver's error as one a person can act on, or None if it is not one of
    the conditions the project's storage can name (a bug, then: let it through)."""
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is None:
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if state == _PG_DISK_FULL:
            return DiskFullError(f"the disk is full: the database server cannot store more "
                                 f"in {where}; nothing was changed")
        if state == _PG_READ_ONLY:
            return ReadOnlyProjectError(f"the project is read-only: {where} accepts no "
                                        "changes; nothing was changed")
        if state == "55P03":  # lock_not_available: another writer held the project too long
            return ProjectBusyError(
                f"the project is busy: another writer kept {where} for over "
                f"{BUSY_TIMEOUT_MS // 1000} s; nothing was changed. Try again")
        return None
    name = getattr(orig, "sqlite_errorname", str(code))
    primary = code & 0xFF
    if primary in (_SQLITE_READONLY, _SQLITE_PERM):
        return ReadOnlyProjectError(
            f"the project file is read-only: {where} cannot be written (check the "
            "permissions of the file and its folder, or open a copy); nothing was changed")
    if primary == _SQLITE_FULL:
        return DiskFullError(f"the disk is full: {where} cannot grow; nothing was changed. "
                             "Free some space, then try again")
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return ProjectBusyError(
            f"the project is busy: another program kept {where} locked for writing for over "
            f"{BUSY_TIMEOUT_MS // 1000} s; nothing was changed. Try again")
    if primary == _SQLITE_IOERR:
        # An I/O error during a commit's sync may leave the transaction on disk after all:
        # say what is known, not "nothing was changed".
        return StorageError(f"the project file could not be read or written: {where} ({name}). "
                            "Check the disk, then open the project again")
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StorageError(f"the project file is damaged: {where} ({name}). "
                            "Open a backup copy of it")
    if primary == _SQLITE_CANTOPEN:
        return StorageError(f"the project file cannot be opened: {where} (it may have been "
                            "moved, or its folder cannot be written)")
    return None


# A connection opened while the file could not be written stays read-only after the file is
# writable again: after these, connections are not kept for reuse until a write succeeds.
_REOPEN_AFTER = (ReadOnlyProjectError,)


@dataclass
class Database:
    """An open project database: its URL, engine and session factory."""

    url: str
    engine: Engine
    # Opened only to read (storage/readonly.py): a write transaction is refused.
    read_only: bool = False
    # Run once closed (removing the copy a read-only project was read from).
    on_close: Callable[[], None] | None = field(default=None, repr=False)
    # Set by an error that may have left a pooled connection unable to write (see _REOPEN_AFTER).
    _reopen: bool = field(default=False, init=False, repr=False)

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def where(self) -> str:
        """The project as named in messages: its file, or its URL without the password."""
        path = self.path
        return str(path) if path is not None else without_password(self.url)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed (durably) when the block ends, rolled back on error.

        Every database error a person can act on (a read-only file, a full disk, a lock held
        too long, a damaged file) leaves here as a :class:`StorageError` saying so."""
        if write and self.read_only:
            raise ReadOnlyProjectError(
                f"the project is open read-only: {self.where} is not changed (it is on "
                "read-only media or in a folder you cannot write; to work on it, copy it "
                "somewhere writable and open the copy); nothing was changed")
        try:
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(**{WRITE_OPTION: True})
                try:
                    with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                        yield session
                except DBAPIError as error:
                    plain = plain_storage_error(error, self.where)
                    if plain is None:
                        raise
                    if isinstance(plain, _REOPEN_AFTER):
                        self._reopen = True
                    raise plain from error
                finally:
                    if self._reopen:
                        conn.invalidate()
                if write and self._reopen:
                    self._reopen = False
        except DBAPIError as error:  # opening the connection
            plain = plain_storage_error(error, self.where)
            if plain is None:
                raise
            raise plain from error

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: a consistent snapshot, no write lock."""
        with self.session(write=False) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
        if self.on_close is not None:
            done, self.on_close = self.on_close, None
            done()


_default_prompt: PasswordPrompt | None = None


def set_password_prompt(prompt: PasswordPrompt | None) -> None:
    """How this process asks for a server's password when a caller gives no way to: the
    command line's terminal prompt, or the window's dialog."""
    global _default_prompt
    _default_prompt = prompt


def open_database(project: str | os.PathLike[str] | None, *, create: bool = True,
                  ask_password: PasswordPrompt | None = None,
                  remember_password: bool = False, read_only: bool = False) -> Database:
    """Open (and create or migrate) the project named by ``project``.

    On a server, ``ask_password`` is asked when no password is given, saved or found by
    libpq; ``remember_password`` saves a password that worked in the system keyring.
    ``read_only``: only to read, never changing it (a file also on read-only media:
    storage/readonly.py); a write transaction is then refused."""
    from .migrations import current_version, migrate
    from .readonly import folder_writable, open_read_only

    url = resolve_project(project)
    path = sqlite_path(url)
    if read_only and path is not None:
        return open_read_only(path)
    if path is not None and not create and not path.exists():
        raise StorageError(f"{path}: no such project file")
    if path is not None and path.exists() and not folder_writable(path):
        raise ReadOnlyProjectError(
            f"{path}: the project cannot be changed: its folder is read-only (read-only "
            "media, or a folder you cannot write); nothing was changed. Commands that only "
            "read it work (stats, export, agreement, bring-in); to change it, copy it "
            "somewhere writable")
    if path is not None and path.exists() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise StorageError(f"{path}: not a project file (not an SQLite database)")
    if is_postgresql(url):
        engine = connect_server(url, ask_password or _default_prompt,
                                remember=remember_password)
        shown = _strip_password(make_url(url)).render_as_string(hide_password=False)
    else:
        engine = make_engine(url)
        shown = url
    try:
        if not create and path is None:
            with engine.connect() as conn:
                if current_version(conn) is None:
                    raise StorageError(
                        f"{without_password(shown)}: no such project (the database holds none)")
        migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        where = str(path) if path is not None else without_password(shown)
        plain = plain_storage_error(error, where)
        if plain is None:
            raise
        raise plain from error
    except Exception:
        engine.dispose()
        raise
    # On a server, read-only is the program's promise (the server may allow writing).
    return Database(shown, engine, read_only=read_only)


def connect_server(url: str | URL, ask_password: PasswordPrompt | None = None, *,
                   remember: bool = False) -> Engine:
    """An engine whose first connection to the server worked.

    The password: the one in the URL; else the keyring's; else none, which lets libpq find
    it (``~/.pgpass``, ``PGPASSFILE``, ``PGPASSWORD``) or the server need none; when the
    server still asks for one, ``ask_password`` is asked (a few times if it is wrong)."""
    url = make_url(url)
    shown = without_password(url.render_as_string(hide_password=False))
    saved = None if url.password else stored_password(url)
    attempt = url.set(password=saved) if saved else url
    asked = 0
    while True:
        engine = make_engine(attempt)
        try:
            with engine.connect() as conn:
                encoding = conn.exec_driver_sql("SHOW server_encoding").scalar()
        except OperationalError as exc:
            engine.dispose()
            reason = _driver_message(exc)
            if not _needs_password(reason) or ask_password is None or asked >= PASSWORD_TRIES:
                hint = (f" (save the password with: keyring set {KEYRING_SERVICE} "
                        f"{keyring_entry(url)}, or in ~/.pgpass)"
                        if _needs_password(reason) else "")
                raise StorageError(f"cannot open the project at {shown}: {reason}{hint}") from None
            asked += 1
            password = ask_password(keyring_entry(url))
            if not password:
                raise StorageError(f"{shown}: no password given") from None
            attempt = url.set(password=password)
            continue
        if encoding != "UTF8":
            # Offsets are code points: in another encoding the server counts a text's length
            # (and cuts it) in bytes, and cannot hold every character.
            engine.dispose()
            raise StorageError(f"{shown}: the database's encoding is {encoding}; a project "
                               "needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8')")
        if remember and attempt.password and attempt.password != saved:
            save_password(url, attempt.password)
        return engine


def _driver_message(exc: OperationalError) -> str:
    """The driver's reason on one line (libpq's messages never hold the password)."""
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return " ".join(text.split())


def _needs_password(reason: str) -> bool:
    return "no password supplied" in reason or "password authentication failed" in reason
