"""spaCy DocBin files: exact round trips, what plain spaCy sees, splits, and clear errors."""

from __future__ import annotations

import functools
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import spacy
import srsly
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from strategies import documents, span_set

from unannotate.core.errors import InputError, UnannotateError
from unannotate.formats.interchange import FormatReport
from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan
from unannotate.nlp import blank_pipelines, docbin
from unannotate.nlp.docbin import NOT_IN_ENTS, REJECTED, SPEC, read, split, write

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "formats"

SpanTuple = tuple[int, int, str]


# --- helpers ---------------------------------------------------------------------------------


def make(text: str, entities: Sequence[SpanTuple] = (), claims: Sequence[SpanTuple] = (),
         **fields: Any) -> NativeDocument:
    """A document with one annotator layer; spans as (start, end, label)."""
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana")
    layer.entities = [NativeSpan(s, e, label, text[s:e], "accepted") for s, e, label in entities]
    layer.claims = [NativeSpan(s, e, label, text[s:e], "accepted") for s, e, label in claims]
    return NativeDocument(text=text, layers=[layer], **fields)


def at(text: str, piece: str, label: str, occurrence: int = 0) -> SpanTuple:
    """The span of the ``occurrence``-th ``piece`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(piece, start + 1)
    return start, start + len(piece), label


def round_trip(docs: list[NativeDocument], out: Path,
               **options: Any) -> tuple[FormatReport, list[NativeDocument]]:
    written = FormatReport()
    write(docs, out, written, **options)
    return written, list(read(out, FormatReport()))


@functools.cache
def english() -> Language:
    return spacy.blank("en")


def spacy_docs(path: Path) -> list[Doc]:
    """What a user training with spaCy gets from the file."""
    return list(DocBin().from_disk(path).get_docs(english().vocab))


def tuples(spans: Any) -> list[SpanTuple]:
    """spaCy spans or native spans as sorted (start, end, label)."""
    out = []
    for span in spans:
        if isinstance(span, NativeSpan):
            out.append((span.start, span.end, span.label))
        else:
            out.append((span.start_char, span.end_char, span.label_))
    return sorted(out)


def describe(span: SpanTuple) -> str:
    return f"span {span[0]}-{span[1]} {span[2]}"


def dropped_for(report: FormatReport, why: str) -> Counter[str]:
    return Counter(d.what for d in report.dropped if d.why == why)


def overlaps(a: SpanTuple, b: SpanTuple) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# --- the round-trip property -----------------------------------------------------------------

JSON_VALUES = st.one_of(st.integers(-5, 5), st.text(max_size=4), st.booleans(), st.none(),
                        st.lists(st.integers(0, 3), max_size=3))


@st.composite
def exported(draw: st.DrawFn) -> NativeDocument:
    """A generated document with some meta and about a quarter of its spans rejected."""
    document = draw(documents())
    document.meta = draw(st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=3))
    document.source = draw(st.sampled_from(["", "in/a.txt"]))
    for span in (*document.layers[0].entities, *document.layers[0].claims):
        if draw(st.integers(0, 3)) == 0:
            span.state = "rejected"
    return document


@settings(max_examples=200, deadline=None)
@given(document=exported())
def test_round_trip_keeps_text_spans_and_fields(document: NativeDocument,
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    out = tmp_path_factory.mktemp("rt") / "out.spacy"
    written, (back,) = round_trip([document], out)
    layer = document.layers[0]
    entities = [s for s in layer.entities if s.state != "rejected"]
    claims = [s for s in layer.claims if s.state != "rejected"]
    rejected = [s for s in (*layer.entities, *layer.claims) if s.state == "rejected"]

    assert back.text == document.text
    assert (back.title, back.source, back.meta) == (document.title, document.source, document.meta)
    assert tuples(back.layers[0].entities) == tuples(entities)
    assert tuples(back.layers[0].claims) == tuples(claims)
    assert span_set(back) == set(tuples([*entities, *claims]))

    (plain,) = spacy_docs(out)
    assert plain.text == document.text
    assert tuples(plain.spans["entities"]) == tuples(entities)
    assert tuples(plain.spans["claims"]) == tuples(claims)
    ents = tuples(plain.ents)
    assert not any(overlaps(a, b) for i, a in enumerate(ents) for b in ents[i + 1:])
    left_out = Counter(tuples(entities)) - Counter(ents)
    for span in left_out:  # each was beaten by an entity at least as long
        assert any(overlaps(span, e) and e[1] - e[0] >= span[1] - span[0] for e in ents)
    # Exactly the rejected spans are dropped, and exactly the entities missing from doc.ents
    # are reported as kept in doc.spans only: nothing else.
    assert dropped_for(written, REJECTED) == Counter(describe(tuples([s])[0]) for s in rejected)
    assert dropped_for(written, NOT_IN_ENTS) == Counter(
        {describe(s): n for s, n in left_out.items()})
    assert len(written.dropped) == len(rejected) + sum(left_out.values())
    assert written.spans == Counter(s.label for s in (*entities, *claims))


# --- text the Doc must keep exactly ---------------------------------------------------------


def test_emoji_before_a_span_counts_one(tmp_path: Path) -> None:
    text = "🌍👍🏽 UNICEF said so 😀 in Accra."
    spans = [at(text, "UNICEF", "ORG"), at(text, "Accra", "GPE")]
    assert spans[0][:2] == (4, 10)  # three code points and a space before it
    _, (back,) = round_trip([make(text, spans)], tmp_path / "e.spacy")
    assert tuples(back.layers[0].entities) == sorted(spans)
    assert [s.text for s in back.layers[0].entities] == ["UNICEF", "Accra"]
    (plain,) = spacy_docs(tmp_path / "e.spacy")
    assert [(e.start_char, e.text) for e in plain.ents] == [
        (4, "UNICEF"), (text.index("A"), "Accra")]


def test_crlf_and_lone_cr_are_kept(tmp_path: Path) -> None:
    text = "First line.\r\nWHO met in Lima.\r\n\r\nEnd\r"
    spans = [at(text, "WHO", "ORG"), at(text, "Lima", "GPE")]
    claim = [(text.index("WHO"), text.index("Lima.") + 5, "CLAIM")]
    _, (back,) = round_trip([make(text, spans, claim)], tmp_path / "c.spacy")
    assert back.text == text
    assert back.layers[0].entities[0].start == 13  # the CRLF counts two
    assert tuples(back.layers[0].claims) == claim
    (plain,) = spacy_docs(tmp_path / "c.spacy")
    assert plain.text == text
    assert plain.spans["claims"][0].text == "WHO met in Lima."


def test_leading_trailing_and_repeated_white_space(tmp_path: Path) -> None:
    text = "  \tKiva  and\t\tMali  said \t "
    spans = [
        at(text, "Kiva", "ORG"),
        at(text, " and", "X"),  # starts on the single space the tokenizer folds into "Kiva "
        at(text, "Mali  ", "GPE"),  # ends inside a run of spaces
        at(text, "said ", "Y"),  # ends after a trailing space
        (0, 3, "WS"),  # white space only
    ]
    _, (back,) = round_trip([make(text, spans)], tmp_path / "w.spacy")
    assert back.text == text
    assert tuples(back.layers[0].entities) == sorted(spans)
    (plain,) = spacy_docs(tmp_path / "w.spacy")
    assert plain.text == text
    assert sorted((s.start_char, s.text) for s in plain.spans["entities"]) == sorted(
        (s, text[s:e]) for s, e, _ in spans)


def test_a_span_inside_one_token_splits_it(tmp_path: Path) -> None:
    text = "UNICEF's plan: pre-2030 goals, GenevaBased staff."
    tokenizer = english()
    assert "pre-2030" in [t.text for t in tokenizer(text)]  # one token to the tokenizer
    assert "GenevaBased" in [t.text for t in tokenizer(text)]
    spans = [at(text, "UNICEF", "ORG"), at(text, "2030", "DATE"), at(text, "Geneva", "GPE")]
    written, (back,) = round_trip([make(text, spans)], tmp_path / "t.spacy")
    assert written.dropped == []
    assert tuples(back.layers[0].entities) == sorted(spans)
    (plain,) = spacy_docs(tmp_path / "t.spacy")
    assert [e.text for e in plain.ents] == ["UNICEF", "2030", "Geneva"]
    assert [t.text for t in plain][:2] == ["UNICEF", "'s"]
    assert ["pre-", "2030", "Geneva", "Based"] == [
        t.text for t in plain if t.text in {"pre-", "2030", "Geneva", "Based"}]


# --- overlapping entities: the doc.ents rule, all of them in doc.spans -----------------------


def test_overlapping_entities_longest_then_earliest(tmp_path: Path) -> None:
    text = "The Fund for Kids in Oslo and Bergen today."
    long = at(text, "The Fund for Kids", "ORG")
    nested = at(text, "Fund", "ORG")
    crossing = at(text, "Kids in Oslo", "EVENT")  # shorter than `long`, overlaps it
    oslo = at(text, "Oslo", "GPE")  # free once `crossing` lost
    first_tie = at(text, "and Bergen", "A")
    second_tie = at(text, "Bergen today", "B")  # overlaps first_tie; one longer: wins
    same_extent = (*oslo[:2], "LOC")  # as long as `oslo`, later in the layer: loses
    spans = [nested, crossing, long, oslo, same_extent, first_tie, second_tie]
    out = tmp_path / "o.spacy"
    written, (back,) = round_trip([make(text, spans)], out)

    (plain,) = spacy_docs(out)
    assert tuples(plain.ents) == sorted([long, oslo, second_tie])
    assert tuples(plain.spans["entities"]) == sorted(spans)
    assert tuples(back.layers[0].entities) == sorted(spans)
    assert dropped_for(written, NOT_IN_ENTS) == Counter(
        describe(s) for s in [nested, crossing, same_extent, first_tie])
    assert "4 overlapping entities are in doc.spans['entities'] only, not in doc.ents" \
        in written.notes


def test_equal_length_overlap_goes_to_the_earlier(tmp_path: Path) -> None:
    text = "abc def ghi"
    first, second = (0, 7, "A"), (4, 11, "B")
    written, _ = round_trip([make(text, [second, first])], tmp_path / "q.spacy")
    (plain,) = spacy_docs(tmp_path / "q.spacy")
    assert tuples(plain.ents) == [first]
    assert dropped_for(written, NOT_IN_ENTS) == Counter([describe(second)])


# --- what plain spaCy trains from ----------------------------------------------------------


def test_plain_spacy_reads_ents_groups_and_user_data(tmp_path: Path) -> None:
    text = "Oxfam reported 40 cases in Chad. It said more would come."
    claim = (0, text.index(".") + 1, "CLAIM")
    entities = [at(text, "Oxfam", "ORG"), at(text, "40", "CARDINAL"), at(text, "Chad", "GPE")]
    doc = make(text, entities, [claim], title="Report 🌍", source="notes/r.txt",
               meta={"n": [1, 2], "k": {"a": None}})
    out = tmp_path / "p.spacy"
    written, (back,) = round_trip([doc], out)
    (plain,) = spacy_docs(out)
    assert [(e.text, e.label_) for e in plain.ents] == [
        ("Oxfam", "ORG"), ("40", "CARDINAL"), ("Chad", "GPE")]
    assert [t.ent_iob_ for t in plain][:3] == ["B", "O", "B"]  # unmarked tokens are "O"
    assert set(plain.spans) == {"entities", "claims"}
    assert [(s.text, s.label_) for s in plain.spans["claims"]] == [(text[:claim[1]], "CLAIM")]
    assert plain.user_data["title"] == "Report 🌍"
    assert plain.user_data["sha256"] == doc.sha256
    assert (back.title, back.source, back.language, back.meta) == (
        "Report 🌍", "notes/r.txt", "en", {"n": [1, 2], "k": {"a": None}})
    assert written.files == [str(out)] and written.documents == 1
    assert written.spans == Counter({"ORG": 1, "CARDINAL": 1, "GPE": 1, "CLAIM": 1})
    assert back.layers[0].kind == "annotator" and back.layers[0].annotator is None
    assert {s.state for s in back.layers[0].entities} == {"accepted"}


def test_rejected_and_detailed_spans_are_reported(tmp_path: Path) -> None:
    text = "Peru and Chile signed."
    doc = make(text, [at(text, "Peru", "GPE"), at(text, "Chile", "GPE")])
    doc.layers[0].entities[0].state = "rejected"
    doc.layers[0].entities[1].score = 0.9
    doc.layers.append(NativeLayer(name="other", kind="annotator"))
    doc.meta = {"bad": {1, 2}}
    written, (back,) = round_trip([doc], tmp_path / "r.spacy")
    assert tuples(back.layers[0].entities) == [at(text, "Chile", "GPE")]
    assert [(d.what, d.why) for d in written.dropped] == [
        ("layer 'other'", "only one layer is written per document"),
        ("span 0-4 GPE", REJECTED),
        ("span 9-14 GPE: score, reason, provenance", docbin.NO_DETAILS),
        ("meta", "not JSON-safe (Object of type set is not JSON serializable)"),
    ]
    assert back.meta == {}


def test_a_document_without_layer_or_text(tmp_path: Path) -> None:
    docs = [NativeDocument(text=""), NativeDocument(text="Just text.")]
    written, back = round_trip(docs, tmp_path / "n.spacy")
    assert [d.text for d in back] == ["", "Just text."]
    assert [d.layers[0].entities for d in back] == [[], []]
    assert written.documents == 2 and written.dropped == []


def test_a_doc_whose_text_differs_fails_before_writing(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docbin, "_words", lambda *_: (["x"], [False]))
    out = tmp_path / "x.spacy"
    with pytest.raises(UnannotateError, match="differs from the document's text"):
        write([make("Some text.")], out, FormatReport())
    assert not out.exists()


# --- languages -------------------------------------------------------------------------------


def test_non_english_documents_use_their_tokenizer(tmp_path: Path) -> None:
    spanish = "La OMS y la UNESCO se reúnen en Ginebra el 3 de mayo."
    chinese = "世卫组织 在日内瓦 开会。"
    docs = [
        make(spanish, [at(spanish, "OMS", "ORG"), at(spanish, "3 de mayo", "DATE")],
             language="es"),
        make(chinese, [at(chinese, "日内瓦", "GPE")], language="zh"),
    ]
    out = tmp_path / "other.spacy"
    written, back = round_trip(docs, out)
    assert [d.language for d in back] == ["es", "zh"] and written.notes == []
    assert [tuples(d.layers[0].entities) for d in back] == [
        sorted(tuples(d.layers[0].entities)) for d in docs]
    es_doc, zh_doc = spacy_docs(out)
    assert [t.text for t in es_doc] == [t.text for t in spacy.blank("es")(spanish)]
    assert zh_doc.text == chinese
    assert [t.text for t in zh_doc][:4] == ["世", "卫", "组", "织"]  # one token a character
    assert [e.text for e in zh_doc.ents] == ["日内瓦"]


def test_a_language_spacy_lacks_falls_back_with_a_note(tmp_path: Path) -> None:
    text = "Qapla' Kronos HQ."
    docs = [make(text, [at(text, "Kronos", "GPE")], language="zz"), make(text, language="zz")]
    written, back = round_trip(docs, tmp_path / "zz.spacy")
    assert [d.language for d in back] == ["zz", "zz"]
    assert tuples(back[0].layers[0].entities) == [at(text, "Kronos", "GPE")]
    assert len(written.notes) == 1
    assert written.notes[0].startswith("2 document(s): spaCy cannot tokenise 'zz'")
    assert "multi-language tokenizer" in written.notes[0]


# --- train/dev split -------------------------------------------------------------------------


def _titled(count: int) -> list[NativeDocument]:
    return [make(f"Text number {i}.", [(0, 4, "X")], title=f"d{i}") for i in range(count)]


def _titles(path: Path) -> list[str]:
    return [d.title for d in read(path, FormatReport())]


def test_seeded_split_is_repeatable(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    written, _ = round_trip(_titled(10), first, dev_fraction=0.3, seed=7)
    round_trip(_titled(10), again, dev_fraction=0.3, seed=7)
    round_trip(_titled(10), other, dev_fraction=0.3, seed=8)
    dev = _titles(first / "dev.spacy")
    train = _titles(first / "train.spacy")
    assert len(dev) == 3 and len(train) == 7
    assert sorted(dev + train, key=lambda t: int(t[1:])) == [f"d{i}" for i in range(10)]
    assert train == sorted(train, key=lambda t: int(t[1:]))  # document order kept
    assert _titles(again / "dev.spacy") == dev
    assert _titles(other / "dev.spacy") != dev
    assert written.files == [str(first / "train.spacy"), str(first / "dev.spacy")]
    assert "7 documents in train.spacy, 3 in dev.spacy (dev fraction 0.3, seed 7)" \
        in written.notes
    assert len(list(read(first, FormatReport()))) == 10  # a folder reads both files
    assert len(spacy_docs(first / "dev.spacy")) == 3


@pytest.mark.parametrize(("count", "fraction", "dev_count"), [
    (2, 0.01, 1), (5, 0.99, 4), (10, 0.25, 2), (10, 0.26, 3), (1, 0.5, 0), (0, 0.5, 0),
])
def test_split_sizes(count: int, fraction: float, dev_count: int) -> None:
    train, dev = split(list(range(count)), fraction, seed=3)
    assert len(dev) == dev_count
    assert sorted(train + dev) == list(range(count))


def test_a_single_document_stays_in_train(tmp_path: Path) -> None:
    written, back = round_trip(_titled(1), tmp_path / "one", dev_fraction=0.5)
    assert _titles(tmp_path / "one" / "train.spacy") == ["d0"]
    assert _titles(tmp_path / "one" / "dev.spacy") == []
    assert "1 documents in train.spacy, 0 in dev.spacy (dev fraction 0.5, seed 0)" in written.notes


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_a_dev_fraction_out_of_range_is_refused(tmp_path: Path, fraction: float) -> None:
    with pytest.raises(UnannotateError, match="dev fraction"):
        write(_titled(3), tmp_path / "s", FormatReport(), dev_fraction=fraction)


def test_a_large_export_is_a_folder_of_docbins_spacy_reads_as_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past SHARD_TOKENS tokens a DocBin file is closed and the next begun: the output is a
    folder of numbered files, documents never cut, order kept; spaCy's own corpus reader
    and ours take the folder as one corpus. A later smaller export replaces the folder."""
    from spacy.training import Corpus

    monkeypatch.setattr(docbin, "SHARD_TOKENS", 10)  # each document is 4 tokens
    out = tmp_path / "ana.spacy"
    written, back = round_trip(_titled(7), out)
    assert out.is_dir()
    assert sorted(p.name for p in out.iterdir()) == ["00001.spacy", "00002.spacy", "00003.spacy"]
    assert written.files == [str(out / f"0000{i}.spacy") for i in (1, 2, 3)]
    assert [d.title for d in back] == [f"d{i}" for i in range(7)]
    assert any("folder of 3 DocBin files" in note for note in written.notes)
    examples = list(Corpus(out)(english()))
    assert sorted(e.reference.text for e in examples) == sorted(f"Text number {i}." for i in range(7))
    assert [leftover.name for leftover in tmp_path.iterdir()] == ["ana.spacy"]
    round_trip(_titled(1), out)  # one small file now takes the folder's place
    assert out.is_file() and _titles(out) == ["d0"]
    round_trip(_titled(7), out)  # and a folder the file's
    assert out.is_dir() and len(_titles(out)) == 7


