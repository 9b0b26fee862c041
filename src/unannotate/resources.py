"""Where the program's resources live (label scheme, gazetteers, patterns, icons), and its
sample documents.

In a checkout they are the repository's ``resources/`` and ``data/`` folders; an installed
wheel carries the resources as the ``unannotate._resources`` package (and no samples); a
desktop bundle carries both beside the package's code, as ``_resources`` and ``_samples``.
``UNANNOTATE_RESOURCES`` and ``UNANNOTATE_SAMPLES`` point elsewhere.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

SAMPLES_ENV = "UNANNOTATE_SAMPLES"


def _folder(variable: str, in_checkout: str, in_package: str) -> Path:
    """``$variable`` if set, else the checkout's folder, else the one beside the package."""
    override = os.environ.get(variable)
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[2] / in_checkout
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parent / in_package


@cache
def resources_dir() -> Path:
    return _folder("UNANNOTATE_RESOURCES", "resources", "_resources")


def resource(*parts: str) -> Path:
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"missing resource {'/'.join(parts)} in {resources_dir()}")
    return path


def sample_dir() -> Path:
    """The folder of sample documents (it may not exist: a wheel carries none). Not cached:
    the self-test reads it once, and its tests point it elsewhere."""
    return _folder(SAMPLES_ENV, "data", "_samples")
