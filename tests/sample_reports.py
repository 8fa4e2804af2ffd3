"""Every report run on its built-in sample through the real CLI, every chart checked as drawn.

``growthkit run --all`` runs in its own process, as a user's shell would, with a
``matplotlibrc`` whose ``figure.hooks`` installs :func:`growthkit.plots.checks.install`: each
figure a report's kernel draws appends its problems (overlapping text, text over another
chart, ticks labelled with another value) to a JSON-lines file, tagged with the report's name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from growthkit.plots.checks import PROBLEMS_ENV

REPORTS = ("clv", "abtest", "cohorts", "subscriptions")
GROWTHKIT = Path(sys.executable).parent / "growthkit"  # the console script pyproject declares
#: ``--jobs 2``: each report runs in a process of its own, which names it to the chart hook.
JOBS = "2"


@dataclass(frozen=True)
class SampleRun:
    """What ``growthkit run --all`` wrote in one language, and what its charts' checks found."""

    language: str
    out: Path
    exit_code: int
    stderr: str
    chart_problems: tuple[dict[str, object], ...]

    def html(self, name: str) -> str:
        """The HTML of report ``name`` (``index`` for the landing page)."""
        return (self.out / f"{name}.html").read_text(encoding="utf-8")


def run_all(folder: Path, language: str) -> SampleRun:
    """Run every report on its sample in ``language`` into ``folder/out``, charts checked.

    Parameters
    ----------
    folder : pathlib.Path
        An empty folder: the reports go to ``out/``, the chart problems to ``charts.jsonl``.
    language : str
        The reports' ``language`` parameter.

    Returns
    -------
    SampleRun
    """
    rc = folder / "matplotlibrc"
    rc.write_text("figure.hooks: growthkit.plots.checks:install\n", encoding="utf-8")
    problems = folder / "charts.jsonl"
    problems.touch()
    # A user's shell: the installed notebooks, no pytest variables (ipykernel reads them).
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_CURRENT_TEST", "GROWTHKIT_NOTEBOOKS")}
    env |= {"MATPLOTLIBRC": str(rc), PROBLEMS_ENV: str(problems)}
    out = folder / "out"
    argv = [str(GROWTHKIT), "run", "--all", "-p", "language", language, "--out", str(out),
            "--jobs", JOBS, "--quiet"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False,
                          timeout=900)
    lines = problems.read_text(encoding="utf-8").splitlines()
    return SampleRun(language, out, done.returncode, done.stderr,
                     tuple(json.loads(line) for line in lines if line.strip()))
