"""Entity suggestions for Arabic, Chinese, French, Russian, Spanish and Kazakh, and the
language-neutral ones of every other language, found on the characters of the text.

There is no tokenizer: names are prefix-tree regexes built from the data (:mod:`.patterns`),
so Chinese is matched where words are not separated, Arabic after its one-letter prefixes,
Russian and Kazakh with their endings; a number is one match however it is written
("2025年9月23日" is one DATE, "1 200 000" one CARDINAL). Of overlapping candidates the
longest wins; on a tie the order of :data:`PRIORITY` decides.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from ..base import SuggestionRow
from . import NEUTRAL
from .data import LanguageData, language_data, latin_acronyms
from .patterns import (
    AR_PREFIX,
    ARABIC_LETTER,
    KK_SUFFIX,
    name_atoms,
    names_regex,
    trie_regex,
    words_regex,
)

PRIORITY = {label: rank for rank, label in enumerate(
    ["ORG", "GPE", "LOC", "PERSON", "DATE", "MONEY", "PERCENT", "CARDINAL"])}

S = "[ \u00a0\u202f]+"  # spaces inside one entity (never a line break)
S0 = "[ \u00a0\u202f]*"
NUM = (r"(?<!\d)(?<!\d[.,])(?:\d{1,3}(?:[ \u00a0\u202f,.٬]\d{3})+(?!\d)(?:[.,٫]\d+)?"
       r"|\d+(?:[.,٫]\d+)?)(?!\d)")
CN_DIGITS = "〇零一二两三四五六七八九十"
CN_NUMBER = f"[{CN_DIGITS}百千点]+"
_YEAR = r"(?<!\d)(?:1[89]|20)\d{2}(?!\d)"
_SYMBOL_BEFORE = r"(?:US\$|\$|€|£|¥|₸|₽|(?:USD|EUR|KZT|RUB|CNY|GBP)[ \u00a0]?)"
_SYMBOL_AFTER = r"(?:€|\$|₸|₽|USD|EUR|KZT|RUB|CNY)(?![A-Za-z])"

_CAP = "A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁӘҒҚҢӨҰҮҺІ"
_NAME_WORD = rf"[{_CAP}](?:\.|[\w'’]+(?:-[\w'’]+)*)"
# Capitalised words that begin a sentence or a phrase, never a name after a title.
_NOT_NAME_WORDS = frozenset(
    "Le La Les L Un Une Des Du De Il Elle El Los Las Lo Un Una Y En A Al Del В На И Он Она "
    "Они По С Для Это Как Что Бұл Ол Және Мен".split())
# Words between a title and an organisation or place it belongs to: "Secrétaire général
# de l'ONU, António Guterres".
_CONNECTORS = {
    "fr": r"(?:de S l['’]|de S la S |du S |des S |de S |d['’])",
    "es": r"(?:de S la S |de S las S |de S los S |del S |de S )",
    "ru": r"(?:при S |в S )",
}
_CONNECTORS = {code: body.replace(" S ", "[ \u00a0]+") for code, body in _CONNECTORS.items()}


@dataclass(frozen=True)
class _Rules:
    """The compiled patterns of one language."""

    code: str
    script: str
    names: tuple[tuple[str, re.Pattern[str], str], ...]  # (label, regex, reason)
    values: tuple[tuple[str, re.Pattern[str], str], ...]
    titles: re.Pattern[str] | None
    data: LanguageData | None


def _b(body: str, script: str) -> str:
    """``body`` as a whole word (Chinese: anywhere)."""
    if script == "cjk":
        return body
    return rf"(?<![\w]){body}(?![\w])"


def _value_patterns(data: LanguageData | None) -> list[tuple[str, str, str]]:
    """(label, regex, reason) of dates, numbers, amounts and percentages."""
    out = [
        ("DATE", r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)", "pattern: ISO date"),
        ("DATE", r"(?<!\d)\d{1,2}[./]\d{1,2}[./]\d{4}(?!\d)", "pattern: numeric date"),
        ("DATE", _YEAR, "pattern: year"),
        ("PERCENT", NUM + S0 + "[%٪％]", "pattern: percentage"),
    ]
    scale = "(?!)"
    script = data.script if data else "latin"
    if data is not None:
        scale = words_regex(data.scale_words)
        if data.inflects == "kk":  # "1,2 миллионға"
            scale += KK_SUFFIX
        if script != "cjk":
            scale += r"(?![\w])"
    amount = f"{NUM}(?:{S0}{scale})?"
    out += [
        ("MONEY", f"{_SYMBOL_BEFORE}{S0}{amount}", "pattern: amount with a currency sign"),
        ("MONEY", f"{amount}{S0}{_SYMBOL_AFTER}", "pattern: amount with a currency sign"),
        ("CARDINAL", amount, "pattern: number"),
    ]
    if data is None:
        return out
    currency = words_regex(data.currency_after)
    percent = words_regex(data.percent_words)
    months = words_regex(data.months)
    if data.inflects == "ru":  # "в марте", "марта", "март"
        months = trie_regex([name_atoms(m, "ru", "cyrillic") for m in data.months])
    if script == "arabic":  # "أيلول/سبتمبر": the Levant's name and the Gregorian one
        months = f"{months}(?:{S0}/{S0}{months})?"
    if data.inflects == "kk":
        months += KK_SUFFIX
    end = "" if script == "cjk" else r"(?![\w])"
    if data.inflects == "kk":  # "20 пайызы", "доллардан"
        end = KK_SUFFIX + end
    connector = rf"(?:(?:de|del){S}|d['’])?" if script == "latin" else ""
    out += [
        ("MONEY", f"{amount}{S0}{connector}{currency}{end}", "pattern: amount of money"),
        ("PERCENT", f"{NUM}{S0}{percent}{end}", "pattern: percentage"),
    ]
    year_after = words_regex(data.year_words_after)
    if data.inflects == "kk":  # "2024 жылмен"
        year_after += KK_SUFFIX
    year = rf"\d{{4}}(?:{S}{year_after})?"
    day = r"(?<!\d)\d{1,2}(?:er|º)?"
    out += [
        ("DATE", rf"{day}{S}(?:de{S})?(?<![\w]){months}(?![\w])(?:{S}(?:de{S}|del{S})?{year})?",
         "pattern: day and month"),
        ("DATE", rf"(?<![\w]){months}{S}(?:de{S})?{year}", "pattern: month and year"),
    ]
    if data.year_words_after:
        out.append(("DATE", rf"{_YEAR}{S}{year_after}(?![\w])", "pattern: year"))
        out.append(("DATE", rf"{_YEAR}{S}{year_after}{S}\d{{1,2}}{S}{months}(?![\w])",
                    "pattern: year, day and month"))
    if data.inflects == "kk":  # "2023 жылғы сәуірден": a month without its day
        out.append(("DATE", rf"{_YEAR}{S}{year_after}{S}{months}(?![\w])",
                    "pattern: year and month"))
    if data.number_words:  # "trois", "трех", "үш", "ثلاثة"; Chinese before a measure word
        spelled = words_regex(data.number_words)
        if script == "cjk":
            measure = words_regex(data.measure_words)
            out.append(("CARDINAL", rf"(?<![{CN_DIGITS}]){spelled}(?={measure})",
                        "pattern: number in words"))
        elif script == "arabic":
            out.append(("CARDINAL", rf"(?<![{ARABIC_LETTER}]){spelled}(?![{ARABIC_LETTER}])",
                        "pattern: number in words"))
        else:
            out.append(("CARDINAL", rf"(?<![\w]){spelled}(?![\w])", "pattern: number in words"))
    if data.year_words_before:
        before = words_regex(data.year_words_before)
        out.append(("DATE", rf"(?<![{ARABIC_LETTER}]){before}{S}{_YEAR}", "pattern: year"))
    if data.relative_dates:
        out.append(("DATE", _b(words_regex(data.relative_dates), script), "pattern: relative date"))
    if script == "cjk":
        unit = rf"(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})"
        out += [
            ("DATE", rf"(?:\d{{4}}|[{CN_DIGITS}]{{4}}){S0}年"
                     rf"(?:{S0}{unit}{S0}月(?:{S0}{unit}{S0}[日号])?)?", "pattern: date"),
            ("DATE", rf"(?<!\d){unit}{S0}月(?:{S0}{unit}{S0}[日号])?", "pattern: date"),
            ("PERCENT", rf"百分之(?:{NUM}|{CN_NUMBER})", "pattern: percentage"),
            ("MONEY", rf"{CN_NUMBER}(?:{scale}){S0}{currency}", "pattern: amount of money"),
            ("CARDINAL", rf"{CN_NUMBER}(?:{scale})", "pattern: number"),
        ]
    return out


@cache
def rules(language: str) -> _Rules:
    """The compiled patterns of ``language`` (:data:`NEUTRAL` for the language-neutral ones)."""
    acronyms = re.compile(
        r"(?<![A-Za-z0-9])(?P<n>" + words_regex(latin_acronyms()) + r")(?![A-Za-z0-9])")
    names: list[tuple[str, re.Pattern[str], str]] = [("ORG", acronyms, "listed UN body")]
    if language == NEUTRAL:
        values = _value_patterns(None)
        return _Rules(NEUTRAL, "latin", tuple(names),
                      tuple((label, re.compile(body), reason) for label, body, reason in values),
                      None, None)
    data = language_data(language)
    bodies = [name for name in data.bodies if name not in latin_acronyms()]
    names.append(("ORG", names_regex(bodies, data.code, data.script), "listed UN body"))
    for label in ("GPE", "LOC"):
        for reason in sorted({r for _, lab, r in data.places if lab == label}):
            listed = [n for n, lab, r in data.places if lab == label and r == reason]
            if label == "GPE" and data.script in ("latin", "cyrillic"):
                # Datelines write places in capitals: "NUEVA YORK, 23 de septiembre".
                listed += [n.upper() for n in listed]
            names.append((label, names_regex(listed, data.code, data.script), reason))
    names.append(("DATE", names_regex(data.weekdays, data.code, data.script),
                  "CLDR: day of the week"))
    values = _value_patterns(data)
    titles = words_regex(data.titles)
    if data.script == "arabic":
        title_regex = re.compile(f"(?<![{ARABIC_LETTER}]){AR_PREFIX}(?P<n>{titles})"
                                 f"(?![{ARABIC_LETTER}])")
    elif data.script == "cjk":
        title_regex = re.compile(f"(?P<n>{titles})")
    else:
        title_regex = re.compile(rf"(?<![\w])(?P<n>{titles})(?![\w])")
    return _Rules(language, data.script, tuple(names),
                  tuple((label, re.compile(body), reason) for label, body, reason in values),
                  title_regex, data)


_Candidate = tuple[int, int, str, str]  # start, end, label, reason
_AGAIN = "name found again"


def entity_rows(text: str, language: str) -> list[SuggestionRow]:
    """The entity suggestions of ``text`` in ``language`` (a rule language or
    :data:`NEUTRAL`), as rows with code-point offsets, in text order."""
    compiled = rules(language)
    candidates: list[_Candidate] = []
    named: dict[int, int] = {}  # where a listed name starts (also before its prefix) -> end
    for label, regex, reason in compiled.names:
        for match in regex.finditer(text):
            candidates.append((match.start("n"), match.end("n"), label, "gazetteer: " + reason))
            if label != "DATE":
                named[match.start()] = named[match.start("n")] = max(
                    match.end("n"), named.get(match.start("n"), 0))
    for label, regex, reason in compiled.values:
        for match in regex.finditer(text):
            if match.end() > match.start():
                candidates.append((match.start(), match.end(), label, reason))
    if compiled.titles is not None and compiled.data is not None:
        persons = _persons(text, compiled, named)
        candidates += persons
        candidates += _found_again(text, compiled.data, persons)
    chosen = _resolve(candidates)
    return [(start, end, label, None, reason) for start, end, label, reason in chosen]


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    """The longest candidates that do not overlap; ties by :data:`PRIORITY`, then a name
    after its title before the same name found again (its reason says more)."""
    order = sorted(set(candidates),
                   key=lambda c: (c[0] - c[1], PRIORITY.get(c[2], 99), c[3] == _AGAIN, c[0],
                                  c[3]))
    starts: list[int] = []
    ends: list[int] = []
    chosen: list[_Candidate] = []
    for candidate in order:
        start, end = candidate[0], candidate[1]
        at = bisect.bisect_right(starts, start)
        if at and ends[at - 1] > start:
            continue
        if at < len(starts) and starts[at] < end:
            continue
        starts.insert(at, start)
        ends.insert(at, end)
        chosen.insert(at, candidate)
    return chosen


# -- people after titles ----------------------------------------------------------------


def _persons(text: str, compiled: _Rules, named: dict[int, int]) -> list[_Candidate]:
    """PERSON candidates: the name after each title ("Secrétaire général de l'ONU, António
    Guterres" gives "António Guterres"); ``named``: where listed names start and end."""
    data = compiled.data
    assert data is not None and compiled.titles is not None
    connector = re.compile(_CONNECTORS[data.code]) if data.code in _CONNECTORS else None
    out: list[_Candidate] = []
    for match in compiled.titles.finditer(text):
        position = match.end("n")
        for _ in range(2):  # "Генеральный секретарь ООН", "Secrétaire général de l'ONU"
            step = re.compile(S0).match(text, position)
            at = step.end() if step else position
            if connector is not None:
                joined = connector.match(text, at)
                if joined and joined.end() in named:
                    at = joined.end()
            if at in named:
                position = named[at]
            else:
                break
        gap = re.compile(rf"{S0},?{S0}" if data.script != "cjk" else r"[ \u00a0]*")
        position = gap.match(text, position).end()  # type: ignore[union-attr]
        second = compiled.titles.match(text, position)  # "La Directrice générale, Mme X"
        if second:
            position = re.compile(S0).match(text, second.end("n")).end()  # type: ignore[union-attr]
        if data.script == "cjk":
            found = _cjk_name(text, position, data, named)
        elif data.script == "arabic":
            found = _arabic_name(text, position, data, named)
        else:
            found = _cased_name(text, position, data, named)
            if not found:
                found = _name_after_complement(text, position, data, named)
        if found:
            out.append((found[0], found[1], "PERSON", "title: " + match.group("n")))
    return out


_NAME_WORD_RE = re.compile(_NAME_WORD)


def _cased_name(text: str, position: int, data: LanguageData,
                named: dict[int, int]) -> tuple[int, int] | None:
    """Up to four capitalised words (and the particles between them) at ``position``."""
    particles = set(data.particles)
    months = set(data.months)
    end = None
    at = position
    words = 0
    while words < 4:
        if at in named:
            break
        word = _NAME_WORD_RE.match(text, at)
        if not word or word.group() in _NOT_NAME_WORDS or word.group() in months:
            break
        end = word.end()
        words += 1
        spaces = re.compile(S).match(text, end)
        if not spaces:
            break
        at = spaces.end()
        # a particle joins only when a capitalised word follows: "Ould Cheikh", "de Souza"
        particle = re.compile(r"[\w'’]+").match(text, at)
        if particle and particle.group() in particles:
            after = re.compile(S).match(text, particle.end())
            if after and _NAME_WORD_RE.match(text, after.end()):
                at = after.end()
    return (position, end) if end is not None else None


_COMPLEMENT_WORD = re.compile(r"[\w'’-]+|[,'’]")
_COMPLEMENT_WORDS = 10
# Words that join a capitalised word to the rest of a title's complement.
_JOINING = frozenset("de del des du la las los le les y et e по при в и для".split())


def _name_after_complement(text: str, position: int, data: LanguageData,
                           named: dict[int, int]) -> tuple[int, int] | None:
    """The name after a title's complement: "Haut-Commissaire des Nations Unies pour les
    réfugiés, Tomas Lindqvist", "Верховный комиссар ООН по делам беженцев Томас Линдквист".
    The complement holds only lower-case words and listed names, within the sentence; the
    name is two capitalised words or more, or one after a comma."""
    at = position
    comma = False
    for _ in range(_COMPLEMENT_WORDS):
        at = re.compile(S0).match(text, at).end()  # type: ignore[union-attr]
        if at in named:
            at = named[at]
            continue
        word = _COMPLEMENT_WORD.match(text, at)
        if not word:
            return None
        value = word.group()
        if value == ",":
            comma = True
        elif value[0].isupper():
            found = _cased_name(text, at, data, named)
            if not found:
                return None
            if comma:
                return found
            gap = re.compile(S0).match(text, found[1])
            after = _COMPLEMENT_WORD.match(text, gap.end() if gap else found[1])
            if after and after.group().lower() in _JOINING | set(data.particles):
                at = found[1]  # "ministra de Medio Ambiente de Chile": still the complement
                continue
            if " " in text[found[0]:found[1]] and after and after.group()[0].islower():
                return found  # "... по делам беженцев Томас Линдквист сообщил"
            return None
        elif not value[0].isalpha() and value not in "'’":
            return None
        at = word.end()
    return None


_ARABIC_WORD = re.compile(f"[{ARABIC_LETTER}]+")


def _arabic_name(text: str, position: int, data: LanguageData,
                 named: dict[int, int]) -> tuple[int, int] | None:
    """Up to three Arabic words that are no function word, title or word with an article,
    after the title's complement: listed names and words with the article or "ل" ("مفوض
    الأمم المتحدة السامي لشؤون اللاجئين توماس ليندكفيست")."""
    stops = set(data.name_stop_words)
    space = re.compile(" ")
    at = position
    for _ in range(_ARABIC_COMPLEMENT_WORDS):
        if at in named:
            at = named[at]
        else:
            word = _ARABIC_WORD.match(text, at)
            if not word or not word.group().startswith(("ال", "لل", "ل")) or len(word.group()) < 4:
                break
            at = word.end()
        gap = space.match(text, at)
        if not gap:
            return None
        at = gap.end()
    start, end = at, None
    for _ in range(3):
        if at in named:
            break
        word = _ARABIC_WORD.match(text, at)
        if not word:
            break
        value = word.group()
        # A word with the article is a title or a noun, except after a given name
        # ("سلمى الحارثي").
        article = value.startswith(("ال", "لل"))
        if value in stops or (article and end is None) or value.startswith("لل") or len(value) < 2:
            break
        end = word.end()
        gap = space.match(text, end)
        if not gap:
            break
        at = gap.end()
    return (start, end) if end is not None else None


_ARABIC_COMPLEMENT_WORDS = 6


_HAN = re.compile(r"[\u4e00-\u9fff·•]")


def _cjk_name(text: str, position: int, data: LanguageData,
              named: dict[int, int]) -> tuple[int, int] | None:
    """Two to eight Chinese characters (a foreign name joined by "·") up to a word that
    follows names ("在", "表示") or punctuation."""
    stops = tuple(data.name_stop_words)
    at = position
    while at < len(text) and at - position < 12 and _HAN.match(text, at):
        if at > position and (text.startswith(stops, at) or at in named):
            break
        at += 1
    letters = sum(1 for ch in text[position:at] if ch not in "·•")
    if 2 <= letters <= 8:
        return position, at
    return None


def _found_again(text: str, data: LanguageData,
                 persons: list[_Candidate]) -> list[_Candidate]:
    """A named person's full name and surname wherever else they occur ("Guterres")."""
    names: set[str] = set()
    for start, end, _, _ in persons:
        name = text[start:end]
        names.add(name)
        # The surname alone: the last word ("Guterres", "غوتيريش"), in Chinese the part
        # after the last "·" of a foreign name ("古特雷斯").
        parts = name.replace("•", "·").split("·" if data.script == "cjk" else None)
        if len(parts) > 1 and len(parts[-1]) > (1 if data.script == "cjk" else 2):
            names.add(parts[-1])
    if not names:
        return []
    regex = names_regex(sorted(names), data.code, data.script)
    return [(m.start("n"), m.end("n"), "PERSON", _AGAIN) for m in regex.finditer(text)]
