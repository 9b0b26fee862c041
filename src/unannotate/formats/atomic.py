"""Atomic file writes: write beside the target, flush to disk, then rename over it.

A failed export leaves no partial file, and an earlier file of the same name intact. The file
gets the permissions any other program would give it: a new file ``0666`` less the umask, a
replaced file the mode it had (``tempfile`` alone would make every file ``0600``)."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask. It can only be read by setting it, so it is set back at once,
    under a lock (another thread of this program creating a file in between would get 0)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The permission bits ``target`` should end with: those it has, if it exists."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~current_umask()


def give_default_mode(new: Path, replacing: Path) -> None:
    """Give ``new`` (a file or a folder made by ``tempfile``, so ``0600``/``0700``) the mode
    it would have had if made in place of ``replacing``: that one's, when it exists and is of
    the same kind; otherwise ``0666`` (a folder ``0777``) less the umask."""
    if not hasattr(os, "chmod") or os.name == "nt":
        return
    folder = new.is_dir()
    try:
        existing = replacing.stat()
        if stat.S_ISDIR(existing.st_mode) == folder:
            os.chmod(new, stat.S_IMODE(existing.st_mode))
            return
    except FileNotFoundError:
        pass
    os.chmod(new, (0o777 if folder else 0o666) & ~current_umask())


@contextmanager
def atomic_write(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO]:  # type: ignore[type-arg]
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        if binary:
            handle: IO = os.fdopen(fd, "wb")  # type: ignore[type-arg]
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        with handle:
            yield handle
            handle.flush()
            if hasattr(os, "fchmod"):  # not on Windows, whose files have no such bits
                os.fchmod(handle.fileno(), _mode_for(target))
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
