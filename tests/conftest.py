from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

# Qt must find no display and use the offscreen platform before it is first imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ["pytester"]  # test_hostile.py runs the network guard on a test of its own

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


# -- No network --------------------------------------------------------------------------
# The program never reaches the internet: see network_guard.py (pytest-socket, and a test
# fails on a refusal its code swallowed).
from network_guard import _no_network  # noqa: E402, F401 (the autouse fixture)


@pytest.fixture(autouse=True)
def _no_password_prompt_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """How the process asks for a server's password (the window installs a dialog, the
    command line a terminal prompt) is never left over from an earlier test: a test that
    expects nobody to be asked would wait on a dialog nobody answers."""
    from unannotate.storage import database

    monkeypatch.setattr(database, "_default_prompt", None)


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "test.unannotate.db"


@pytest.fixture
def project(project_path: Path):  # type: ignore[no-untyped-def]
    from unannotate.services.project import open_project

    opened = open_project(project_path)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def _built_projects() -> dict[object, tuple[Path, object]]:
    return {}


@pytest.fixture
def project_copy(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 _built_projects):  # type: ignore[no-untyped-def]
    """``project_copy(build, target)``: the project file ``target`` as ``build(path)`` makes
    it (``build`` closes what it opens), and what ``build`` returned. Built once per run (per
    worker) and copied for each test after the first: the same file, in far less time. On
    ``--backend=postgresql`` it is built for each test, in the test's server database."""

    def copy(build, target: Path):  # type: ignore[no-untyped-def]
        if _on_postgresql(request.config):
            return build(target)
        key = (build, target.name)
        if key not in _built_projects:
            source = tmp_path_factory.mktemp("built-project") / target.name
            _built_projects[key] = (source, build(source))
        source, returned = _built_projects[key]
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
        return returned

    return copy


@pytest.fixture
def window_factory(qtbot, project_path: Path):  # type: ignore[no-untyped-def]
    """Opens the main window on ``project_path`` as ana (each call a new window on a newly
    opened project, as after a restart), shown and with the document view focused."""
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences
    from unannotate.services.project import open_project

    def make() -> MainWindow:
        project = open_project(project_path)
        window = MainWindow(project, "ana", Preferences.load(), auto_suggest=False)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.view.hasFocus)
        return window

    return make


# -- Parallel runs -------------------------------------------------------------------------
# ./dev test runs the tests in worker processes (pytest-xdist, ``--dist loadgroup``), each
# with its own temporary folder, QApplication and network guard, handed out test by test.
# The tests of these files share what is costly to make once per worker (a module-scoped
# fixture: the desktop bundle, a trained pipeline) or a real X server and the timing of real
# windows: each group goes to one worker. (xdist's own ``xdist_group`` marks rename the
# tests, which pytest 9 no longer allows: the groups are read from the file names here.)
ONE_WORKER = {
    "test_installer.py": "installer", "test_entity_spacy.py": "trained-pipeline",
    "test_x11_main_window.py": "x11", "test_x11_review_window.py": "x11",
    "test_x11_find.py": "x11",
}


RUN = 10  # tests of a file given to a worker at a time


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):
        """The groups above on one worker each; every other file's tests in runs of
        :data:`RUN` in their order. One test a unit made a round trip between the
        controller and a worker for each test (xdist keeps two units queued a worker), and
        spread a module's tests, with its module-scoped fixtures, over both workers: the
        quick tier took 93 s that way, 88 s in runs (plain ``--dist load``: 85 s)."""

        def __init__(self, config: pytest.Config, log=None) -> None:  # type: ignore[no-untyped-def]
            super().__init__(config, log)
            self.scopes: dict[str, str] = {}
            self.counts: dict[str, int] = {}

        def _split_scope(self, nodeid: str) -> str:
            scope = self.scopes.get(nodeid)
            if scope is None:
                file = nodeid.split("::", 1)[0]
                group = ONE_WORKER.get(Path(file).name)
                if group is None:
                    n = self.counts[file] = self.counts.get(file, -1) + 1
                    group = f"{file}#{n // RUN}"
                scope = self.scopes[nodeid] = group
            return scope

    return Groups(config, log)


# -- Backends ------------------------------------------------------------------------------
# Every test runs on SQLite. With ``--backend=postgresql`` (and UNANNOTATE_TEST_POSTGRES, an
# admin URL to a server), the storage, service and command-line tests run again on
# PostgreSQL: each project file a test names under its tmp_path becomes a fresh database on
# that server (docs/adr/0010-postgresql-team-server.md).

