"""report_lock: one run of a report per folder; the next waits, is told once, and gets it after."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest

from growthkit.report.lock import report_lock

WAIT = 60  # seconds before a broken lock makes a test fail rather than hang


def _locked_by_someone(path: Path) -> bool:
    """Whether another open file description holds the lock on the file ``path`` names."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_second_run_waits_is_told_once_and_then_holds_the_named_lock(tmp_path: Path) -> None:
    told: list[str] = []
    asked, inside, leave = threading.Event(), threading.Event(), threading.Event()

    def second() -> None:
        def on_wait() -> None:
            told.append("waiting")
            asked.set()

        with report_lock(tmp_path, "clv", on_wait=on_wait):
            inside.set()
            assert leave.wait(WAIT)

    with report_lock(tmp_path, "clv") as path:
        assert path == tmp_path / ".clv.lock"
        thread = threading.Thread(target=second)
        thread.start()
        assert asked.wait(WAIT)  # on_wait runs before the second run blocks
        assert not inside.is_set()
    # The first run removed its lock file; the second must now hold the file of that name,
    # not the unnamed one it was waiting on.
    assert inside.wait(WAIT)
    assert _locked_by_someone(tmp_path / ".clv.lock")
    leave.set()
    thread.join(WAIT)
    assert told == ["waiting"]
    assert not (tmp_path / ".clv.lock").exists()


def test_other_reports_do_not_wait(tmp_path: Path) -> None:
    with report_lock(tmp_path, "clv"), report_lock(tmp_path, "abtest", on_wait=pytest.fail):
        assert sorted(p.name for p in tmp_path.iterdir()) == [".abtest.lock", ".clv.lock"]


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_the_lock_is_released_and_removed_however_the_block_ends(
    tmp_path: Path, error: type[BaseException]
) -> None:
    with pytest.raises(error), report_lock(tmp_path, "clv"):
        raise error
    assert list(tmp_path.iterdir()) == []
    with report_lock(tmp_path, "clv", on_wait=pytest.fail):  # free at once
        pass
