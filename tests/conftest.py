"""Fixtures shared across test folders: the reports run once per session on their samples."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sample_reports import SampleRun, run_all


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], SampleRun]:
    """``sample_runs(language)``: every report on its sample in that language, run once.

    The runs take a minute or more each, so the layout checks and the Arabic report tests
    read the same one.
    """
    runs: dict[str, SampleRun] = {}

    def run(language: str) -> SampleRun:
        if language not in runs:
            runs[language] = run_all(tmp_path_factory.mktemp(f"samples-{language}"), language)
        return runs[language]

    return run