def test_a_large_split_keeps_its_documents_and_their_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docbin, "SHARD_TOKENS", 10)
    small, large = tmp_path / "small", tmp_path / "large"
    round_trip(_titled(20), large, dev_fraction=0.25, seed=5)
    monkeypatch.setattr(docbin, "SHARD_TOKENS", 10**9)
    round_trip(_titled(20), small, dev_fraction=0.25, seed=5)
    assert (large / "train.spacy").is_dir() and (small / "train.spacy").is_file()
    for part in ("train.spacy", "dev.spacy"):
        assert _titles(large / part) == _titles(small / part)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failed_large_export_leaves_the_previous_output_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "ana.spacy"
    round_trip(_titled(2), out)
    before = out.read_bytes()
    monkeypatch.setattr(docbin, "SHARD_TOKENS", 10)
    bad = [*_titled(6), make("broken", [(0, 3, "X")])]
    bad[-1].layers[0].entities[0].text = "xyz"  # disagrees with its offsets
    with pytest.raises(Exception):  # noqa: B017 - whichever error the bad span gives
        write(bad, out, FormatReport())
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ana.spacy"]


def test_a_folder_that_is_not_an_export_is_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(UnannotateError, match="is a folder that holds other files"):
        write(_titled(2), folder, FormatReport())
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"


