"""The built-in claim suggester: which sentences it proposes, its scores, reasons and
offsets, and its quality on the hand-annotated sample documents."""

from __future__ import annotations

import importlib.util
import json
import time
from functools import cache
from pathlib import Path

import pytest
import spacy

from unannotate.core.model import LabelKind, Suggestion
from unannotate.nlp import claim_rules
from unannotate.nlp.base import _REGISTRY, SuggesterError, SuggesterInput

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "tests" / "data" / "sample_gold.jsonl"
HAVE_ENTITY_RULES = importlib.util.find_spec("unannotate.nlp.entity_rules") is not None

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


@cache
def small_pipeline(language: str = "en", max_length: int | None = None) -> spacy.Language:
    """A fixed stand-in for the default pipeline: blank tokenizer, sentencizer and a few
    entity patterns, so that these tests pin the claim logic, not the gazetteers."""
    nlp = spacy.blank(language)
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    number = {"TEXT": {"REGEX": r"^(?!(?:19|20)\d\d$)\d[\d,.]*$"}}
    scale = {"LOWER": {"IN": ["million", "billion", "thousand"]}, "OP": "?"}
    ruler.add_patterns([
        {"label": "MONEY", "pattern": [{"TEXT": {"IN": ["$", "€", "£"]}}, number, scale]},
        {"label": "PERCENT", "pattern": [number, {"TEXT": "%"}]},
        {"label": "PERCENT", "pattern": [number, {"LOWER": "per"}, {"LOWER": "cent"}]},
        {"label": "DATE", "pattern": [{"IS_DIGIT": True, "OP": "?"}, {"TEXT": {"IN": _MONTHS}},
                                      {"TEXT": {"REGEX": r"^(?:19|20)\d\d$"}, "OP": "?"}]},
        {"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^(?:19|20)\d\d$"}}]},
        {"label": "CARDINAL", "pattern": [number, scale]},
        {"label": "ORG", "pattern": "Security Council"},
        {"label": "ORG", "pattern": "World Food Programme"},
        {"label": "GPE", "pattern": "Haiti"},
        {"label": "GPE", "pattern": "Norway"},
        {"label": "PERSON", "pattern": "Amina Diallo"},
    ])
    if max_length:
        nlp.max_length = max_length
    return nlp


@pytest.fixture
def suggester(monkeypatch: pytest.MonkeyPatch) -> claim_rules.RulesClaimSuggester:
    monkeypatch.setattr(claim_rules, "_default_pipeline", small_pipeline)
    return claim_rules.RulesClaimSuggester()


def run(suggester: claim_rules.RulesClaimSuggester, text: str,
        language: str = "en") -> list[Suggestion]:
    ((key, suggestions),) = list(suggester.suggest([SuggesterInput("k", text, language)]))
    assert key == "k"
    for s in suggestions:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start:s.end] == text[s.start:s.end].strip()
        assert s.label == "CLAIM" and 0.0 <= s.score <= 1.0 and s.reason
    return suggestions


def claimed(suggester: claim_rules.RulesClaimSuggester, text: str) -> list[str]:
    return [text[s.start:s.end] for s in run(suggester, text)]


def test_registered_under_its_versioned_name() -> None:
    assert _REGISTRY["unannotate.claims.rules.v1"] is claim_rules.RulesClaimSuggester
    info = claim_rules.RulesClaimSuggester().info
    assert info.name == "unannotate.claims.rules.v1"
    assert info.kind is LabelKind.CLAIM
    assert info.pipeline is None
    assert info.spacy_version == spacy.__version__


CLAIMS = [
    # statistics
    "Unemployment fell to 6.2 per cent in 2024, down from 7.9 per cent a year earlier.",
    "About 45,000 children were vaccinated in the three districts.",
    # past events
    "The resolution was adopted by 120 votes to 9 on 14 March.",
    "Three aid workers were killed in an attack on the convoy last week.",
    # commitments with "will"
    "The agency will open two new clinics in the northern province before the rainy season.",
    "We will deploy 200 engineers to Haiti by June.",
    # pledges with money
    "Norway pledged $15 million to the emergency fund.",
    # attributed statements and quotes
    '"We have delivered food to 80,000 people since January," she said.',
    "According to the ministry, the bridge reopened to traffic on Tuesday.",
    # comparisons
    "Food prices are now twice as high as they were before the drought.",
    "The number of refugees in the camp doubled compared with 2023.",
    # causes
    "The harvest failed because of the drought, and 12 villages lost their wells.",
    # a position on the record
    "Norway supported the resolution in the Security Council.",
    # a concrete commitment without a figure: who and where
    "The World Food Programme will deliver food to Haiti.",
]


