"""Find across the corpus: the full-text index follows every way documents come and go, and
the hits are exact code-point places with their context and the annotations on them."""

from __future__ import annotations

import json
import shutil
from itertools import islice
from pathlib import Path

import pytest
from command_line import run
from sqlalchemy import delete, text, update

from unannotate.core.errors import InputError
from unannotate.services import find as find_module
from unannotate.services.decisions import Decider
from unannotate.services.find import (
    FindQuery,
    bring_index_up_to_date,
    compile_query,
    find,
    hits_of,
    one_line,
    page,
    required_literals,
)
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.storage import fulltext
from unannotate.storage.schema import DocumentRow

FIXTURES = Path(__file__).parent / "data"

EMOJI_CRLF = "🌍 Amina Diallo met UNICEF\r\nin 🇲🇱 Mali on food\r\n security; amina   diallo left."
KAZAKH = "Қазақстан Республикасы БҰҰ-да сөз сөйледі. Біз қазақстан туралы айттық."
CHINESE = "联合国秘书长在日内瓦发表讲话。中国代表团出席了会议。"
ARABIC = "قالت والأمم المتحدة إن الأمم المتحدة ستساعد."
SOMALIA = "Aid reached Somalia and Mali this week."


def _write(folder: Path, texts: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, body in texts.items():
        path = folder / f"{name}.txt"
        path.write_bytes(body.encode("utf-8"))  # exactly: CRLF kept
        paths.append(path)
    return paths


def _import(project: Project, tmp_path: Path, texts: dict[str, str]) -> None:
    report = import_paths(project, _write(tmp_path / "in", texts), language="en")
    assert report.new == len(texts)


def _hits(project: Project, pattern: str, **options: object) -> list[find_module.Hit]:
    annotator = options.pop("annotator", None)
    return list(hits_of(find(project, FindQuery(pattern, **options),  # type: ignore[arg-type]
                             annotator=annotator)))  # type: ignore[arg-type]


def _doc_text(project: Project, document_id: int) -> str:
    with project.db.read() as unit:
        return unit.get(DocumentRow, document_id).text  # type: ignore[union-attr]


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--backend"))


@pytest.fixture
def corpus(project: Project, tmp_path: Path) -> Project:
    _import(project, tmp_path, {"a": EMOJI_CRLF, "b": KAZAKH, "c": CHINESE, "d": ARABIC,
                                "e": SOMALIA})
    return project


# -- the index follows the documents ---------------------------------------------------------


def test_a_document_imported_after_the_index_was_built_is_found(
        corpus: Project, tmp_path: Path) -> None:
    bring_index_up_to_date(corpus)
    with corpus.db.read() as unit:
        assert fulltext.has_full_text_index(unit)
    assert _hits(corpus, "Zanzibar") == []
    _import(corpus, tmp_path / "later", {"later": "A ferry to Zanzibar was cancelled."})
    [hit] = _hits(corpus, "zanzibar")
    assert (hit.text, hit.start) == ("Zanzibar", 11)
    if corpus.db.engine.dialect.name == "sqlite":
        # Found before the index holds it (the import leaves indexing for later) ...
        with corpus.db.read() as unit:
            assert fulltext.fts_baseline(unit, "Zanzibar", 10) == []
            assert fulltext.documents_not_indexed(unit) == 1
        # ... and after, answered by the index itself.
        assert bring_index_up_to_date(corpus) == 1
        with corpus.db.read() as unit:
            assert fulltext.fts_baseline(unit, "Zanzibar", 10) == [hit.document_id]
            assert fulltext.documents_not_indexed(unit) == 0
        assert [(h.text, h.start) for h in _hits(corpus, "zanzibar")] == [("Zanzibar", 11)]


def test_deleted_and_changed_documents_leave_the_index(corpus: Project) -> None:
    [hit] = _hits(corpus, "Somalia")
    with corpus.db.session() as unit:
        unit.execute(update(DocumentRow).where(DocumentRow.id == hit.document_id)
                     .values(text="Aid reached Eritrea this week."))
    assert _hits(corpus, "Somalia") == []
    assert [h.text for h in _hits(corpus, "eritrea")] == ["Eritrea"]
    with corpus.db.session() as unit:
        unit.execute(delete(DocumentRow).where(DocumentRow.id == hit.document_id))
    assert _hits(corpus, "Eritrea") == []
    if corpus.db.engine.dialect.name == "sqlite":
        with corpus.db.read() as unit:  # the index itself forgot it, not only the join
            assert fulltext.fts_baseline(unit, "Eritrea", 10) == []
            assert fulltext.fts_baseline(unit, "Somalia", 10) == []


def test_documents_brought_in_by_a_merge_are_found_with_their_annotations(
        corpus: Project, tmp_path: Path) -> None:
    theirs_path = tmp_path / "theirs.db"
    theirs = open_project(theirs_path)
    _import(theirs, tmp_path / "theirs", {"t": "Delegates from Tuvalu spoke first."})
    doc = next(iter(find(theirs, FindQuery("Tuvalu")))).document_id
    Decider(theirs, "ben").add(doc, 15, 21, "GPE")
    theirs.close()
    from unannotate.services.merge import merge_project

    assert merge_project(corpus, theirs_path).documents_new == 1
    [hit] = _hits(corpus, "tuvalu", annotator="ana")
    assert hit.text == "Tuvalu"
    assert [(x.label, x.layer, x.mine, x.exact) for x in hit.labels] == [
        ("GPE", "ben", False, True)]


def test_documents_imported_with_annotations_are_found_with_them(corpus: Project,
                                                                  tmp_path: Path) -> None:
    from unannotate.services.annotation_files import import_annotations

    text_c = "Observers from Kiribati arrived; Kiribati thanked them."
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps({"text": text_c, "label": [[15, 23, "GPE"]]}) + "\n",
                    encoding="utf-8")
    import_annotations(corpus, path, fmt="doccano", annotator="carl")
    first, second = _hits(corpus, "kiribati", annotator="carl")
    assert (first.start, second.start) == (15, text_c.rindex("Kiribati"))
    assert [(x.label, x.layer, x.mine, x.exact) for x in first.labels] == [
        ("GPE", "carl", True, True)]
    assert second.labels == ()


