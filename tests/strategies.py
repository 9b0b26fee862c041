"""Hypothesis strategies shared by the format round-trip tests.

Texts mix what breaks offsets in other tools: emoji and other astral characters, combining
marks, zero-width characters, CRLF and lone CR, tabs, leading and trailing white space, and the
empty text. Spans may overlap, nest and touch."""

from __future__ import annotations

from hypothesis import strategies as st

from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan

ALPHABET = list(
    "abcXYZ019 .,'-\t\r\n"
    "é\u0301\u0308\u200b\u200d\ufeff"  # combining marks, zero-width space / joiner, BOM
    "🌍😀👍🏽𝔸"  # astral characters (one code point, two UTF-16 units)
    "ßØ中文مرحبا"
)
TEXTS = st.text(alphabet=st.sampled_from(ALPHABET), max_size=80)
ENTITY_LABELS = st.sampled_from(["PERSON", "ORG", "GPE", "DATE", "MONEY", "X_Y-2"])


@st.composite
def spans_of(draw: st.DrawFn, text: str, labels: st.SearchStrategy[str] = ENTITY_LABELS,
             max_spans: int = 6, non_empty: bool = True) -> list[NativeSpan]:
    """Spans over ``text``: possibly overlapping, nested or adjacent."""
    spans: list[NativeSpan] = []
    if not text:
        return spans
    for _ in range(draw(st.integers(0, max_spans))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1 if non_empty else start, len(text)))
        spans.append(NativeSpan(start, end, draw(labels), text[start:end], "accepted"))
    return spans


@st.composite
def documents(draw: st.DrawFn, *, claims: bool = True, max_spans: int = 6,
              text: st.SearchStrategy[str] = TEXTS) -> NativeDocument:
    """A document with one annotator layer of entities (and claims)."""
    body = draw(text)
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana")
    layer.entities = draw(spans_of(body, max_spans=max_spans))
    if claims:
        layer.claims = draw(spans_of(body, st.just("CLAIM"), max_spans=2))
    return NativeDocument(text=body, title=draw(st.sampled_from(["", "t1", "Über 🌍"])),
                          layers=[layer])


def span_set(document: NativeDocument) -> set[tuple[int, int, str]]:
    """Every span of every layer as (start, end, label)."""
    return {
        (s.start, s.end, s.label)
        for layer in document.layers
        for s in (*layer.entities, *layer.claims)
    }