# --- reading what others wrote ---------------------------------------------------------------


def _save(path: Path, docs: list[Doc], user_data: bool = True) -> Path:
    DocBin(store_user_data=user_data, docs=docs).to_disk(path)
    return path


def test_reader_takes_ents_without_an_entities_group_and_reports_the_rest(tmp_path: Path) -> None:
    nlp = english()
    doc = nlp("Lagos and Abuja signed with Ghana on Monday.")
    doc.ents = [doc.char_span(0, 5, "GPE"), doc.char_span(10, 15, "GPE")]
    doc.spans["claims"] = [doc.char_span(0, len(doc.text) - 1, "CLAIM")]
    doc.spans["sc"] = [doc.char_span(28, 33, "GPE")]
    doc.cats = {"POLITICS": 1.0}
    doc.user_data["origin"] = "elsewhere"
    report = FormatReport()
    (back,) = read(_save(tmp_path / "in.spacy", [doc]), report)
    assert [s.text for s in back.layers[0].entities] == ["Lagos", "Abuja"]
    assert [(s.text, s.label) for s in back.layers[0].claims] == [(doc.text[:-1], "CLAIM")]
    where = f"{tmp_path / 'in.spacy'}:1"
    assert [(d.where, d.what) for d in report.dropped] == [
        (where, "span group 'sc' (1 spans)"),
        (where, "doc.cats (1 categories)"),
        (where, "user_data 'origin'"),
    ]
    assert report.documents == 1 and report.spans == Counter({"GPE": 2, "CLAIM": 1})
    assert back.language == "en"  # no language stored: guessed from the text


