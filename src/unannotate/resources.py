"""Where the program's resources live (label scheme, gazetteers, patterns, icons, the
agreement page's template), and its sample documents.

Found through ``importlib.resources``: an installed wheel carries the resources inside the
package as ``_resources`` (and no samples), a desktop bundle carries both there, as
``_resources`` and ``_samples``; in a checkout they are the repository's ``resources/`` and
``data/`` folders beside ``src/``. ``UNANNOTATE_RESOURCES`` and ``UNANNOTATE_SAMPLES`` point
elsewhere.
"""

from __future__ import annotations

import os
from functools import cache
from importlib.resources import files
from pathlib import Path

SAMPLES_ENV = "UNANNOTATE_SAMPLES"


def _folder(variable: str, in_checkout: str, in_package: str) -> Path:
    """``$variable`` if set, else the folder inside the package, else the checkout's."""
    override = os.environ.get(variable)
    if override:
        return Path(override)
    package = files(__package__ or "unannotate")
    if not isinstance(package, Path):  # an archive: the resources must be real files
        raise FileNotFoundError(f"unannotate's resources are not files on disk ({package})")
    inside = package / in_package
    if inside.is_dir():
        return inside
    return package.parents[1] / in_checkout  # src/unannotate -> the repository


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
