"""The suite's network guard. The program never reaches the internet: pytest-socket
(``--disable-socket --allow-unix-socket`` in pyproject.toml) refuses, during every test,
creating an internet socket and looking a name up; Unix sockets (Qt, multiprocessing, xdist)
work as ever. With ``--backend=postgresql`` only connections to the test server's host are
allowed (conftest.py's ``pytest_configure``). Each refusal also warns: code that swallowed the
error still fails its test, in teardown (``_no_network``)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

try:  # urllib3 (through spaCy) makes an IPv6 socket to see if it can, when first imported
    import urllib3.util.connection  # noqa: F401
except ImportError:
    pass

NETWORK_REFUSED = "A test tried to use socket"  # how pytest-socket's refusals begin


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    """A test fails on the network refusals it met, even ones its code caught. Other warnings
    are passed on to pytest as they came."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", UserWarning)
        yield
    attempts = []
    for warning in seen:
        if str(warning.message).startswith(NETWORK_REFUSED):
            attempts.append(str(warning.message))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno, source=warning.source)
    assert not attempts, f"network use attempted: {'; '.join(attempts)}"