@pytest.mark.parametrize("sentence", CLAIMS)
def test_checkable_sentences_are_claims(suggester, sentence: str) -> None:
    assert claimed(suggester, sentence) == [sentence]


NOT_CLAIMS = [
    "We believe this is a moment of hope.",
    "In my view, the Council must act with courage.",
    "Thank you, Mr. President.",
    "Mr. President, I congratulate you on your election.",
    "I welcome the distinguished delegates to this important meeting.",
    "How can the world remain silent while children go hungry?",
    "What will the Council do next year?",
    "Peace is not a dream; it is a duty we owe to our children!",
    "Let us work together for a better future.",
    "Perhaps the situation might improve.",
    "Our shared values unite us.",
    # a promise with nothing in it to check
    "We will continue to support the people of Haiti.",
    # opinions without "I think"
    "They want a better deal for farmers.",
    # predictions, an impersonal "it can be said"
    "It will be a historic day for the region.",
    "The plans will be discussed later, but it can be said that the meeting will be a turning "
    "point.",
    # numbers that count nothing
    "The two of us agree on that.",
    # agreement, predictions, the talk itself
    "I agree with the Ambassador on that point.",
    "They are going to regret it.",
    "You can see that in every village.",
]


@pytest.mark.parametrize("sentence", NOT_CLAIMS)
def test_opinion_rhetoric_greetings_and_questions_are_not_claims(suggester, sentence) -> None:
    assert claimed(suggester, sentence) == []


def test_a_document_mixes_both(suggester) -> None:
    text = (
        "Thank you, Mr. President. We believe this is a moment of hope. "
        "The World Food Programme delivered 4,000 tonnes of food in May. "
        "What more can we do?"
    )
    assert claimed(suggester, text) == [
        "The World Food Programme delivered 4,000 tonnes of food in May."]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Norway pledged $15 million to the emergency fund.",
         ["an amount of money", "a commitment (pledged)", "names a place"]),
        ("The agency will open two new clinics in the northern province.",
         ["a commitment (will)"]),
        ("The Security Council adopted the resolution on 14 March with 13 votes.",
         ["a figure and a date", "an event that happened (adopted)",
          "names an organisation"]),
        ('"Prices rose by 30 per cent in a year," Amina Diallo said.',
         ["attributed to a named person", "a percentage"]),
        ('"Prices rose by 30 per cent in a year," she told reporters.',
         ["attributed to someone (told)"]),
        ("The number of refugees in the camp doubled compared with 2023.",
         ["a comparison (doubled)"]),
    ],
)
def test_the_reason_names_the_strongest_features(suggester, sentence, expected) -> None:
    (suggestion,) = run(suggester, sentence)
    for words in expected:
        assert words in suggestion.reason
    assert len(suggestion.reason.split("; ")) <= 4


def test_scores_are_rounded_and_follow_the_features(suggester) -> None:
    text = "Norway pledged $15 million to the emergency fund in March 2025."
    (suggestion,) = run(suggester, text)
    doc = small_pipeline("en")(text)
    ((sentence, clauses),) = claim_rules.claim_units(doc)
    features = claim_rules.claim_features(sentence)
    assert list(features) == claim_rules.feature_names()
    assert all(0.0 <= v <= 1.0 for v in features.values())
    assert features["money"] == features["commitment"] == features["date"] == 1.0
    assert features["question"] == features["opinion"] == 0.0
    assert suggestion.score == round(claim_rules.claim_score(features), 3)
    assert suggestion.score >= 0.9


def test_threshold(monkeypatch) -> None:
    monkeypatch.setattr(claim_rules, "_default_pipeline", small_pipeline)
    text = "The Mission will open an office in Haiti. Norway pledged $15 million."
    low = run(claim_rules.RulesClaimSuggester(threshold=0.1), text)
    default = run(claim_rules.RulesClaimSuggester(), text)
    high = run(claim_rules.RulesClaimSuggester(threshold=0.9), text)
    assert len(low) >= len(default) == 2 > len(high) == 1
    with pytest.raises(SuggesterError, match="between 0 and 1"):
        claim_rules.RulesClaimSuggester(threshold=1.5)


