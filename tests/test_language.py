"""Guessing a document's language: the seven languages of the program, Kazakh apart from
Russian, mixed text, and text too short to tell."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from unannotate.core import language
from unannotate.core.language import CANDIDATES, LANGUAGES, guess_language, guess_languages

DATA = Path(__file__).resolve().parent / "data" / "language_paragraphs.jsonl"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PARAGRAPHS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def test_the_paragraphs_cover_every_language_of_the_program() -> None:
    counts = {code: sum(p["language"] == code for p in PARAGRAPHS) for code in LANGUAGES}
    assert counts == dict.fromkeys(LANGUAGES, 6)


@pytest.mark.parametrize("paragraph", PARAGRAPHS,
                         ids=[f"{p['language']}-{n}" for n, p in enumerate(PARAGRAPHS)])
def test_each_paragraph_gets_its_language(paragraph: dict[str, str]) -> None:
    assert guess_language(paragraph["text"]) == paragraph["language"]


def test_a_batch_gets_the_same_answers_as_one_at_a_time() -> None:
    texts = [p["text"] for p in PARAGRAPHS] + ["", "12 345", "Hello"]
    assert guess_languages(texts) == [guess_language(text) for text in texts]
    assert guess_languages([]) == []


def test_the_batch_classifier_agrees_with_py3langid_itself() -> None:
    # The batch scoring is ours; the model and its reading of the bytes are py3langid's.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(CANDIDATES))
    texts = [p["text"] for p in PARAGRAPHS] + ["", "   ", "2025", "ALL CAPS HEADLINE ABOUT IT"]
    samples = [language._sample(text, size)[0] for text in texts for size in (32, 64, 600)]
    ours = language._classifier().classify(samples)
    for sample, (code, probability) in zip(samples, ours, strict=True):
        expected_code, expected_probability = reference.classify(sample)
        assert code == expected_code, sample
        assert probability == pytest.approx(expected_probability, abs=1e-4), sample


def test_kazakh_is_not_russian() -> None:
    kazakh = [p["text"] for p in PARAGRAPHS if p["language"] == "kk"]
    russian = [p["text"] for p in PARAGRAPHS if p["language"] == "ru"]
    assert set(guess_languages(kazakh)) == {"kk"}
    assert set(guess_languages(russian)) == {"ru"}
    # Russian that names Kazakh people in their own spelling stays Russian.
    assert guess_language(
        "Президент Казахстана Қасым-Жомарт Тоқаев выступил на Генеральной Ассамблее ООН "
        "в Нью-Йорке и рассказал о реформах в стране."
    ) == "ru"


class _SaysRussian:
    """A classifier that takes everything Cyrillic for Russian."""

    def classify(self, samples: list[str]) -> list[tuple[str, float]]:
        return [("ru", 0.99) for _ in samples]


def test_kazakh_letters_decide_where_the_classifier_says_russian(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_classifier", _SaysRussian)
    kazakh = next(p["text"] for p in PARAGRAPHS if p["language"] == "kk")
    russian = next(p["text"] for p in PARAGRAPHS if p["language"] == "ru")
    assert guess_language(kazakh) == "kk"
    assert guess_language(russian) == "ru"
    # One Kazakh name in Russian prose is not enough.
    assert guess_language("Выступил Қасым-Жомарт Тоқаев, президент страны, и заявил, что "
                          "страна выделит средства на программы ООН в регионе.") == "ru"


def test_ukrainian_is_neither_russian_nor_kazakh() -> None:
    # "і" is Kazakh's and Ukrainian's both: it alone does not make Ukrainian Kazakh.
    assert guess_language("Генеральний секретар привітав у вівторок зобов'язання Казахстану "
                          "виділити кошти на програми в регіоні.") == "uk"


def test_a_language_the_program_has_no_rules_for_is_named_not_forced() -> None:
    assert guess_language("Der Generalsekretär begrüßte am Dienstag die Zusage Kasachstans, "
                          "das Welternährungsprogramm zu unterstützen.") == "de"


@pytest.mark.parametrize("text", ["", "   \n\t", "12 345", "2025-03-12", "—", "42 %", "OK",
                                  "!!! ???", "🌍🕊️"])
def test_text_without_enough_words_gets_the_default(text: str) -> None:
    assert guess_language(text) == "en"
    assert guess_language(text, default="fr") == "fr"


def test_a_short_headline_is_still_told() -> None:
    assert guess_language("Глава ООН призвал к прекращению огня") == "ru"
    assert guess_language("联合国秘书长呼吁停火") == "zh"


@pytest.mark.parametrize(("text", "expected"), [
    ("The Secretary-General said: «Мы должны действовать сейчас». He added that the United "
     "Nations would send a team to the region next week.", "en"),
    ("Генеральный секретарь сказал: «We cannot look away». Он добавил, что ООН направит в "
     "регион группу экспертов на следующей неделе.", "ru"),
    ("Le Secrétaire général a déclaré : « 我们必须立即行动 ». Il a ajouté que les Nations Unies "
     "enverraient une équipe dans la région.", "fr"),
    ("秘书长说：“We must act now.” 他还表示，联合国将于下周向该地区派出一个小组。", "zh"),
    ("قال الأمين العام: \"We must act now\". وأضاف أن الأمم المتحدة سترسل فريقا إلى المنطقة "
     "في الأسبوع المقبل.", "ar"),
])
def test_mixed_text_gets_the_language_of_most_of_it(text: str, expected: str) -> None:
    assert guess_language(text) == expected


def test_only_the_beginning_is_read() -> None:
    english = next(p["text"] for p in PARAGRAPHS if p["language"] == "en" and len(p["text"]) > 400)
    french = next(p["text"] for p in PARAGRAPHS if p["language"] == "fr")
    assert guess_language(english + "\n\n" + french * 5) == "en"


def test_the_model_loads_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("language guessing tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    fresh = language._Classifier()
    sample = "Le Conseil de sécurité s'est réuni jeudi.".encode()
    assert fresh.classify([sample])[0][0] == "fr"


def test_the_example_news_articles_are_english() -> None:
    files = sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip(f"no example articles: {CORPUS} is absent")
    for path in files:
        paragraph = path.read_text(encoding="utf-8")[:600]
        assert guess_language(paragraph) == "en", path.name


def test_every_guess_but_kazakh_has_a_spacy_tokenizer_here() -> None:
    # A guess the suggesters cannot tokenize would stop them; Kazakh is the one spaCy lacks.
    import spacy

    for code in CANDIDATES:
        if code != "kk":
            assert spacy.blank(code).lang == code
    assert guess_language("国連事務総長はスーダンでの停戦を呼びかけた。") == "zh"
