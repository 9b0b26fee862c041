"""The reviewer's preferences: a readable JSON file (name, shortcuts, recent projects).

Kept in the user config folder, or where ``UNANNOTATE_SETTINGS`` points (tests use that).
Written atomically, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..formats.atomic import atomic_write
from ..storage.database import without_password

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
        return prefs

    def save(self, path: Path | None = None) -> None:
        with atomic_write(path or preferences_path()) as handle:
            json.dump(asdict(self), handle, ensure_ascii=False, indent=2)

    def remember_project(self, location: str) -> None:
        # A server's password is never written to the settings file (the keyring keeps it).
        location = without_password(location)
        self.recent_projects = [location, *(p for p in self.recent_projects if p != location)]
        del self.recent_projects[MAX_RECENT:]
