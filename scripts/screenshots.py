"""Take the window's screenshots for docs/screenshots/ (offscreen; no display needed).

    .venv/bin/python scripts/screenshots.py [OUT_DIR]

Builds a temporary project from data/, runs the built-in suggesters, accepts a few
suggestions, and saves: the review window after a bulk accept (Shift+A) and its undo (Ctrl+Z)
on a document with a right-to-left line, the sample document, a right-to-left/emoji document,
a long document, the dark palette and the colleague-review window (``--review-only``: that one
alone). The offscreen screen is desktop-sized (1600x1000).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _desktop_screen() -> str:
    config = Path(tempfile.gettempdir()) / "unannotate-shots-screen.json"
    config.write_text('{"screens": [{"name": "shots", "x": 0, "y": 0, "width": 1600, '
                      '"height": 1000, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}',
                      encoding="utf-8")
    return f"offscreen:configfile={config}"


os.environ.setdefault("QT_QPA_PLATFORM", _desktop_screen())


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--review-only"]
    review_only = len(args) < len(sys.argv) - 1
    out = Path(args[0]) if args else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="unannotate-shots-"))
    os.environ["UNANNOTATE_SETTINGS"] = str(tmp / "settings.json")

    from unannotate.qt.app import application, apply_palette, open_window
    from unannotate.services.decisions import Decider
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project
    from unannotate.services.window_data import document_summaries
    from unannotate.services.suggesting import build_suggesters, run_suggester

    project = open_project(tmp / "shots.db")
    import_paths(project, [REPO / "data"])
    long_text = _long_document(REPO / "data")
    (tmp / "long.txt").write_text(long_text, encoding="utf-8")
    import_paths(project, [tmp / "long.txt"])
    for suggester in build_suggesters():
        run_suggester(project, suggester)
    reviewer = Decider(project, "Ana Reviewer")
    summaries = {s.title: s.id for s in document_summaries(reviewer)}
    first = min(summaries.values())
    rtl = next(i for t, i in summaries.items() if "UNHCR" in t)
    for document_id in (first, rtl):
        for span in reviewer.pending(document_id)[:6]:
            reviewer.accept(span.id)

    if review_only:
        application()
        _review_shot(project, rtl, out)
        return
    app = application()
    window = open_window(project, "Ana Reviewer", auto_suggest=False)
    assert window is not None
    window.resize(1500, 900)

    def shot(name: str, document_id: int) -> None:
        window.open_document(document_id)
        app.processEvents()
        window.grab().save(str(out / name))
        print(out / name)

    _after_bulk_accept_and_undo(app, window, rtl, out / "review-window.png")
    shot("sample-document.png", first)
    shot("right-to-left.png", rtl)
    emoji = next(i for t, i in summaries.items() if "measles" in t.lower())
    shot("emoji.png", emoji)
    html = next(i for t, i in summaries.items() if "UNIFIL" in t)
    shot("html-looking-text.png", html)
    long_id = max(summaries.values())
    shot("long-document.png", long_id)
    apply_palette(True)
    shot("dark-palette.png", first)
    apply_palette(False)
    window.close()
    _review_shot(project, rtl, out)


def _after_bulk_accept_and_undo(app, window, document_id: int, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The window after Shift+A (accept all) and Ctrl+Z (its undo), pressed as keys: the six
    accepted before stay accepted, the rest are suggestions again, the first selected."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window.open_document(document_id)
    window.activateWindow()
    app.processEvents()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    app.processEvents()
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    app.processEvents()
    window.view.highlight_everything()
    app.processEvents()
    window.grab().save(str(path))
    print(path)


def _review_shot(project, document_id: int, out: Path) -> None:  # type: ignore[no-untyped-def]
    """A colleague's work beside the reviewer's, on a document with a right-to-left line:
    one disagreement settled with B's version, one with neither, everything agreed taken,
    one more taken and undone (so it is open again)."""
    from unannotate.qt.app import application
    from unannotate.qt.review_window import ReviewWindow
    from unannotate.services.decisions import Decider
    from unannotate.services.colleague_review import Review

    colleague = Decider(project, "Ben Colleague")
    pending = colleague.pending(document_id)
    labels = [label.name for label in project.labels()]
    for n, span in enumerate(pending):
        if span.label == "CLAIM":
            if n % 3:
                colleague.accept(span.id)
        elif n % 9 == 3:
            other = next(x for x in labels if x not in (span.label, "CLAIM"))
            colleague.accept(span.id, label=other)  # another label
        elif n % 9 == 5 and span.end - span.start > 4:
            colleague.accept(span.id, end=span.end - 2)  # other boundary
        elif n % 9 != 7:
            colleague.accept(span.id)
    Decider(project, "Ana Reviewer").accept_all(document_id)
    review = Review(project, "Rita Decider", ["Ana Reviewer", "Ben Colleague"])
    window = ReviewWindow(review)
    window.resize(1500, 900)
    window.open_document(document_id)
    window.show()
    window.take_layer(1)  # settle the first disagreement with B's version
    window.take_neither()  # the next with neither
    window.accept_agreed()  # Shift+A: everything all agree on
    window.take_layer(0)  # one more, then undone: open again
    window.undo()
    application().processEvents()
    window.grab().save(str(out / "colleague-review.png"))
    print(out / "colleague-review.png")
    window.close()


def _long_document(data: Path) -> str:
    """About 50,000 words made by shuffling the sample documents' paragraphs."""
    paragraphs = [p for f in sorted(data.glob("0[1-6]*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    rng = random.Random(7)
    chosen, words = [], 0
    while words < 50_000:
        paragraph = rng.choice(paragraphs)
        chosen.append(paragraph)
        words += len(paragraph.split())
    return "Long briefing compilation\n\n" + "\n\n".join(chosen)


if __name__ == "__main__":
    main()
