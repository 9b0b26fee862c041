"""Hostile input handled safely: text shown as the characters it holds, no network, no code
run from data, and no file read or written outside the folders a person chose.

1. A document, its title, a label and a suggestion's reason full of HTML, JavaScript, Qt's
   rich text and bidi controls are read back from what the window shows: the document view
   (its plain text and the layout of its blocks), the document list, the span panel, the
   label bar, and what Qt would make of every label and tooltip (rich text where Qt takes
   the text for it). Places in the window that render such text as markup are marked
   ``xfail(strict=True)`` with the place named: they pass once it is fixed.
2. The test suite's network guard refuses internet sockets, connections and name lookups,
   and leaves Unix sockets working.
3. The program's source holds no pickle, eval, exec, marshal, shelve, unsafe YAML, import of
   names from data, or shell commands.
4. Imports of folders skip links that lead out of the folder, and say so; exports of
   documents whose titles or annotators' names hold ``../`` or absolute paths write only
   inside the chosen folder.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from network_guard import NETWORK_REFUSED
from PySide6 import QtGui
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from sqlalchemy import insert

from unannotate.core.errors import InputError
from unannotate.core.model import Label, LabelKind
from unannotate.formats import brat
from unannotate.formats.interchange import LINK_OUTSIDE, FormatReport
from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan
from unannotate.nlp import docbin
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.annotation_files import export_annotations, import_annotations
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.schema import DocumentRow, SpanRow

SRC = Path(__file__).resolve().parents[1] / "src" / "unannotate"

# --- 1. hostile text shown as text -------------------------------------------------------------

MARKUP = ('<qt><b>URGENT</b> <img src="file:///etc/passwd"> <a href="https://example.org/x">'
          "click</a> &amp; &lt;b&gt; &#x202e; <script>alert(1)</script> "
          '<p style="color:red" onclick="alert(1)">javascript:alert(1)</p></qt>')
BIDI = "bidi: \u202eevil\u202c \u2066isolate\u2069 \u2067rtl\u2069 \u2068first\u2069 mark\u200f."
HOSTILE_TEXT = (f"{MARKUP}\nUNICEF met in Geneva.\n{BIDI}\n"
                "<table><tr><td>cell</td></tr></table> <!-- comment --> <style>*{}</style>")
HOSTILE_TITLE = '<b>Title</b> <img src=x> &amp; <a href="x">\u202eeltit'
HOSTILE_LABEL = "<i>ORG</i>&amp;"
HOSTILE_DESCRIPTION = '<a href="https://example.org">see</a> &lt; <b>bold</b>'
HOSTILE_REASON = 'pattern <a href="https://example.org/">link</a> &amp; <img src=x> \u202e!'
HOSTILE_NAME = "<b>eve</b>"


def rendered(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What Qt shows of ``text`` in a label or a tooltip of ``text_format``: the text itself,
    or, where Qt takes it for rich text, the plain text of that rich text."""
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text))
    if not rich:
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def test_rendered_sees_markup_where_qt_does() -> None:
    # The helper the checks below rest on: a tag on the first line makes rich text.
    assert rendered("<b>x</b> y") == "x y"
    assert rendered("<b>x</b>", Qt.TextFormat.PlainText) == "<b>x</b>"
    assert rendered("a\n<b>x</b>") == "a\n<b>x</b>"  # Qt looks at the first line only
    assert rendered("<p>&lt;b&gt;</p>") == "<b>"


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _hostile_project(path: Path) -> int:
    """A project holding the hostile document, a label and a suggestion with a reason."""
    project = open_project(path)
    info = SuggesterInfo(name="test.suggester.v1", kind=LabelKind.ENTITY)
    with project.db.session() as session:
        project.ensure_labels(session, [Label(HOSTILE_LABEL, LabelKind.ENTITY, "#a5d6a7",
                                              description=HOSTILE_DESCRIPTION)])
        doc_id = session.execute(insert(DocumentRow).returning(DocumentRow.id), [
            {"sha256": "f" * 64, "text": HOSTILE_TEXT, "title": HOSTILE_TITLE, "meta": {}}
        ]).scalar_one()
        layer_id = suggestions_layer_id(session, info)
        labels = project.label_ids(session)
        for word, label in (("URGENT", HOSTILE_LABEL), ("Geneva", "GPE")):
            start = HOSTILE_TEXT.index(word)
            session.add(SpanRow(layer_id=layer_id, document_id=doc_id, start=start,
                                end=start + len(word), label_id=labels[label],
                                state="suggested", score=0.5, reason=HOSTILE_REASON))
    project.close()
    return doc_id


