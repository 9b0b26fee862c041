"""Names the reviewers mark where they occur are suggested again at their other occurrences
by a trained entity pipeline (nlp/reviewed_names.py)."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from unannotate.nlp.reviewed_names import FACTORY, SPAN_ID, is_name, reviewed_names
from unannotate.nlp.training_entities import predict_entity_rows

MODEL_STUB = "test_model_ents_for_names"


@Language.component(MODEL_STUB)
def _model(doc: Doc) -> Doc:
    """Stands for a trained ner: "Alsumaria" is a place, "Nilesat Two" a product."""
    ents = []
    for token in doc:
        if token.text == "Alsumaria":
            ents.append(Span(doc, token.i, token.i + 1, label="GPE"))
        if token.text == "Nilesat" and token.i + 1 < len(doc):
            ents.append(Span(doc, token.i, token.i + 2, label="PRODUCT"))
    doc.ents = ents
    return doc


def _spans(text: str, *marked: tuple[str, str]) -> list[tuple[int, int, str]]:
    out = []
    for piece, label in marked:
        start = text.index(piece)
        out.append((start, start + len(piece), label))
    return out


REVIEWED = [
    "Alsumaria broadcasts from Baghdad. Hotbird carries Alsumaria's news.",
    "Viewers of Alsumaria watched. May came. The May report was late.",
    "Noorsat and Hotbird are satellites. Noorsat is old.",
]
MARKS = [
    _spans(REVIEWED[0], ("Alsumaria", "ORG"), ("Baghdad", "GPE"), ("Hotbird", "ORG")),
    _spans(REVIEWED[1], ("Alsumaria", "ORG"), ("May", "DATE")),
    _spans(REVIEWED[2], ("Noorsat", "ORG"), ("Hotbird", "PRODUCT")),
]


def _names() -> dict[str, str]:
    # The second "Alsumaria" of the first text is marked too: its first index is the first.
    first = REVIEWED[0]
    second = first.index("Alsumaria", 1)
    marks = [MARKS[0] + [(second, second + 9, "ORG")], MARKS[1], MARKS[2]]
    return reviewed_names(spacy.blank("en"), zip(REVIEWED, marks, strict=True))


def test_a_name_is_remembered_when_marked_at_most_of_its_places_with_one_label() -> None:
    names = _names()
    # Alsumaria: 3 of 3 places marked ORG ("Alsumaria's" holds the name); Baghdad 1 of 1.
    assert names["Alsumaria"] == "ORG" and names["Baghdad"] == "GPE"
    # Noorsat: marked at 1 of its 2 places (a half is enough).
    assert names["Noorsat"] == "ORG"
    # Hotbird: ORG once, PRODUCT once: no label holds 80 % of its marks.
    assert "Hotbird" not in names
    # May: marked at 1 of its 2 places (the month; the second is passed over).
    assert names["May"] == "DATE"
    assert set(names) == {"Alsumaria", "Baghdad", "Noorsat", "May"}


def test_a_name_passed_over_more_often_than_marked_is_not_remembered() -> None:
    text = "Tarvik rose. Tarvik fell. Tarvik stayed."
    names = reviewed_names(spacy.blank("en"), [(text, _spans(text, ("Tarvik", "GPE")))])
    assert names == {}


def test_numbers_and_words_in_lower_case_are_no_names() -> None:
    assert is_name("Alsumaria") and is_name("al-Qaeda") and is_name("3 May")
    assert not is_name("2011") and not is_name("the rebels") and not is_name("40 men")
    assert is_name("ⴰⵎⴰⵣⵉⵖ") and is_name("الأمم المتحدة") and is_name("联合国")  # no case
    text = "the rebels and 40 men in 2011."
    marks = _spans(text, ("the rebels", "ORG"), ("40 men", "CARDINAL"), ("2011", "DATE"))
    assert reviewed_names(spacy.blank("en"), [(text, marks)]) == {}


def _pipeline(names: dict[str, str]) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe(MODEL_STUB)
    nlp.add_pipe(FACTORY).set_names(names)
    return nlp


def test_a_remembered_name_is_suggested_where_the_model_found_nothing_or_another_label(
) -> None:
    nlp = _pipeline({"Alsumaria": "ORG", "Noorsat": "ORG", "Nilesat": "ORG", "Lima": "GPE"})
    text = "Noorsat and Alsumaria met in Lima's port, not Limassol; Nilesat Two flew."
    [rows] = predict_entity_rows(nlp, [text])
    found = {(text[s:e], label): why for s, e, label, why in rows}
    assert set(found) == {("Noorsat", "ORG"), ("Alsumaria", "ORG"), ("Lima", "GPE"),
                          ("Nilesat Two", "PRODUCT")}
    # The model's "Alsumaria" (a place, of the same extent) takes the reviewers' label; the
    # model's longer "Nilesat Two" is left as it found it.
    assert found[("Alsumaria", "ORG")] == \
        "a name marked ORG where it occurs in the reviewed documents"
    assert found[("Nilesat Two", "PRODUCT")] == "trained model"
    assert [e.id_ for e in nlp(text).ents if e.text == "Noorsat"] == [SPAN_ID]


def test_the_names_are_saved_with_the_pipeline(tmp_path: Path) -> None:
    nlp = _pipeline({"Alsumaria": "ORG"})
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / FACTORY / "names.json").exists()
    loaded = spacy.load(tmp_path / "pipeline")
    assert [(e.text, e.label_) for e in loaded("Alsumaria said.").ents] == [("Alsumaria", "ORG")]
    copy = _pipeline({})
    copy.get_pipe(FACTORY).from_bytes(nlp.get_pipe(FACTORY).to_bytes())
    assert copy.get_pipe(FACTORY).names == {"Alsumaria": "ORG"}
    empty = _pipeline({})
    assert [(e.text, e.label_) for e in empty("Alsumaria said.").ents] == [("Alsumaria", "GPE")]
