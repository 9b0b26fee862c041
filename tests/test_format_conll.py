"""CoNLL / IOB reader and writer: round trips, the tagging schemes, documents, drops, bad input."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import ENTITY_LABELS, documents, span_set, spans_of

from unannotate.core.errors import InputError
from unannotate.formats import conll
from unannotate.formats.interchange import FormatReport, token_offsets
from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "formats"
DOCCANO = SHARED / "doccano"

_WHAT = re.compile(r"span (\d+)-(\d+) (\S+)")  # as the writer names a span it reports
_MOVED = re.compile(r"written as (\d+)-(\d+)")

Key = tuple[int, int, str]


# --- helpers ---------------------------------------------------------------------------------


def _file(folder: Path, content: str | bytes, name: str = "sample.conll") -> Path:
    path = folder / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def _read(path: Path, **options: str) -> tuple[list[NativeDocument], FormatReport]:
    report = FormatReport()
    return list(conll.read(path, report, **options)), report


def _spans(document: NativeDocument) -> list[tuple[int, int, str, str]]:
    return [(s.start, s.end, s.label, s.text) for s in document.layers[0].entities]


def _document(text: str, *spans: tuple[int, int, str], claims: tuple[Key, ...] = (),
              state: str = "accepted") -> NativeDocument:
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana")
    layer.entities = [NativeSpan(s, e, label, text[s:e], state) for s, e, label in spans]
    layer.claims = [NativeSpan(s, e, label, text[s:e], "accepted") for s, e, label in claims]
    return NativeDocument(text=text, layers=[layer])


def _write(folder: Path, documents: list[NativeDocument],
           **options: str) -> tuple[Path, FormatReport]:
    report = FormatReport()
    path = folder / "out.conll"
    conll.write(documents, path, report, **options)
    return path, report


def _accounts(report: FormatReport) -> tuple[Counter[Key], Counter[Key], Counter[Key],
                                               Counter[Key]]:
    """The spans the writer reported, as (start, end, label) in the document it was given:
    claims, entities dropped, entities moved off white space, and where those were written."""
    claims: Counter[Key] = Counter()
    dropped: Counter[Key] = Counter()
    moved_from: Counter[Key] = Counter()
    moved_to: Counter[Key] = Counter()
    for entry in report.dropped:
        what = _WHAT.fullmatch(entry.what)
        if what is None:
            continue
        key = (int(what[1]), int(what[2]), what[3])
        moved = _MOVED.search(entry.why)
        if key[2] == "CLAIM":
            claims[key] += 1
        elif moved:
            moved_from[key] += 1
            moved_to[(int(moved[1]), int(moved[2]), key[2])] += 1
        else:
            dropped[key] += 1
    return claims, dropped, moved_from, moved_to


def _keys(spans: list[NativeSpan]) -> Counter[Key]:
    return Counter((s.start, s.end, s.label) for s in spans)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- round trips -----------------------------------------------------------------------------

# Words that are one token each, so that texts of them joined by single spaces and single
# line breaks come back exactly.
WORDS = st.one_of(
    st.text(alphabet=st.sampled_from(list("abcXYZ019éßØ中文مرحبا𝔸")), min_size=1, max_size=6),
    st.sampled_from(["🌍", "😀", ".", ",", "%", "\u200b"]),
)


@st.composite
def plain_documents(draw: st.DrawFn) -> NativeDocument:
    """Texts of words joined by single spaces and lines; spans that begin and end on a token
    or on white space (so they cut no word), overlapping and crossing lines at will."""
    lines = draw(st.lists(st.lists(WORDS, min_size=1, max_size=8), min_size=1, max_size=4))
    text = "\n".join(" ".join(line) for line in lines)
    tokens = token_offsets(text)
    spaces = [i for i, char in enumerate(text) if char.isspace()]
    starts = sorted({start for start, _ in tokens} | set(spaces))
    ends = sorted({end for _, end in tokens} | {i + 1 for i in spaces})
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana")
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.sampled_from(starts))
        end = draw(st.sampled_from([end for end in ends if end > start]))
        layer.entities.append(
            NativeSpan(start, end, draw(ENTITY_LABELS), text[start:end], "accepted"))
    layer.claims = draw(spans_of(text, st.just("CLAIM"), max_spans=2))
    return NativeDocument(text=text, layers=[layer])


@settings(max_examples=200, deadline=None)
@given(document=plain_documents(), scheme=st.sampled_from(conll.WRITE_SCHEMES))
def test_round_trip_keeps_text_and_spans_exactly(
    tmp_path_factory: pytest.TempPathFactory, document: NativeDocument, scheme: str
) -> None:
    path, report = _write(tmp_path_factory.mktemp("conll"), [document], scheme=scheme)
    [back], read_report = _read(path)

    assert back.text == document.text
    assert report.notes == [] and read_report.notes == [] and read_report.dropped == []
    layer = document.layers[0]
    entities = _keys(layer.entities)
    claims, dropped, moved_from, moved_to = _accounts(report)
    assert claims == _keys(layer.claims)
    assert dropped + moved_from <= entities
    # Every span comes back exactly, except those reported: dropped, or moved off white space.
    assert len(span_set(back)) == len(back.layers[0].entities)
    assert Counter(span_set(back)) == entities - dropped - moved_from + moved_to
    assert all(s.text == back.text[s.start:s.end] for s in back.layers[0].entities)
    assert report.documents == 1 and sum(report.spans.values()) == len(span_set(back))


@settings(max_examples=200, deadline=None)
@given(document=documents(), scheme=st.sampled_from(conll.WRITE_SCHEMES))
def test_round_trip_of_any_text_keeps_labels_and_token_text(
    tmp_path_factory: pytest.TempPathFactory, document: NativeDocument, scheme: str
) -> None:
    path, report = _write(tmp_path_factory.mktemp("conll"), [document], scheme=scheme)
    text = document.text
    layer = document.layers[0]
    entities = _keys(layer.entities)
    claims, dropped, moved_from, _ = _accounts(report)
    assert claims == _keys(layer.claims)
    assert dropped + moved_from <= entities

    if not token_offsets(text):
        assert report.documents == 0 and dropped == entities
        assert [d.what for d in report.dropped if not _WHAT.fullmatch(d.what)] == ["document"]
        with pytest.raises(InputError, match="has no tokens"):
            _read(path)
        return
    [back], read_report = _read(path)
    assert _squeeze(back.text) == _squeeze(text)
    assert (back.text != text) == bool(report.notes)
    assert read_report.notes == [] and read_report.dropped == []
    # Each span written comes back with its label and its tokens, whatever the white space.
    written = (entities - dropped).elements()
    expected = Counter((label, _squeeze(text[s:e])) for s, e, label in written)
    came_back = Counter((s.label, _squeeze(s.text)) for s in back.layers[0].entities)
    assert came_back == expected


# --- reading: schemes ------------------------------------------------------------------------

SENTENCE = "Amara Okoye met Lena Berg Tomas Ruiz in Quito ."
EXPECTED = [
    (0, 11, "PER", "Amara Okoye"),
    (16, 25, "PER", "Lena Berg"),
    (26, 36, "PER", "Tomas Ruiz"),
    (40, 45, "GPE", "Quito"),
]
TAGS = {
    "iob2": "B-PER I-PER O B-PER I-PER B-PER I-PER O B-GPE O",
    "iob1": "I-PER I-PER O I-PER I-PER B-PER I-PER O I-GPE O",
    "bioes": "B-PER E-PER O B-PER E-PER B-PER E-PER O S-GPE O",
    "bilou": "B-PER L-PER O B-PER L-PER B-PER L-PER O U-GPE O",
}


def _tagged(tags: str, separator: str = " ") -> str:
    return "".join(f"{token}{separator}{tag}\n"
                   for token, tag in zip(SENTENCE.split(), tags.split(), strict=True))


@pytest.mark.parametrize("scheme", sorted(TAGS))
@pytest.mark.parametrize("option", ["auto", "given"])
def test_every_scheme_gives_the_same_spans(tmp_path: Path, scheme: str, option: str) -> None:
    path = _file(tmp_path, _tagged(TAGS[scheme], "\t"))
    [document], report = _read(path, scheme=scheme if option == "given" else "auto")
    assert document.text == SENTENCE
    assert _spans(document) == EXPECTED
    assert report.notes == [] and report.dropped == []
    assert report.documents == 1 and report.spans == Counter({"PER": 3, "GPE": 1})
    assert document.layers[0].kind == "annotator" and document.layers[0].annotator is None
    assert {s.state for s in document.layers[0].entities} == {"accepted"}


def test_scheme_detection(tmp_path: Path) -> None:
    cases = {"iob2": "iob2", "iob1": "iob1", "bioes": "bioes", "bilou": "bilou"}
    for written, detected in cases.items():
        blocks = conll._blocks(_tagged(TAGS[written]).splitlines(), "x", FormatReport())
        assert conll._detect_scheme(blocks) == detected
    only_o = conll._blocks(["a O", "b O"], "x", FormatReport())
    assert conll._detect_scheme(only_o) == "iob2"


def test_an_i_tag_beginning_an_entity_in_iob2_begins_one_and_is_counted(tmp_path: Path) -> None:
    # "Lena" begins with I- although B- begins other entities: invalid IOB2.
    tags = "B-PER I-PER O I-PER I-PER B-PER I-PER O I-GPE O"
    path = _file(tmp_path, _tagged(tags))
    [document], report = _read(path)
    assert _spans(document) == EXPECTED
    assert report.dropped == []
    assert report.notes == [f"{path}: 2 entities began with I- (not valid IOB2); each was read "
                            "as the beginning of an entity"]
    # Read as IOB1, the same tags are valid.
    [document], report = _read(path, scheme="iob1")
    assert _spans(document) == EXPECTED and report.notes == []


def test_an_i_tag_of_another_label_begins_a_new_entity(tmp_path: Path) -> None:
    path = _file(tmp_path, "Kofi B-PER\nAccra I-GPE\nrain O\n")
    [document], report = _read(path, scheme="iob2")
    assert _spans(document) == [(0, 4, "PER", "Kofi"), (5, 10, "GPE", "Accra")]
    assert report.notes == [f"{path}: 1 entity began with I- (not valid IOB2); each was read as "
                            "the beginning of an entity"]


def test_an_unknown_scheme_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, "a O\n")
    with pytest.raises(ValueError, match="iob3"):
        _read(path, scheme="iob3")
    with pytest.raises(ValueError, match="auto"):
        conll.write([], tmp_path / "x.conll", FormatReport(), scheme="auto")


def test_emoji_tokens_count_one_code_point(tmp_path: Path) -> None:
    path = _file(tmp_path, "Ngozi B-PER\n😀 O\n🌍 B-LOC\n👍🏽 I-LOC\nLagos B-GPE\n")
    [document], _ = _read(path)
    assert document.text == "Ngozi 😀 🌍 👍🏽 Lagos"
    assert _spans(document) == [(0, 5, "PER", "Ngozi"), (8, 12, "LOC", "🌍 👍🏽"),
                                (13, 18, "GPE", "Lagos")]


def test_emoji_text_round_trips_exactly(tmp_path: Path) -> None:
    text = "Ngozi 😀 met 🌍 Lagos 𝔸\nZanele ü"
    document = _document(text, (0, 5, "PER"), (12, 19, "GPE"), (22, 28, "PER"))
    path, report = _write(tmp_path, [document])
    assert path.read_text(encoding="utf-8").splitlines()[2:6] == [
        "Ngozi B-PER", "😀 O", "met O", "🌍 B-GPE"]
    [back], _ = _read(path)
    assert back.text == text and span_set(back) == span_set(document)
    assert report.notes == [] and report.dropped == []


# --- reading: documents and sentences --------------------------------------------------------

CONLL_2003 = """\
-DOCSTART- -X- -X- O