def test_a_project_made_before_the_index_gets_it_on_open(tmp_path: Path,
                                                          backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the released schema versions are kept as SQLite files")
    path = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "schema-v4.db", path)
    project = open_project(path, create=False)
    try:
        with project.db.read() as unit:
            assert fulltext.has_full_text_index(unit)
            assert fulltext.fts_baseline(unit, "Secretary-General", 5) == [1]
        [hit] = _hits(project, "secretary-general")
        assert _doc_text(project, 1)[hit.start:hit.end] == "Secretary-General"
    finally:
        project.close()


# -- what a hit is ---------------------------------------------------------------------------


def test_offsets_are_code_points_of_the_exact_text_with_emoji_and_crlf(corpus: Project
                                                                       ) -> None:
    hits = _hits(corpus, "amina diallo")
    text_a = _doc_text(corpus, hits[0].document_id)
    assert text_a == EMOJI_CRLF
    second = EMOJI_CRLF.index("amina   diallo")
    assert second == 58  # code points: the emoji and each flag letter one, CRLF two
    assert [(h.start, h.end) for h in hits] == [(2, 14), (second, second + 14)]
    for hit in hits:
        assert text_a[hit.start:hit.end] == hit.text
        assert text_a[hit.start - len(hit.left):hit.start] == hit.left
        assert text_a[hit.end:hit.end + len(hit.right)] == hit.right
    assert hits[1].text == "amina   diallo"  # any white space between the words
    # A phrase across a CRLF and a space.
    [phrase] = _hits(corpus, "food security")
    assert phrase.text == "food\r\n security"
    assert (phrase.start, phrase.end) == (EMOJI_CRLF.index("food"),
                                          EMOJI_CRLF.index("security") + 8)
    assert one_line(phrase.text) == "food security"


def test_context_on_both_sides(corpus: Project) -> None:
    [hit] = list(hits_of(find(corpus, FindQuery("UNICEF"), context=10)))
    assert (hit.left, hit.text, hit.right) == ("iallo met ", "UNICEF", "\r\nin 🇲🇱 Ma")
    [start] = list(hits_of(find(corpus, FindQuery("🌍 Amina"), context=10)))
    assert (start.left, start.start) == ("", 0)


def test_whole_words_unless_asked_otherwise(corpus: Project) -> None:
    assert sorted(h.text for h in _hits(corpus, "mali")) == ["Mali", "Mali"]
    assert sorted(h.text for h in _hits(corpus, "mali", whole_words=False)) == [
        "Mali", "Mali", "mali"]