def test_reader_adds_ents_missing_from_the_entities_group(tmp_path: Path) -> None:
    doc = english()("Nairobi and Kampala.")
    doc.ents = [doc.char_span(0, 7, "GPE"), doc.char_span(12, 19, "GPE")]
    doc.spans["entities"] = [doc.char_span(0, 7, "GPE"), doc.char_span(0, 11, "LOC")]
    (back,) = read(_save(tmp_path / "m.spacy", [doc]), FormatReport())
    assert tuples(back.layers[0].entities) == [(0, 7, "GPE"), (0, 11, "LOC"), (12, 19, "GPE")]


def test_the_shared_docbin_from_spacy_projects() -> None:
    folder = SHARED / "spacy"
    if not folder.is_dir():
        pytest.skip("no shared sample files here")
    report = FormatReport()
    # Counted from the file: one doc of 20 tokens whose ENT_IOB column has one B (one PERSON).
    (back,) = read(folder / "ner_tweets_demo.spacy", report)
    assert report.documents == 1 and report.spans == Counter({"PERSON": 1})
    assert report.dropped == []
    assert len(back.text) == 82
    (span,) = back.layers[0].entities
    assert (span.start, span.end, span.label) == (11, 21, "PERSON")
    assert back.text[span.start:span.end] == span.text == "Ed Sheeran"
    assert back.layers[0].claims == []
    assert (back.title, back.meta) == ("", {})
    assert len(list(read(folder, FormatReport()))) == 1  # the folder reads the same


