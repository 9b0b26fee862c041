"""Trained suggesters, and the store of trained versions beside a project.

A trained version is a spaCy pipeline folder (``spacy.load`` reads it; ``spacy package``
packages it) whose ``meta.json`` also holds, under ``"unannotate"``, what it was trained on
and its held-out scores. The store is one folder (``NAME.models/`` beside a project file);
each version is a subfolder ``entities-ID`` or ``claims-ID``.

Registering is atomic: a version is trained and saved into a hidden temporary folder in the
store, then renamed to its final name in one step. A training that is cancelled, killed or
runs out of disk leaves at most a hidden folder (cleared by the next training), never a
half-written version, and the previous version stays the newest.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import spacy

from ..core.errors import UnannotateError
from ..core.model import LabelKind
from .base import (
    SuggesterError,
    SuggesterInfo,
    SuggesterInput,
    SuggestionRow,
    register,
)
from .parallel import WindowedSuggester
from .reviewed_names import FACTORY as REVIEWED_NAMES  # noqa: F401  (registers it)
from .rule_features import FACTORY as RULE_TAGS  # noqa: F401  (registers the factories)
from .training import CLAIMS, ENTITIES

ENTITIES_NAME = "unannotate.entities.trained.v1"
CLAIMS_NAME = "unannotate.claims.trained.v1"
SUGGESTER_NAMES = {ENTITIES: ENTITIES_NAME, CLAIMS: CLAIMS_NAME}
PIPELINE_PREFIX = "trained"  # layer names: "<suggester>:trained-<id>"
TEMPORARY_PREFIX = ".training-"


@dataclass(frozen=True)
class ModelVersion:
    """One trained version as listed in the store."""

    id: str
    what: str  # entities | claims
    path: Path
    registered_at: str  # ISO 8601, UTC
    info: dict[str, Any] = field(default_factory=dict)  # meta["unannotate"]

    @property
    def suggester(self) -> str:
        return SUGGESTER_NAMES[self.what]

    @property
    def reference(self) -> str:
        """How ``--suggester`` names it."""
        return f"{self.suggester}@{self.id}"


def _read_version(path: Path) -> ModelVersion | None:
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        info = meta["unannotate"]
        return ModelVersion(str(info["id"]), str(info["what"]), path,
                            str(info["registered_at"]), info)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not a finished version


class ModelStore:
    """The trained versions of one project, in one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def versions(self, what: str | None = None) -> list[ModelVersion]:
        """Every finished version, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.iterdir()):
            if path.name.startswith(".") or not path.is_dir():
                continue
            version = _read_version(path)
            if version is not None and (what is None or version.what == what):
                found.append(version)
        return sorted(found, key=lambda v: (v.registered_at, v.id))

    def newest(self, what: str) -> ModelVersion | None:
        found = self.versions(what)
        return found[-1] if found else None

    def find(self, reference: str) -> ModelVersion:
        """A version by id (or a unique start of it), ``SUGGESTER@ID``, or a suggester name
        (its newest version)."""
        reference = reference.strip()
        for what, name in SUGGESTER_NAMES.items():
            if reference == name:
                newest = self.newest(what)
                if newest is None:
                    raise SuggesterError(f"no trained version of {name} yet: run "
                                         f"`unannotate train --what {what}`")
                return newest
        wanted = reference.rsplit("@", 1)[-1]
        matches = [v for v in self.versions() if v.id.startswith(wanted)] if wanted else []
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(v.id for v in self.versions()) or "none"
        if not matches:
            raise SuggesterError(f"no trained version {reference!r}; trained versions: {known}")
        raise SuggesterError(f"{reference!r} names several trained versions: "
                             f"{', '.join(v.id for v in matches)}")

    def clear_leftovers(self) -> None:
        """Remove temporary folders of trainings that were killed."""
        if not self.root.is_dir():
            return
        for path in self.root.glob(TEMPORARY_PREFIX + "*"):
            pid = path.name[len(TEMPORARY_PREFIX):].split("-")[0]
            if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
                continue  # another training is running
            shutil.rmtree(path, ignore_errors=True)

    def register(self, what: str, version_id: str, save: Callable[[Path], dict[str, Any]]
                 ) -> ModelVersion:
        """Save a version with ``save(folder)`` (which writes a spaCy pipeline there and
        returns what goes into ``meta["unannotate"]``) and make it current, atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.clear_leftovers()
        temporary = self.root / f"{TEMPORARY_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        final = self.root / f"{what}-{version_id}"
        try:
            info = save(temporary)
            meta_path = temporary / "meta.json"
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            info = {**info, "id": version_id, "what": what,
                    "registered_at": datetime.now(UTC).isoformat(timespec="microseconds")}
            meta["unannotate"] = info
            meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False),
                                 encoding="utf-8")
            _sync_tree(temporary)
            if final.exists():  # the same data and settings again: it becomes the newest
                old = self.root / f"{TEMPORARY_PREFIX}{os.getpid()}-old-{uuid.uuid4().hex[:8]}"
                os.replace(final, old)
                os.replace(temporary, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(temporary, final)
            _sync_dir(self.root)
        finally:
            if temporary.exists():
                shutil.rmtree(temporary, ignore_errors=True)
        version = _read_version(final)
        assert version is not None
        return version


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_tree(root: Path) -> None:
    """Every file and folder under ``root`` on disk before it is renamed into place."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with open(Path(folder) / name, "rb") as handle:
                os.fsync(handle.fileno())
        _sync_dir(Path(folder))


def export_version(version: ModelVersion, out: Path) -> Path:
    """Copy ``version`` to the folder ``out`` (which must not exist or be empty), atomically."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SuggesterError(f"{out} exists and is not an empty folder: choose another -o")
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}"
    try:
        shutil.copytree(version.path, temporary)
        if out.exists():
            out.rmdir()
        os.replace(temporary, out)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
    return out


