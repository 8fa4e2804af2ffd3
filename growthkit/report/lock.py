"""One run of a report per output folder at a time: ``OUT/.NAME.lock`` held with ``flock``.

The lock file is removed by the run that holds it, so a folder holds no lock files between runs.
A waiting run may then hold a lock on a file that no longer has a name; it checks, after the
lock is granted, that the file it locked is still ``OUT/.NAME.lock``, and locks again if not.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["report_lock"]


@contextmanager
def report_lock(
    out: Path, name: str, *, on_wait: Callable[[], None] | None = None
) -> Iterator[Path]:
    """Hold ``OUT/.NAME.lock`` for the block, waiting for another run that holds it.

    Parameters
    ----------
    out : Path
        The output folder; it must exist.
    name : str
        The report.
    on_wait : callable, optional
        Called once, before waiting, when another run holds the lock.

    Yields
    ------
    Path
        The lock file. It is unlocked and removed when the block ends, however it ends.
    """
    path = out / f".{name}.lock"
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait is not None and not told:
                    on_wait()
                    told = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            if _still_named(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed the file we waited on: lock the current one
    try:
        yield path
    finally:
        # Unlink while still holding the lock: a run waiting on this file then sees it has no
        # name any more and locks a fresh one, so two runs never both hold "the" lock.
        path.unlink(missing_ok=True)
        os.close(fd)


def _still_named(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is the file ``path`` names now."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False