Ayodele NNP B-NP B-PER
spoke VBD B-VP O
. . O O

Rain NN B-NP O
fell VBD B-VP O

-DOCSTART- -X- -X- O

Hanoi NNP B-NP B-LOC
wins VBZ B-VP O

"""


def test_docstart_begins_each_document_and_blank_lines_separate_sentences(tmp_path: Path) -> None:
    path = _file(tmp_path, CONLL_2003)
    documents, report = _read(path)
    assert [d.text for d in documents] == ["Ayodele spoke .\nRain fell", "Hanoi wins"]
    assert _spans(documents[0]) == [(0, 7, "PER", "Ayodele")]
    assert _spans(documents[1]) == [(0, 5, "LOC", "Hanoi")]
    assert report.documents == 2 and report.spans == Counter({"PER": 1, "LOC": 1})
    # The part-of-speech and chunk columns are not kept, and the report says so once.
    [dropped] = report.dropped
    assert (dropped.where, dropped.what) == (str(path), "the middle columns of 7 lines")
    assert {d.source for d in documents} == {str(path)}


def test_docstart_with_no_tokens_is_reported_and_tokens_before_it_are_a_document(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path, "Sun O\nrose O\n\nLate O\n\n-DOCSTART- -X- O O\n\n\n"
                           "-DOCSTART- -X- O O\nOslo B-GPE\n")
    documents, report = _read(path)
    assert [d.text for d in documents] == ["Sun rose\nLate", "Oslo"]
    [dropped] = report.dropped
    assert (dropped.where, dropped.what) == (f"{path}:6", "document")


def test_without_docstart_each_block_is_a_document(tmp_path: Path) -> None:
    path = _file(tmp_path, "\n\nSun O\nrose O\n\n\n\nMira B-PER\n \t\nOslo\tB-GPE\n\n\n")
    documents, report = _read(path)
    assert [d.text for d in documents] == ["Sun rose", "Mira", "Oslo"]
    assert [_spans(d) for d in documents] == [[], [(0, 4, "PER", "Mira")],
                                              [(0, 4, "GPE", "Oslo")]]
    assert report.documents == 3 and report.dropped == [] and report.notes == []


def test_an_entity_ends_with_its_sentence(tmp_path: Path) -> None:
    path = _file(tmp_path, "-DOCSTART- -X- O O\nNew B-GPE\n\nYork I-GPE\n")
    [document], report = _read(path, scheme="iob1")
    assert _spans(document) == [(0, 3, "GPE", "New"), (4, 8, "GPE", "York")]


def test_crlf_tabs_runs_of_spaces_and_a_byte_order_mark(tmp_path: Path) -> None:
    path = _file(tmp_path, b"\xef\xbb\xbfAmara  \tB-PER\r\nOkoye\tI-PER \r\n\r\nyes O\r\n")
    documents, _ = _read(path)
    assert [(d.text, _spans(d)) for d in documents] == [
        ("Amara Okoye", [(0, 11, "PER", "Amara Okoye")]), ("yes", [])]


# --- reading: bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("Amara B-PER\nOkoye\n", 2, "the token 'Okoye' has no tag"),
        ("a O\n\nb O\nc X-PER\n", 4, "unknown tag 'X-PER'"),
        ("a O\nb B-\n", 2, "unknown tag 'B-'"),
        ("a b-per\n", 1, "unknown tag 'b-per'"),
        ("a 7\n", 1, "unknown tag '7'"),
        ("a B PER\n", 1, "unknown tag 'PER'"),
    ],
)
def test_a_malformed_line_names_file_and_line(tmp_path: Path, content: str, line: int,
                                              reason: str) -> None:
    path = _file(tmp_path, content)
    with pytest.raises(InputError) as caught:
        _read(path)
    assert (caught.value.path, caught.value.line) == (str(path), line)
    assert caught.value.reason.startswith(reason)


def test_bad_input_stops_before_any_document(tmp_path: Path) -> None:
    path = _file(tmp_path, "Good O\n\nAlso O\n\nbad\n")
    documents = conll.read(path, FormatReport())
    with pytest.raises(InputError) as caught:
        next(documents)
    assert caught.value.line == 5


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = _file(tmp_path, b"a O\n\nb O\nc\xe9 O\n")
    with pytest.raises(InputError, match="not UTF-8") as caught:
        _read(path)
    assert caught.value.line == 4


@pytest.mark.parametrize("content", ["", "\n\n  \n", "-DOCSTART- -X- O O\n\n"])
def test_a_file_without_tokens_is_an_error(tmp_path: Path, content: str) -> None:
    path = _file(tmp_path, content)
    with pytest.raises(InputError, match="has no tokens") as caught:
        _read(path)
    assert caught.value.path == str(path)


# --- writing ---------------------------------------------------------------------------------


def test_writer_output_iob2(tmp_path: Path) -> None:
    text = "Amara Okoye flew to Quito.\n\nShe left."
    first = _document(text, (0, 11, "PER"), (20, 25, "GPE"))
    first.title = "trip"
    second = NativeDocument(text="No layer here")
    path, report = _write(tmp_path, [first, second])
    assert path.read_text(encoding="utf-8") == (
        "-DOCSTART- -X- -X- O\n\n"
        "Amara B-PER\nOkoye I-PER\nflew O\nto O\nQuito B-GPE\n. O\n\nShe O\nleft O\n. O\n\n"
        "-DOCSTART- -X- -X- O\n\nNo O\nlayer O\nhere O\n\n"
    )
    assert report.files == [str(path)]
    assert report.documents == 2 and report.spans == Counter({"PER": 1, "GPE": 1})
    assert report.dropped == []
    assert report.notes == [
        "document 1 (trip): white space is not kept; the text reads back as its tokens joined "
        "by single spaces, one line per sentence, and its spans' offsets move with it"]
    documents, _ = _read(path)
    assert [d.text for d in documents] == ["Amara Okoye flew to Quito .\nShe left .",
                                           "No layer here"]
    assert _spans(documents[0]) == [(0, 11, "PER", "Amara Okoye"), (20, 25, "GPE", "Quito")]


def test_writer_iob1_begins_with_b_only_after_an_entity_of_the_same_label(tmp_path: Path) -> None:
    text = "Lena Berg Tomas Ruiz Oslo Ana\nBo"
    document = _document(text, (0, 9, "PER"), (10, 20, "PER"), (21, 25, "GPE"),
                         (26, 29, "PER"), (30, 32, "PER"))
    path, _ = _write(tmp_path, [document], scheme="iob1")
    tags = [line.split(" ")[1] for line in path.read_text(encoding="utf-8").splitlines()[2:]
            if line]
    assert tags == ["I-PER", "I-PER", "B-PER", "I-PER", "I-GPE", "I-PER", "I-PER"]
    [back], report = _read(path)
    assert span_set(back) == span_set(document) and report.notes == []


def test_writer_bioes_and_bilou(tmp_path: Path) -> None:
    document = _document("Lena Berg in Oslo", (0, 9, "PER"), (13, 17, "GPE"))
    for scheme, expected in (("bioes", ["B-PER", "E-PER", "O", "S-GPE"]),
                             ("bilou", ["B-PER", "L-PER", "O", "U-GPE"])):
        path, _ = _write(tmp_path, [document], scheme=scheme)
        lines = path.read_text(encoding="utf-8").splitlines()[2:6]
        assert [line.split(" ")[1] for line in lines] == expected


def test_writer_reports_what_conll_cannot_hold(tmp_path: Path) -> None:
    text = "Amara Okoye met  Lena\nBerg in Quito today"
    document = _document(
        text,
        (0, 11, "PER"),  # kept
        (6, 15, "ORG"),  # overlaps the longer PER
        (16, 21, "PER"),  # white space then "Lena": written as 17-21
        (17, 26, "PER"),  # crosses the line break
        (15, 17, "GPE"),  # only white space
        (30, 35, "GPE"),  # overlaps the longer EVENT
        (30, 35, "LOC"),  # the same
        (27, 35, "DATE"),  # the same
        (30, 41, "EVENT"),  # the longest: kept
        (36, 41, "NEW ORG"),  # a label with a space
        claims=((0, 21, "CLAIM"),),
    )
    document.layers[0].entities.append(NativeSpan(12, 15, "PER", "met", "rejected"))
    path, report = _write(tmp_path, [document])
    reasons = {d.what: d.why for d in report.dropped}
    assert len(reasons) == len(report.dropped) == 10
    assert reasons["span 0-21 CLAIM"] == "CoNLL holds entities, not claims"
    assert reasons["span 6-15 ORG"].startswith("it overlaps span 0-11 PER, which is kept")
    assert reasons["span 16-21 PER"] == "white space at its edges is not kept: written as 17-21"
    assert reasons["span 17-26 PER"].startswith("it crosses a line break")
    assert reasons["span 15-17 GPE"].startswith("it is only white space")
    for what in ("span 30-35 GPE", "span 30-35 LOC", "span 27-35 DATE"):
        assert reasons[what].startswith("it overlaps span 30-41 EVENT, which is kept")
    assert reasons["span 36-41 NEW ORG"].startswith("its label holds white space")
    assert reasons["span 12-15 PER"].startswith("a rejected span")
    assert {d.where for d in report.dropped} == {"document 1"}
    assert report.spans == Counter({"PER": 2, "EVENT": 1})
    [back], _ = _read(path)
    assert back.text == "Amara Okoye met Lena\nBerg in Quito today"
    assert _spans(back) == [(0, 11, "PER", "Amara Okoye"), (16, 20, "PER", "Lena"),
                            (29, 40, "EVENT", "Quito today")]


def test_of_overlapping_spans_as_long_the_earliest_is_kept(tmp_path: Path) -> None:
    document = _document("Rio de Janeiro", (4, 14, "GPE"), (0, 10, "ORG"), (0, 10, "ORG"))
    path, report = _write(tmp_path, [document])
    assert sorted((d.what, d.why.split(",")[0]) for d in report.dropped) == [
        ("span 0-10 ORG", "it overlaps span 0-10 ORG"),
        ("span 4-14 GPE", "it overlaps span 0-10 ORG")]
    [back], _ = _read(path)
    assert span_set(back) == {(0, 10, "ORG")} and back.text == "Rio de Jan eiro"


def test_writer_cuts_tokens_at_span_boundaries(tmp_path: Path) -> None:
    document = _document("Unicef-led work", (0, 6, "ORG"))
    path, report = _write(tmp_path, [document])
    [back], _ = _read(path)
    assert back.text == "Unicef -led work"
    assert _spans(back) == [(0, 6, "ORG", "Unicef")]
    assert len(report.notes) == 1


def test_writer_drops_a_document_without_tokens(tmp_path: Path) -> None:
    blank = _document(" \n\t ", (1, 3, "PER"))
    path, report = _write(tmp_path, [blank, _document("Yes")])
    assert [(d.where, d.what) for d in report.dropped] == [
        ("document 1", "span 1-3 PER"), ("document 1", "document")]
    assert report.documents == 1
    documents, _ = _read(path)
    assert [d.text for d in documents] == ["Yes"]


def test_suggestions_are_written_as_entities(tmp_path: Path) -> None:
    document = _document("Kofi Annan spoke", (0, 10, "PER"), state="suggested")
    path, report = _write(tmp_path, [document])
    [back], _ = _read(path)
    assert _spans(back) == [(0, 10, "PER", "Kofi Annan")] and report.dropped == []


def test_writer_checks_offsets(tmp_path: Path) -> None:
    document = _document("Kofi spoke", (0, 4, "PER"))
    document.layers[0].entities[0].text = "Kofe"
    with pytest.raises(ValueError, match="Kofe"):
        _write(tmp_path, [document])
    assert not (tmp_path / "out.conll").exists()


# --- detection and spec ----------------------------------------------------------------------


def test_detect() -> None:
    plain = Path("x.txt")
    assert conll.detect(Path("train.conll"), b"")
    assert conll.detect(Path("data.IOB"), b"")
    assert conll.detect(plain, b"-DOCSTART- -X- -X- O\n\nKofi B-PER\n")
    assert conll.detect(plain, b"Kofi\tB-PER\nspoke\tO\n\nyes O\n")
    assert not conll.detect(plain, b"Kofi B-PER\n")
    assert not conll.detect(plain, b'{"text": "Kofi O", "label": []}\n{"text": "a O"}\n')
    assert not conll.detect(plain, b"Kofi spoke to the press.\nIt rained.\n")
    assert not conll.detect(plain, b"T1\tPER 0 4\tKofi\nT2\tGPE 10 15\tAccra\n")
    cut = (b"word O\n" * 600)[:4096]
    assert len(cut) == 4096 and conll.detect(plain, cut)


def test_spec() -> None:
    assert conll.SPEC.name == "conll"
    assert conll.SPEC.reader is conll.read and conll.SPEC.writer is conll.write
    assert ".conll" in conll.SPEC.suffixes and conll.SPEC.detect is conll.detect


# --- files doccano wrote ---------------------------------------------------------------------


def _doccano(name: str) -> Path:
    path = DOCCANO / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return path


def test_doccano_tab_separated_example() -> None:
    documents, report = _read(_doccano("test_sequence_labeling_example.conll"))
    assert report.documents == 2 and report.spans == Counter({"LOC": 1, "PER": 1})
    assert [len(d.layers[0].entities) for d in documents] == [1, 1]
    assert _spans(documents[0])[0][:3] == (0, 5, "LOC") and _spans(documents[0])[0][3] == "JAPAN"
    assert _spans(documents[1]) == [(0, 11, "PER", "Nadim Ladki")]
    assert report.dropped == [] and report.notes == []


def test_doccano_space_separated_example() -> None:
    documents, report = _read(_doccano("import_sequence_labeling_conll_example.txt"))
    assert report.documents == 2
    assert report.spans == Counter({"MISC": 2, "ORG": 1, "PER": 1})
    assert [len(d.layers[0].entities) for d in documents] == [3, 1]
    first = documents[0]
    assert [(s.start, s.end, s.label) for s in first.layers[0].entities] == [
        (0, 2, "ORG"), (11, 17, "MISC"), (34, 41, "MISC")]
    assert all(first.text[s.start:s.end] == s.text for s in first.layers[0].entities)
    assert [s.text for s in first.layers[0].entities][1:] == ["German", "British"]
    assert _spans(documents[1])[0][:3] == (0, 15, "PER")


def test_doccano_trailing_blank_lines() -> None:
    documents, report = _read(_doccano("test_labeling.trailing.conll"))
    assert report.documents == 1 and len(documents) == 1
    assert report.spans == Counter({"LOC": 1, "PER": 1})
    assert len(documents[0].text.split(" ")) == 12
    assert [(s.start, s.end, s.text) for s in documents[0].layers[0].entities] == [
        (9, 14, "JAPAN"), (31, 36, "CHINA")]


def test_doccano_malformed_file_names_its_first_line() -> None:
    path = _doccano("test_labeling.invalid.conll")
    with pytest.raises(InputError) as caught:
        _read(path)
    assert (caught.value.path, caught.value.line) == (str(path), 1)
    assert "unknown tag" in caught.value.reason
