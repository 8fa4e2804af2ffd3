"""Every report has the template's shape (docs/ARCHITECTURE.md, "Adding a report")."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest

import growthkit
from growthkit.result import ReportAnalysis
from growthkit.settings import Settings

PACKAGE = Path(growthkit.__file__).parent
REPORTS = {"abtest": "ABTestAnalysis", "clv": "CLVAnalysis", "cohorts": "CohortsAnalysis",
           "subscriptions": "SubscriptionsAnalysis"}
#: The modules every report package has (each may add its own topic modules).
MODULES = {"__init__", "settings", "analysis", "narrative", "tables", "display"}
#: What every report's result holds and offers.
MEMBERS = {"parameters", "settings", "notes", "data_quality", "lang", "summary", "metrics",
           "tables", "exports"}


def test_the_reports_are_the_notebooks() -> None:
    notebooks = {p.stem for p in (PACKAGE / "notebooks").glob("*.ipynb")}
    assert notebooks == set(REPORTS)


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_each_report_package_has_the_template_modules(report: str) -> None:
    present = {p.stem for p in (PACKAGE / report).glob("*.py")}
    assert MODULES - present == set()
    assert (PACKAGE / "plots" / f"{report}.py").exists()


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_each_analysis_class_has_the_same_members(report: str) -> None:
    module = importlib.import_module(f"growthkit.{report}")
    cls = getattr(module, REPORTS[report])
    assert issubclass(cls, ReportAnalysis) and dataclasses.is_dataclass(cls)
    members = {f.name for f in dataclasses.fields(cls)} | set(dir(cls))
    assert MEMBERS - members == set()
    assert "format" in inspect.signature(cls.summary).parameters


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_analyze_takes_its_settings_keyword_only(report: str) -> None:
    module = importlib.import_module(f"growthkit.{report}")
    settings = [v for v in vars(importlib.import_module(f"growthkit.{report}.settings")).values()
                if isinstance(v, type) and issubclass(v, Settings) and v is not Settings
                and getattr(v, "report", None) == report]
    assert len(settings) == 1
    parameters = list(inspect.signature(module.analyze).parameters.values())
    assert parameters[0].name == "data"
    # (a *args that only warns of the old positional calls is allowed)
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_POSITIONAL) for p in parameters[1:])
    declared = {f.name for f in dataclasses.fields(settings[0])}
    assert declared <= {p.name for p in parameters}
