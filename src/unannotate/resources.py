"""Where the program's resources live (label scheme, gazetteers, patterns, icons).

In a checkout they are the repository's ``resources/`` folder; an installed wheel carries
them as the ``unannotate._resources`` package; a desktop bundle sets
``UNANNOTATE_RESOURCES``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    override = os.environ.get("UNANNOTATE_RESOURCES")
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_resources"


def resource(*parts: str) -> Path:
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"missing resource {'/'.join(parts)} in {resources_dir()}")
    return path
