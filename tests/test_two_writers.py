"""Two writers on one project file: nothing acknowledged is lost, and a second window editing
a span it shows an old copy of is refused instead of overwriting the first."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert

from unannotate.core.model import text_sha256
from unannotate.services.decisions import ConflictError, Decider
from unannotate.services.project import open_project
from unannotate.storage.schema import DocumentRow

REPO = Path(__file__).resolve().parents[1]
TEXT = "🌍 The Council met in Geneva.\r\nKenya pledged $5 million."


def test_two_processes_deciding_at_once_lose_nothing() -> None:
    """bench/two_writers.py, briefly: two spawned processes, 100 decisions each, among them
    the same reviewer editing the same spans in both."""
    done = subprocess.run([sys.executable, str(REPO / "bench" / "two_writers.py"),
                           "--decisions", "100", "--documents", "30"],
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["processes"] == 2
    assert figures["decisions_per_process"] == [100, 100]
    assert figures["found"] == figures["decisions"] == 200
    assert figures["lost"] == 0
    assert figures["errors"] == 0, done.stdout


def test_a_second_window_editing_the_same_span_gets_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "two-windows.unannotate.db"
    first = open_project(path)
    second = open_project(path)  # another window: its own engine and connections
    try:
        with first.db.session() as session:
            doc = session.execute(insert(DocumentRow).returning(DocumentRow.id), {
                "sha256": text_sha256(TEXT), "text": TEXT, "meta": {}}).scalar_one()
        one, two = Decider(first, "cara"), Decider(second, "cara")
        start = TEXT.index("Geneva")
        (span_id,) = one.add(doc, start, start + 6, "ORG").span_ids
        shown_one, shown_two = one.spans(doc)[0], two.spans(doc)[0]
        assert shown_one.version == shown_two.version == 1
        one.relabel(span_id, "GPE", expected_version=shown_one.version)
        with pytest.raises(ConflictError, match="changed elsewhere"):
            two.relabel(span_id, "LOC", expected_version=shown_two.version)
        with pytest.raises(ConflictError):
            two.resize(span_id, start, start + 5, expected_version=shown_two.version)
        with pytest.raises(ConflictError):
            two.delete(span_id, expected_version=shown_two.version)
        # The first window's change is the one kept, and the only one in the history.
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("SELECT s.start, s.\"end\", l.name, s.version FROM spans s "
                                "JOIN labels l ON l.id = s.label_id").fetchall() == [
                (start, start + 6, "GPE", 2)]
            relabels = conn.execute("SELECT after FROM events WHERE kind = 'relabel'").fetchall()
        finally:
            conn.close()
        assert [json.loads(a)["label"] for (a,) in relabels] == ["GPE"]
        # Shown again, the second window decides on what is there now.
        again = two.spans(doc)[0]
        assert (again.label, again.version) == ("GPE", 2)
        two.relabel(span_id, "LOC", expected_version=again.version)
        assert [(s.label, s.version) for s in one.spans(doc)] == [("LOC", 3)]
    finally:
        first.close()
        second.close()
