"""ReportKernelApp: the control thread is stopped before ipykernel closes IOPub."""

from __future__ import annotations

import pytest

from growthkit.report.kernel_app import ReportKernelApp


class _Thread:
    """Records what close() does to a channel thread, in one shared list."""

    def __init__(self, name: str, done: list[str]) -> None:
        self.name, self.done, self.alive = name, done, True

    def is_alive(self) -> bool:
        return self.alive

    def stop(self) -> None:
        self.done.append(f"{self.name} stopped")

    def join(self) -> None:
        self.done.append(f"{self.name} joined")
        self.alive = False

    def close(self) -> None:
        self.done.append(f"{self.name} closed")


def test_close_joins_the_control_thread_before_closing_iopub(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done: list[str] = []
    app = ReportKernelApp()
    monkeypatch.setattr(app, "reset_io", lambda: None)  # would swap this process's sys.stdout
    app.heartbeat = None
    app.iopub_thread = _Thread("iopub", done)
    app.control_thread = _Thread("control", done)
    app.shell_channel_thread = None
    app.close()
    assert done == ["control stopped", "control joined", "iopub stopped", "iopub closed"]


def test_a_kernel_whose_run_folder_is_gone_exits_without_a_traceback(tmp_path) -> None:
    """A run stopped while its kernel starts removes the kernel's folder first: no traceback."""
    import subprocess
    import sys

    gone = tmp_path / "scratch"
    gone.mkdir()
    started = subprocess.run(
        ["sh", "-c", 'cd "$1" && rmdir "$1" && exec "$2" -m growthkit.report.kernel_app -f x.json',
         "sh", str(gone), sys.executable],
        capture_output=True, text=True, timeout=120,
    )
    assert (started.returncode, started.stderr) == (1, "")
