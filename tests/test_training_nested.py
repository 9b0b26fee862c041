"""Trained entity suggestions where the reviewers nest one label inside another: the pairs
are read from the reviewed documents, and a rule entity inside a longer model entity is then
suggested beside it instead of taking its place."""

from __future__ import annotations

from pathlib import Path

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.tokens import Doc, Span

from unannotate.nlp.rule_features import (
    NESTED_KEY,
    NESTED_MIN,
    NESTED_SHARE,
    RULES_FIRST,
    nested_label_pairs,
)
from unannotate.nlp.training import Clock, TrainingDocument, TrainingSettings
from unannotate.nlp.training_entities import predict_entity_rows, train_entities

MODEL_STUB = "test_model_entities"


@Language.component(MODEL_STUB)
def _model_entities(doc: Doc) -> Doc:
    """Stands for a trained ner: "<Nationality> police" is an ORG."""
    ents = []
    for token in doc[:-1]:
        if token.text.endswith("an") and doc[token.i + 1].text == "police":
            ents.append(Span(doc, token.i, token.i + 2, label="ORG"))
    doc.ents = ents
    return doc


def _pipeline(labels: list[str], nested: list[list[str]] | None) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe(MODEL_STUB)
    config: dict[str, object] = {"labels": labels}
    if nested is not None:
        config["nested"] = nested
    nlp.add_pipe(RULES_FIRST, config=config)
    return nlp


TEXT = "Kenyan police met Amina Odhiambo in Garissa on 3 May."


def _found(nlp: Language, text: str = TEXT) -> set[tuple[str, str]]:
    [rows] = predict_entity_rows(nlp, [text])
    return {(text[s:e], label) for s, e, label, _ in rows}


def _spans(text: str, *marked: tuple[str, str]) -> tuple[tuple[int, int, str], ...]:
    out = []
    for piece, label in marked:
        start = text.index(piece)
        out.append((start, start + len(piece), label))
    return tuple(out)


def test_the_pairs_the_reviewers_nest_are_read_from_their_spans() -> None:
    text = "Kenyan police and Kenyan officials"
    nested_doc = [(0, 13, "ORG"), (0, 6, "NORP")]
    lone_norp = [(18, 24, "NORP")]
    # Three NORP spans inside an ORG, of five NORP spans in all: a pair.
    gold = [nested_doc] * 3 + [lone_norp] * 2
    assert nested_label_pairs(gold) == [("NORP", "ORG")]
    # Twice only: too few to say the reviewers nest.
    assert nested_label_pairs([nested_doc] * 2 + [lone_norp] * 2) == []
    # Three times in 40 NORP spans (under a tenth): not their habit.
    assert nested_label_pairs([nested_doc] * 3 + [lone_norp] * 37) == []
    # The same label inside itself, or a span equal to another, is no nesting.
    assert text[0:13] == "Kenyan police"
    assert nested_label_pairs([[(0, 13, "ORG"), (0, 6, "ORG")]] * 4) == []
    assert nested_label_pairs([[(0, 13, "ORG"), (0, 13, "NORP")]] * 4) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 20),
                                   st.sampled_from(["ORG", "NORP", "GPE"])).map(
    lambda t: (t[0], t[0] + t[1], t[2])), max_size=12), max_size=6))
def test_nested_pairs_are_found_as_if_every_pair_were_tried(gold) -> None:  # type: ignore[no-untyped-def]
    """Only spans starting near each other are compared (long documents hold thousands of
    spans): the pairs are those of comparing every span with every other."""
    inside: dict[tuple[str, str], int] = {}
    spans_of: dict[str, int] = {}
    for spans in gold:
        for start, end, label in spans:
            spans_of[label] = spans_of.get(label, 0) + 1
            for other in {o for s, e, o in spans
                          if o != label and s <= start and end <= e and (s, e) != (start, end)}:
                inside[(label, other)] = inside.get((label, other), 0) + 1
    expected = sorted(pair for pair, n in inside.items()
                      if n >= NESTED_MIN and n / spans_of[pair[0]] >= NESTED_SHARE)
    assert nested_label_pairs(gold) == expected


def test_a_rule_entity_inside_a_longer_model_entity_is_suggested_beside_it() -> None:
    nlp = _pipeline(["NORP", "PERSON"], [["NORP", "ORG"]])
    found = _found(nlp)
    assert {("Kenyan police", "ORG"), ("Kenyan", "NORP"),
            ("Amina Odhiambo", "PERSON")} <= found
    doc = nlp(TEXT)
    assert [(s.text, s.label_) for s in doc.spans[NESTED_KEY]] == [("Kenyan", "NORP")]
    assert [(e.text, e.label_) for e in doc.ents][0] == ("Kenyan police", "ORG")
    # The nested rule entity keeps the rules' reason.
    [rows] = predict_entity_rows(nlp, [TEXT])
    assert any(TEXT[s:e] == "Kenyan" and "rules" in why for s, e, _, why in rows)


def test_the_inner_entity_comes_from_the_rules_even_where_they_do_not_go_first() -> None:
    """The model cannot nest: inside its ORG the rules' NORP is suggested although the rules
    are not precise enough on NORP to go first."""
    for labels in (["PERSON"], []):
        nlp = _pipeline(labels, [["NORP", "ORG"]])
        found = _found(nlp)
        assert {("Kenyan police", "ORG"), ("Kenyan", "NORP")} <= found
        # Elsewhere a NORP of the rules is not suggested: only the model's entities are.
        assert ("Kenyan", "NORP") not in _found(nlp, "Kenyan officials met in Garissa.")