def test_offsets_are_code_points_with_emoji_and_crlf(suggester) -> None:
    text = (
        "Update 😀👍🏽 from the field\r\n\r\n"
        "The agency will open 3 clinics in March 2025.\r\n"
        "We believe this is wonderful.\r\n"
        "🚚 Trucks delivered 1,200 tonnes of seed to 40 villages 🌾\r\n"
    )
    assert claimed(suggester, text) == [
        "The agency will open 3 clinics in March 2025.",
        "Trucks delivered 1,200 tonnes of seed to 40 villages",
    ]
    first = run(suggester, text)[0]
    assert first.start == text.index("The agency")  # code points: each emoji counts once
    assert first.start != len(text[:first.start].encode("utf-16-le")) // 2


def test_a_heading_without_a_verb_is_no_claim_unless_it_holds_a_figure(suggester) -> None:
    text = (
        "Security Council Briefing on Haiti\n\n"
        "The Security Council adopted resolution 2791 on 3 May.\n"
        "Photo credit: UN\n"
    )
    assert claimed(suggester, text) == ["The Security Council adopted resolution 2791 on 3 May."]
    text = "Aid Convoy Reaches 40,000 People\n\nThe convoy left on Monday."
    assert claimed(suggester, text)[0] == "Aid Convoy Reaches 40,000 People"


def test_line_breaks_bullets_and_wrapped_lines(suggester) -> None:
    text = (
        "Key figures\n"
        "- 2.3 million people were displaced in 2024\n"
        "- The Council voted to extend\nthe mission by 12 months.\n"
    )
    assert claimed(suggester, text) == [
        "2.3 million people were displaced in 2024",
        "The Council voted to extend\nthe mission by 12 months.",
    ]


def test_clauses_with_their_own_verbs_are_split_when_only_one_is_a_claim(suggester) -> None:
    text = ("The Council adopted the resolution by 13 votes in favour; "
            "we believe it is a moment of hope.")
    assert claimed(suggester, text) == ["The Council adopted the resolution by 13 votes in favour"]
    text = ("The agency delivered 4,000 tonnes of food in May, and the Government will build "
            "12 schools next year.")
    assert claimed(suggester, text) == [text]  # both claims: the whole sentence


def test_a_claim_after_but_is_the_whole_sentence(suggester) -> None:
    text = "We believe peace is near, but the army shelled 12 villages on Monday."
    assert claimed(suggester, text) == [text]


def test_the_speaker_s_promise_counts_less_than_a_reported_commitment(suggester) -> None:
    assert claimed(suggester, "We will build new schools across Haiti.") == []
    text = "The Government will cut taxes by 5 per cent in 2026."
    assert claimed(suggester, text) == [text]
    text = "The summit will be held in Nairobi in June."
    (suggestion,) = run(suggester, text)
    assert "a commitment (will)" in suggestion.reason


def features_of(text: str) -> dict[str, float]:
    ((sentence, _),) = claim_rules.claim_units(small_pipeline("en")(text))
    return claim_rules.claim_features(sentence)


@pytest.mark.parametrize("sentence, concrete", [
    ("The World Food Programme will deliver food to Haiti.", True),  # who and where
    ("The fund will pay $5 million.", True),  # a figure
    ("The talks will resume in March.", True),  # a date
    ("It will be a hard winter for Haiti.", False),  # said of a pronoun: a prediction
    ("They will come around to our view.", False),
    ("Things are going to get better.", False),
])
def test_a_future_tense_is_a_commitment_only_when_something_in_it_is_concrete(
        sentence: str, concrete: bool) -> None:
    features = features_of(sentence)
    assert (features["commitment"], features["prediction"]) == (
        (1.0, 0.0) if concrete else (0.0, 1.0))


def test_predictions_are_not_claims_but_concrete_commitments_are(suggester) -> None:
    assert claimed(suggester, "It will be a hard winter for the people of Haiti.") == []
    (low,) = run(claim_rules.RulesClaimSuggester(threshold=0.01),
                 "They are going to win the argument in the end, that much is clear.")
    assert "but a prediction (going to)" in low.reason
    text = "The World Food Programme will deliver food to Haiti."
    assert claimed(suggester, text) == [text]


def test_the_speaker_s_own_story_and_words_to_the_listener_are_features() -> None:
    told = features_of("That is exactly what I said to the committee.")
    assert (told["first_person"], told["self_reference"]) == (0.0, 1.0)
    mine = features_of("My opponent voted against the budget.")
    assert (mine["first_person"], mine["self_reference"]) == (1.0, 0.0)
    # "we" often speaks for a country or a government, whose record can be checked
    assert features_of("We cut taxes for working families.")["first_person"] == 0.0
    assert features_of("You raised taxes on working families.")["addressee"] == 1.0
    assert features_of("Thank you for that question.")["addressee"] == 0.0