# --- bad input -------------------------------------------------------------------------------


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        list(read(path, FormatReport()))
    return caught.value


def test_a_file_that_is_not_a_docbin(tmp_path: Path) -> None:
    path = tmp_path / "text.spacy"
    path.write_text("just some words\n", encoding="utf-8")
    error = _error(path)
    assert error.path == str(path) and error.line is None
    assert "not a spaCy DocBin" in error.reason
    other = tmp_path / "msgpack.spacy"
    other.write_bytes(zlib.compress(srsly.msgpack_dumps({"attrs": []})))
    assert "not a spaCy DocBin" in _error(other).reason


def test_wrong_user_data_types_name_the_document(tmp_path: Path) -> None:
    nlp = english()
    good, bad_title, bad_meta = nlp("One."), nlp("Two."), nlp("Three.")
    bad_title.user_data["title"] = 5
    bad_meta.user_data["meta"] = ["not", "an", "object"]
    path = _save(tmp_path / "u.spacy", [good, bad_title])
    error = _error(path)
    assert (error.path, error.line) == (str(path), 2)
    assert error.reason == "user_data 'title' is not a string"
    path = _save(tmp_path / "m.spacy", [bad_meta])
    assert (_error(path).line, _error(path).reason) == (1, "user_data 'meta' is not an object")


