"""The loaders and scores the quality benchmarks use (bench/devdata.py), on data written here.

The development data itself is never needed: every file is made in tmp_path."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import devdata  # noqa: E402


def write_re3d(folder: Path, text: str, entities: list[tuple[int, int, str]]) -> None:
    folder.mkdir()
    (folder / "documents.json").write_text(
        json.dumps({"_id": "D1", "text": text}) + "\n", encoding="utf-8")
    lines = [json.dumps({"documentId": "D1", "begin": b, "end": e, "type": t,
                         "value": text[b:e]}) for b, e, t in entities]
    (folder / "entities.json").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_re3d_types_are_mapped_and_pronouns_and_unscored_types_left_out(tmp_path) -> None:
    text = "Mira Olsen said he saw the village near Tarvik with an AK-47 in May 2024."
    spans = [(0, 10, "Person"), (16, 18, "Person"), (23, 34, "Location"),
             (40, 46, "Location"), (55, 60, "Weapon"), (64, 72, "Temporal")]
    write_re3d(tmp_path / "src", text, spans)
    ((loaded_text, loaded),) = devdata.load_re3d(tmp_path / "src")
    assert loaded_text == text
    assert [(text[s:e], label) for s, e, label in loaded] == [
        ("Mira Olsen", "PERSON"), ("Tarvik", "GPE/LOC"), ("May 2024", "DATE")]
    assert len(devdata.load_re3d(tmp_path / "src", named_only=False)) == 1


def test_counted_groups_and_descriptions_opening_a_sentence_name_nothing() -> None:
    named = devdata.is_named_mention
    assert not named("11 people", "ORG") and not named("thousands of fighters", "ORG")
    assert not named("one hostage", "PERSON") and not named("17 gates", "GPE/LOC")
    assert named("350 Syrians", "ORG") and named("11 people", "QUANTITY/CARDINAL")
    assert named("two days", "DATE") and named("11 people")  # without a label: as before
    lowercase = frozenset({"another", "state", "resident"})
    assert not named("Another resident", "PERSON", sentence_start=True, lowercase=lowercase)
    assert not named("State television", "ORG", sentence_start=True, lowercase=lowercase)
    assert named("State television", "ORG", lowercase=lowercase)  # mid-sentence: a name
    assert named("State Department", "ORG", sentence_start=True, lowercase=lowercase)
    assert named("Mira Olsen", "PERSON", sentence_start=True, lowercase=lowercase)
    assert named("The US-led coalition", "ORG", sentence_start=True, lowercase=lowercase)


def test_re3d_descriptions_opening_a_sentence_are_left_out(tmp_path) -> None:
    text = "Another resident fled. He met another and refugees.\n\"Refugees\" left Tarvik."
    places = [("Another resident", "Person"), ("Refugees", "Organisation"),
              ("Tarvik", "Location")]
    spans = [(text.index(v), text.index(v) + len(v), t) for v, t in places]
    write_re3d(tmp_path / "src", text, spans)
    ((_, loaded),) = devdata.load_re3d(tmp_path / "src")
    assert [text[s:e] for s, e, _ in loaded] == ["Tarvik"]


def test_re3d_a_type_turned_down_for_a_span_is_left_out(tmp_path) -> None:
    text = "Tarvik and Mira Olsen in Syria."
    folder = tmp_path / "src"
    write_re3d(folder, text, [])
    records = [(0, 6, "Location", 1), (0, 6, "Person", 0),  # Person turned down
               (11, 21, "Person", 0.9), (11, 21, "Organisation", 0.6),  # both kept
               (25, 30, "Location", 0)]  # unconfirmed, but nothing chosen instead: kept
    (folder / "entities.json").write_text("".join(
        json.dumps({"documentId": "D1", "begin": b, "end": e, "type": t,
                    "value": text[b:e], "confidence": c}) + "\n" for b, e, t, c in records),
        encoding="utf-8")
    ((_, loaded),) = devdata.load_re3d(folder)
    assert loaded == [(0, 6, "GPE/LOC"), (11, 21, "ORG"), (11, 21, "PERSON"),
                      (25, 30, "GPE/LOC")]


def test_re3d_offsets_that_do_not_give_the_value_are_an_error(tmp_path) -> None:
    folder = tmp_path / "bad"
    write_re3d(folder, "Mira Olsen spoke.", [(0, 4, "Person")])
    record = json.loads((folder / "entities.json").read_text(encoding="utf-8"))
    record["value"] = "Olsen"
    (folder / "entities.json").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"entities.json, line 1: \[0, 4\) is not 'Olsen'"):
        devdata.load_re3d(folder)


def test_claimbuster_items(tmp_path) -> None:
    path = tmp_path / "train.json"
    path.write_text(json.dumps([{"sentence_id": 1, "label": 1, "text": "Taxes rose 4%."},
                                {"sentence_id": 2, "label": 0, "text": "Thank you."}]))
    assert devdata.load_claimbuster(path) == [("Taxes rose 4%.", True), ("Thank you.", False)]


def test_nested_gold_of_one_label_is_one_entity() -> None:
    gold = [[(0, 6, "GPE/LOC"), (0, 14, "GPE/LOC"), (20, 30, "PERSON")]]
    found = [[(0, 6, "GPE"), (20, 25, "PERSON"), (40, 44, "ORG"), (50, 55, "EVENT")]]
    exact = devdata.score_entities(gold, found, overlap=False)
    overlap = devdata.score_entities(gold, found)
    assert exact["GPE/LOC"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "matched": 1,
                                "predicted": 1, "gold": 1}
    assert exact["PERSON"]["matched"] == 0 and overlap["PERSON"]["matched"] == 1
    assert "EVENT" not in overlap  # not scored on re3d
    assert overlap["overall"]["predicted"] == 3 and overlap["overall"]["gold"] == 2
    assert overlap["overall"]["precision"] == round(2 / 3, 4)


def test_overlap_pairs_one_to_one() -> None:
    gold = [[(0, 10, "ORG")]]
    halves = [[(0, 5, "ORG"), (5, 10, "ORG")]]
    scores = devdata.score_entities(gold, halves)["ORG"]
    assert scores["matched"] == 1 and scores["predicted"] == 2


def test_non_overlapping_keeps_the_longest() -> None:
    spans = [(0, 6, "GPE/LOC"), (0, 14, "GPE/LOC"), (10, 20, "PERSON"), (30, 35, "ORG"),
             (30, 35, "ORG")]
    assert devdata.non_overlapping(spans) == [(0, 14, "GPE/LOC"), (30, 35, "ORG")]


def test_documents_must_line_up() -> None:
    with pytest.raises(ValueError, match="2 gold documents but 1 predicted"):
        devdata.score_entities([[], []], [[]])


def test_a_sentence_is_a_claim_when_a_span_covers_half_of_it() -> None:
    text = "Exports fell 4% in May. We are proud. Imports rose by a third, officials said."
    claims = [(0, 23), (38, 55)]
    assert devdata.claim_sentences(text, claims) == [True, False, False]
    assert devdata.claim_sentences(text, [(38, 78)]) == [False, False, True]
    assert devdata.text_is_claim("Exports fell 4% in May.", [(0, 12)])


def test_claim_sentence_scores() -> None:
    scores = devdata.score_claim_sentences([True, True, False, False], [True, False, True, False])
    assert scores == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "matched": 1,
                      "predicted": 2, "gold": 2, "sentences": 4}


def test_held_out_split_is_seeded_and_keeps_order() -> None:
    items = list(range(10))
    tune, held = devdata.split_held_out(items, 0.3, seed=1)
    assert (tune, held) == devdata.split_held_out(items, 0.3, seed=1)
    assert len(held) == 3 and sorted(tune + held) == items
    assert tune == sorted(tune) and held == sorted(held)
    with pytest.raises(ValueError, match="between 0 and 1"):
        devdata.split_held_out(items, 1.0)


def test_the_sample_documents_gold_reads() -> None:
    records = devdata.load_sample_gold()
    assert len(records) == 6
    for _, text, entities, claims in records:
        assert entities and claims
        assert all(0 <= s < e <= len(text) for s, e, _ in entities)
