"""What makes a large import fast, and that it changes nothing of what is stored: the page cache
around the import, documents stored a row a statement, the first line found in the beginning of
a text, the language model's automaton walked for a whole batch at once."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from unannotate.core import language
from unannotate.core.language import guess_language
from unannotate.core.listing import list_key, search_key
from unannotate.formats.readers.common import FIRST_LINE_SAMPLE, first_line
from unannotate.services.importing import BATCH, import_paths
from unannotate.services.project import Project
from unannotate.storage.bulk import BULK_CACHE_KIB
from unannotate.storage.documents import storing_many_documents
from unannotate.storage.schema import DocumentRow


def _write_jsonl(path: Path, texts: list[str]) -> None:
    path.write_text("".join(json.dumps({"text": t, "meta": {"n": n}}, ensure_ascii=False) + "\n"
                            for n, t in enumerate(texts)), encoding="utf-8")


def _cache_size(unit) -> int:  # type: ignore[no-untyped-def]
    return int(unit.connection().exec_driver_sql("PRAGMA cache_size").scalar())


def test_the_page_cache_is_larger_during_an_import_and_put_back_after(project: Project) -> None:
    with project.db.session() as unit:
        before = _cache_size(unit)
        with storing_many_documents(unit):
            assert _cache_size(unit) == -BULK_CACHE_KIB
        assert _cache_size(unit) == before
        with pytest.raises(RuntimeError), storing_many_documents(unit):
            raise RuntimeError("a record was bad")
        assert _cache_size(unit) == before
    assert before != -BULK_CACHE_KIB


def test_a_large_import_stores_every_row_in_order_with_its_list_keys(
        project: Project, tmp_path: Path) -> None:
    # More than two batches, with duplicates inside a batch and across batches.
    texts = [f"Item {n}\n\nThe agency reported {n} new arrivals ✅ e\u0301.\r\n"
             for n in range(1100)]
    texts[700] = texts[3]
    texts[1050] = texts[1049]
    assert len(texts) > 2 * BATCH
    _write_jsonl(tmp_path / "many.jsonl", texts)
    report = import_paths(project, [tmp_path / "many.jsonl"])
    assert (report.new, report.duplicates) == (1098, 2)
    with project.db.read() as session:
        rows = session.execute(select(
            DocumentRow.id, DocumentRow.text, DocumentRow.title, DocumentRow.source,
            DocumentRow.meta, DocumentRow.list_key, DocumentRow.search_key,
            DocumentRow.characters, DocumentRow.language).order_by(DocumentRow.id)).all()
    kept = [t for n, t in enumerate(texts) if n not in (700, 1050)]
    assert [row.text for row in rows] == kept
    assert [row.id for row in rows] == sorted(row.id for row in rows)
    assert rows[0].meta == {"n": 0} and rows[-1].meta == {"n": 1099}
    for row in rows:
        assert row.title == row.text.splitlines()[0]
        assert row.list_key == list_key(row.title, row.source)
        assert row.search_key == search_key(row.title, row.source)
        assert row.characters == len(row.text)
        assert row.language == "en"


def test_a_failed_large_import_leaves_the_project_as_it_was(project: Project,
                                                            tmp_path: Path) -> None:
    (tmp_path / "first.jsonl").write_text('{"text": "Already here."}\n', encoding="utf-8")
    import_paths(project, [tmp_path / "first.jsonl"])
    lines = [json.dumps({"text": f"Document {n} of the second file."}) for n in range(1300)]
    lines[1250] = '{"text": ""}'
    (tmp_path / "second.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_paths(project, [tmp_path / "second.jsonl"])
    assert report.new == 0
    assert [str(e) for e in report.rejected] == [
        f'{tmp_path / "second.jsonl"}:1251: "text" is empty']
    with project.db.read() as session:
        assert list(session.scalars(select(DocumentRow.text))) == ["Already here."]
        assert _cache_size(session) != -BULK_CACHE_KIB


def _first_line_of_every_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


@pytest.mark.parametrize("text", [
    "",
    " \n\t\r\n",
    "Title\nbody",
    "\n" * 500 + "  Late title  \nbody",
    "x" * (FIRST_LINE_SAMPLE * 5) + "\nsecond",
    " " * (FIRST_LINE_SAMPLE - 1) + "\r\nafter a line break cut by the sample",
    " " * (FIRST_LINE_SAMPLE - 1) + "\rX",
    "\u2028" * FIRST_LINE_SAMPLE + "separated\u2029next",
    "\x85\x0c\x1c" * 200 + "after other line breaks",
    " " * 3000,
])
def test_the_first_line_is_the_first_that_is_not_blank(text: str) -> None:
    assert first_line(text) == _first_line_of_every_line(text)


@pytest.mark.parametrize("copies", [1, language.WALK_TOGETHER_FROM // 6 + 1],
                         ids=["one by one", "all at once"])
def test_the_walk_counts_the_features_py3langid_counts(copies: int) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    samples = [b"", b"a", "Le Conseil de s\u00e9curit\u00e9".encode(),
               "Глава ООН призвал к прекращению огня".encode(),
               "联合国秘书长呼吁停火".encode(),
               b"The Secretary-General said the figures speak for themselves. " * 10] * copies
    assert (len(samples) >= language.WALK_TOGETHER_FROM) == (copies > 1)
    numbers, features, counts = language._classifier()._features(samples)
    ours: list[Counter[int]] = [Counter() for _ in samples]
    for number, feature, count in zip(numbers.tolist(), features.tolist(), counts.tolist(),
                                      strict=True):
        ours[number][feature] = count
    rowbase = [row << 8 for row in reference.tk_row]
    for sample, counted in zip(samples, ours, strict=True):
        expected = visit_counts(reference.tk_nextmove, rowbase, reference.tk_output, sample)
        assert counted == (expected or Counter()), sample


def test_guesses_in_a_batch_do_not_depend_on_the_other_texts_of_the_batch() -> None:
    texts = ["Le Secrétaire général a salué la décision du Conseil de sécurité.",
             "x" * 5000, "", "Глава ООН призвал к прекращению огня",
             "The agency said it would send a team to the region next week."]
    alone = [guess_language(text) for text in texts]
    assert alone == ["fr", "en", "en", "ru", "en"]
    assert language.guess_languages(texts) == alone
    assert language.guess_languages(texts[::-1]) == alone[::-1]
    many = texts * language.WALK_TOGETHER_FROM  # walked all at once
    assert language.guess_languages(many) == alone * language.WALK_TOGETHER_FROM
    more = texts * (language.WALK_TOGETHER_AT_MOST // 2)  # in more than one walk
    assert language.guess_languages(more) == alone * (language.WALK_TOGETHER_AT_MOST // 2)
