"""Every report, in English and Arabic, on its sample: no chart or table that misleads.

Charts are checked as the report's kernel draws them (:mod:`sample_reports`): no text over
other text or over another chart's area, no tick labelled with another value than its own.
Tables are read from the HTML (:func:`layout_checks.table_problems`): a money or percent column
keeps one precision and one unit. tests/test_layout_checks.py shows each check catching what
it is for.
"""

from __future__ import annotations

import pytest
from layout_checks import table_problems
from sample_reports import REPORTS, SampleRun

LANGUAGES = ("en", "ar")


@pytest.fixture(scope="module", params=LANGUAGES)
def run(request: pytest.FixtureRequest, sample_runs) -> SampleRun:
    """All reports in one language, run once (shared with the other tests that read them)."""
    return sample_runs(request.param)


@pytest.mark.notebooks
def test_every_report_ran_and_named_its_charts(run: SampleRun) -> None:
    assert run.exit_code == 0, run.stderr[-3000:]
    assert all((run.out / f"{name}.html").exists() for name in (*REPORTS, "index"))
    assert {p["report"] for p in run.chart_problems} <= set(REPORTS)


@pytest.mark.notebooks
@pytest.mark.parametrize("name", REPORTS)
def test_no_chart_misleads(run: SampleRun, name: str) -> None:
    found = [f"{p['title']}: {p['problem']}" for p in run.chart_problems
             if p["report"] == name]
    assert not found, f"{run.language} {name} charts:\n" + "\n".join(found)


@pytest.mark.notebooks
@pytest.mark.parametrize("name", (*REPORTS, "index"))
def test_no_table_mixes_precision_or_units(run: SampleRun, name: str) -> None:
    found = table_problems(run.html(name))
    assert not found, f"{run.language} {name}.html tables:\n" + "\n".join(found)
