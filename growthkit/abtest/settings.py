"""The A/B-test report's parameters, declared once: defaults, bounds and help."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from growthkit.abtest.frequentist import CORRECTIONS
from growthkit.abtest.sequential import DEFAULT_TAU
from growthkit.i18n import DIGITS
from growthkit.settings import Columns, Flag, Interval, Options, Settings, Text, setting

__all__ = ["ABTestSettings"]


@dataclass(frozen=True)
class ABTestSettings(Settings):
    """The parameters of :func:`growthkit.abtest.analyze` after ``data``, with their bounds.

    The same names and defaults as ``analyze``'s keyword arguments; the notebook's parameters
    cell sets ``currency="USD"`` and ``results_csv="abtest_results.csv"`` for the report.
    Column names and the CUPED, ratio and weight specifications are checked against the data
    (:func:`growthkit.abtest.aggregate`, :func:`growthkit.abtest.srm`).
    """

    report: ClassVar[str] = "abtest"

    variant_col: str = setting(
        "variant", Text(what="a column name"), "column naming each user's arm")
    control: str = setting("control", help="the control arm's label (compared as text)")
    metrics: str | tuple[str, ...] | None = setting(
        None, Columns(optional=True),
        "comma-separated, first decides; a/b is a ratio; None: the sample's")
    cuped: str | Mapping[str, str] | None = setting(
        None, help="metric:pre_period_column,... for CUPED; None: the sample's")
    ratio_metrics: str | Mapping[str, Sequence[str]] | None = setting(
        None, help="name:numerator/denominator,... ratio metrics")
    alpha: float = setting(
        0.05, Interval(0, 1, closed="neither"), "significance level")
    correction: str = setting(
        "holm", Options(tuple(CORRECTIONS)), "holm, bh, bonferroni or none")
    segment_col: str | None = setting(
        None, help="column for the per-segment breakdown; None: the sample's; '': none")
    expected_weights: str | Mapping[str, float] | None = setting(
        None, help="planned split for the SRM check, e.g. control:1,treatment:1")
    sequential: bool = setting(
        False, Flag(), "always-valid confidence sequences for teams that look every day")
    currency: str | None = setting(
        None, Text(optional=True, what="an ISO 4217 currency code"),
        "ISO 4217 code of money metrics; None: plain numbers")
    min_lift: float = setting(
        0.05, Interval(0, None, closed="neither"),
        "smallest relative lift of the primary metric worth shipping for")
    tau: float = setting(
        DEFAULT_TAU, Interval(0, None, closed="neither"),
        "tuning parameter of the confidence sequences")
    results_csv: str | None = setting(  # or a path
        None, Text(optional=True, allow_path=True, what="a CSV file name"),
        "results table as CSV, next to the report; None: none")
    language: str = setting("en", Text(what="'en' or 'ar'"), "report language: en or ar")
    digits: str = setting("locale", Options(tuple(DIGITS)), "digits: locale, latin or arabic")
    assigned_at_col: str | None = setting(
        None, Text(optional=True, what="a column name"),
        "column with each user's assignment time, for cuped_measured_at")
    cuped_measured_at: str | Mapping[str, str] | None = setting(
        None, help="metric:time_column,... when each CUPED covariate was measured; one measured "
        "after assignment is refused")