def load_trained(path: str | Path) -> Any:
    """A trained version's pipeline: everything in it is needed (the rule tags, when it has
    them, feed its ``ner``)."""
    try:
        return spacy.load(path)
    except (OSError, ValueError, KeyError, ImportError, UnannotateError) as error:
        raise SuggesterError(f"trained version at {path} could not be loaded: {error}") from None


class _TrainedSuggester(WindowedSuggester):
    """What both trained suggesters share: opening a trained version of their kind from
    ``path`` and suggesting in windows of documents, in this process or in ``n_process`` of
    them (each loading the version from ``path``)."""

    what: str  # ENTITIES or CLAIMS
    kind: LabelKind

    def __init__(self, path: str) -> None:
        version = _read_version(Path(path))
        if version is None or version.what != self.what:
            raise SuggesterError(f"{path} is not a trained {self.kind.value} version")
        self.path = str(path)
        self.version = version
        self.load(path)
        self.info = SuggesterInfo(name=SUGGESTER_NAMES[self.what], kind=self.kind,
                                  pipeline=PIPELINE_PREFIX, pipeline_version=version.id,
                                  spacy_version=spacy.__version__)

    def load(self, path: str) -> None:
        """Load what suggests from the version at ``path``."""
        raise NotImplementedError

    def spawn_config(self) -> dict[str, Any]:
        return {"path": self.path}

    def window(self, batch_size: int) -> int:
        return batch_size * 4


@register(ENTITIES_NAME)
class TrainedEntitySuggester(_TrainedSuggester):
    """Entities from a trained version's ``ner``."""

    name = ENTITIES_NAME
    what = ENTITIES
    kind = LabelKind.ENTITY

    def load(self, path: str) -> None:
        self.nlp = load_trained(self.path)

    def suggest_here(self, items: list[SuggesterInput], batch_size: int
                     ) -> list[tuple[Any, list[SuggestionRow]]]:
        from .training_entities import scored_entity_rows

        found = scored_entity_rows(self.nlp, [item.text for item in items], batch_size,
                                   f"trained model {self.version.id}")
        return [(item.key, [(s, e, label, score, why) for s, e, label, why, score in rows])
                for item, rows in zip(items, found, strict=True)]


@register(CLAIMS_NAME)
class TrainedClaimSuggester(_TrainedSuggester):
    """Claims from a trained version: the rules' sentences, scored by the classifier
    blended with the rules."""

    name = CLAIMS_NAME
    what = CLAIMS
    kind = LabelKind.CLAIM

    def load(self, path: str) -> None:
        from .training_claims import ClaimModel

        self.model = ClaimModel.load(path)

    def suggest_here(self, items: list[SuggesterInput], batch_size: int
                     ) -> list[tuple[Any, list[SuggestionRow]]]:
        found = self.model.predict_many([item.text for item in items])
        return [(item.key, rows) for item, rows in zip(items, found, strict=True)]

