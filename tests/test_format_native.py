"""Native JSONL: the hand-spelt encoder writes what json.dumps writes, byte for byte, and a
project exported from its rows reads the same as one exported from the objects."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import TEXTS, documents

from unannotate.core.errors import OffsetError
from unannotate.core.model import DocumentStatus
from unannotate.formats.interchange import FormatReport
from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan, dumps, read, write
from unannotate.services.decisions import Decider
from unannotate.services.exporting import iter_native_documents
from unannotate.services.importing import import_paths
from unannotate.services.project import open_project
from unannotate.services.suggesting import build_suggesters, run_suggester


def reference(document: NativeDocument) -> str:
    return json.dumps(document.to_json(), ensure_ascii=False, separators=(",", ":"))


ODD_VALUES = st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-5, 5), TEXTS,
                       st.booleans())


@st.composite
def detailed(draw: st.DrawFn) -> NativeDocument:
    """A document whose spans carry ids, scores, reasons and provenance, in several layers,
    with odd titles and meta: everything the encoder writes other than by the common path."""
    document = draw(documents())
    document.title = draw(TEXTS)
    document.meta = draw(st.dictionaries(TEXTS, ODD_VALUES, max_size=3))
    for span in document.layers[0].entities:
        span.id = draw(st.none() | st.integers(1, 10**12))
        span.score = draw(st.none() | st.floats(0, 1) | st.integers(0, 1))
        span.reason = draw(st.sampled_from(["", "a figure; \"quoted\"", "🌍\n\t\\"]))
        span.source = draw(st.none() | st.fixed_dictionaries(
            {"layer": st.just("suggestions:x"), "span_id": st.integers(1, 99)}))
    gold = NativeLayer(name="gold", kind="gold", status=draw(st.none() | st.just("done")))
    suggestions = NativeLayer(name="suggestions:unannotate.entities.rules.v1",
                              kind="suggestions", suggester="unannotate.entities.rules.v1",
                              pipeline=draw(st.none() | st.just("blank:en")),
                              pipeline_version=draw(st.none() | st.just("3.8.0")))
    document.layers += draw(st.lists(st.sampled_from([gold, suggestions]), max_size=2,
                                     unique_by=id))
    return document


@settings(max_examples=300, deadline=None)
@given(detailed())
def test_dumps_is_json_dumps_byte_for_byte(document: NativeDocument) -> None:
    assert dumps(document) == reference(document)


def test_dumps_checks_offsets_before_writing() -> None:
    document = NativeDocument(text="Kenya 🌍 Peru", layers=[NativeLayer(
        name="annotator:ana", kind="annotator", annotator="ana",
        entities=[NativeSpan(8, 12, "GPE", "Per", "accepted")])])
    with pytest.raises(OffsetError):
        dumps(document)
    document.layers[0].entities[0] = NativeSpan(8, 99, "GPE", "Peru", "accepted")
    with pytest.raises(OffsetError):
        dumps(document)
    document.layers[0].entities[0] = NativeSpan(8, 12, "GPE", "Peru", "accepted")
    assert json.loads(dumps(document))["layers"][0]["entities"][0]["text"] == "Peru"


def test_write_then_read_keeps_everything(tmp_path: Path) -> None:
    text = "🌍 Kenya\r\nand Peru\u200b."
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana", status="done",
                        entities=[NativeSpan(2, 7, "GPE", "Kenya", "accepted", 4, 0.5, "why",
                                             {"layer": "s", "span_id": 1})],
                        claims=[NativeSpan(0, len(text), "CLAIM", text, "accepted")])
    written = FormatReport()
    write([NativeDocument(text=text, title="t", meta={"k": [1, 2]}, layers=[layer])],
          tmp_path / "out.jsonl", written)
    assert written.documents == 1 and written.spans == Counter({"GPE": 1, "CLAIM": 1})
    [back] = read(tmp_path / "out.jsonl", FormatReport())
    assert back.text == text and back.layers[0].to_json() == layer.to_json()
    assert back.meta == {"k": [1, 2]}


def test_a_project_exported_from_rows_equals_one_from_objects(tmp_path: Path) -> None:
    """The row-level writer (``native_lines``) and the objects give the same lines: with
    suggestions and their scores and reasons, accepted suggestions with provenance, claims,
    the gold layer, and a reviewer whose status has no spans."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("🌍 UNICEF said on 3 May 2025 that Kenya will give $5 million.",
                                  encoding="utf-8")
    (folder / "b.txt").write_bytes(b"The Security Council met in Geneva.\r\nGhana spoke.")
    (folder / "c.txt").write_text("Nothing here.", encoding="utf-8")
    project = open_project(tmp_path / "p.db")
    import_paths(project, [folder])
    for suggester in build_suggesters():
        run_suggester(project, suggester)
    ana, ben = Decider(project, "ana"), Decider(project, "ben")
    from sqlalchemy import select

    from unannotate.storage.schema import DocumentRow
    with project.db.read() as session:
        ids = list(session.scalars(select(DocumentRow.id).order_by(DocumentRow.id)))
    pending = ana.pending(ids[0])
    assert len(pending) >= 2
    ana.accept(pending[0].id)
    ana.reject(pending[1].id)
    ana.add(ids[1], 4, 20, "ORG")
    ana.set_status(ids[0], DocumentStatus.DONE)
    ben.set_status(ids[2], DocumentStatus.IN_PROGRESS)

    with project.db.read() as session:
        objects = [dumps(d) for d in iter_native_documents(project, session)]
    with project.db.read() as session:
        counts: Counter[str] = Counter()
        lines = list(iter_native_documents(project, session).native_lines(counts))
    project.close()
    assert lines == objects
    assert len(lines) == 3
    first = json.loads(lines[0])
    accepted = [s for layer in first["layers"] if layer["name"] == "annotator:ana"
                for s in layer["entities"]]
    assert accepted and accepted[0]["source"]["suggester"]
    suggested = [s for layer in first["layers"] if layer["kind"] == "suggestions"
                 for s in (*layer["entities"], *layer["claims"])]
    assert any("score" in s or "reason" in s for s in suggested)
    assert counts == Counter(s["label"] for line in lines for layer in json.loads(line)["layers"]
                             for s in (*layer["entities"], *layer["claims"]))
    third = json.loads(lines[2])
    assert [(layer["name"], layer["status"]) for layer in third["layers"]
            if layer["kind"] == "annotator"] == [("annotator:ben", "in_progress")]
