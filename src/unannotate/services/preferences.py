"""The reviewer's preferences: a readable JSON file (names, shortcuts, recent projects).

Your name is kept per project (``annotators``: the name you decide under in each project;
``reviewers``: the name that signs a project's gold when you settle its disagreements), so a
name typed for one project never becomes your name, or the gold reviewer, in another.
``annotator`` is the name you used last, the default offered for a project you open for the
first time.

Kept in the user config folder, or where ``UNANNOTATE_SETTINGS`` points (tests use that).
Written atomically, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..formats.atomic import atomic_write
from ..storage.database import without_password

if TYPE_CHECKING:
    from .project import Project

SETTINGS_ENV = "UNANNOTATE_SETTINGS"
VERSION = 1
MAX_RECENT = 10


def preferences_path() -> Path:
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path("unannotate", appauthor=False) / "settings.json"


@dataclass
class Preferences:
    version: int = VERSION
    annotator: str = ""
    shortcuts: dict[str, list[str]] = field(default_factory=dict)  # action id -> keys
    recent_projects: list[str] = field(default_factory=list)
    zoom: int = 0
    character_mode: bool = False
    dark: bool = False
    annotators: dict[str, str] = field(default_factory=dict)  # project location -> name
    reviewers: dict[str, str] = field(default_factory=dict)  # project location -> gold name
    # How Improve suggestions learns claims: "regression" or "encoder" (nlp.claim_encoder).
    claim_model: str = "regression"

    @classmethod
    def load(cls, path: Path | None = None) -> Preferences:
        path = path or preferences_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            prefs = cls(**known)
        except TypeError:
            return cls()
        prefs.version = VERSION
        # A server URL with a password kept by an older version is forgotten on the next save.
        prefs.recent_projects = list(dict.fromkeys(
            without_password(p) for p in prefs.recent_projects if isinstance(p, str)))
        for names in ("annotators", "reviewers"):
            found = getattr(prefs, names)
            setattr(prefs, names, {without_password(k): v.strip() for k, v in found.items()
                                   if isinstance(k, str) and isinstance(v, str) and v.strip()}
                    if isinstance(found, dict) else {})
        if not isinstance(prefs.annotator, str):
            prefs.annotator = ""
        if prefs.claim_model not in ("regression", "encoder"):
            prefs.claim_model = "regression"
        return prefs

    def save(self, path: Path | None = None) -> None:
        with atomic_write(path or preferences_path()) as handle:
            json.dump(asdict(self), handle, ensure_ascii=False, indent=2)

    def remember_project(self, location: str) -> None:
        # A server's password is never written to the settings file (the keyring keeps it).
        location = without_password(location)
        self.recent_projects = [location, *(p for p in self.recent_projects if p != location)]
        del self.recent_projects[MAX_RECENT:]


# -- your name in a project ------------------------------------------------------------------

def _key(project: Project | str) -> str:
    return without_password(project if isinstance(project, str) else project.location)


def current_annotator(project: Project | str, preferences: Preferences | None = None
                      ) -> str | None:
    """Your name in ``project`` (a project or its location): the one you last decided under
    there, else the name you used last anywhere; None when you never gave one."""
    preferences = preferences or Preferences.load()
    return preferences.annotators.get(_key(project)) or preferences.annotator or None


def set_annotator(project: Project | str, name: str,
                  preferences: Preferences | None = None) -> str:
    """Decide under ``name`` in ``project`` from now on (kept in the preferences file, and
    offered first for projects opened later); returns the name as kept."""
    name = _checked(name)
    own = preferences is None
    preferences = preferences or Preferences.load()
    preferences.annotators[_key(project)] = name
    preferences.annotator = name
    if own:
        preferences.save()
    return name


def current_reviewer(project: Project | str, preferences: Preferences | None = None
                     ) -> str | None:
    """The name that signs ``project``'s gold when you review it; None until you gave one for
    this project (it is asked then: never taken from another project)."""
    preferences = preferences or Preferences.load()
    return preferences.reviewers.get(_key(project))


def set_reviewer(project: Project | str, name: str,
                 preferences: Preferences | None = None) -> str:
    name = _checked(name)
    own = preferences is None
    preferences = preferences or Preferences.load()
    preferences.reviewers[_key(project)] = name
    if own:
        preferences.save()
    return name


def _checked(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValueError("a name cannot be empty")
    if len(name) > 200:
        raise ValueError("a name is at most 200 characters")
    return name
