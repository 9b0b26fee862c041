"""A project on a PostgreSQL team server: its URL, its password, and what a server does that a
SQLite file does not (several people writing at once, transactional schema changes).

The tests that need a server run when UNANNOTATE_TEST_POSTGRES names one (an admin URL; `./dev
test` starts a throwaway one); the others run everywhere.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select, text

from unannotate.core.errors import OffsetError, StorageError
from unannotate.services.decisions import ConflictError, Decider, DecisionError
from unannotate.services.preferences import Preferences
from unannotate.services.project import Project, open_project
from unannotate.storage import migrations
from unannotate.storage.database import (
    KEYRING_SERVICE,
    keyring_entry,
    make_engine,
    open_database,
    resolve_project,
    without_password,
)
from unannotate.storage.schema import (
    DocumentRow,
    EventRow,
    LabelRow,
    ProjectRow,
    SpanRow,
)

PASSWORD_ROLE = "unannotate_password_test"
TEXT = "UNICEF met 🌍 delegates in Geneva on 4 March."


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


# -- URLs and passwords, no server needed --------------------------------------------------


def test_server_urls_take_the_programs_driver() -> None:
    assert resolve_project("postgresql://ana@db.example/team") == (
        "postgresql+psycopg://ana@db.example/team")
    assert resolve_project("postgres://ana@db.example:5433/team") == (
        "postgresql+psycopg://ana@db.example:5433/team")
    # A driver named on purpose is kept.
    assert resolve_project("postgresql+psycopg2://ana@h/team") == "postgresql+psycopg2://ana@h/team"
    assert resolve_project("sqlite:///:memory:") == "sqlite:///:memory:"


def test_a_location_never_shows_a_password() -> None:
    url = "postgresql+psycopg://ana:s3cr%40t@db.example:5433/team?sslmode=require"
    assert without_password(url) == "postgresql://ana@db.example:5433/team?sslmode=require"
    assert without_password("postgres://ana:pw@h/team") == "postgres://ana@h/team"
    assert without_password("/home/ana/p.unannotate.db") == "/home/ana/p.unannotate.db"
    # Not a URL SQLAlchemy reads: the password is still cut out.
    assert "pw" not in without_password("postgresql://ana:pw@h:port/team")
    with pytest.raises(StorageError) as refused:
        resolve_project("postgresql://ana:s3cret@h:port/team")
    assert "s3cret" not in str(refused.value)


def test_the_keyring_names_a_login_user_host_port_database() -> None:
    assert keyring_entry("postgresql+psycopg://ana:pw@db.example:5433/team") == (
        "ana@db.example:5433/team")
    assert keyring_entry("postgresql://ana@db.example/team") == "ana@db.example:5432/team"


def test_settings_never_keep_a_password(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    prefs = Preferences()
    prefs.remember_project("postgresql+psycopg://ana:s3cret@db.example/team")
    prefs.remember_project(str(tmp_path / "p.db"))
    prefs.save(path)
    written = path.read_text(encoding="utf-8")
    assert "s3cret" not in written
    assert Preferences.load(path).recent_projects == [
        str(tmp_path / "p.db"), "postgresql://ana@db.example/team"]
    # A settings file written with a password in it loses it when read.
    path.write_text(json.dumps({"recent_projects": ["postgresql://ana:old@h/team"]}), "utf-8")
    assert Preferences.load(path).recent_projects == ["postgresql://ana@h/team"]


def test_an_unreachable_server_is_one_clear_line_without_the_password() -> None:
    asked: list[str] = []
    with pytest.raises(StorageError) as refused:
        # Port 1 on this machine: nothing listens there.
        open_project("postgresql://ana:s3cret@127.0.0.1:1/team", ask_password=asked.append)
    message = str(refused.value)
    assert message.startswith("cannot open the project at postgresql://ana@127.0.0.1:1/team")
    assert "s3cret" not in message and "\n" not in message
    assert asked == []  # not a password problem: nobody is asked


# -- On a server -----------------------------------------------------------------------------


@pytest.fixture
def server_url(server_databases) -> str:  # type: ignore[no-untyped-def]
    return server_databases.create()


@pytest.fixture
def server_project(server_url: str) -> Iterator[Project]:
    project = open_project(server_url)
    yield project
    project.close()


def _document(project: Project, text_: str = TEXT) -> int:
    import hashlib

    with project.db.session() as session:
        doc = DocumentRow(sha256=hashlib.sha256(text_.encode()).hexdigest(), text=text_, meta={})
        session.add(doc)
        session.flush()
        return doc.id


def _suggestion(project: Project, doc_id: int, word: str, label: str = "ORG") -> int:
    with project.db.session() as session:
        layer = Project.layer_id(session, "suggestions:test", _suggestions_kind())
        row = SpanRow(layer_id=layer, document_id=doc_id, start=at(word)[0], end=at(word)[1],
                      label_id=project.label_ids(session)[label], state="suggested",
                      score=0.9, reason="test")
        session.add(row)
        session.flush()
        return row.id


def _suggestions_kind():  # type: ignore[no-untyped-def]
    from unannotate.core.model import LayerKind

    return LayerKind.SUGGESTIONS


def test_a_new_server_project_has_the_schema_labels_and_its_name(server_project: Project,
                                                                   server_url: str) -> None:
    assert server_project.location == without_password(server_url)
    assert server_project.db.path is None
    with server_project.db.read() as session:
        assert session.scalar(select(ProjectRow.name)) == server_url.rsplit("/", 1)[1]
        assert session.scalar(select(func.count()).select_from(LabelRow)) > 5
    assert _version(server_url) == migrations.SCHEMA_VERSION


def test_server_keeps_foreign_keys_append_only_events_and_code_point_offsets(
        server_project: Project) -> None:
    db = server_project.db
    with pytest.raises(Exception, match="foreign key"), db.session() as session:
        session.add(EventRow(kind="accept", document_id=12345))
    with db.session() as session:
        session.add(EventRow(kind="import", after={"n": 1}))
    for statement in ("UPDATE events SET kind = 'x'", "DELETE FROM events"):
        with pytest.raises(Exception, match="append-only"), db.session() as session:
            session.execute(text(statement))
    with db.read() as session:
        assert session.scalar(select(EventRow.after)) == {"n": 1}
    # Offsets count code points: an emoji is one, as in Python.
    doc_id = _document(server_project)
    ana = Decider(server_project, "ana")
    ana.add(doc_id, len(TEXT) - 8, len(TEXT), "DATE")
    with pytest.raises(OffsetError):
        ana.add(doc_id, 0, len(TEXT) + 1, "ORG")


def test_a_decision_is_seen_by_another_connection_as_soon_as_it_returns(
        server_project: Project, server_url: str) -> None:
    doc_id = _document(server_project)
    unicef = _suggestion(server_project, doc_id, "UNICEF")
    other = make_engine(resolve_project(server_url))
    try:
        Decider(server_project, "ana").accept(unicef)
        with other.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT state, source_id FROM spans WHERE source_id IS NOT NULL").all() == [
                ("accepted", unicef)]
    finally:
        other.dispose()


def test_a_reader_is_never_kept_waiting_by_a_writer(server_project: Project,
                                                    server_url: str) -> None:
    doc_id = _document(server_project)
    other = open_project(server_url)
    try:
        with server_project.db.session() as writing:
            writing.add(SpanRow(layer_id=other.annotator_layer_id(writing, "ana"),
                                document_id=doc_id, start=0, end=6,
                                label_id=server_project.label_ids(writing)["ORG"],
                                state="accepted"))
            writing.flush()
            # The writer holds the project's writer lock; a reader elsewhere goes on, and
            # sees the project as it was before the writer's transaction.
            with other.db.read() as reading:
                assert reading.scalar(select(func.count()).select_from(SpanRow)) == 0
    finally:
        other.close()


def _concurrently(first: Callable[[], Any], second: Callable[[], Any],
                  gate: threading.Barrier) -> list[Any]:
    """Run both at once; each result is its return value or the exception it raised."""
    results: list[Any] = [None, None]

    def call(i: int, work: Callable[[], Any]) -> None:
        try:
            results[i] = work()
        except Exception as exc:  # noqa: BLE001 - the result under test
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i, w)) for i, w in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    gate.abort()
    return results


def _hold_after(monkeypatch: pytest.MonkeyPatch, name: str, gate: threading.Barrier) -> None:
    """After ``Decider.<name>`` ran, wait (a little) for the other writer to get as far: if
    writers did not queue, both would read the same state before either wrote."""
    original = getattr(Decider, name)

    def held(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(self, *args, **kwargs)
        try:
            gate.wait(timeout=1.5)
        except threading.BrokenBarrierError:
            pass
        return result

    monkeypatch.setattr(Decider, name, held)


def test_two_windows_deciding_the_same_suggestion_at_once_make_one_span(
        server_project: Project, server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    doc_id = _document(server_project)
    unicef = _suggestion(server_project, doc_id, "UNICEF")
    second = open_project(server_url)
    try:
        here, there = Decider(server_project, "ana"), Decider(second, "ana")
        gate = threading.Barrier(2)
        _hold_after(monkeypatch, "_suggestion", gate)
        results = _concurrently(lambda: here.accept(unicef), lambda: there.accept(unicef), gate)
    finally:
        second.close()
    refused = [r for r in results if isinstance(r, DecisionError)]
    assert len(refused) == 1 and "decided already" in str(refused[0]), results
    assert len(Decider(server_project, "ana").spans(doc_id)) == 1


def test_two_windows_changing_the_same_span_at_once_lose_nothing(
        server_project: Project, server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    doc_id = _document(server_project)
    ana = Decider(server_project, "ana")
    span_id = next(iter(ana.add(doc_id, *at("Geneva"), "GPE").span_ids))
    second = open_project(server_url)
    try:
        there = Decider(second, "ana")
        gate = threading.Barrier(2)
        _hold_after(monkeypatch, "_own", gate)
        results = _concurrently(
            lambda: ana.relabel(span_id, "LOC", expected_version=1),
            lambda: there.relabel(span_id, "ORG", expected_version=1), gate)
    finally:
        second.close()
    assert sorted(type(r).__name__ for r in results) == ["Change", "ConflictError"], results
    winner = "LOC" if not isinstance(results[0], ConflictError) else "ORG"
    [span] = ana.spans(doc_id)
    assert (span.label, span.version) == (winner, 2)


def test_first_openers_of_an_empty_database_make_one_project(server_url: str) -> None:
    opened: list[Any] = []

    def open_it() -> None:
        try:
            opened.append(open_project(server_url))
        except Exception as exc:  # noqa: BLE001 - the result under test
            opened.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(p, Project) for p in opened), opened
    with opened[0].db.read() as session:
        assert session.scalar(select(func.count()).select_from(ProjectRow)) == 1
        names = list(session.scalars(select(LabelRow.name)))
    assert len(names) == len(set(names))
    for project in opened:
        project.close()


def test_undo_brings_a_span_back_with_its_id_and_new_spans_never_collide(
        server_project: Project) -> None:
    doc_id = _document(server_project)
    ana, ben = Decider(server_project, "ana"), Decider(server_project, "ben")
    first = next(iter(ana.add(doc_id, *at("UNICEF"), "ORG").span_ids))
    ana.delete(first)
    later = next(iter(ben.add(doc_id, *at("Geneva"), "GPE").span_ids))
    assert later > first
    ana.undo()  # the deletion: the span comes back under its own id
    assert [s.id for s in ana.spans(doc_id)] == [first]
    after = next(iter(ben.add(doc_id, *at("March"), "DATE").span_ids))
    assert after > later  # ids the server gave out are never given again
    ana.redo()
    ana.undo()
    assert [s.id for s in ana.spans(doc_id)] == [first]
    assert sorted(s.id for s in ben.spans(doc_id)) == [later, after]


def test_a_colleagues_project_file_merges_into_a_server_project(
        server_project: Project, tmp_path: Path) -> None:
    # Their events and spans go in with their snapshots (JSON) and ids given by the merge:
    # the server's sequences must then give out ids above them. Their project stays a file
    # (not named *.db, which the server run would turn into a server database).
    from unannotate.services.merge import merge_project

    theirs = open_project(tmp_path / "theirs.sqlite")
    try:
        their_doc = _document(theirs)
        suggestion = _suggestion(theirs, their_doc, "UNICEF")
        Decider(theirs, "bob").accept(suggestion)
        Decider(theirs, "bob").add(their_doc, *at("Geneva"), "GPE")
    finally:
        theirs.close()
    report = merge_project(server_project, tmp_path / "theirs.sqlite")
    assert report.documents_new == 1 and report.events_added == 2
    assert not merge_project(server_project, tmp_path / "theirs.sqlite").changed
    bob = Decider(server_project, "bob")
    with server_project.db.read() as session:
        doc_id = session.scalar(select(DocumentRow.id))
        afters = list(session.scalars(select(EventRow.after).where(EventRow.kind == "add")))
    assert afters and afters[0]["label"] == "GPE"  # a snapshot, not its text
    assert sorted(s.label for s in bob.spans(doc_id)) == ["GPE", "ORG"]
    bob.undo()  # the added span goes
    added = next(iter(bob.add(doc_id, *at("March"), "DATE").span_ids))
    with server_project.db.read() as session:
        assert added == session.scalar(select(func.max(SpanRow.id)))


def test_a_server_database_of_other_tables_is_refused(server_url: str,
                                                      postgres_admin: Engine) -> None:
    engine = make_engine(resolve_project(server_url))
    with engine.connect() as conn:
        conn.execution_options(unannotate_write=True)
        with conn.begin():
            conn.exec_driver_sql("CREATE TABLE stuff (x integer)")
    engine.dispose()
    with pytest.raises(StorageError, match="other tables"):
        open_database(server_url)


def test_a_database_not_in_utf8_is_refused(server_databases,  # type: ignore[no-untyped-def]
                                           postgres_admin: Engine) -> None:
    url = server_databases.create()
    name = url.rsplit("/", 1)[1]
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}"')
        conn.exec_driver_sql(f"CREATE DATABASE \"{name}\" ENCODING 'SQL_ASCII' "
                             "LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    with pytest.raises(StorageError, match="encoding is SQL_ASCII; a project needs UTF8"):
        open_project(url)


def test_an_empty_server_database_is_no_project_without_create(server_url: str) -> None:
    with pytest.raises(StorageError, match="no such project"):
        open_project(server_url, create=False)
    open_project(server_url).close()
    open_project(server_url, create=False).close()


def _version(url: str) -> int | None:
    engine = make_engine(resolve_project(url))
    try:
        with engine.connect() as conn:
            return migrations.current_version(conn)
    finally:
        engine.dispose()


def _add_column(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE documents ADD COLUMN extra TEXT DEFAULT ''")


def _broken(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE documents ADD COLUMN extra2 TEXT")
    raise RuntimeError("boom")


def test_a_failed_schema_step_on_a_server_is_rolled_back_whole(server_url: str) -> None:
    db = open_database(server_url)
    with db.session() as session:
        session.execute(insert(DocumentRow), [{"sha256": "c" * 64, "text": "safe", "meta": {}}])
    db.close()
    engine = make_engine(resolve_project(server_url))
    now = migrations.SCHEMA_VERSION
    with pytest.raises(StorageError, match=f"failed at step {now + 2}"):
        migrations.migrate(engine, steps=[*migrations.STEPS, _add_column, _broken],
                           target=now + 2)
    with engine.connect() as conn:
        columns = [row[0] for row in conn.exec_driver_sql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'documents'")]
        assert conn.exec_driver_sql("SELECT text FROM documents").scalar() == "safe"
    engine.dispose()
    # The step before the failing one was committed with its version; the failing one left
    # nothing behind.
    assert "extra" in columns and "extra2" not in columns
    assert _version(server_url) == now + 1


def test_the_command_line_takes_a_server_url_and_never_prints_its_password(
        tmp_path: Path, server_url: str) -> None:
    from sqlalchemy.engine import make_url

    (tmp_path / "a.txt").write_text("Kenya pledged $12 million.", encoding="utf-8")
    program = str(Path(sys.executable).with_name("unannotate"))
    env = {**os.environ, "UNANNOTATE_PROJECT": server_url}
    done = subprocess.run([program, "import", str(tmp_path / "a.txt")], env=env, check=False,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout and without_password(server_url) in done.stdout
    # The same login with a (needless, on this server) password: shown nowhere.
    with_password = make_url(server_url).set(password="s3cret-word").render_as_string(
        hide_password=False)
    stats = subprocess.run([program, "stats", "--json", "--project", with_password],
                           check=False, capture_output=True, text=True, timeout=120)
    assert stats.returncode == 0, stats.stderr
    assert "s3cret-word" not in stats.stdout + stats.stderr
    assert json.loads(stats.stdout)["documents"] == 1


# -- Passwords on a server that asks for one -------------------------------------------------


@pytest.fixture(scope="session")
def password_login(postgres_admin: Engine) -> Iterator[tuple[str, str]]:
    """A role that logs in with a password (``./dev test``'s server asks it for one)."""
    from sqlalchemy.exc import ProgrammingError

    # The worker processes of a parallel run (pytest-xdist) share the role: they set the same
    # password (their run's id), each creating the role or, when it is there, altering it.
    password = os.environ.get("PYTEST_XDIST_TESTRUNUID") or secrets.token_urlsafe(16)
    with postgres_admin.connect() as conn:
        try:
            conn.exec_driver_sql(
                f"DO $$ BEGIN CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{password}'; "
                f"EXCEPTION WHEN duplicate_object THEN "
                f"ALTER ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{password}'; END $$")
        except ProgrammingError as exc:
            pytest.skip(f"the test server's admin cannot make a login role ({exc.orig})")
    yield PASSWORD_ROLE, password


@pytest.fixture
def password_url(server_databases, password_login: tuple[str, str]) -> str:  # type: ignore[no-untyped-def]
    """A database owned by the password role; its URL has no password. Skipped when the
    server lets that role in without one (its pg_hba.conf trusts it)."""
    import psycopg
    from sqlalchemy.engine import make_url

    role, _ = password_login
    url = server_databases.create(owner=role)
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(libpq).close()
    except psycopg.OperationalError as exc:
        if "password" not in str(exc):
            raise
    else:
        pytest.skip(f"the server lets {role} in without a password (pg_hba.conf)")
    return url


def _never_asked(place: str) -> str | None:
    raise AssertionError(f"asked for the password of {place}")


def test_a_password_in_the_url_opens_and_is_kept_nowhere(
        password_url: str, password_login: tuple[str, str], tmp_path: Path,
        memory_keyring) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    _, password = password_login
    given = make_url(password_url).set(password=password).render_as_string(hide_password=False)
    project = open_project(given, ask_password=_never_asked)
    try:
        assert password not in project.location and password not in repr(project.db)
        assert project.location == without_password(password_url)
        prefs = Preferences()
        prefs.remember_project(project.location)
        prefs.save(tmp_path / "settings.json")
        assert password not in (tmp_path / "settings.json").read_text(encoding="utf-8")
    finally:
        project.close()
    assert memory_keyring.passwords == {}  # not saved unless asked to
    with pytest.raises(StorageError) as refused:
        open_project(given.replace("/t_", "/nothing_"), ask_password=_never_asked)
    assert password not in str(refused.value)


def test_the_keyring_gives_the_password(password_url: str, password_login: tuple[str, str],
                                        memory_keyring) -> None:  # type: ignore[no-untyped-def]
    _, password = password_login
    memory_keyring.set_password(KEYRING_SERVICE, keyring_entry(password_url), password)
    open_project(password_url, ask_password=_never_asked).close()


def test_libpqs_password_file_gives_the_password(
        password_url: str, password_login: tuple[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.engine import make_url

    role, password = password_login
    url = make_url(password_url)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{url.host}:{url.port or 5432}:{url.database}:{role}:{password}\n",
                      encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    open_project(password_url, ask_password=_never_asked).close()


def test_asked_for_the_password_again_until_it_is_right_then_saved(
        password_url: str, password_login: tuple[str, str],
        memory_keyring) -> None:  # type: ignore[no-untyped-def]
    _, password = password_login
    answers = ["wrong", password]
    asked: list[str] = []

    def ask(place: str) -> str | None:
        asked.append(place)
        return answers.pop(0)

    open_project(password_url, ask_password=ask, remember_password=True).close()
    assert asked == [keyring_entry(password_url)] * 2
    assert memory_keyring.get_password(KEYRING_SERVICE, keyring_entry(password_url)) == password
    open_project(password_url, ask_password=_never_asked).close()  # the keyring has it now


def test_no_password_is_a_clear_refusal(password_url: str) -> None:
    with pytest.raises(StorageError, match="no password given"):
        open_project(password_url, ask_password=lambda place: None)
    with pytest.raises(StorageError, match=f"keyring set {KEYRING_SERVICE} "):
        open_project(password_url)  # nobody to ask: says how to save one
    with pytest.raises(StorageError, match="password authentication failed"):
        open_project(password_url, ask_password=lambda place: "wrong")


def test_the_process_wide_password_prompt_is_used_when_none_is_given(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The command line and the window each install how this process asks for a password;
    opening a server project without an explicit asker uses it."""
    from unannotate.storage import database

    asked: list[str] = []
    seen: list[object] = []

    def fake_connect(url, ask_password=None, *, remember=False):  # type: ignore[no-untyped-def]
        seen.append(ask_password)
        raise database.StorageError("stop here")

    monkeypatch.setattr(database, "connect_server", fake_connect)
    database.set_password_prompt(lambda place: asked.append(place) or None)
    try:
        with pytest.raises(database.StorageError, match="stop here"):
            database.open_database("postgresql://ana@127.0.0.1:1/nowhere")
        assert seen and seen[0] is not None
        seen[0]("ana@127.0.0.1:1/nowhere")  # type: ignore[operator]
        assert asked == ["ana@127.0.0.1:1/nowhere"]
    finally:
        database.set_password_prompt(None)