def test_a_position_taken_is_an_event_and_agreeing_is_an_opinion() -> None:
    assert features_of("Norway opposed the resolution.")["event"] == 1.0
    assert features_of("The senator supported the bill.")["event"] == 1.0
    assert features_of("It is supported by the data.")["event"] == 0.0
    assert features_of("I agree with the Ambassador.")["opinion"] == 1.0


def test_can_hedges_and_a_fraction_is_a_figure() -> None:
    assert features_of("We can balance the budget.")["hedge"] == 1.0
    assert features_of("We balanced the budget.")["hedge"] == 0.0
    fraction = features_of("Two-thirds of the defence budget pays salaries.")
    assert (fraction["figure"], fraction["small_number_only"]) == (1.0, 0.0)
    assert features_of("The two of us agree on that.")["small_number_only"] == 1.0


def test_vague_quantities_and_indefinite_pronouns_hedge() -> None:
    assert features_of("A lot of people lost their jobs.")["hedge"] == 1.0
    assert features_of("Everybody knows the budget grew.")["hedge"] == 1.0
    assert features_of("Many people lost their jobs.")["hedge"] == 0.0


def test_empty_and_blank_texts(suggester) -> None:
    assert run(suggester, "") == []
    assert run(suggester, " \r\n\n\t ") == []


def test_french_text_uses_language_independent_features(monkeypatch, suggester) -> None:
    text = (
        "Communiqué de presse\n\n"
        "Le programme a reçu 3 millions d'euros en 2024. "
        "« Nous sommes fiers de ce résultat », a déclaré la directrice. "
        "Comment faire mieux ?"
    )
    suggestions = run(suggester, text, "fr")
    assert [text[s.start:s.end] for s in suggestions] == [
        "Le programme a reçu 3 millions d'euros en 2024."]
    # French has rules of its own now (nlp/languages): "3 millions d'euros" is money.
    assert "an amount of money and a date" in suggestions[0].reason


def test_results_come_back_in_input_order_across_languages(suggester) -> None:
    inputs = [
        SuggesterInput(1, "Norway pledged $15 million to the fund.", "en"),
        SuggesterInput(2, "Le programme a reçu 3 millions d'euros en 2024.", "fr"),
        SuggesterInput(3, "Thank you, Mr. President.", "en"),
        SuggesterInput(4, "", "fr"),
        SuggesterInput(5, "About 45,000 children were vaccinated in May.", "en"),
    ]
    out = list(suggester.suggest(iter(inputs), batch_size=2))
    assert [key for key, _ in out] == [1, 2, 3, 4, 5]
    assert [len(s) for _, s in out] == [1, 1, 0, 0, 1]


def test_texts_longer_than_the_pipeline_limit_are_cut_at_line_breaks(monkeypatch) -> None:
    monkeypatch.setattr(claim_rules, "_default_pipeline",
                        lambda language: small_pipeline(language, max_length=300))
    paragraph = "About 45,000 children were vaccinated in May.\nThank you, Mr. President.\n"
    text = "😀 " + paragraph * 40
    suggestions = run(claim_rules.RulesClaimSuggester(), text)
    assert len(suggestions) == 40
    assert {text[s.start:s.end] for s in suggestions} == {
        "About 45,000 children were vaccinated in May."}
    for piece, offset in claim_rules._pieces(text, 300):
        assert len(piece) <= 300 and text[offset:offset + len(piece)] == piece


def test_a_pipeline_that_is_not_installed_gets_a_clear_error() -> None:
    with pytest.raises(SuggesterError) as error:
        claim_rules.RulesClaimSuggester(model="xx_claims_pipeline_missing")
    message = str(error.value)
    assert "spaCy pipeline 'xx_claims_pipeline_missing' is not installed" in message
    assert "python -m spacy download xx_claims_pipeline_missing" in message
    assert "path to a pipeline folder" in message


def test_a_pipeline_folder_is_used_with_its_entities(tmp_path, monkeypatch) -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "Blue Agency"}])
    nlp.to_disk(tmp_path / "pipeline")
    suggester = claim_rules.RulesClaimSuggester(model=str(tmp_path / "pipeline"))
    assert suggester.info.pipeline == "en_pipeline"
    text = "Blue Agency will build a school. We believe it matters."
    suggestions = run(suggester, text)
    assert [text[s.start:s.end] for s in suggestions] == ["Blue Agency will build a school."]
    assert "names an organisation" in suggestions[0].reason