def test_a_span_past_the_end_of_its_doc(tmp_path: Path) -> None:
    """A DocBin whose span group points at tokens 7-10 of a doc of two tokens."""
    nlp = english()
    long = nlp("one two three four five six seven eight nine ten")
    long.spans["entities"] = [long.char_span(long[7].idx, len(long.text), "X")]
    short = nlp("two words")
    message = srsly.msgpack_loads(zlib.decompress(DocBin(docs=[long]).to_bytes()))
    other = srsly.msgpack_loads(zlib.decompress(DocBin(docs=[short]).to_bytes()))
    for key in ("tokens", "spaces", "lengths"):
        message[key] = other[key]
    message["strings"] = sorted({*message["strings"], *other["strings"]})
    path = tmp_path / "past.spacy"
    path.write_bytes(zlib.compress(srsly.msgpack_dumps(message)))
    error = _error(path)
    assert (error.path, error.line) == (str(path), 1)
    assert "span" in error.reason


def test_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    assert _error(tmp_path / "absent.spacy").reason == "no such file or folder"
    (tmp_path / "empty").mkdir()
    assert _error(tmp_path / "empty").reason == "the folder holds no .spacy files"


# --- the spec --------------------------------------------------------------------------------


def test_spec() -> None:
    assert (SPEC.name, SPEC.title, SPEC.suffixes) == ("spacy", "spaCy DocBin", (".spacy",))
    assert SPEC.reader is read and SPEC.writer is write
    assert SPEC.options == {"dev_fraction": 0.0, "seed": 0}
    assert SPEC.detect is not None
    assert SPEC.detect(Path("train.SPACY"), b"x\x9c")
    assert not SPEC.detect(Path("train.jsonl"), b"{}")


