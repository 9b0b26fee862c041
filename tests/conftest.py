from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

# Qt must find no display and use the offscreen platform before it is first imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program makes no network connection: any attempt fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"network connection attempted to {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "test.unannotate.db"


@pytest.fixture
def project(project_path: Path):  # type: ignore[no-untyped-def]
    from unannotate.services.project import open_project

    opened = open_project(project_path)
    yield opened
    opened.close()