def test_every_language_kazakh_case_chinese_without_spaces_arabic(corpus: Project) -> None:
    assert [h.text for h in _hits(corpus, "ҚАЗАҚСТАН")] == ["Қазақстан", "қазақстан"]
    # Chinese has no spaces: a two-character word inside a run of characters is found
    # (too short for trigrams: the documents are scanned instead).
    [china] = _hits(corpus, "中国")
    assert (china.start, china.end) == (CHINESE.index("中国"), CHINESE.index("中国") + 2)
    assert [h.text for h in _hits(corpus, "日内瓦发表")] == ["日内瓦发表"]
    # Arabic: the word alone, or also with its prefixes attached.
    assert [h.start for h in _hits(corpus, "الأمم")] == [ARABIC.index(" الأمم") + 1]
    assert len(_hits(corpus, "الأمم", whole_words=False)) == 2


def test_no_hits(corpus: Project) -> None:
    assert _hits(corpus, "Atlantis") == []
    assert _hits(corpus, "zz") == []  # short, scanned: still nothing
    result = run("find", "Atlantis", "-p", str(corpus.location))
    assert result.returncode == 0 and "no hits for 'Atlantis'" in result.stdout


# -- regular expressions ---------------------------------------------------------------------


def test_a_regular_expression_finds_exact_places(corpus: Project) -> None:
    hits = _hits(corpus, r"U\w+F|Ma[a-z]i", regex=True)
    assert sorted(h.text for h in hits) == ["Mali", "Mali", "UNICEF"]
    # Case as written; (?i) ignores it.
    assert [h.text for h in _hits(corpus, r"amina\s+diallo", regex=True)] == ["amina   diallo"]
    assert len(_hits(corpus, r"(?i)amina\s+diallo", regex=True)) == 2
    # ^ and $ at line ends; CRLF kept in the offsets.
    [line] = _hits(corpus, r"^in \S+ Mali", regex=True)
    assert EMOJI_CRLF[line.start:line.end] == "in 🇲🇱 Mali"
    # An expression that can match nothing: empty matches are passed over.
    assert _hits(corpus, r"x*", regex=True) == []


def test_the_literal_parts_of_an_expression_narrow_through_the_index() -> None:
    assert required_literals(r"Amina\s+Diallo") == ["Amina", "Diallo"]
    assert required_literals(r"\bfood security\b") == ["food security"]
    assert required_literals(r"(UN|EU)ICEF") == ["ICEF"]
    assert required_literals(r"colou?r") == ["colo", "r"]
    assert required_literals(r"[A-Z]+\d") == []
    assert compile_query(FindQuery("Amina  Diallo")).terms == ["Amina", "Diallo"]


@pytest.mark.parametrize("pattern", ["(unclosed", "a{2,1}", "*start", "[z-a]"])
def test_an_invalid_expression_is_one_clear_error_and_nothing_is_read(
        corpus: Project, monkeypatch: pytest.MonkeyPatch, pattern: str) -> None:
    read: list[object] = []
    monkeypatch.setattr(find_module, "candidate_documents",
                        lambda *a, **k: read.append(a) or [])
    with pytest.raises(InputError) as error:
        find(corpus, FindQuery(pattern, regex=True))
    assert str(error.value).startswith(f"{pattern}: not a valid regular expression")
    assert read == []
    result = run("find", pattern, "--regex", "-p", str(corpus.location))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "not a valid regular expression" in result.stderr


def test_an_empty_pattern_and_an_unknown_label_are_refused(corpus: Project) -> None:
    with pytest.raises(InputError, match="is empty"):
        find(corpus, FindQuery("   "))
    with pytest.raises(InputError, match="no such label"):
        find(corpus, FindQuery("Mali", label="NOPE"))


# -- labels on hits --------------------------------------------------------------------------


def test_labels_on_each_hit_mine_and_others_and_the_label_filter(corpus: Project) -> None:
    first, second = _hits(corpus, "amina diallo")
    Decider(corpus, "ana").add(first.document_id, first.start, first.end, "PERSON")
    Decider(corpus, "ben").add(first.document_id, second.start, second.end, "ORG")
    Decider(corpus, "ben").add(first.document_id, first.start, first.start + 5, "PERSON")
    first, second = _hits(corpus, "amina diallo", annotator="ana")
    assert [(x.label, x.layer, x.mine, x.exact) for x in first.labels] == [
        ("PERSON", "ana", True, True), ("PERSON", "ben", False, False)]
    assert [(x.label, x.layer, x.mine) for x in second.labels] == [("ORG", "ben", False)]
    assert [h.start for h in _hits(corpus, "amina diallo", label="ORG")] == [second.start]
    assert [h.start for h in _hits(corpus, "diallo", label="PERSON")] == [first.start + 6]
    assert _hits(corpus, "UNICEF", label="ORG") == []
    result = run("find", "amina diallo", "--label", "ORG", "--json", "-p", str(corpus.location))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-1] == {"total": 1, "documents": 1, "shown": 1}
    assert lines[0]["hits"][0]["labels"] == [
        {"label": "ORG", "layer": "ben", "mine": False, "exact": True}]


