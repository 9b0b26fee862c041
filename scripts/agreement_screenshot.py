"""Take the agreement dialog's screenshot for docs/screenshots/ (offscreen; no display needed).

    .venv/bin/python scripts/agreement_screenshot.py [PNG] [HTML]

The report is built by hand for three annotators, with figures worked out from span counts
so that they hang together (the dialog sorts the documents itself); HTML, when given, is the
same report as a page.
"""

from __future__ import annotations

import os
import sys
from itertools import combinations
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]

ANNOTATORS = ["Ana Reviewer", "Ben Okafor", "Chloé Martin"]
# label -> spans of each annotator, then (exact, overlap) matches of each pair (ab, ac, bc)
LABELS: dict[str, tuple[tuple[int, int, int], tuple[tuple[int, int], ...]]] = {
    "PERSON": ((42, 40, 44), ((37, 39), (39, 41), (36, 38))),
    "ORG": ((61, 55, 66), ((44, 52), (47, 57), (41, 50))),
    "GPE": ((58, 57, 58), ((53, 55), (54, 56), (52, 55))),
    "DATE": ((33, 29, 35), ((21, 27), (24, 30), (19, 26))),
    "CARDINAL": ((27, 31, 24), ((20, 24), (18, 21), (17, 22))),
    "MONEY": ((9, 9, 8), ((8, 9), (7, 8), (7, 8))),
    "EVENT": ((11, 6, 14), ((3, 5), (6, 9), (2, 4))),
    "NORP": ((0, 0, 0), ((0, 0), (0, 0), (0, 0))),
    "CLAIM": ((48, 41, 52), ((19, 34), (23, 40), (16, 31))),
}
PAIR_KAPPA = ((0.742, 0.611), (0.768, 0.655), (0.709, 0.572))
DOCUMENTS = [
    (1, "Security Council briefing on the situation in the Sahel", 64, 9, 0.812),
    (2, "WFP scales up food assistance across the Sahel", 51, 14, 0.705),
    (3, "UNHCR: refugee arrivals in eastern Chad", 47, 6, 0.861),
    (4, "General Assembly high-level debate on climate finance", 72, 21, 0.598),
    (5, "ECOSOC forum on financing for development", 38, 4, 0.889),
    (6, "<b>URGENT</b> alerts about UNIFIL were fake, officials say", 29, 11, 0.547),
    (7, "WHO and UNICEF warn of measles outbreaks 👩🏽‍⚕️", 33, 8, 0.744),
    (8, "Communiqué : l'UNESCO et l'alphabétisation des adultes", 26, 3, 0.902),
    (9, "Human Rights Council: summary of the 58th session", 58, 17, 0.641),
    (10, "UNDP and the African Union power rural clinics with solar", 35, 5, 0.853),
    (11, "Press statement (empty draft)", 0, 0, None),
]


def _f1(matches: int, a: int, b: int) -> float | None:
    return None if a + b == 0 else 2 * matches / (a + b)


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def sample_report():  # type: ignore[no-untyped-def]
    """F1 pooled over the pairs (matches and spans added up), kappa the mean over the pairs,
    as the computation does."""
    from unannotate.core.agreement import (
        AgreementReport,
        DocumentScores,
        LabelScores,
        PairScores,
    )

    pair_indices = list(combinations(range(len(ANNOTATORS)), 2))
    pairs = []
    for index, (i, j) in enumerate(pair_indices):
        per_label = {}
        for label, (spans, matches) in LABELS.items():
            exact, overlap = matches[index]
            a, b = spans[i], spans[j]
            per_label[label] = LabelScores(
                label, _f1(exact, a, b), _f1(overlap, a, b), a, b, exact, overlap,
                annotator_spans={ANNOTATORS[i]: a, ANNOTATORS[j]: b})
        a, b, exact, overlap = (sum(getattr(s, name) for s in per_label.values()) for name in
                                ("a_spans", "b_spans", "exact_matches", "overlap_matches"))
        token_kappa, claim_kappa = PAIR_KAPPA[index]
        pairs.append(PairScores(ANNOTATORS[i], ANNOTATORS[j], _f1(exact, a, b),
                                _f1(overlap, a, b), token_kappa, claim_kappa, per_label,
                                a_spans=a, b_spans=b, exact_matches=exact,
                                overlap_matches=overlap))
    per_label = {}
    for label, (spans, _) in LABELS.items():
        a, b, exact, overlap = (sum(getattr(p.per_label[label], name) for p in pairs) for name in
                                ("a_spans", "b_spans", "exact_matches", "overlap_matches"))
        per_label[label] = LabelScores(label, _f1(exact, a, b), _f1(overlap, a, b), a, b, exact,
                                       overlap, annotator_spans=dict(zip(ANNOTATORS, spans,
                                                                         strict=True)))
    a, b, exact, overlap = (sum(getattr(p, name) for p in pairs) for name in
                            ("a_spans", "b_spans", "exact_matches", "overlap_matches"))
    documents = [DocumentScores(*row) for row in DOCUMENTS]
    return AgreementReport(
        annotators=list(ANNOTATORS), documents=len(documents),
        exact_f1=_f1(exact, a, b), overlap_f1=_f1(overlap, a, b),
        token_kappa=_mean([p.token_kappa for p in pairs]),
        claim_kappa=_mean([p.claim_kappa for p in pairs]),
        token_alpha=0.726, claim_alpha=0.598,
        per_label=per_label, pairs=pairs, per_document=documents,
        tokens=14_382, sentences=611,
        spans={name: sum(spans[k] for spans, _ in LABELS.values())
               for k, name in enumerate(ANNOTATORS)})


def main() -> None:
    png = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        REPO / "docs" / "screenshots" / "agreement-report.png")
    html = Path(sys.argv[2]) if len(sys.argv) > 2 else None

    from unannotate.qt.agreement_view import AgreementDialog
    from unannotate.qt.app import application, apply_palette
    from unannotate.services.agreement_report import write_report

    report = sample_report()
    app = application()
    apply_palette(False)
    dialog = AgreementDialog(report)
    dialog.show()
    app.processEvents()
    png.parent.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(png))
    print(png)
    if html is not None:
        write_report(report, html, title="Agreement: Sahel briefings")
        print(html)
    dialog.close()


if __name__ == "__main__":
    main()
