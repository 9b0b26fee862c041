"""The data of one language: the file ``resources/languages/LANG.json``, the UN bodies of
``un_bodies.json`` and what CLDR (through Babel, shipped with it) knows: country, territory,
region and city names, and month names."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import get_day_names, get_month_names

from ...resources import resources_dir
from ..base import SuggesterError

DATA_DIR = "languages"
BODIES_FILE = "un_bodies.json"

# CLDR territory codes that are no place: the UN and the EU are organisations, the rest
# groupings ("Eurozone", "Outlying Oceania", "Unknown Region", pseudo-locales).
_NOT_PLACES = frozenset({"UN", "EU", "EZ", "QO", "ZZ", "XA", "XB", "001"})
# Time-zone cities: Antarctic stations and "Etc" zones are no cities of the news.
_NOT_CITY_ZONES = ("Antarctica/", "Etc/", "Arctic/")
# A city name shorter than this (in characters) is left out: too often a word.
_MIN_CITY = {"zh": 2}
_MIN_CITY_DEFAULT = 4

SCRIPTS = {"fr": "latin", "es": "latin", "ru": "cyrillic", "kk": "cyrillic", "ar": "arabic",
           "zh": "cjk"}


@dataclass(frozen=True)
class LanguageData:
    """Everything the entity and claim rules of one language read."""

    code: str
    script: str
    inflects: str | None  # "ru": case endings on each word; "kk": suffixes after the name
    places: list[tuple[str, str, str]]  # (name, label, reason)
    bodies: list[str]
    titles: list[str]
    particles: list[str]
    name_stop_words: list[str]
    months: list[str]
    weekdays: list[str]
    relative_dates: list[str]
    year_words_before: list[str]
    year_words_after: list[str]
    scale_words: list[str]
    currency_after: list[str]
    percent_words: list[str]
    abbreviations: list[str]
    number_words: list[str]
    measure_words: list[str]
    cues: dict[str, list[str]] = field(default_factory=dict)


def _read(name: str) -> Any:
    path = Path(resources_dir()) / DATA_DIR / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuggesterError(f"the language file {DATA_DIR}/{name} is missing from "
                             f"{resources_dir()}") from None
    except json.JSONDecodeError as exc:
        raise SuggesterError(f"the language file {DATA_DIR}/{name} is not valid JSON: "
                             f"{exc}") from None


@cache
def bodies() -> list[dict[str, list[str]]]:
    """The UN bodies, one dict of names per language each."""
    return list(_read(BODIES_FILE)["bodies"])


@cache
def latin_acronyms() -> tuple[str, ...]:
    """Abbreviations in Latin capitals of any language ("UNICEF", "PNUD"): the same in every
    text."""
    found = {name for body in bodies() for names in body.values() for name in names
             if name.isascii() and name.replace("-", "").isupper() and len(name) > 1}
    return tuple(sorted(found, key=len, reverse=True))


def _split_variants(name: str) -> list[str]:
    """"Congo-Kinshasa" stays; "Конго - Киншаса" and "刚果（金）" give their first part."""
    for cut in (" - ", "（", " ("):
        if cut in name:
            name = name.split(cut)[0]
    name = name.strip()
    return [name] if len(name) > 1 else []


def _places(code: str) -> list[tuple[str, str, str]]:
    locale = Locale.parse(code)
    out: list[tuple[str, str, str]] = []
    for key, name in locale.territories.items():
        if key in _NOT_PLACES:
            continue
        label = "LOC" if key.isdigit() else "GPE"
        reason = ("CLDR: region name" if label == "LOC" else "CLDR: country or territory name")
        out.extend((variant, label, reason) for variant in _split_variants(name))
    minimum = _MIN_CITY.get(code, _MIN_CITY_DEFAULT)
    for zone, names in locale.time_zones.items():
        city = names.get("city") if hasattr(names, "get") else None
        if not city or zone.startswith(_NOT_CITY_ZONES) or len(city) < minimum:
            continue
        out.append((city, "GPE", "CLDR: city name"))
    return out


def _months(code: str, locales: list[str]) -> list[str]:
    names: set[str] = set()
    for locale in locales:
        for width in ("wide", "abbreviated"):
            if width == "abbreviated" and SCRIPTS[code] in ("arabic", "cjk"):
                continue
            for context in ("format", "stand-alone"):
                for name in get_month_names(width, context, locale).values():
                    names.add(name)
                    names.add(name.lower())
    return sorted(names, key=len, reverse=True)


def _weekdays(code: str) -> list[str]:
    names: set[str] = set()
    widths = ("wide", "abbreviated") if SCRIPTS[code] == "cjk" else ("wide",)
    for width in widths:
        for context in ("format", "stand-alone"):
            for name in get_day_names(width, context, code).values():
                names.add(name)
                names.add(name.lower())
    return sorted(names, key=len, reverse=True)


@cache
def language_data(code: str) -> LanguageData:
    """The compiled data of ``code`` (one of the rule languages)."""
    raw = _read(f"{code}.json")
    places = _places(code)
    places += [(city, "GPE", "listed city") for city in raw.get("cities", [])]
    names = [name for body in bodies() for name in body.get(code, [])]
    return LanguageData(
        code=code,
        script=SCRIPTS[code],
        inflects=raw.get("inflects"),
        places=places,
        bodies=names,
        titles=list(raw.get("titles", [])),
        particles=list(raw.get("name_particles", [])),
        name_stop_words=list(raw.get("name_stop_words", [])),
        months=sorted({*_months(code, list(raw.get("months_locales", [code]))),
                       *raw.get("months_extra", [])}, key=len, reverse=True),
        weekdays=_weekdays(code),
        relative_dates=list(raw.get("relative_dates", [])),
        year_words_before=list(raw.get("year_words_before", [])),
        year_words_after=list(raw.get("year_words_after", [])),
        scale_words=list(raw.get("scale_words", [])),
        currency_after=list(raw.get("currency_after", [])),
        percent_words=list(raw.get("percent_words", [])),
        abbreviations=list(raw.get("abbreviations", [])),
        number_words=list(raw.get("number_words", [])),
        measure_words=list(raw.get("measure_words", [])),
        cues={k: list(v) for k, v in raw.get("cues", {}).items()},
    )