# -- paging, huge result sets, cancel --------------------------------------------------------


@pytest.fixture
def many(project: Project, tmp_path: Path) -> Project:
    _import(project, tmp_path, {f"n{n:03d}": f"Briefing {n}: the ceasefire held, the "
                                f"ceasefire was praised." for n in range(120)})
    return project


def test_the_first_page_reads_one_batch_not_everything(many: Project,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []
    real = find_module.candidate_documents

    def counting(unit, terms, *, after, limit):  # type: ignore[no-untyped-def]
        calls.append((after, limit))
        return real(unit, terms, after=after, limit=limit)

    monkeypatch.setattr(find_module, "candidate_documents", counting)
    first = list(islice(hits_of(find(many, FindQuery("ceasefire"), batch=10)), 15))
    assert len(first) == 15 and len(calls) == 1 and calls[0][1] == 10
    calls.clear()
    everything = list(hits_of(find(many, FindQuery("ceasefire"), batch=10)))
    assert len(everything) == 240 and len(calls) == 13  # 12 full batches, one empty
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)  # keyset: never re-read
    assert page(many, FindQuery("ceasefire"), offset=100, limit=7) == everything[100:107]


def test_cancel_stops_between_batches(many: Project) -> None:
    seen: list[int] = []
    found = find(many, FindQuery("ceasefire"), batch=10, cancelled=lambda: len(seen) >= 25)
    for document in found:
        seen.append(document.document_id)
    assert len(seen) == 30  # the batch under way finishes, no other starts


def test_the_command_line_pages_and_counts_everything(many: Project) -> None:
    result = run("find", "ceasefire", "--limit", "3", "-p", str(many.location))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1:") and "[ceasefire]" in lines[1]
    assert sum("[ceasefire]" in line for line in lines) == 3
    assert "240 hits in 120 documents (first 3 shown" in result.stdout
    assert "most hits:" in result.stdout
    as_json = run("find", "CEASEFIRE", "--json", "--limit", "5", "-p", str(many.location))
    lines = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert lines[-1] == {"total": 240, "documents": 120, "shown": 5}
    assert [(d["count"], len(d["hits"])) for d in lines[:-1]] == [(2, 2), (2, 2), (2, 1)]
    hit = lines[0]["hits"][0]
    assert hit["text"] == "ceasefire" and hit["start"] == len("Briefing 0: the ")


def test_the_index_is_used_and_agrees_with_a_scan(many: Project,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with_index = _hits(many, "ceasefire was")
    monkeypatch.setattr(fulltext, "has_full_text_index", lambda unit: False)
    assert _hits(many, "ceasefire was") == with_index and len(with_index) == 120


def test_finding_on_a_read_only_project(many: Project, tmp_path: Path) -> None:
    location = many.location
    many.close()
    opened = open_project(location, read_only=True)
    try:
        assert len(_hits(opened, "praised")) == 120
    finally:
        opened.close()


def test_raw_index_row_count_matches_documents(many: Project, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the FTS5 table is SQLite's")
    bring_index_up_to_date(many)
    with many.db.read() as unit:
        indexed = unit.execute(text(
            "SELECT count(*) FROM documents_fts_docsize")).scalar()
        documents = unit.execute(text("SELECT count(*) FROM documents")).scalar()
    assert indexed == documents == 120


def test_without_fts5_a_project_still_opens_and_finds_by_scanning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("FTS5 is SQLite's")
    monkeypatch.setattr(fulltext, "_sqlite_has_trigram", lambda conn: False)
    project = open_project(tmp_path / "plain.db")
    try:
        _import(project, tmp_path, {"x": "Talks on Nauru resumed.", "y": "Nothing here."})
        with project.db.read() as unit:
            assert not fulltext.has_full_text_index(unit)
        assert [(h.text, h.start) for h in _hits(project, "NAURU")] == [("Nauru", 9)]
    finally:
        project.close()