@pytest.fixture
def hostile_window(qtbot, project_path: Path):  # type: ignore[no-untyped-def]
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences

    _hostile_project(project_path)

    def make(annotator: str = "ana"):  # type: ignore[no-untyped-def]
        window = MainWindow(open_project(project_path), annotator, Preferences.load(),
                            auto_suggest=False)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window._complete_open()
        return window

    return make


def test_the_document_view_shows_the_characters(hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window()
    view = window.view
    assert window.document.title == HOSTILE_TITLE
    assert view.toPlainText() == HOSTILE_TEXT
    document = view.document()
    lines = HOSTILE_TEXT.split("\n")
    assert document.blockCount() == len(lines)
    block = document.firstBlock()
    for line in lines:
        assert block.text() == line
        document.documentLayout().blockBoundingRect(block)  # lays the block out
        layout = block.layout()
        # Its lines lay out every character of the block, and its formats (the spans drawn)
        # and the block's own make no link and no image: nothing but the text.
        laid_out = [layout.lineAt(i) for i in range(layout.lineCount())]
        assert sum(ln.textLength() for ln in laid_out) == len(line)
        assert [ln.textStart() for ln in laid_out][:1] == [0] and layout.preeditAreaText() == ""
        markup = [r.format.isAnchor() or r.format.isImageFormat() for r in layout.formats()]
        fragments = block.begin()
        while not fragments.atEnd():
            own = fragments.fragment().charFormat()
            markup.append(own.isAnchor() or own.isImageFormat())
            fragments += 1
        assert markup and not any(markup)
        block = block.next()
    assert "\u202e" in document.findBlockByNumber(2).text()  # bidi controls kept, not applied


def test_the_document_list_title_and_window_title(hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window()
    index = window.document_filter.index(0, 0)
    assert index.data(Qt.ItemDataRole.DisplayRole) == HOSTILE_TITLE
    assert rendered(index.data(Qt.ItemDataRole.ToolTipRole)) == HOSTILE_TITLE
    label = window.doc_title
    assert rendered(label.text(), label.textFormat()) == HOSTILE_TITLE
    assert window.windowTitle().startswith(HOSTILE_TITLE)


def _panel_row(window, word: str) -> int:  # type: ignore[no-untyped-def]
    model = window.span_model
    for row in range(model.rowCount()):
        if model.index(row, 1).data() == word:
            return row
    raise AssertionError(f"no row for {word!r}")


def test_the_span_panel_shows_labels_text_and_reasons(hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window()
    model = window.span_model
    row = _panel_row(window, "URGENT")
    cells = [model.index(row, column) for column in range(model.columnCount())]
    assert cells[0].data() == HOSTILE_LABEL
    assert cells[4].data() == HOSTILE_REASON
    assert rendered(cells[1].data(Qt.ItemDataRole.ToolTipRole)) == "URGENT"
    assert rendered(cells[4].data(Qt.ItemDataRole.ToolTipRole)) == HOSTILE_REASON


def test_the_guidance_shows_the_reason_and_the_description(hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window()
    start = HOSTILE_TEXT.index("URGENT")
    span = next(s for s in window.spans.values() if s.start == start)
    window._select(span.id)
    guidance = window.guidance
    shown = rendered(guidance.text(), guidance.textFormat())
    assert HOSTILE_REASON in shown and HOSTILE_LABEL in shown and HOSTILE_DESCRIPTION in shown


def test_the_label_bar_and_the_label_filter(hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window()
    chips = window.label_bar.findChildren(QLabel)
    shown = {rendered(chip.text(), chip.textFormat()) for chip in chips}
    [chip] = [chip for chip in chips if HOSTILE_LABEL in chip.text()]
    assert rendered(chip.text(), chip.textFormat()).endswith(HOSTILE_LABEL)
    assert any(text.endswith(HOSTILE_LABEL) for text in shown)
    assert rendered(chip.toolTip()) == HOSTILE_DESCRIPTION
    items = [window.label_filter.itemText(i) for i in range(window.label_filter.count())]
    assert HOSTILE_LABEL in items


def test_the_reviewer_name_in_the_status_bar(hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window(HOSTILE_NAME)
    label = window.progress_label
    assert HOSTILE_NAME in label.text()
    assert rendered(label.text(), label.textFormat()) == label.text()


def _message_box_shown(action, qtbot) -> tuple[str, Qt.TextFormat]:  # type: ignore[no-untyped-def]
    """The text and format of the message box ``action`` opens (then closed)."""
    seen: list[tuple[str, Qt.TextFormat]] = []

    def close_box() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                label = widget.findChild(QLabel, "qt_msgbox_label")
                seen.append((label.text(), label.textFormat()))
                widget.done(0)
        if not seen:
            QTimer.singleShot(20, close_box)

    QTimer.singleShot(0, close_box)
    action()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    return seen[0]


def test_an_error_message_quoting_a_file(hostile_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window()
    message = "in.conll:2: unknown tag '<img src=x><b>B-ORG</b>'"
    text, text_format = _message_box_shown(lambda: window.show_error(message), qtbot)
    assert text == message
    assert rendered(text, text_format) == message


def test_a_review_error_naming_annotators(hostile_window, qtbot, project_path: Path) -> None:  # type: ignore[no-untyped-def]
    with open_project(project_path) as project:
        Decider(project, HOSTILE_NAME).add(1, 0, 4, "GPE")
    window = hostile_window()
    from unannotate.services.preferences import set_reviewer

    set_reviewer(window.project, "rita", window.preferences)  # given for this project before
    text, text_format = _message_box_shown(lambda: window.open_review(["zed", "ana"]), qtbot)
    assert HOSTILE_NAME in text
    assert rendered(text, text_format) == text


def test_the_server_password_question(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QInputDialog

    from unannotate.qt.app import ask_server_password

    place = f"{HOSTILE_NAME}@db.example.org/project"
    seen: list[tuple[str, Qt.TextFormat]] = []

    def answer() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QInputDialog) and widget.isVisible():
                label = next(lb for lb in widget.findChildren(QLabel) if "Password" in lb.text())
                seen.append((label.text(), label.textFormat()))
                widget.reject()
        if not seen:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)
    assert ask_server_password(place) is None
    [(text, text_format)] = seen
    assert place in text
    assert rendered(text, text_format) == text


def test_the_review_window_document_tooltip(qtbot, project_path: Path) -> None:  # type: ignore[no-untyped-def]
    from unannotate.qt.review_window import ReviewWindow
    from unannotate.services.colleague_review import Review

    doc_id = _hostile_project(project_path)
    project = open_project(project_path)
    Decider(project, "ana").add(doc_id, 0, 4, "GPE")
    Decider(project, "ben").add(doc_id, 0, 4, "ORG")
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    item = window.documents.topLevelItem(0)
    assert item.text(0) == HOSTILE_TITLE
    shown = rendered(item.toolTip(0))
    window.close()
    project.close()
    assert shown == HOSTILE_TITLE


# --- 2. no network -----------------------------------------------------------------------------


def test_internet_sockets_and_lookups_are_refused() -> None:
    import urllib.request
    import warnings

    from pytest_socket import SocketBlockedError

    attempts: list[Any] = [
        lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
        lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
        lambda: socket.getaddrinfo("example.org", 443),
        lambda: socket.create_connection(("example.org", 80), timeout=1),
        lambda: socket.gethostbyname("example.org"),
        lambda: urllib.request.urlopen("http://example.org/", timeout=1),
    ]
    # Recorded here, not by the suite's guard, which would fail this test on them.
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for attempt in attempts:
            with pytest.raises(SocketBlockedError, match="A test tried to use socket"):
                attempt()
        # Code that catches the error cannot hide the attempt: it is warned of, and the
        # suite's guard fails the test on it in teardown.
        with contextlib.suppress(Exception):  # as careless code would
            socket.socket(socket.AF_INET)
    tried = [str(w.message) for w in seen if str(w.message).startswith(NETWORK_REFUSED)]
    assert len(tried) == len(attempts) + 1
    assert tried[0] == "A test tried to use socket.socket."
    assert "A test tried to use socket.getaddrinfo." in tried


def test_a_swallowed_network_attempt_fails_the_test(pytester: pytest.Pytester) -> None:
    """The guard as the suite runs it: a test whose code catches the refusal still fails,
    and a test that opens no internet socket passes."""
    pytester.makeconftest((Path(__file__).parent / "network_guard.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_net="""
        import contextlib, socket

        def test_swallowed():
            with contextlib.suppress(Exception):
                socket.create_connection(("example.org", 80), timeout=1)

        def test_unix_only():
            left, right = socket.socketpair()
            left.close(); right.close()
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--disable-socket",
                                           "--allow-unix-socket")
    result.assert_outcomes(passed=2, errors=1)  # test_swallowed: passed, then failed teardown
    result.stdout.fnmatch_lines(["*network use attempted: A test tried to use socket*"])


def test_unix_sockets_still_work(tmp_path: Path) -> None:
    import multiprocessing
    import tempfile

    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"ping")
        assert right.recv(4) == b"ping"
    with tempfile.TemporaryDirectory(dir="/tmp" if os.path.isdir("/tmp") else None) as folder:
        address = os.path.join(folder, "s")  # a short path: Unix socket names are limited
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with server, client:
            server.bind(address)
            server.listen(1)
            client.connect(address)
            accepted, _ = server.accept()
            with accepted:
                client.sendall(b"pong")
                assert accepted.recv(4) == b"pong"
    reading, writing = multiprocessing.Pipe(duplex=True)
    writing.send({"ok": 1})
    assert reading.recv() == {"ok": 1}


# --- 3. no code from data ----------------------------------------------------------------------

FORBIDDEN_MODULES = {
    "pickle": "unpickling runs code named in the data",
    "_pickle": "unpickling runs code named in the data",
    "cPickle": "unpickling runs code named in the data",
    "dill": "unpickling runs code named in the data",
    "cloudpickle": "unpickling runs code named in the data",
    "jsonpickle": "unpickling runs code named in the data",
    "marshal": "marshal loads code objects",
    "shelve": "a shelf is pickles",
}
FORBIDDEN_CALLS = {
    "eval": "runs text as code", "exec": "runs text as code", "compile": "makes code of text",
    "__import__": "imports a module named by data",
    "os.system": "runs a shell command", "os.popen": "runs a shell command",
    "yaml.unsafe_load": "YAML that builds any Python object",
    "yaml.full_load": "YAML that builds Python objects",
    "pandas.read_pickle": "unpickles", "numpy.load": "may unpickle", "torch.load": "unpickles",
}
# What the program legitimately needs, by "path: rule", each with its reason. Nothing, today.
ALLOWED: dict[str, str] = {}


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def unsafe_code(source: str) -> list[tuple[int, str]]:
    """(line, rule) for every use in ``source`` of a way to run code or unpickle data."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names
                      if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] in FORBIDDEN_MODULES:
            found.append((node.lineno, f"from {node.module} import"))
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            if name in FORBIDDEN_CALLS or name.split(".")[-1] in ("eval", "exec") \
                    and isinstance(node.func, ast.Name):
                found.append((node.lineno, f"{name}()"))
            if name.endswith("import_module") and not (
                    node.args and isinstance(node.args[0], ast.Constant)):
                found.append((node.lineno, "import_module() of a name from data"))
            if name == "yaml.load" and not any(
                    _dotted(v).endswith(("SafeLoader", "CSafeLoader"))
                    for k, v in keywords.items() if k == "Loader"):
                found.append((node.lineno, "yaml.load() without SafeLoader"))
            shell = keywords.get("shell")
            if shell is not None and not (isinstance(shell, ast.Constant) and not shell.value):
                found.append((node.lineno, f"{name}(shell=...)"))
            if "allow_pickle" in keywords and not (
                    isinstance(keywords["allow_pickle"], ast.Constant)
                    and not keywords["allow_pickle"].value):
                found.append((node.lineno, f"{name}(allow_pickle=...)"))
    return found


def test_the_scan_finds_each_way_to_run_code() -> None:
    unsafe = ["import pickle", "from marshal import loads", "import shelve", "eval(x)",
              "exec(x)", "__import__(name)", "importlib.import_module(name)", "yaml.load(text)",
              "subprocess.run(cmd, shell=True)", "os.system(cmd)",
              "numpy.load(f, allow_pickle=True)"]
    fine = ["box.exec()", "re.compile('x')", "yaml.load(text, Loader=yaml.SafeLoader)",
            "importlib.import_module('json')", "subprocess.run(['ls'], shell=False)"]
    found = unsafe_code("\n".join(unsafe + fine))
    assert sorted({line for line, _ in found}) == list(range(1, len(unsafe) + 1))


def test_the_program_runs_no_code_from_data() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for line, rule in unsafe_code(path.read_text(encoding="utf-8")):
            key = f"{path.relative_to(SRC).as_posix()}: {rule}"
            if key not in ALLOWED:
                found.append(f"{path.relative_to(SRC)}:{line}: {rule}")
    assert len(list(SRC.rglob("*.py"))) > 20  # the scan saw the program
    assert not found, "\n".join(found)


# --- 4. no file outside the chosen folders -----------------------------------------------------


def _link(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=target.is_dir())
    except OSError:
        pytest.skip("cannot make symbolic links here")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the chosen one: a secret file, a brat pair, a DocBin."""
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "secret.txt").write_text("the secret diary", encoding="utf-8")
    (folder / "secret.ann").write_text("T1\tORG 4 10\tsecret\n", encoding="utf-8")
    report = FormatReport()
    docbin.write([NativeDocument(text="the secret docbin", title="secret")],
                 folder / "secret.spacy", report)
    return folder


def _texts(project: Project) -> set[str]:
    with project.db.read() as session:
        return set(session.scalars(DocumentRow.__table__.select().with_only_columns(
            DocumentRow.text)))


def test_a_document_folder_import_skips_and_names_links_out(project: Project, tmp_path: Path,
                                                           outside: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "own.txt").write_text("Our own document.", encoding="utf-8")
    _link(root / "diary.txt", outside / "secret.txt")
    _link(root / "private", outside)
    _link(root / "etc", Path("/etc"))
    _link(root / "passwd.txt", Path("/etc/passwd"))
    report = import_paths(project, [root])
    assert report.new == 1 and _texts(project) == {"Our own document."}
    refused = sorted((Path(e.path).name, e.reason) for e in report.rejected)
    assert refused == [(name, LINK_OUTSIDE) for name in ("diary.txt", "etc", "passwd.txt",
                                                         "private")]


def test_a_brat_folder_import_skips_and_names_links_out(project: Project, tmp_path: Path,
                                                       outside: Path) -> None:
    root = tmp_path / "brat"
    root.mkdir()
    (root / "doc.txt").write_text("UNICEF met.", encoding="utf-8")
    (root / "doc.ann").write_text("T1\tORG 0 6\tUNICEF\n", encoding="utf-8")
    _link(root / "secret.txt", outside / "secret.txt")
    _link(root / "secret.ann", outside / "secret.ann")
    _link(root / "more", outside)
    report = import_annotations(project, root, fmt="brat", annotator="ana")
    assert report.documents_new == 1 and _texts(project) == {"UNICEF met."}
    dropped = sorted((Path(d.where).name, d.why) for d in report.read.dropped)
    assert dropped == [(name, LINK_OUTSIDE) for name in ("more", "secret.ann", "secret.txt")]


def test_a_brat_file_whose_text_links_out_is_refused(project: Project, tmp_path: Path,
                                                     outside: Path) -> None:
    root = tmp_path / "brat"
    root.mkdir()
    (root / "secret.ann").write_text("T1\tORG 4 10\tsecret\n", encoding="utf-8")
    _link(root / "secret.txt", outside / "secret.txt")
    with pytest.raises(InputError) as caught:
        import_annotations(project, root / "secret.ann", fmt="brat", annotator="ana")
    assert caught.value.reason == LINK_OUTSIDE and caught.value.path == str(root / "secret.txt")
    assert _texts(project) == set()


def test_a_docbin_folder_import_skips_and_names_links_out(project: Project, tmp_path: Path,
                                                         outside: Path) -> None:
    root = tmp_path / "corpus.spacy"
    root.mkdir()
    docbin.write([NativeDocument(text="Our own docbin.", title="own")], root / "own.spacy",
                 FormatReport())
    _link(root / "secret.spacy", outside / "secret.spacy")
    _link(root / "more", outside)
    report = import_annotations(project, root, fmt="spacy", annotator="ana")
    assert report.documents_new == 1 and _texts(project) == {"Our own docbin."}
    dropped = sorted((Path(d.where).name, d.why) for d in report.read.dropped)
    assert dropped == [("more", LINK_OUTSIDE), ("secret.spacy", LINK_OUTSIDE)]


ESCAPING = ["../../escaped", "/tmp/escaped-absolute", "..", "../", "a/../../b", "..\\..\\win",
            "~/home", "CON", ".hidden", "", "\u202e../txt.exe", "x" * 300]


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def _exported_project(tmp_path: Path) -> Project:
    """Documents titled like paths out of a folder, annotated by people named so."""
    project = open_project(tmp_path / "export.unannotate.db")
    folder = tmp_path / "in"
    folder.mkdir()
    records = [{"text": f"Document {n} about Geneva.", "meta": {"title": title}}
               for n, title in enumerate(ESCAPING)]
    (folder / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records),
                                       encoding="utf-8")
    import_paths(project, [folder])
    for person in ("../../eve", "/tmp/mallory", "a/b", "a_b", "A_B", ".."):
        reviewer = Decider(project, person)
        for doc_id in range(1, len(ESCAPING) + 1):
            reviewer.add(doc_id, 0, 8, "ORG")
    return project


@pytest.mark.parametrize(("fmt", "layer", "options"), [
    ("brat", "../../eve", {}),
    ("doccano", None, {}),  # one file per annotator, named after them
    ("spacy", "/tmp/mallory", {}),
    ("spacy", "a/b", {"dev_fraction": 0.5}),
    ("conll", "..", {}),
    ("label-studio", "a_b", {}),
])
def test_an_export_writes_only_inside_the_chosen_path(fmt: str, layer: str | None,
                                                      options: dict[str, Any],
                                                      tmp_path: Path) -> None:
    project = _exported_project(tmp_path)
    out = tmp_path / "exports" / "out"
    out.parent.mkdir()
    if fmt in ("brat", "doccano") or options:
        out.mkdir()
    top = Path(os.sep, "tmp")  # where an absolute title such as "/tmp/x" would lead
    top_before = set(top.iterdir()) if top.is_dir() else set()
    before = _files_under(tmp_path)
    reports = export_annotations(project, out, fmt=fmt, layer=layer, options=options)
    project.close()
    written = [Path(f) for report in reports for f in report.written.files]
    assert written
    config = out.parent / f"{out.name}.config.xml"  # Label Studio's, beside its file
    for file in written:
        assert file == out or file == config or file.resolve().is_relative_to(out.resolve())
    assert _files_under(tmp_path) - before - _files_under(out) <= {out, config}
    if top.is_dir():
        assert not {p for p in set(top.iterdir()) - top_before
                    if "escaped" in p.name or "mallory" in p.name}
    if fmt == "doccano":  # six people, six files: none written over another's
        assert len({f.name.casefold() for f in written}) == 6
    if fmt == "brat":  # every document written, under a name of its own
        assert len([f for f in written if f.suffix == ".ann"]) == len(ESCAPING)


def test_brat_file_names_stay_in_the_folder(tmp_path: Path) -> None:
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana",
                        entities=[NativeSpan(0, 3, "ORG", "Doc", "accepted")])
    documents = [NativeDocument(text="Doc text.", title=title, layers=[layer])
                 for title in ESCAPING]
    out = tmp_path / "out"
    report = FormatReport()
    brat.write(documents, out, report)
    for file in map(Path, report.files):
        assert file.parent == out and not file.name.startswith(".")
    assert len(report.files) == 2 * len(ESCAPING) + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_docbin_sharded_export_stays_in_its_folder(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docbin, "SHARD_TOKENS", 3)
    documents = [NativeDocument(text=f"Geneva text {n}.", title=f"../../{n}") for n in range(4)]
    report = FormatReport()
    docbin.write(documents, tmp_path / "out.spacy", report)
    assert len(report.files) > 1
    assert all(Path(f).parent == tmp_path / "out.spacy" for f in report.files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.spacy"]