POSTGRES_ENV = "UNANNOTATE_TEST_POSTGRES"

# The test files that run on both backends.
BOTH_BACKENDS = frozenset({
    "test_agreement_service.py", "test_cli.py", "test_consistency.py", "test_corpus_scale.py",
    "test_decisions.py", "test_find.py",
    "test_decisions_history.py", "test_format_native.py",
    "test_import_service.py", "test_annotation_files.py", "test_label_all.py",
    "test_label_all_window.py", "test_postgres.py",
    "test_review.py", "test_review_window.py", "test_sample_project.py", "test_status_store.py",
    "test_storage.py",
    "test_suggest_service.py", "test_window.py",
})

# Tests of those files that are about the SQLite file itself: skipped on PostgreSQL.
SQLITE_ONLY = {
    "test_storage.py::test_sqlite_pragmas_wal_fk_busy_timeout_full_sync": "SQLite pragmas",
    "test_storage.py::test_foreign_keys_are_enforced":
        "matches SQLite's wording (test_postgres.py checks the server's foreign keys)",
    "test_storage.py::test_committed_data_is_durable_across_reopen": "PRAGMA integrity_check",
    "test_storage.py::test_not_a_project_file_is_refused": "a file that is not SQLite",
    "test_storage.py::test_a_foreign_database_is_refused":
        "an SQLite file (test_postgres.py refuses a server database of other tables)",
    "test_storage.py::test_missing_project_without_create":
        "a missing file (test_postgres.py opens an empty server database without create)",
    "test_storage.py::test_migration_copies_the_file_aside_first": "backup files",
    "test_storage.py::test_a_failed_migration_restores_the_copy_and_says_how_to_report":
        "backup files (test_postgres.py: a failed step rolls back in its transaction)",
    "test_storage.py::test_project_location_from_option_env_and_default":
        "SQLite URLs from paths (test_postgres.py checks server URLs)",
    "test_storage.py::test_an_old_project_opens_migrated_with_everything_kept":
        "the released schema versions are kept as SQLite files",
    "test_cli.py::test_project_from_environment":
        "checks the file (test_postgres.py runs the CLI with a server URL in the environment)",
    "test_cli.py::test_not_a_project_file": "a file that is not SQLite",
    "test_review_window.py::test_open_project_from_the_review_window_opens_it_in_the_main_window":
        "a mistyped file name in the Open dialog (test_postgres.py opens server projects)",
    "test_corpus_scale.py::test_an_upgraded_project_is_listed_searched_and_counted":
        "the released schema versions are kept as SQLite files",
    "test_review_window.py::test_any_sequence_of_actions_is_drawn_as_stored":
        "each example's project is an SQLite file in a folder of its own, not under tmp_path",
    "test_review_window.py::test_any_long_sequence_of_actions_is_drawn_as_stored":
        "each example's project is an SQLite file in a folder of its own, not under tmp_path",
}

# Tests that bring in a colleague's project file: that file stays SQLite (what a colleague
# sends), the project it comes into is on the server.
KEPT_AS_FILES = {
    "test_find.py::test_documents_brought_in_by_a_merge_are_found_with_their_annotations":
        ("theirs.db",),
    "test_review.py::test_a_colleagues_project_file_comes_in_as_their_layer": ("theirs.db",),
    "test_review.py::test_the_command_line_brings_in_reviews_and_reports": ("theirs.db",),
    "test_review_window.py::test_from_the_main_window_bring_in_a_colleague_then_review":
        ("theirs.db",),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend", choices=("sqlite", "postgresql"), default="sqlite",
        help="where the tests' projects live; postgresql runs the storage, service and "
             f"command-line tests on the server named by ${POSTGRES_ENV}")


def _on_postgresql(config: pytest.Config) -> bool:
    return config.getoption("--backend") == "postgresql"


@pytest.hookimpl(tryfirst=True)  # before pytest-socket reads --allow-hosts
def pytest_configure(config: pytest.Config) -> None:
    if not _on_postgresql(config):
        return
    if not os.environ.get(POSTGRES_ENV):
        raise pytest.UsageError(f"--backend=postgresql needs ${POSTGRES_ENV}: an admin URL "
                                "to a PostgreSQL server (postgresql://postgres@127.0.0.1/postgres)")
    if not config.option.allow_hosts:  # the test server: its driver looks its name up
        from urllib.parse import urlsplit

        host = urlsplit(os.environ[POSTGRES_ENV]).hostname or "localhost"
        config.option.allow_hosts = ",".join(dict.fromkeys([host, "127.0.0.1", "::1"]))