def test_spans_without_label_or_characters_are_reported(tmp_path: Path) -> None:
    doc = english()("Quito and Lima.")
    doc.spans["entities"] = [Span(doc, 0, 1), Span(doc, 2, 2, "GPE"), Span(doc, 2, 3, "GPE")]
    report = FormatReport()
    (back,) = read(_save(tmp_path / "l.spacy", [doc]), report)
    assert [s.text for s in back.layers[0].entities] == ["Lima"]
    assert [d.what for d in report.dropped] == ["span 0-5 ", "span 10-10 GPE"]


def _numbered(count: int) -> list[NativeDocument]:
    """Documents that each bring spaCy's vocab two strings it has not seen."""
    return [make(f"Number {n} and word{n} here.", [(0, 6, "X")], title=f"d{n}")
            for n in range(count)]


def test_the_tokenising_pipeline_is_renewed_so_memory_stays_flat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """spaCy's vocab keeps every string it sees, with a lexeme for each, and its tokenizer
    every piece of text: an export of many documents starts a fresh pipeline for a language
    once its vocab has taken in MAX_NEW_STRINGS, and writes the same bytes."""
    write(_numbered(20), tmp_path / "kept.spacy", FormatReport())
    german = blank_pipelines.blank_for("de")
    monkeypatch.setattr(blank_pipelines, "MAX_NEW_STRINGS", 5)
    first = blank_pipelines.blank_for("en")
    written, back = round_trip(_numbered(20), tmp_path / "renewed.spacy")
    last = blank_pipelines.BLANKS["en"]  # as the export left it
    assert last is not first
    assert "word0" not in last.nlp.vocab.strings and "word19" in last.nlp.vocab.strings
    assert len(last.nlp.vocab.strings) - last.built_strings <= 5 + 10
    assert blank_pipelines.blank_for("de") is german  # only the language that grew
    assert (tmp_path / "renewed.spacy").read_bytes() == (tmp_path / "kept.spacy").read_bytes()
    assert [d.text for d in back] == [d.text for d in _numbered(20)]