def test_without_the_pair_the_rule_entity_takes_the_longer_ones_place() -> None:
    for nested in (None, [], [["NORP", "GPE"]]):
        found = _found(_pipeline(["NORP", "PERSON"], nested))
        assert ("Kenyan", "NORP") in found
        assert ("Kenyan police", "ORG") not in found


def test_a_model_entity_holding_a_rule_entity_not_nested_inside_gives_way() -> None:
    """Nesting keeps the longer entity only when every rule entity it overlaps is of an
    inner label and strictly inside it."""
    nlp = spacy.blank("en")

    @Language.component("test_model_cuts_a_name")
    def _cut(doc: Doc) -> Doc:
        # "Odhiambo in Garissa" as one ORG: it holds the end of the rules' PERSON.
        start = next(t.i for t in doc if t.text == "Odhiambo")
        doc.ents = [Span(doc, start, start + 3, label="ORG")]
        return doc

    nlp.add_pipe("test_model_cuts_a_name")
    nlp.add_pipe(RULES_FIRST, config={"labels": ["PERSON"], "nested": [["PERSON", "ORG"]]})
    found = _found(nlp)
    assert ("Amina Odhiambo", "PERSON") in found
    assert not any(label == "ORG" for _, label in found)


def _nested_documents(count: int) -> list[TrainingDocument]:
    nationalities = ["Kenyan", "Peruvian", "Brazilian", "Nigerian", "Chilean", "Mexican"]
    people = ["Amina Odhiambo", "Hana Sato", "Tomas Lindqvist", "Rosa Quispe"]
    places = ["Garissa", "Lima", "Recife", "Kano"]
    docs = []
    for n in range(count):
        nat, person, place = (nationalities[n % 6], people[n % 4], places[(n + 1) % 4])
        text = (f"{nat} police met {person} in {place} on {n % 27 + 1} May.\n"
                f"The {nat} delegation spoke later.\n")
        spans = _spans(text, (f"{nat} police", "ORG"), (person, "PERSON"), (place, "GPE"),
                       (f"{n % 27 + 1} May", "DATE"))
        start = text.index(f"The {nat}") + 4
        spans += ((0, len(nat), "NORP"), (start, start + len(nat), "NORP"))
        docs.append(TrainingDocument(f"d{n}", text, "en", spans))
    return docs


def test_training_reads_the_nesting_and_the_saved_pipeline_suggests_both(
        tmp_path: Path) -> None:
    docs = _nested_documents(12)
    nlp, summary = train_entities(docs, TrainingSettings(max_epochs=8, max_seconds=20.0),
                                  Clock(None, None))
    assert summary.nested == [["NORP", "ORG"]]
    assert "NORP" in summary.rules_first
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert loaded.get_pipe(RULES_FIRST).nested == {("NORP", "ORG")}
    text = "Chilean police met Hana Sato in Kano on 9 May.\n"
    assert predict_entity_rows(loaded, [text]) == predict_entity_rows(nlp, [text])
    # The model learned the longer ORG, the rules find the NORP inside it: both suggested.
    assert {("Chilean police", "ORG"), ("Chilean", "NORP")} <= _found(loaded, text)


def test_a_version_saved_before_nesting_loads_and_suggests_as_it_did(tmp_path: Path) -> None:
    """A pipeline whose rules-first component has no ``nested`` setting (saved before it
    existed) loads with none."""
    nlp = _pipeline(["NORP", "PERSON"], None)
    config = nlp.config
    assert "nested" not in dict(config["components"][RULES_FIRST]) or \
        config["components"][RULES_FIRST]["nested"] == []
    nlp.to_disk(tmp_path / "old")
    cfg = (tmp_path / "old" / "config.cfg").read_text(encoding="utf-8")
    (tmp_path / "old" / "config.cfg").write_text(
        "\n".join(line for line in cfg.splitlines() if not line.startswith("nested")),
        encoding="utf-8")
    loaded = spacy.load(tmp_path / "old")
    assert loaded.get_pipe(RULES_FIRST).nested == set()
    assert ("Kenyan police", "ORG") not in _found(loaded)


def test_resuming_a_pipeline_twice_from_the_same_data_gives_the_same_model(
        tmp_path: Path) -> None:
    """The resumed pipeline is seeded as the blank one is: the same reviewed documents and
    settings train the same weights (a version id names data and settings)."""
    base = spacy.blank("en")
    base.add_pipe("ner").add_label("WORK_OF_ART")
    base.initialize()
    base.to_disk(tmp_path / "base")
    docs = _nested_documents(8)
    settings = TrainingSettings(base=str(tmp_path / "base"), max_epochs=3, max_seconds=20.0)
    first, _ = train_entities(docs, settings, Clock(None, None))
    again, _ = train_entities(docs, settings, Clock(None, None))
    assert first.get_pipe("ner").to_bytes() == again.get_pipe("ner").to_bytes()
    other, _ = train_entities(docs, TrainingSettings(base=str(tmp_path / "base"), seed=2,
                                                     max_epochs=3, max_seconds=20.0),
                              Clock(None, None))
    assert other.get_pipe("ner").to_bytes() != first.get_pipe("ner").to_bytes()