def pytest_report_header(config: pytest.Config) -> str:
    if not _on_postgresql(config):
        return "projects: SQLite files"
    from unannotate.storage.database import without_password

    return f"projects: PostgreSQL databases on {without_password(os.environ[POSTGRES_ENV])}"


def _test_key(item: pytest.Item) -> str:
    name = getattr(item, "originalname", None) or item.name
    return f"{item.path.name}::{name}"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """On PostgreSQL the other test files are not even imported (3-4 s of collection a
    worker); what runs is decided below."""
    if (_on_postgresql(config) and collection_path.suffix == ".py"
            and collection_path.name.startswith("test_")
            and collection_path.name not in BOTH_BACKENDS):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _on_postgresql(config):
        return
    kept = [item for item in items if item.path.name in BOTH_BACKENDS]
    dropped = [item for item in items if item.path.name not in BOTH_BACKENDS]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    for item in kept:
        reason = SQLITE_ONLY.get(_test_key(item))
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


class MemoryKeyring(KeyringBackend):
    """A keyring backend in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """No test reads or writes the person's keyring: an empty one in memory instead, and
    none at all in the program's child processes."""
    import keyring

    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def postgres_admin(pytestconfig: pytest.Config):  # type: ignore[no-untyped-def]
    """An AUTOCOMMIT engine on the test server's admin URL (creating and dropping databases);
    the tests that need it are skipped when no server is named."""
    admin = os.environ.get(POSTGRES_ENV)
    if not admin:
        pytest.skip(f"no PostgreSQL server (set ${POSTGRES_ENV} to an admin URL)")
    from sqlalchemy import create_engine

    from unannotate.storage.database import resolve_project

    engine = create_engine(resolve_project(admin), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


class DatabasePool:
    """Empty databases on the test server for one test process, used again from test to test.

    Creating a database copies the server's template (0.1 s on a quiet machine, 0.3-0.5 s on
    a busy one); emptying a used one (its connections ended, its ``public`` schema and what
    lies in it dropped and made again, a new name given) takes 15 ms. A database comes back
    only when it is as a new one would be: UTF8, the admin's, no schema but ``public`` and
    the server's own. All are dropped when the process ends."""

    def __init__(self, admin) -> None:  # type: ignore[no-untyped-def]
        import uuid

        self.admin = admin
        self.prefix = f"t_{uuid.uuid4().hex[:12]}"
        self.made = 0
        self.spare: list[str] = []
        self.all: list[str] = []

    def take(self, owner: str | None = None) -> str:
        if owner is None and self.spare:
            return self.spare.pop()
        name = f"{self.prefix}_{self.made}"
        self.made += 1
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"'
                                 + (f' OWNER "{owner}"' if owner else ""))
        self.all.append(name)
        return name

    def give_back(self, name: str) -> None:
        """``name`` emptied and kept for the next test, or dropped when it cannot be."""
        import psycopg
        from sqlalchemy import exc as sqlalchemy_errors

        url = self.admin.url.set(database=name, drivername="postgresql")
        try:
            with psycopg.connect(url.render_as_string(hide_password=False),
                                 autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                fresh = conn.execute(
                    "SELECT pg_encoding_to_char(d.encoding) = 'UTF8' "
                    "AND pg_get_userbyid(d.datdba) = current_user "
                    "AND NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname <> 'public' "
                    "AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema') "
                    "FROM pg_database d WHERE d.datname = current_database()").fetchone()
                if fresh is None or not fresh[0]:
                    raise LookupError(name)
                conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
                conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
                conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
            # A new name, as a new database would have: whatever the last test left running
            # (a worker thread, a pooled connection) cannot reach the next test's database.
            renamed = f"{self.prefix}_{self.made}"
            self.made += 1
            with self.admin.connect() as admin:
                admin.exec_driver_sql(f'ALTER DATABASE "{name}" RENAME TO "{renamed}"')
            self.all.append(renamed)
            self.spare.append(renamed)
            return
        except (psycopg.Error, sqlalchemy_errors.DBAPIError, LookupError):
            pass  # dropped or replaced by its test, not as new, or someone connected again
        self.drop(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            # FORCE: a test that left a project open does not keep its database.
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.spare:
            self.spare.remove(name)

    def drop_all(self) -> None:
        for name in self.all:
            self.drop(name)


@pytest.fixture(scope="session")
def database_pool(postgres_admin):  # type: ignore[no-untyped-def]
    pool = DatabasePool(postgres_admin)
    yield pool
    pool.drop_all()


class ServerDatabases:
    """Empty databases on the test server for one test, given back when it ends."""

    def __init__(self, pool: DatabasePool) -> None:
        self.pool = pool
        self.admin = pool.admin
        self.names: list[str] = []
        self.owned: set[str] = set()
        self.by_path: dict[Path, str] = {}

    def create(self, owner: str | None = None) -> str:
        """A new empty database; its URL (the admin's login, or ``owner``'s, no password)."""
        name = self.pool.take(owner)
        self.names.append(name)
        if owner:
            self.owned.add(name)
        url = self.admin.url.set(database=name)
        if owner:
            url = url.set(username=owner)
        return url.render_as_string(hide_password=False)

    def for_path(self, path: Path) -> str:
        """The database standing for the project file ``path`` (the same one every time)."""
        if path not in self.by_path:
            self.by_path[path] = self.create()
        return self.by_path[path]

    def give_back_all(self) -> None:
        for name in self.names:
            if name in self.owned:
                self.pool.drop(name)
            else:
                self.pool.give_back(name)


@pytest.fixture
def server_databases(database_pool):  # type: ignore[no-untyped-def]
    databases = ServerDatabases(database_pool)
    yield databases
    databases.give_back_all()


@pytest.fixture(autouse=True)
def _projects_on_the_server(request: pytest.FixtureRequest) -> None:
    """On ``--backend=postgresql``: every ``*.db`` project file under the test's tmp_path is
    a database on the server instead, both when the test opens it and when it hands it to
    the command line (``--project`` and $UNANNOTATE_PROJECT of a child process). A test that
    reads such a project with sqlite3, as a second connection would, reads its database
    through a second connection to the server."""
    if not _on_postgresql(request.config):
        return
    import sqlite3
    import subprocess

    import psycopg
    from sqlalchemy.engine import make_url

    from unannotate.storage import database

    databases: ServerDatabases = request.getfixturevalue("server_databases")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    root = request.getfixturevalue("tmp_path").resolve()
    kept = KEPT_AS_FILES.get(_test_key(request.node), ())
    original = database.resolve_project

    def on_server(value: object) -> str | None:
        if value is None:
            return None
        text = os.fspath(value)  # type: ignore[arg-type]
        if "://" in text:
            return None
        path = Path(text).expanduser().resolve()
        if path.suffix != ".db" or path.name in kept or not path.is_relative_to(root):
            return None
        return databases.for_path(path)

    def resolve_project(project):  # type: ignore[no-untyped-def]
        chosen = project if project is not None else os.environ.get(database.PROJECT_ENV)
        return on_server(chosen) or original(project)

    monkeypatch.setattr(database, "resolve_project", resolve_project)
    if getattr(request.module, "resolve_project", None) is original:
        monkeypatch.setattr(request.module, "resolve_project", resolve_project)

    real_run = subprocess.run

    def run(args, *more, **options):  # type: ignore[no-untyped-def]
        if isinstance(args, list | tuple) and _is_the_program(args):
            args = [_project_argument(args, i, on_server) for i in range(len(args))]
            env = options.get("env")
            chosen = (env if env is not None else os.environ).get(database.PROJECT_ENV)
            url = on_server(chosen)
            if url is not None:
                options["env"] = {**(env if env is not None else os.environ),
                                  database.PROJECT_ENV: url}
        return real_run(args, *more, **options)

    monkeypatch.setattr(subprocess, "run", run)

    real_connect = sqlite3.connect

    def connect(database, *more, **options):  # type: ignore[no-untyped-def]
        url = None
        if isinstance(database, str | os.PathLike):
            url = databases.by_path.get(Path(os.fspath(database)).resolve())
        if url is None:
            return real_connect(database, *more, **options)
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(libpq, autocommit=True)

    monkeypatch.setattr(sqlite3, "connect", connect)


def _is_the_program(args: list[object] | tuple[object, ...]) -> bool:
    words = [os.fspath(a) if isinstance(a, str | os.PathLike) else "" for a in args]
    return bool(words) and (Path(words[0]).name == "unannotate"
                            or any(words[i:i + 2] == ["-m", "unannotate"]
                                   for i in range(len(words))))


def _project_argument(args, i, on_server):  # type: ignore[no-untyped-def]
    """``args[i]``, a server URL where it names a project file on the command line."""
    value = args[i]
    if i > 0 and args[i - 1] in ("--project", "-p"):
        return on_server(value) or value
    if isinstance(value, str) and value.startswith("--project="):
        return "--project=" + (on_server(value.split("=", 1)[1]) or value.split("=", 1)[1])
    return value
