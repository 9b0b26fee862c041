"""Opening a project and the small lookups every service needs."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..core.model import Label, LabelKind, LayerKind
from ..resources import resource
from ..storage import documents as document_store
from ..storage import labels as label_store
from ..storage import layers as layer_store
from ..storage.database import (
    PROJECT_ENV,
    Database,
    PasswordPrompt,
    Unit,
    database_name,
    open_database,
    resolve_project,
    sqlite_path,
    without_password,
)
from ..storage.database import set_password_prompt as _set_password_prompt


def set_password_prompt(prompt: PasswordPrompt | None) -> None:
    """How this process asks for a server's password when a caller gives no way to: the
    command line's terminal prompt, or the window's dialog."""
    _set_password_prompt(prompt)


def default_labels() -> list[Label]:
    """The label scheme a new project starts with (``resources/labels.json``)."""
    data = json.loads(resource("labels.json").read_text(encoding="utf-8"))
    return [
        Label(
            name=item["name"],
            kind=LabelKind(item["kind"]),
            colour=item["colour"],
            key=item.get("key", ""),
            description=item.get("description", ""),
        )
        for item in data["labels"]
    ]


@dataclass
class Project:
    """An open project. Create with :func:`open_project`; close when done."""

    db: Database
    _label_ids: dict[str, int] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """Where the project is, as it may be shown and kept: its file, or its server's URL
        without a password (opening it again asks the keyring, libpq or the person)."""
        path = self.db.path
        return str(path) if path is not None else without_password(self.db.url)

    @property
    def read_only(self) -> bool:
        """Opened only to read (see :func:`open_project`): every decision is refused."""
        return self.db.read_only

    def close(self) -> None:
        self.db.close()

    def title_and_text(self, document_id: int) -> tuple[str, str] | None:
        """The document's title and text (None: the project holds no such document)."""
        with self.db.read() as unit:
            return document_store.title_and_text(unit, document_id)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Labels -------------------------------------------------------------------------
    def labels(self) -> list[Label]:
        with self.db.read() as session:
            return label_store.all_labels(session)

    def label_ids(self, session: Unit) -> dict[str, int]:
        if not self._label_ids:
            self._label_ids = label_store.label_ids(session)
        return self._label_ids

    def ensure_labels(self, session: Unit, labels: list[Label]) -> list[str]:
        """Add labels the project does not have yet; return the names added."""
        added = label_store.add_labels(session, labels)
        if added:
            self._label_ids = {}
        return added

    # Annotators and layers ---------------------------------------------------------------
    @staticmethod
    def annotator_id(session: Unit, name: str) -> int:
        """The id of the annotator called ``name``, created on first use."""
        name = name.strip()
        if not name:
            raise ValueError("an annotator needs a name")
        return layer_store.annotator_id(session, name)

    @staticmethod
    def layer_id(session: Unit, name: str, kind: LayerKind, **fields: object) -> int:
        """The id of the layer called ``name``, created with ``fields`` on first use."""
        return layer_store.layer_id(session, name, kind, **fields)

    def annotator_layer_id(self, session: Unit, name: str) -> int:
        """The layer holding ``name``'s annotations, created on first use."""
        annotator_id = self.annotator_id(session, name)
        return self.layer_id(session, f"annotator:{name.strip()}", LayerKind.ANNOTATOR,
                             annotator_id=annotator_id)

def open_project(project: str | os.PathLike[str] | Path | None = None, *,
                 create: bool = True, ask_password: PasswordPrompt | None = None,
                 remember_password: bool = False, read_only: bool = False) -> Project:
    """Open the project (``--project``, ``$UNANNOTATE_PROJECT`` or the default file),
    creating it with the default label scheme when it is new. A server's password, when
    none is given or stored, is asked through ``ask_password`` (the CLI's prompt, the
    window's dialog); ``remember_password`` keeps one that worked in the system keyring.
    ``read_only``: for what only reads (stats, export, agreement, viewing): the project is
    never changed, and it opens also on read-only media."""
    db = open_database(project, create=create, ask_password=ask_password,
                       remember_password=remember_password, read_only=read_only)
    opened = Project(db)
    if read_only:  # only to read: a project that exists, never changed (nor completed)
        return opened
    with db.session() as session:
        if not layer_store.has_project_row(session):
            # A file's name, or the server database's.
            location = db.path.stem if db.path is not None else database_name(db.url)
            layer_store.add_project_row(session, location.split(".")[0] or "project")
            opened.ensure_labels(session, default_labels())
    return opened


def missing_project_file(project: str | os.PathLike[str] | None) -> Path | None:
    """The file of a project named by ``project`` (or ``$UNANNOTATE_PROJECT``) when that file
    does not exist; None when it exists, when nothing is named (the default project is made
    on first start) or when it is a server. Opening it would make a new, empty project: a
    mistyped path must not do that unasked."""
    named = project if project is not None else os.environ.get(PROJECT_ENV) or None
    if named is None:
        return None
    path = sqlite_path(resolve_project(named))
    return path if path is not None and not path.exists() else None
