"""The features of a claim unit (numbers in ``[0, 1]`` from its tokens and ``doc.ents``),
its score (a logistic of their weighted sum) and the reason text shown to the reviewer."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from spacy.tokens import Span

from .claim_cues import _CUE_FEATURES, _VERB_CATEGORIES, _config, _Cues, _cues
from .claim_units import (
    _CLOSERS,
    _NUMERIC_DATE,
    _ORDINAL,
    _TERMINAL,
    _YEAR,
    _is_participle,
    _matches,
    _View,
    _view_of,
)

_FIGURE_LABELS = frozenset({"CARDINAL", "PERCENT", "MONEY", "QUANTITY"})
_DATE_LABELS = frozenset({"DATE", "TIME"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_NAMED_THING_LABELS = frozenset({"EVENT", "LAW"})
# Who or where: with one of these, a future tense said of a noun is a commitment
# ("the Mission will open an office in Haiti"); said of a pronoun it is a prediction.
_NAMED_LABELS = _PLACE_LABELS | _NAMED_THING_LABELS | frozenset({"PERSON", "ORG", "NORP"})

# --------------------------------------------------------------------------- features


def _weak_number(view: _View, cues: _Cues, i: int, end: int) -> bool:
    """A small number word that counts nothing: "the two of us", "these three", "two.",
    not "two new clinics", nor a fraction or a compound ("two-thirds", "three-year")."""
    lower = view.lower
    if lower[i] not in cues.small_numbers:
        return False
    after = lower[i + 1] if i + 1 < end else ""
    if after == "-" and i + 2 < end and lower[i + 2][:1].isalpha():
        return False
    before = lower[i - 1] if i > 0 else ""
    return (not after[:1].isalpha() or after in ("of", "or", "and", "to", "that", "who")
            or before in ("the", "these", "those", "my", "our", "your", "their", "those"))


def _is_prediction(view: _View, cues: _Cues, i: int, end: int) -> bool:
    """"will be" before anything but a participle: a prediction ("it will be a substantive
    address"), not a plan ("the meeting will be held", "will be voiced" is one)."""
    lower = view.lower
    if lower[i] != "will" or i + 2 >= end or lower[i + 1] != "be":
        return False
    after = lower[i + 2]
    return not (after in cues.passive_participles or (after.endswith("ed") and after.isalpha()))


def _ordinal_word(lower: list[str], i: int, end: int, cues: _Cues) -> bool:
    """"first", "eightieth", "fifty-ninth": a number word that is an ordinal."""
    word = lower[i]
    if word in cues.not_figures or word.endswith("th"):
        return True
    return (i + 2 < end and lower[i + 1] == "-"
            and (lower[i + 2] in cues.not_figures or lower[i + 2].endswith("th")))


@dataclass
class _Analysis:
    """The features of a unit and what was found for each, for the reason text."""

    features: dict[str, float]
    evidence: dict[str, str] = field(default_factory=dict)
    entity_labels: set[str] = field(default_factory=set)


def _analyse(view: _View, start: int, end: int, cues: _Cues) -> _Analysis:
    config = _config()
    words, lower, ent, iob, space, num = (
        view.words, view.lower, view.ent, view.iob, view.space, view.num)
    index = cues.index
    has_words = cues.has_words
    evidence: dict[str, str] = {}
    labels: set[str] = set()
    hits: dict[str, int] = {}
    n_words = 0
    figures = 0
    prev_number = False
    vocative = False
    weak_figures = 0  # "two", "three" alone: often no figure at all ("the two of us")
    first = start
    while first < end and not words[first][:1].isalnum():
        first += 1
    speaker = first  # the first word after "And", "Well,", "Now," ...
    while speaker < end and (lower[speaker] in cues.discourse_markers
                             or not words[speaker][:1].isalnum()):
        speaker += 1

    for i in range(start, end):
        if space[i]:
            continue
        w = words[i]
        c0 = w[0]
        alnum = c0.isalnum()
        if alnum:
            n_words += 1
        label = ent[i]
        number = False
        if label:
            if iob[i] == "B" or i == start:
                labels.add(label)
                if label in _FIGURE_LABELS:
                    figures += 1
                    if not (i + 1 < end and iob[i + 1] == "I") and _weak_number(view, cues, i, end):
                        weak_figures += 1
        elif c0.isdigit():
            if _YEAR.match(w) or _NUMERIC_DATE.match(w):
                labels.add("DATE")
            elif _ORDINAL.match(w):
                labels.add("ORDINAL")
            else:
                number = True
        elif num[i] and has_words:
            if _ordinal_word(lower, i, end, cues):
                labels.add("ORDINAL")
            else:
                number = True
        if number:
            if not prev_number:
                figures += 1
                if not (i + 1 < end and num[i + 1]) and _weak_number(view, cues, i, end):
                    weak_figures += 1
            prev_number = True
        elif alnum or w not in (",", ".", "-"):
            prev_number = False

        entries = index.get(lower[i])
        matched = False
        if entries:
            for rest, category in entries:
                if not _matches(view, cues, i, end, rest, category, first):
                    continue
                matched = True
                if category == "hedge" and lower[i] in cues.reported_future:
                    category = "reported_future"
                elif category == "commitment":
                    if _is_prediction(view, cues, i, end):
                        # "it will be a substantive address": no commitment
                        hits["prediction"] = hits.get("prediction", 0) + 1
                        evidence.setdefault("prediction", view.text[view.idx[i]:view.idx[i]
                                                                    + len(words[i])])
                        continue
                    if lower[i] in cues.first_person or (
                            i > start and lower[i - 1] in cues.first_person):
                        category = "promise"  # "I will", "we are going to": the speaker's
                    elif lower[i] in cues.future and not (i + 1 < end and lower[i + 1] == "be"):
                        # a commitment only if something is concrete; "will be held" is
                        # an arrangement (a bare "will be" was a prediction above)
                        category = "future"
                        if i > start and lower[i - 1] in cues.pronoun_subjects:
                            hits["future_of_pronoun"] = 1  # "it will", "you'll", "they will"
                elif category == "vocative":
                    after = i + 1 + len(rest)
                    if not (i == first or words[i - 1] == "," or after >= end
                            or words[after] in (",", ".", "!")):
                        continue
                    vocative = True
                    category = "greeting"
                if category in hits:
                    hits[category] += 1
                else:
                    hits[category] = 1
                    cue_end = view.char_span(i, i + 1 + len(rest))[1]
                    evidence[category] = view.text[view.idx[i]:cue_end]
        if lower[i] in cues.self_reference and i > speaker:
            hits["self"] = hits.get("self", 0) + 1
        elif lower[i] in cues.addressee and not (i > start and lower[i - 1] == "thank"):
            hits["addressee"] = hits.get("addressee", 0) + 1
        if not matched and has_words and _is_participle(view, cues, i):
            if "participle" in hits:
                hits["participle"] += 1
            else:
                hits["participle"] = 1
                evidence["participle"] = w

    if "reported_future" in hits:
        # "She said the Mission would open ...": a reported commitment; alone, a hedge
        moved = "commitment" if "reporting" in hits else "hedge"
        if moved not in hits:
            hits[moved] = 0
            evidence[moved] = evidence["reported_future"]
        hits[moved] += hits.pop("reported_future")
    if "percent_words" in hits or "percent_sign" in hits:
        labels.add("PERCENT")
    has_figure = figures > 0 or "figure_words" in hits or bool(labels & _FIGURE_LABELS)
    weak_only = (has_figure and figures == weak_figures and "figure_words" not in hits
                 and not labels & {"MONEY", "PERCENT", "QUANTITY"})
    if has_figure and ("money_words" in hits or "currency" in hits):
        labels.add("MONEY")
    if "months" in hits:
        labels.add("DATE")

    if "future" in hits:
        # "The fund will provide $5 million in May", "the Mission will open an office in
        # Haiti" are commitments to check; "it will be hard", "we're going to fix it"
        # predict or intend nothing checkable yet.
        if has_figure or labels & _DATE_LABELS or (
                labels & _NAMED_LABELS and "future_of_pronoun" not in hits):
            hits["commitment"] = hits.get("commitment", 0) + hits.pop("future")
            evidence.setdefault("commitment", evidence["future"])
        else:
            hits["prediction"] = hits.get("prediction", 0) + hits.pop("future")
            evidence.setdefault("prediction", evidence["future"])
    f = dict.fromkeys(config.weights, 0.0)
    f["figure"] = float(has_figure)
    f["small_number_only"] = float(weak_only and "percent_words" not in hits
                                   and "percent_sign" not in hits)
    f["figures_several"] = float(figures >= 2)
    f["money"] = float("MONEY" in labels)
    f["percent"] = float("PERCENT" in labels and has_figure)
    f["date"] = float(bool(labels & _DATE_LABELS))
    f["ordinal"] = float("ORDINAL" in labels)
    f["person"] = float("PERSON" in labels)
    f["org"] = float("ORG" in labels)
    f["place"] = float(bool(labels & _PLACE_LABELS) or "NORP" in labels)
    f["named_event_or_law"] = float(bool(labels & _NAMED_THING_LABELS))
    f["quote"] = float("quote" in hits)
    f["question"] = float("question" in hits)
    f["exclamation"] = float("exclamation" in hits)
    f["short"] = float(n_words < 4)
    f["brief"] = float(n_words < 8)
    if "reporting" in hits:
        f["reporting"] = 1.0
        if f["person"]:
            evidence["source"] = "person"
        elif "person_pronouns" in hits:
            evidence["source"] = "someone"
        elif f["org"]:
            evidence["source"] = "org"
        elif f["quote"]:
            evidence["source"] = "quote"
        f["attributed"] = float("source" in evidence)
    for name in _CUE_FEATURES:
        f[name] = float(name in hits)
    f["greeting"] = float("greeting" in hits or vocative)
    f["past_participle"] = float("participle" in hits and "event" not in hits)
    f["past"] = float("past" in hits)
    f["measurable"] = float("measurable" in hits)
    f["promise"] = float("promise" in hits)
    # "I", "my": the speaker's own story; "we" and "our" often speak for a country or a
    # government, whose record can be checked ("we cut taxes"), so they do not count here.
    f["first_person"] = float(speaker < end and lower[speaker] in cues.self_reference)
    f["prediction"] = float("prediction" in hits)
    f["self_reference"] = float("self" in hits and not f["first_person"])
    f["addressee"] = float("addressee" in hits)
    has_verb = not hits.keys().isdisjoint(_VERB_CATEGORIES)
    f["heading_without_verb"] = float(
        not has_verb and not has_figure and _is_heading_end(view, start, end))
    return _Analysis({k: f[k] for k in config.weights}, evidence, labels)


def _is_heading_end(view: _View, start: int, end: int) -> bool:
    """True when the unit does not end with closing punctuation."""
    i = end - 1
    quotes = _config().quote_marks
    while i >= start and (view.words[i] in quotes or view.words[i] in _CLOSERS):
        i -= 1
    return i < start or view.words[i][-1] not in _TERMINAL


def claim_features(sent: Span) -> dict[str, float]:
    """The features of one sentence or clause, each in ``[0, 1]``, named as in
    :func:`feature_names`, from the tokens and ``doc.ents`` only."""
    view = _view_of(sent.doc)
    return _analyse(view, sent.start, sent.end, _cues(sent.doc.lang_)).features


def claim_score(features: dict[str, float]) -> float:
    """The score in ``[0, 1]`` of a feature dict: a logistic of the weighted sum."""
    config = _config()
    z = config.bias + sum(config.weights.get(k, 0.0) * v for k, v in features.items())
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


# --------------------------------------------------------------------------- reasons


def _with(words: str, cue: str | None) -> str:
    return f"{words} ({cue})" if cue else words


def _reason(analysis: _Analysis) -> str:
    """The strongest features of a unit in plain words, e.g. "a figure and a date;
    attributed to a named person"."""
    f, ev, w = analysis.features, analysis.evidence, _config().weights
    parts: list[tuple[float, str]] = []

    figure_weight = sum(w[k] * f[k] for k in ("figure", "figures_several", "money", "percent"))
    if f["money"]:
        figure = "an amount of money"
    elif f["percent"]:
        figure = "a percentage"
    elif f["figures_several"]:
        figure = "figures"
    elif f["figure"]:
        figure = "a figure"
    else:
        figure = ""
    if figure and f["date"]:
        parts.append((figure_weight + w["date"], f"{figure} and a date"))
    elif figure:
        parts.append((figure_weight, figure))
    elif f["date"]:
        parts.append((w["date"], "a date"))

    names_used = set()
    if f["reporting"]:
        weight = w["reporting"] + w["attributed"] * f["attributed"]
        source = ev.get("source")
        if source == "person":
            text = "attributed to a named person"
            names_used.add("person")
            weight += w["person"]
        elif source == "org":
            text = "attributed to an organisation"
            names_used.add("org")
            weight += w["org"]
        elif source:
            text = _with("attributed to someone", ev.get("reporting"))
        else:
            text = _with("a reported statement", ev.get("reporting"))
        if f["quote"]:
            text += ", quoted"
            weight += w["quote"]
        parts.append((weight, text))
    elif f["quote"]:
        parts.append((w["quote"], "a quotation"))

    for name, words in (
        ("commitment", "a commitment"),
        ("event", "an event that happened"),
        ("comparative", "a comparison"),
        ("causal", "a cause or effect"),
    ):
        if f[name]:
            parts.append((w[name], _with(words, ev.get(name))))
    if f["past_participle"]:
        parts.append((w["past_participle"], _with("a completed action", ev.get("participle"))))

    named: list[str] = []
    weight = 0.0
    for name, words in (
        ("person", "a person"),
        ("org", "an organisation"),
        ("place", "a place" if analysis.entity_labels & _PLACE_LABELS else "a nationality"),
        ("named_event_or_law", "an event or law"),
    ):
        if f[name] and name not in names_used:
            named.append(words)
            weight += w[name]
    if named:
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        parts.append((weight, f"names {listed}"))

    parts.sort(key=lambda p: -p[0])
    shown = [text for weight, text in parts[:3] if weight > 0]

    negatives = []
    for name, words in (
        ("question", "a question"),
        ("heading_without_verb", "a heading"),
        ("greeting", _with("a courtesy", ev.get("greeting"))),
        ("opinion", _with("an opinion", ev.get("opinion"))),
        ("exclamation", "an exclamation"),
        ("normative", _with("a call to act", ev.get("normative"))),
        ("short", "very short"),
        ("hedge", _with("hedged", ev.get("hedge"))),
        ("prediction", _with("a prediction", ev.get("prediction"))),
    ):
        if f[name] and w[name] <= -0.8:
            negatives.append((w[name], words))
    if negatives:
        shown.append("but " + min(negatives)[1])
    return "; ".join(shown) if shown else "no strong cue"


def claim_reason(sent: Span) -> str:
    """The reason text a suggestion for ``sent`` carries."""
    view = _view_of(sent.doc)
    return _reason(_analyse(view, sent.start, sent.end, _cues(sent.doc.lang_)))
