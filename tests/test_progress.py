"""growthkit.progress: one line per long step, shown only once enabled."""

from __future__ import annotations

import io
import logging
import re

import pytest

from growthkit import progress


@pytest.fixture(autouse=True)
def _clean_logger():
    yield
    for handler in list(progress.LOGGER.handlers):
        progress.LOGGER.removeHandler(handler)
    progress.LOGGER.setLevel(logging.NOTSET)


def test_nothing_is_shown_until_enabled(capsys):
    with progress.step("validated orders") as info:
        info["detail"] = "5 orders"
    assert capsys.readouterr().err == ""


def test_a_step_logs_its_size_and_time():
    stream = io.StringIO()
    progress.enable(stream)
    with progress.step("validated orders") as info:
        info["detail"] = "69,659 orders"
    line = stream.getvalue()
    assert re.fullmatch(r"growthkit: validated orders \(69,659 orders\) in \d+\.\d\d s\n", line)


def test_enable_is_idempotent_and_respects_off(monkeypatch):
    stream = io.StringIO()
    progress.enable(stream)
    progress.enable(stream)
    with progress.step("fitted"):
        pass
    assert stream.getvalue().count("fitted") == 1
    monkeypatch.setenv(progress.ENV, "off")
    assert progress.enable() is None
    assert progress.LOGGER.handlers == []


def test_runner_mode_writes_to_the_real_stderr(monkeypatch):
    import sys

    monkeypatch.setenv(progress.ENV, "stderr")
    handler = progress.enable()
    assert handler.stream is sys.__stderr__
    monkeypatch.setenv(progress.ENV, "")
    assert progress.enable().stream is sys.stderr
