"""Suggestions in Arabic, Chinese, French, Russian, Spanish and Kazakh, the language-neutral
ones of any other language, and documents of several languages (nlp/languages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unannotate.nlp.base import SuggesterInput
from unannotate.nlp.claim_rules import RulesClaimSuggester
from unannotate.nlp.entity_rules import RulesEntitySuggester
from unannotate.nlp.languages import language_support, rules_for
from unannotate.nlp.languages.claims import sentences
from unannotate.nlp.languages.routing import segments
from unannotate.services.languages import language_note

Span = tuple[int, int, str]


def at(text: str, piece: str, label: str, occurrence: int = 0) -> Span:
    """The span of the ``occurrence``-th ``piece`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(piece, start + 1)
    return start, start + len(piece), label


def entities(text: str, language: str) -> set[Span]:
    ((_, found),) = RulesEntitySuggester().suggest([SuggesterInput(0, text, language)])
    for s in found:
        assert text[s.start:s.end].strip() == text[s.start:s.end] and s.start < s.end
    return {(s.start, s.end, s.label) for s in found}


def claims(text: str, language: str) -> list[str]:
    ((_, found),) = RulesClaimSuggester().suggest([SuggesterInput(0, text, language)])
    return [text[s.start:s.end] for s in found]


# -- key entities per language, exact offsets ---------------------------------------------

FRENCH = ("GENÈVE, le 4 mars 2026 — La Directrice générale de l'OMS, Mme Hélène Barbier-Diallo, "
          "a annoncé que la Suisse verserait 7,5 millions de francs suisses et que le Sénégal "
          "recevrait 18 % des vaccins. Barbier-Diallo a remercié la Banque mondiale.")


def test_french_entities() -> None:
    text = FRENCH
    found = entities(text, "fr")
    assert {at(text, "GENÈVE", "GPE"), at(text, "4 mars 2026", "DATE"), at(text, "OMS", "ORG"),
            at(text, "Hélène Barbier-Diallo", "PERSON"), at(text, "Suisse", "GPE"),
            at(text, "7,5 millions", "CARDINAL"), at(text, "Sénégal", "GPE"),
            at(text, "18 %", "PERCENT"), at(text, "Barbier-Diallo", "PERSON", 1),
            at(text, "Banque mondiale", "ORG")} <= found


def test_spanish_entities() -> None:
    text = ("El 2 de febrero de 2026, la Presidenta de la Asamblea General, Lucía Ferreyra Soto, "
            "informó en Ginebra que México donará 3,2 millones de dólares al ACNUR y que el 40 por "
            "ciento irá a Guatemala.")
    found = entities(text, "es")
    assert {at(text, "2 de febrero de 2026", "DATE"), at(text, "Asamblea General", "ORG"),
            at(text, "Lucía Ferreyra Soto", "PERSON"), at(text, "Ginebra", "GPE"),
            at(text, "México", "GPE"), at(text, "3,2 millones de dólares", "MONEY"),
            at(text, "ACNUR", "ORG"), at(text, "40 por ciento", "PERCENT"),
            at(text, "Guatemala", "GPE")} <= found


RUSSIAN = ("Генеральный секретарь ООН Ирина Волкова 14 мая 2026 года сообщила в Нью-Йорке, что "
           "Всемирная продовольственная программа направит 2,4 млн долларов США в Киргизию. "
           "По словам Волковой, правительство Казахстана поддержит решение Генеральной Ассамблеи.")


def test_russian_entities_in_their_cases() -> None:
    text = RUSSIAN
    found = entities(text, "ru")
    assert {at(text, "ООН", "ORG"), at(text, "Ирина Волкова", "PERSON"),
            at(text, "14 мая 2026 года", "DATE"), at(text, "Нью-Йорке", "GPE"),
            at(text, "Всемирная продовольственная программа", "ORG"),
            at(text, "2,4 млн долларов США", "MONEY"), at(text, "Киргизию", "GPE"),
            # inflected: the surname found again in the genitive, a country, an organ
            at(text, "Волковой", "PERSON"), at(text, "Казахстана", "GPE"),
            at(text, "Генеральной Ассамблеи", "ORG")} <= found


KAZAKH = ("Бас хатшы Ирина Волкова 2026 жылғы 14 мамырда Нью-Йоркте Қазақстанның Дүниежүзілік "
          "денсаулық сақтау ұйымына 1,5 миллион АҚШ долларын бөлетінін айтты. Қаражаттың 20 "
          "пайызы Алматыға жіберіледі.")


def test_kazakh_entities_with_their_suffixes() -> None:
    text = KAZAKH
    found = entities(text, "kk")
    assert {at(text, "Ирина Волкова", "PERSON"), at(text, "2026 жылғы 14 мамырда", "DATE"),
            at(text, "Нью-Йоркте", "GPE"), at(text, "Қазақстанның", "GPE"),
            at(text, "Дүниежүзілік денсаулық сақтау ұйымына", "ORG"),
            at(text, "1,5 миллион АҚШ долларын", "MONEY"), at(text, "20 пайызы", "PERCENT"),
            at(text, "Алматыға", "GPE")} <= found


ARABIC = ("جنيف، 4 آذار/مارس 2026 — قالت المديرة العامة لمنظمة الصحة العالمية هيلين باربييه إن "
          "المغرب سيقدم 3 ملايين دولار، وإن 15 في المائة من اللقاحات ستذهب إلى اليمن وقطر.")


def test_arabic_entities_after_their_prefixes() -> None:
    text = ARABIC
    found = entities(text, "ar")
    assert {at(text, "جنيف", "GPE"), at(text, "4 آذار/مارس 2026", "DATE"),
            at(text, "منظمة الصحة العالمية", "ORG"), at(text, "هيلين باربييه", "PERSON"),
            at(text, "المغرب", "GPE"), at(text, "3 ملايين دولار", "MONEY"),
            at(text, "15 في المائة", "PERCENT"), at(text, "اليمن", "GPE"),
            # "وقطر": the "و" (and) stays out of the span
            at(text, "قطر", "GPE")} <= found


CHINESE = ("2026年3月4日，联合国秘书长伊琳娜·沃尔科娃在日内瓦表示，日本将向世界粮食计划署提供1.2亿美元，"
           "其中30%用于也门。")


def test_chinese_entities_on_characters() -> None:
    text = CHINESE
    found = entities(text, "zh")
    assert {at(text, "2026年3月4日", "DATE"), at(text, "联合国", "ORG"),
            at(text, "伊琳娜·沃尔科娃", "PERSON"), at(text, "日内瓦", "GPE"),
            at(text, "日本", "GPE"), at(text, "世界粮食计划署", "ORG"),
            at(text, "1.2亿美元", "MONEY"), at(text, "30%", "PERCENT"),
            at(text, "也门", "GPE")} <= found


def test_a_chinese_date_is_one_span_not_digits() -> None:
    text = "联合国大会于2025年9月23日开幕。"
    found = entities(text, "zh")
    date = at(text, "2025年9月23日", "DATE")
    assert date in found
    assert not [s for s in found if s != date and s[0] < date[1] and date[0] < s[1]]


def test_offsets_are_code_points_after_emoji_and_astral_characters() -> None:
    text = "🇺🇳😀 𠀋 2026年3月4日，秘书长在纽约表示。"
    found = entities(text, "zh")
    assert at(text, "2026年3月4日", "DATE") in found and at(text, "纽约", "GPE") in found


# -- claims and sentences -------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "claim"), [
    ("fr", FRENCH, "GENÈVE, le 4 mars 2026 — La Directrice générale de l'OMS"),
    ("ru", RUSSIAN, "Генеральный секретарь ООН Ирина Волкова 14 мая 2026 года сообщила"),
    ("kk", KAZAKH, "Бас хатшы Ирина Волкова 2026 жылғы 14 мамырда"),
    ("ar", ARABIC, "جنيف، 4 آذار/مارس 2026 — قالت المديرة العامة"),
    ("zh", CHINESE, "2026年3月4日，联合国秘书长伊琳娜·沃尔科娃在日内瓦表示"),
])
def test_a_reported_pledge_with_figures_is_a_claim_and_a_question_is_not(
        language: str, text: str, claim: str) -> None:
    question = {"fr": " Est-ce suffisant ?", "ru": " Этого достаточно?",
                "kk": " Бұл жеткілікті ме?", "ar": " هل هذا كاف؟", "zh": "这够吗？"}[language]
    found = claims(text + question, language)
    assert any(piece.startswith(claim) for piece in found), found
    assert not any(question.strip() in piece for piece in found)


def test_claim_cues_make_a_statement_without_figures_a_claim() -> None:
    text = "Le Secrétaire général a déclaré que le Conseil de sécurité se réunirait. Merci."
    assert claims(text, "fr") == [
        "Le Secrétaire général a déclaré que le Conseil de sécurité se réunirait."]


def test_chinese_sentences_end_at_chinese_punctuation() -> None:
    text = "安理会今天通过决议。这是好消息！下一步怎么办？秘书长说：“我们会继续。”"
    assert [text[s:e] for s, e in sentences(text, "zh")] == [
        "安理会今天通过决议。", "这是好消息！", "下一步怎么办？", "秘书长说：“我们会继续。”"]


def test_arabic_sentences_end_at_arabic_punctuation_and_long_clauses_at_the_comma() -> None:
    text = ("قال الأمين العام إن المساعدات وصلت إلى المخيمات في الشمال يوم الاثنين، "
            "وإن الفرق الطبية بدأت العمل في ثلاثة مستشفيات ميدانية. هل يكفي ذلك؟ نعم، يكفي.")
    assert [text[s:e] for s, e in sentences(text, "ar")] == [
        "قال الأمين العام إن المساعدات وصلت إلى المخيمات في الشمال يوم الاثنين،",
        "وإن الفرق الطبية بدأت العمل في ثلاثة مستشفيات ميدانية.", "هل يكفي ذلك؟", "نعم، يكفي."]


def test_abbreviations_and_initials_end_no_sentence() -> None:
    text = "В 2025 г. ООН выделила 5 млн долларов. А. Петров заявил об этом."
    assert [text[s:e] for s, e in sentences(text, "ru")] == [
        "В 2025 г. ООН выделила 5 млн долларов.", "А. Петров заявил об этом."]


# -- a language without rules, and documents of several languages ---------------------------


def test_a_language_without_rules_gets_language_neutral_suggestions_and_no_error() -> None:
    text = ("Am 2026-03-04 sagte die Sprecherin, dass 1.200 Familien 45 % der Hilfe erhielten "
            "und UNICEF 3,5 Mio. € bereitstellte.\nWarum?")
    for language in ("de", "qq"):  # one spaCy knows, one nobody knows
        found = entities(text, language)
        assert {at(text, "2026-03-04", "DATE"), at(text, "1.200", "CARDINAL"),
                at(text, "45 %", "PERCENT"), at(text, "UNICEF", "ORG")} <= found
        assert claims(text, language) == [text.splitlines()[0]]
    assert language_support("de").has_rules is False
    note = language_note("de-AT")
    assert note is not None and "no rules for language 'de'" in note and "language-neutral" in note
    assert all(language_note(code) is None for code in ("en", "fr", "es", "ru", "ar", "zh", "kk"))
    assert rules_for("xx") == "*" and rules_for("zh-Hans") == "zh"


def test_a_mixed_document_is_suggested_by_paragraph_language() -> None:
    english = ("Secretary-General António Guterres said in New York on 23 September 2025 that "
               "Kenya would receive $4 million from the World Food Programme.")
    russian = ("Генеральный секретарь заявил в Нью-Йорке, что Казахстан выделит 2 млн долларов США "
               "Программе развития ООН.")
    chinese = "秘书长在纽约表示，哈萨克斯坦承诺向联合国儿童基金会提供300万美元，用于中亚地区儿童的疫苗接种。"
    text = f"{english}\n\n{russian}\n{chinese}\n"
    pieces = segments(text, "en")
    assert [rules for _, _, rules in pieces] == ["en", "ru", "zh"]
    assert "".join(text[s:e] for s, e, _ in pieces) == text
    found = entities(text, "en")
    assert {at(text, "António Guterres", "PERSON"), at(text, "New York", "GPE"),
            at(text, "$4 million", "MONEY"), at(text, "Нью-Йорке", "GPE"),
            at(text, "Казахстан", "GPE"), at(text, "2 млн долларов США", "MONEY"),
            at(text, "纽约", "GPE"), at(text, "300万美元", "MONEY"),
            at(text, "联合国儿童基金会", "ORG")} <= found
    found_claims = claims(text, "en")
    assert any(piece.startswith("Генеральный секретарь заявил") for piece in found_claims)
    assert any(piece.startswith("秘书长在纽约表示") for piece in found_claims)


def test_a_document_of_one_language_is_one_piece() -> None:
    text = f"{RUSSIAN}\n\n{RUSSIAN}\nКороткая строка.\n"
    assert segments(text, "ru") == [(0, len(text), "ru")]
    assert segments("", "fr") == [(0, 0, "fr")]


def test_results_come_back_in_input_order_across_all_languages_in_processes() -> None:
    inputs = [SuggesterInput(n, text, language) for n, (text, language) in enumerate(
        [(FRENCH, "fr"), (RUSSIAN, "ru"), ("Kenya pledged $5 million.", "en"), (CHINESE, "zh"),
         (ARABIC, "ar"), (KAZAKH, "kk"), ("", "zh"), ("Preis: 12 €", "de")])]
    alone = list(RulesEntitySuggester().suggest(inputs))
    assert [key for key, _ in alone] == list(range(len(inputs)))
    assert list(RulesEntitySuggester().suggest(inputs, n_process=2, batch_size=2)) == alone
    assert [bool(found) for _, found in alone] == [True] * 6 + [False, True]


def test_a_longer_listed_name_wins_over_a_shorter_one_with_a_suffix() -> None:
    # "Доминика" (Dominica) + the suffix "н" must not cut "Доминикан Республикасы".
    text = "Гаити және Доминикан Республикасында"
    assert at(text, "Доминикан Республикасында", "GPE") in entities(text, "kk")


def test_a_person_after_a_title_says_so() -> None:
    text = "Генеральный секретарь Ирина Волкова заявила это. Ирина Волкова добавила."
    ((_, found),) = RulesEntitySuggester().suggest([SuggesterInput(0, text, "ru")])
    first, second = [s for s in found if s.label == "PERSON"]
    assert first.reason == "title: Генеральный секретарь"
    assert second.reason == "name found again"


def test_numbers_in_words_and_a_name_after_a_titles_complement() -> None:
    text = ("La ministra de Medio Ambiente de Chile, Carolina Ibáñez Rojas, visitó tres "
            "campamentos.")
    found = entities(text, "es")
    assert {at(text, "Carolina Ibáñez Rojas", "PERSON"), at(text, "tres", "CARDINAL"),
            at(text, "Chile", "GPE")} <= found
    assert not [s for s in found if s[2] == "PERSON" and "Medio" in text[s[0]:s[1]]]
    text = "Верховный комиссар ООН по делам беженцев Томас Линдквист посетил три лагеря."
    found = entities(text, "ru")
    assert {at(text, "Томас Линдквист", "PERSON"), at(text, "три", "CARDINAL")} <= found
    text = "Көмек үшін үш лагерьге барды."  # "үшін" (for) is no "үш" (three)
    numbers = {s for s in entities(text, "kk") if s[2] == "CARDINAL"}
    assert numbers == {at(text, "үш", "CARDINAL", 1)}


def test_suggesting_says_which_documents_had_no_rules(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unannotate.cli import app

    (tmp_path / "de.txt").write_text("Am 2026-03-04 erhielten 1.200 Familien Hilfe.\n",
                                     encoding="utf-8")
    (tmp_path / "fr.txt").write_text(FRENCH, encoding="utf-8")
    project = str(tmp_path / "p.db")
    runner = CliRunner()
    for name, language in (("de.txt", "de"), ("fr.txt", "fr")):
        done = runner.invoke(app, ["import", str(tmp_path / name), "--project", project,
                                   "--language", language])
        assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["suggest", "--project", project])
    assert done.exit_code == 0, done.output
    notes = [line.strip() for line in done.output.splitlines() if "no rules" in line]
    assert notes == ["1 document: " + language_note("de")] * 2  # entities, claims


def test_an_arabic_name_after_a_titles_complement() -> None:
    text = "وصرح مفوض الأمم المتحدة السامي لحقوق الإنسان كريم بنعلي بأن الوضع خطير."
    found = entities(text, "ar")
    assert at(text, "كريم بنعلي", "PERSON") in found
    assert not [s for s in found if s[2] == "PERSON" and s != at(text, "كريم بنعلي", "PERSON")]
    assert not [s for s in entities("قال الرئيس الفرنسي إن الوضع خطير.", "ar") if s[2] == "PERSON"]
