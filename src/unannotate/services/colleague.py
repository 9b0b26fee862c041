"""Bringing in a colleague's work to review it: their project file, or any export the
interchange formats read. Their annotations become their layer in this project, on the
documents this project holds (matched by the SHA-256 of the exact text); documents that do
not match are listed, never added or guessed."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ..core.errors import InputError, StorageError, UnannotateError
from ..core.model import LayerKind
from ..formats.native import NativeDocument
from ..storage.readonly import SQLITE_HEADER, copy_for_reading
from .annotation_files import AnnotationImportReport, import_annotations, store_documents
from .exporting import iter_native_documents
from .project import Project, open_project


class ColleagueError(UnannotateError):
    """A colleague's work that cannot be brought in."""


def is_project_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == SQLITE_HEADER
    except OSError:
        return False


def bring_in(project: Project, path: str | Path, *, annotators: Sequence[str] | None = None,
             rename: str | None = None, fmt: str | None = None,
             on_documents: Callable[[int], None] | None = None) -> AnnotationImportReport:
    """Bring a colleague's annotations into ``project`` as their layers.

    ``path`` is their project file (read from a copy: their file is never opened for
    writing) or an export in any format ``import`` reads. ``annotators`` keeps only those
    people's layers of a project file; ``rename`` gives the layer another name (when the work
    is one person's). Suggestions and gold of a project file are not brought in: a review
    compares people's work."""
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "no such file or folder")
    if path.is_file() and is_project_file(path):
        return _bring_in_project(project, path, annotators, rename, on_documents)
    if annotators:
        raise ColleagueError("--annotators chooses layers of a project file; an export holds "
                             "one person's work: name it with --as")
    return import_annotations(project, path, fmt=fmt, annotator=rename,
                              on_documents=on_documents, match_only=True)


def _bring_in_project(project: Project, path: Path, annotators: Sequence[str] | None,
                      rename: str | None,
                      on_documents: Callable[[int], None] | None) -> AnnotationImportReport:
    if Path(project.location).resolve() == path.resolve():
        raise ColleagueError(f"{path} is this project itself")
    report = AnnotationImportReport(str(path), "project")
    with tempfile.TemporaryDirectory(prefix="unannotate-colleague-") as folder:
        copy = Path(folder) / path.name
        _copy_read_only(path, copy)
        theirs = open_project(copy, create=False)  # an older schema is upgraded in the copy
        try:
            with theirs.db.read() as session:
                documents = [_annotator_layers(d, annotators)
                             for d in iter_native_documents(theirs, session)]
        finally:
            theirs.close()
    people = sorted({la.annotator for d in documents for la in d.layers if la.annotator})
    if annotators:
        missing = sorted(set(annotators) - set(people))
        if missing:
            raise ColleagueError(f"{path} has no annotations by {', '.join(missing)}; "
                                 f"it has: {', '.join(people) or 'none'}")
    if not people:
        raise ColleagueError(f"{path} holds no one's annotations")
    if rename and len(people) > 1:
        raise ColleagueError(f"{path} holds the work of {', '.join(people)}: choose one with "
                             "--annotators before renaming it")
    documents = [d for d in documents if d.layers]
    store_documents(project, documents, report, annotator=rename,
                    on_documents=on_documents, match_only=True)
    return report


def _copy_read_only(path: Path, copy: Path) -> None:
    """A consistent copy of their project, the original only read: also on read-only media
    and from a folder that cannot be written (storage/readonly.py)."""
    try:
        copy_for_reading(path, copy)
    except StorageError as error:
        reason = str(error).removeprefix(f"{path}: ")
        raise InputError(str(path), f"cannot be read as a project ({reason})") from None
    except OSError as error:
        raise InputError(str(path), f"cannot be read ({error.strerror or error})") from None


def _annotator_layers(document: NativeDocument,
                      annotators: Sequence[str] | None) -> NativeDocument:
    document.layers = [
        layer for layer in document.layers
        if layer.kind == LayerKind.ANNOTATOR.value
        and (not annotators or layer.annotator in annotators)
    ]
    return document
