"""Guessing a document's language when neither the import command nor the record names one.

The guess is py3langid's (a naive Bayes classifier over byte n-grams, shipped with its model,
so nothing is downloaded), restricted to the program's seven languages and a few that are
common in the same mail: a smaller set is both faster and less often wrong (Chinese is no
longer taken for Wu Chinese). On top of it, a rule on
the letters only Kazakh writes (ә ғ қ ң ө ұ ү һ і) keeps Kazakh apart from Russian and
Ukrainian whatever the classifier says.

Only the beginning of a text is read: a short sample, then longer ones while the classifier
is not sure. A text without words (empty, numbers, punctuation) gets the default.
``--language`` on import overrides the guess for anything else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, partial

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

# The languages the program has rules for (the six official UN languages and Kazakh).
LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es", "kk")
# Others that arrive in the same mail, so that their documents are not forced into one of
# the seven (a German press release is "de", which gets the language-neutral suggestions).
# Not Japanese: spaCy's Japanese tokenizer needs packages the program does not install, and a
# Japanese text guessed Chinese is tokenized by character, as Chinese is.
OTHER_LANGUAGES: tuple[str, ...] = ("de", "it", "pt", "nl", "tr", "uk", "fa")
CANDIDATES: tuple[str, ...] = LANGUAGES + OTHER_LANGUAGES

# Bytes read (UTF-8: a letter of Latin script takes one, of Cyrillic or Arabic two, a Chinese
# character three): a short sample first, longer ones while the classifier is not sure. Its
# probabilities are calibrated for length: on the program's paragraphs and the import
# benchmark's news items, no guess at 0.9 or more on 32 bytes or more was wrong, and 64 bytes
# settle nineteen documents in twenty (reading costs time per byte).
SAMPLES: tuple[int, ...] = (64, 200, 600)
LONG = SAMPLES[-1]
# Probability from which a sample settles the guess. Kazakh on the first sample must also
# have Kazakh's letters: Russian news often begins with a Kazakh name in Kazakh spelling
# ("Қасым-Жомарт Тоқаев"), which a short sample takes for Kazakh.
CONFIDENT = 0.9
# Probability under which even the longest sample says too little: the default is returned.
UNSURE = 0.3

_WORD = re.compile(r"[^\W\d_]{2}")
# Letters of Kazakh's Cyrillic alphabet that Russian never writes; "і" is Ukrainian too.
_KAZAKH = re.compile(r"[әғқңөұүһӘҒҚҢӨҰҮҺ]")
_KAZAKH_OR_UKRAINIAN = re.compile(r"[іІ]")
# Runs of letters of each script the candidates are written in.
_SCRIPT_RANGES = {
    "latin": "A-Za-z\u00C0-\u024F\u1E00-\u1EFF",
    "cyrillic": "\u0400-\u04FF",
    "arabic": "\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF",
    "cjk": "\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF",
}
_SCRIPTS = {name: re.compile(f"[{chars}]+") for name, chars in _SCRIPT_RANGES.items()}
# A letter of any other of these scripts than the one named.
_OTHER_SCRIPTS = {
    name: re.compile("[" + "".join(c for n, c in _SCRIPT_RANGES.items() if n != name) + "]")
    for name in _SCRIPT_RANGES
}
# A Chinese or Japanese character says about as much as a word of three letters.
_LETTER_WEIGHT = {"cjk": 3}
_SCRIPT_OF = {
    **dict.fromkeys(("en", "fr", "es", "de", "it", "pt", "nl", "tr"), "latin"),
    **dict.fromkeys(("ru", "kk", "uk"), "cyrillic"),
    **dict.fromkeys(("ar", "fa"), "arabic"),
    **dict.fromkeys(("zh",), "cjk"),
}
# Share of a text's Cyrillic letters that must be Kazakh's own for the text to be Kazakh,
# counted on its first LONG characters: Kazakh prose has 8 to 17 %, a Russian paragraph
# naming "Қасым-Жомарт Тоқаев" under 2 %.
KAZAKH_SHARE = 0.05


# From this many samples on, the automaton walks them all at once (numpy, a step per byte
# position); fewer are walked one by one in Python, which then costs less than the array
# steps' own overhead (one text alone: 39 µs against 157 µs; batches of 30: 13 against 21 µs
# a text; the import's 500: 6 against 16).
WALK_TOGETHER_FROM = 16
WALK_TOGETHER_AT_MOST = 1024  # samples a walk holds: 600 bytes each, 5 MB of states


class _Classifier:
    """py3langid's classifier restricted to :data:`CANDIDATES`, scoring many samples at once.

    A sample is read as py3langid reads it (its own n-gram automaton, on the NFC-normalised
    UTF-8 bytes, lower-cased when all upper case), but the automaton walks every sample of a
    large batch at once: one array step per byte position instead of one Python step per byte
    of each sample (py3langid's loop was most of the guess's time). The naive Bayes sums and the
    length-calibrated probabilities of the whole batch are then one array computation too.
    ``LanguageIdentifier.classify`` gives the same answers one sample at a time (a test
    holds the two together).
    """

    def __init__(self) -> None:
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(CANDIDATES))
        self.labels: list[str] = list(identifier.nb_classes)
        self._walk = partial(visit_counts, identifier.tk_nextmove,
                             [row << 8 for row in identifier.tk_row], identifier.tk_output)
        # The automaton as arrays (the transition table is shared with py3langid, not copied):
        # the next state is nextmove[row[state] * 256 + byte]; output[state] is the feature
        # a state completes, or -1.
        self._nextmove = np.frombuffer(identifier.tk_nextmove,
                                       dtype=np.dtype(identifier.tk_nextmove.typecode))
        self._rowbase = np.asarray(identifier.tk_row, dtype=np.intp) << 8
        self._output = np.asarray(identifier.tk_output, dtype=np.intp)
        self._weights = np.asarray(identifier.nb_ptc, dtype=np.float32)  # feature x language
        self._priors = np.asarray(identifier.nb_pc, dtype=np.float32)

    def _features(self, samples: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each sample's distinct features and how often it has each: the sample numbers
        (ascending), the features and the counts, as three arrays of the same length."""
        if len(samples) < WALK_TOGETHER_FROM:
            return self._walk_each(samples)
        return self._walk_together(samples)

    def _walk_each(self, samples: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_features` by py3langid's own walk, one sample after the other."""
        numbers: list[int] = []
        features: list[int] = []
        counts: list[int] = []
        for number, data in enumerate(samples):
            visits = self._walk(data)
            if visits:
                numbers.extend([number] * len(visits))
                features.extend(visits)
                counts.extend(visits.values())
        return (np.asarray(numbers, dtype=np.intp), np.asarray(features, dtype=np.intp),
                np.asarray(counts, dtype=np.intp))

    def _walk_together(self, samples: Sequence[bytes],
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_features` by one walk of all the samples, a step per byte position."""
        width = max(len(data) for data in samples)
        # Position by position: row ``p`` holds every sample's byte ``p`` (0 past its end).
        columns = np.frombuffer(b"".join(data.ljust(width, b"\0") for data in samples),
                                dtype=np.uint8).reshape(len(samples), width).T.copy()
        states = np.zeros(len(samples), dtype=np.intp)
        visited = np.empty((width, len(samples)), dtype=np.intp)
        nextmove, rowbase = self._nextmove, self._rowbase
        for position, column in enumerate(columns):
            states = nextmove[rowbase[states] + column]
            visited[position] = states
        outputs = self._output[visited.T]
        # The padding walks on; what it finds is not the sample's.
        lengths = np.fromiter(map(len, samples), dtype=np.intp, count=len(samples))
        outputs[np.arange(width) >= lengths[:, None]] = -1
        numbers, positions = np.nonzero(outputs >= 0)
        keys = numbers * len(self._weights) + outputs[numbers, positions]
        keys, counts = np.unique(keys, return_counts=True)
        numbers, features = np.divmod(keys, len(self._weights))
        return numbers, features, counts

    def classify(self, samples: Sequence[bytes]) -> list[tuple[str, float]]:
        """The most probable language of each sample (as :func:`_sample` gives it), and its
        probability."""
        if not samples:
            return []
        if len(samples) > WALK_TOGETHER_AT_MOST:  # the walk's arrays stay a few MB
            return [guess for first in range(0, len(samples), WALK_TOGETHER_AT_MOST)
                    for guess in self.classify(samples[first:first + WALK_TOGETHER_AT_MOST])]
        lengths = np.fromiter((len(data) or 1 for data in samples), dtype=np.float32,
                              count=len(samples))
        scores = np.zeros((len(samples), len(self.labels)), dtype=np.float32)
        numbers, features, counts = self._features(samples)
        if len(numbers):
            weighted = self._weights[features]
            weighted *= np.log1p(counts.astype(np.float32))[:, None]
            starts = np.flatnonzero(np.diff(numbers, prepend=-1))
            scores[numbers[starts]] = np.add.reduceat(weighted, starts, axis=0) + self._priors
        # A sample without features scores 0 everywhere: every language equally probable.
        scores /= np.sqrt(lengths)[:, None]
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        best = scores.argmax(axis=1)
        probabilities = scores[np.arange(len(samples)), best].tolist()
        return [(self.labels[b], p) for b, p in zip(best.tolist(), probabilities, strict=True)]


def _sample(text: str, size: int) -> tuple[bytes, bool]:
    """The beginning of ``text`` as py3langid reads text (NFC, UTF-8, lower case if it is all
    upper case), at most ``size`` bytes of whole characters; and whether the text goes on."""
    head = text[:size]
    if head.isupper():
        head = head.lower()
    data = unicodedata.normalize("NFC", head).encode("utf-8", "surrogatepass")
    if len(data) <= size:
        return data, len(text) > size
    return data[:size].decode("utf-8", "ignore").encode("utf-8"), True


@cache
def _classifier() -> _Classifier:
    """Loaded on first use (0.7 s on a quiet machine: py3langid's model is compressed)."""
    return _Classifier()


def _is_kazakh(beginning: str, guessed: str) -> bool:
    """Whether Kazakh's own letters make :data:`KAZAKH_SHARE` of ``beginning``'s Cyrillic
    ones (for a text taken for Ukrainian, without the "і" the two share)."""
    own = len(_KAZAKH.findall(beginning))
    if guessed != "uk":
        own += len(_KAZAKH_OR_UKRAINIAN.findall(beginning))
    if not own:
        return False
    cyrillic = sum(map(len, _SCRIPTS["cyrillic"].findall(beginning)))
    return own / cyrillic >= KAZAKH_SHARE


def _main_script(sample: str) -> tuple[str, str]:
    """The script most of ``sample``'s letters are written in, and its words alone."""
    runs = {script: pattern.findall(sample) for script, pattern in _SCRIPTS.items()}
    script = max(runs, key=lambda name: sum(map(len, runs[name])) * _LETTER_WEIGHT.get(name, 1))
    return script, " ".join(runs[script])


def guess_language(text: str, default: str = "en") -> str:
    """Return the ISO 639-1 code of ``text``'s language among :data:`CANDIDATES`
    (``default`` for a text without words, or one too short to tell).

    Judged on the beginning of the text (at most :data:`LONG` characters)."""
    return guess_languages([text], default)[0]


def guess_languages(texts: Sequence[str], default: str = "en") -> list[str]:
    """:func:`guess_language` of each of ``texts``, in one pass (much faster for many)."""
    classifier = _classifier()
    guesses: list[tuple[str, float]] = [("", 0.0)] * len(texts)
    pending = list(range(len(texts)))
    for size in SAMPLES:
        samples = [_sample(texts[n], size) for n in pending]
        found = classifier.classify([data for data, _ in samples])
        unsure = []
        for number, (_, more), guess in zip(pending, samples, found, strict=True):
            guesses[number] = guess
            if more and not _settled(texts[number], size, *guess):
                unsure.append(number)
        pending = unsure
        if not pending:
            break
    return [_settle(text, *guess, default) for text, guess in zip(texts, guesses, strict=True)]


def _settled(text: str, size: int, language: str, probability: float) -> bool:
    """Whether the guess on ``size`` bytes of ``text`` is final."""
    if probability < CONFIDENT:
        return False
    return language != "kk" or size > SAMPLES[0] or _is_kazakh(text[:LONG], "kk")


def _settle(text: str, language: str, probability: float, default: str) -> str:
    """The classifier's guess for ``text``, checked against its scripts and letters."""
    if not _WORD.search(text, 0, LONG):  # as on text[:LONG], without copying it
        return default
    script = _SCRIPT_OF[language]
    if _OTHER_SCRIPTS[script].search(text, 0, SAMPLES[1]):
        # Mixed scripts: a Russian quotation weighs more in bytes than the English around it,
        # so the script of most letters decides, and the classifier reads only its words.
        main, words = _main_script(text[:LONG])
        if main != script:
            ((language, probability),) = _classifier().classify([_sample(words, LONG)[0]])
    if language in ("ru", "uk") and _is_kazakh(text[:LONG], language):
        return "kk"
    return language if probability >= UNSURE else default