def test_reading_back_renews_the_vocab_and_keeps_every_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A split reads its spooled files back, and the reader reads a folder, with a vocab for
    each file: renewed as it grows, with the same bytes and documents."""
    monkeypatch.setattr(docbin, "SHARD_TOKENS", 10)
    kept, renewed = tmp_path / "kept", tmp_path / "renewed"
    write(_numbered(20), kept, FormatReport(), dev_fraction=0.25, seed=5)
    monkeypatch.setattr(blank_pipelines, "MAX_NEW_STRINGS", 5)
    blank_pipelines.blank_for(docbin.FALLBACK_LANGUAGE)  # fresh: the first write grew it
    write(_numbered(20), renewed, FormatReport(), dev_fraction=0.25, seed=5)
    assert "word0" not in blank_pipelines.BLANKS[docbin.FALLBACK_LANGUAGE].nlp.vocab.strings
    for part in ("train.spacy", "dev.spacy"):
        shards = sorted((renewed / part).iterdir())
        assert len(shards) > 1
        assert [p.read_bytes() for p in shards] == \
            [p.read_bytes() for p in sorted((kept / part).iterdir())]
    back = list(read(renewed / "train.spacy", FormatReport()))
    vocab = blank_pipelines.BLANKS[docbin.FALLBACK_LANGUAGE].nlp.vocab
    assert back[0].text.split()[3] not in vocab.strings
    titles = [d.title for d in back]
    assert titles == _titles(kept / "train.spacy")
    assert [d.text for d in back] == [d.text for d in _numbered(20) if d.title in titles]


# --- done, not done, and what spaCy trains on ---------------------------------------------------


def test_reading_tells_finished_docs_from_unannotated_ones(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    text = "Ada Park met the board in Lyon ."
    tagged = nlp.make_doc(text)
    tagged.ents = []  # "O" on every token: finished, nothing to mark
    unannotated = nlp.make_doc(text + " Again .")  # every tag missing
    partly = nlp.make_doc(text + " Once more .")
    partly.set_ents([partly.char_span(0, 8, label="PERSON")], default="missing")
    path = tmp_path / "mixed.spacy"
    DocBin(docs=[tagged, unannotated, partly]).to_disk(path)
    report = FormatReport()
    first, second, third = read(path, report)
    assert [d.layers[0].status for d in (first, second, third)] == ["done", None, "done"]
    assert sorted(d.why for d in report.dropped) == sorted([docbin.MISSING_TAGS,
                                                            docbin.SOME_MISSING])


def test_a_doc_not_done_keeps_its_other_tags_missing(tmp_path: Path) -> None:
    text = "Ada Park met the board in Lyon."
    done = make(text, [at(text, "Ada Park", "PERSON")])
    done.layers[0].status = "done"
    unfinished = make(text + " Later.", [at(text, "Lyon", "GPE")])
    unfinished.layers[0].status = "in_progress"
    untouched = make("Nothing yet.")
    untouched.layers[0].status = "todo"
    write([done, unfinished, untouched], tmp_path / "out.spacy", FormatReport())
    docs = list(DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("en").vocab))
    assert [t.ent_iob_ for t in docs[0]] == ["B", "I", "O", "O", "O", "O", "O", "O"]
    tags = [t.ent_iob_ for t in docs[1]]
    assert tags.count("B") == 1 and set(tags) == {"B", ""}
    assert not docs[2].has_annotation("ENT_IOB")
