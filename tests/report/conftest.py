"""The session's real runs of the fixture notebooks, shared by the report tests.

Each run starts a kernel (about 2 s), so the reports most tests read are made once per session.
"""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest
from report_support import FIXTURES, SECRET_URL, Built

from growthkit.report.cli import main


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Run ``demo`` with -p text of every type and a secret URL, then ``--all`` over ``minimal``."""
    out = tmp_path_factory.mktemp("reports")
    only_minimal = tmp_path_factory.mktemp("notebooks")
    shutil.copy(FIXTURES / "minimal.ipynb", only_minimal)
    demo_stdout = io.StringIO()
    typed = ["-p", "n", "5", "-p", "rate", "0.25", "-p", "flag", "yes", "-p", "note", "None"]
    demo = ["run", "demo", "--data", SECRET_URL, "-p", "label", "hello world", *typed]
    demo += ["-p", "period_end", "20250331"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GROWTHKIT_NOTEBOOKS", str(FIXTURES))
        with contextlib.redirect_stdout(demo_stdout):
            demo_exit = main([*demo, "--out", str(out), "--quiet"])
        mp.setenv("GROWTHKIT_NOTEBOOKS", str(only_minimal))
        with contextlib.redirect_stdout(io.StringIO()):
            all_exit = main(["run", "--all", "--out", str(out), "--quiet"])
    return Built(out, demo_exit, demo_stdout.getvalue(), all_exit)
