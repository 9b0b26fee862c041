"""Importing documents: files and folders in, one transaction per file, never half a file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.batches import batches
from ..core.errors import InputError
from ..core.language import guess_languages
from ..core.model import NewDocument
from ..formats.documents import iter_files, read_documents
from ..formats.interchange import shortened
from ..storage.database import Unit
from ..storage.documents import add_documents, known_hashes, storing_many_documents
from ..storage.events import add_event
from .project import Project

BATCH = 500  # rows per INSERT and per duplicate look-up: bounded, whatever the file's size


@dataclass
class FileOutcome:
    path: str
    new: int = 0
    duplicates: int = 0
    skipped: int = 0


@dataclass
class ImportReport:
    files: list[FileOutcome] = field(default_factory=list)
    rejected: list[InputError] = field(default_factory=list)  # whole files refused
    skipped: list[InputError] = field(default_factory=list)  # records passed over (--skip-invalid)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)


def _store_batch(session: Unit, batch: list[NewDocument], language: str | None,
                 outcome: FileOutcome) -> None:
    hashes = [doc.sha256 for doc in batch]
    known = known_hashes(session, hashes)
    new: list[tuple[NewDocument, str]] = []
    for doc, sha in zip(batch, hashes, strict=True):
        if sha in known:
            outcome.duplicates += 1
            continue
        known.add(sha)
        new.append((doc, sha))
    if not new:
        return
    languages = [language or doc.language for doc, _ in new]
    unnamed = [n for n, name in enumerate(languages) if not name]
    # The whole batch's guesses at once: the classifier's arithmetic is shared.
    for n, guessed in zip(unnamed, guess_languages([new[n][0].text for n in unnamed]),
                          strict=True):
        languages[n] = guessed
    rows = [
        {
            "sha256": sha,
            "text": doc.text,
            "title": doc.title[:500],
            "meta": doc.meta,
            "language": name,
            "source": doc.source,
        }
        for (doc, sha), name in zip(new, languages, strict=True)
    ]
    add_documents(session, rows)
    outcome.new += len(rows)


def import_paths(
    project: Project,
    paths: Iterable[str | Path],
    *,
    annotator: str | None = None,
    language: str | None = None,
    skip_invalid: bool = False,
    on_file: Callable[[Path], None] | None = None,
    on_documents: Callable[[int], None] | None = None,
    files: list[Path | InputError] | None = None,
) -> ImportReport:
    """Import every supported file under ``paths``.

    Each file is one transaction: it is imported whole or not at all (unless
    ``skip_invalid``, when bad records are passed over and counted). A document whose text
    is already in the project (same SHA-256) is counted as a duplicate, not stored again.
    ``files`` may carry the result of :func:`list_files` when the caller listed them already.
    """
    report = ImportReport()
    listed = files if files is not None else list_files(paths)
    for item in listed:
        if isinstance(item, InputError):
            report.rejected.append(item)
            continue
        if on_file:
            on_file(item)
        outcome = FileOutcome(str(item))
        skipped: list[InputError] = []
        try:
            with project.db.session() as session, storing_many_documents(session):
                documents = read_documents(item, skip_invalid=skip_invalid, on_skip=skipped.append)
                for batch in batches(documents, BATCH):
                    _store_batch(session, batch, language, outcome)
                    if on_documents:
                        on_documents(len(batch))
                annotator_id = project.annotator_id(session, annotator) if annotator else None
                add_event(session, "import", annotator_id=annotator_id, after={
                    "source": str(item),
                    "new": outcome.new,
                    "duplicates": outcome.duplicates,
                    "skipped": len(skipped),
                })
        except InputError as error:
            report.rejected.append(shortened(error))
            continue
        except (OSError, UnicodeError, ValueError) as error:
            report.rejected.append(shortened(InputError(str(item), f"could not be read: {error}")))
            continue
        outcome.skipped = len(skipped)
        report.skipped.extend(shortened(error) for error in skipped)
        report.files.append(outcome)
    return report


def list_files(paths: Iterable[str | Path]) -> list[Path | InputError]:
    """The files an import of ``paths`` would read, and the paths it cannot (links that
    lead out of a chosen folder among them: never read, and said)."""
    return list(iter_files((Path(p) for p in paths), report_links_outside=True))