@pytest.mark.slow
def test_several_processes_give_the_same_result(suggester) -> None:
    inputs = [SuggesterInput(i, f"About {i},000 children were vaccinated. Thank you.")
              for i in range(1, 41)]
    one = list(suggester.suggest(inputs, batch_size=4))
    two = list(suggester.suggest(inputs, batch_size=4, n_process=2))
    assert one == two


def test_rows_are_the_suggestions_as_plain_values(suggester) -> None:
    inputs = [SuggesterInput(i, f"About {i},000 children were vaccinated. Thank you.")
              for i in range(1, 5)]
    objects = list(suggester.suggest(inputs))
    assert list(suggester.suggest_rows(inputs)) == [
        (key, [(s.start, s.end, s.label, s.score, s.reason) for s in found])
        for key, found in objects]
    assert all(found for _, found in objects)


def test_speed(suggester) -> None:
    sentences = CLAIMS + NOT_CLAIMS
    paragraph = " ".join(sentences) + "\n\n"
    texts = [paragraph * 5 for _ in range(40)]
    words = sum(len(t.split()) for t in texts)
    inputs = [SuggesterInput(i, t) for i, t in enumerate(texts)]
    list(suggester.suggest(inputs[:2]))
    started = time.perf_counter()
    out = list(suggester.suggest(inputs))
    seconds = time.perf_counter() - started
    print(f"claim suggester on the test pipeline: {words / seconds:,.0f} words/s")
    assert len(out) == len(texts)
    assert words / seconds > 5_000  # a floor for slow, busy machines; typically 10x more


# --------------------------------------------------------------------------- quality


def _gold_span(text: str, piece: str, occurrence: int) -> tuple[int, int]:
    position = -1
    for _ in range(occurrence + 1):
        position = text.find(piece, position + 1)
        assert position >= 0, f"gold claim not found in the text: {piece[:60]!r}"
    return position, position + len(piece)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared > 0 and shared >= 0.5 * max(a[1] - a[0], b[1] - b[0])


def _default_pipeline_or_stand_in() -> tuple[str, object]:
    if HAVE_ENTITY_RULES:
        return "the default rule pipeline", claim_rules._default_pipeline
    return "the small test pipeline", small_pipeline


def test_quality_on_the_sample_documents(monkeypatch) -> None:
    if not GOLD.exists():
        pytest.skip(f"no hand-annotated sample documents: {GOLD} is absent")
    name, pipeline = _default_pipeline_or_stand_in()
    monkeypatch.setattr(claim_rules, "_default_pipeline", pipeline)
    suggester = claim_rules.RulesClaimSuggester()
    true_positives = predicted = expected = 0
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        text = (REPO / record["file"]).read_text(encoding="utf-8")
        gold = [_gold_span(text, piece, occurrence) for piece, occurrence in record["claims"]]
        suggestions = run(suggester, text)
        matched: set[int] = set()
        for s in suggestions:
            for k, span in enumerate(gold):
                if k not in matched and _overlaps((s.start, s.end), span):
                    matched.add(k)
                    break
        true_positives += len(matched)
        predicted += len(suggestions)
        expected += len(gold)
    precision = true_positives / max(1, predicted)
    recall = true_positives / max(1, expected)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    print(f"claims on {GOLD.name} with {name}: precision {precision:.3f}, "
          f"recall {recall:.3f}, F1 {f1:.3f} ({true_positives} of {expected} gold, "
          f"{predicted} suggested)")
    assert f1 >= 0.92


@pytest.mark.skipif(not HAVE_ENTITY_RULES, reason="the default rule pipeline is not there yet")
def test_the_default_pipeline_runs_in_english_and_french() -> None:
    suggester = claim_rules.RulesClaimSuggester()
    english = "Thank you, Mr. President. The World Food Programme delivered 4,000 tonnes in May."
    french = "Merci. Le programme a reçu 3 millions d'euros en 2024."
    out = dict(suggester.suggest([SuggesterInput("en", english, "en"),
                                  SuggesterInput("fr", french, "fr")]))
    assert [english[s.start:s.end] for s in out["en"]] == [
        "The World Food Programme delivered 4,000 tonnes in May."]
    assert [french[s.start:s.end] for s in out["fr"]] == [
        "Le programme a reçu 3 millions d'euros en 2024."]
