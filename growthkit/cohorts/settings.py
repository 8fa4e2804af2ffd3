"""The cohort report's parameters, declared once: defaults, bounds and help.

:class:`CohortsSettings` is the one declaration behind :func:`growthkit.cohorts.analyze`'s
keyword arguments (same names, same defaults), the notebook's parameters cell, the runner's
up-front checks and the JSON ``parameters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from growthkit.cohorts.backtest import LEVEL
from growthkit.cohorts.payback import HORIZONS
from growthkit.cohorts.periods import PERIODS
from growthkit.cohorts.projection import HORIZON, MODELS
from growthkit.cohorts.table import GROSS_MARGIN
from growthkit.errors import GrowthkitError
from growthkit.settings import (
    Columns,
    Constraint,
    Flag,
    Interval,
    Options,
    Settings,
    Text,
    Unchecked,
    setting,
)

__all__ = ["GROSS_MARGIN", "CohortsSettings", "Models"]



@dataclass(frozen=True)
class Models(Constraint):
    """Projection models: a non-empty subset of :data:`growthkit.cohorts.projection.MODELS`."""

    def expected(self) -> str:
        return "one or more of " + ", ".join(map(repr, MODELS))

    def check(self, name: str, value: Any) -> Any:
        if self.none_ok(name, value):
            return None
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        values = tuple(value) if isinstance(value, list | tuple) else ()
        if not values or any(v not in MODELS for v in values):
            raise GrowthkitError(f"{name}={value!r} is not valid; expected {self.expected()}")
        return values


@dataclass(frozen=True)
class CohortsSettings(Settings):
    """The cohort profitability report's parameters (see :func:`growthkit.cohorts.analyze`)."""

    report: ClassVar[str] = "cohorts"

    customer_col: str = setting("customer_id", Text(what="a column name"),
                                "column with the customer id")
    date_col: str = setting("date", Text(what="a column name"),
                            "column with the order date or timestamp")
    amount_col: str = setting("amount", Text(what="a column name"),
                              "column with the order amount (refunds negative)")
    order_col: str | None = setting(
        None, Text(optional=True, what="a column name"),
        "column with the order (invoice) id when rows are lines of orders; None: a row is an "
        "order")
    quantity_col: str | None = setting(
        None, Text(optional=True, what="a column name"),
        "column with each line's quantity (amount_col is then the unit price); None: none")
    period: str = setting("month", Options(PERIODS),
                          "cohort period: month, or week (ISO weeks, Monday to Sunday)")
    observation_end: object = setting(
        None, Text(optional=True, allow_date=True, what="a date such as 2024-06-30"),
        "last day the data cover, YYYY-MM-DD; None: the last order's day")
    gross_margin: float | None = setting(
        None, GROSS_MARGIN, "margin as a share of revenue, in (0, 1], e.g. 0.4 (or margin_col)")
    margin_col: str | None = setting(
        None, Text(optional=True, what="a column name"),
        "column with each order's margin in currency; None: the sample's, or none")
    cac: float | None = setting(
        None, Interval(0, None, optional=True),
        "one acquisition cost per customer, instead of spend_data")
    spend_data: object = setting(
        None, Unchecked(),
        "spend table (period, channel, spend): path, URL or sample:NAME; None: none")
    segment_col: tuple[str, ...] | None = setting(
        None, Columns(optional=True),
        "segment columns, comma-separated; None: the sample's, or none on your data")
    currency: str = setting("USD", Text(what="an ISO 4217 code such as 'USD'"),
                            "ISO 4217 currency code of the amounts")
    timezone: str = setting("UTC", Text(what="a time zone such as 'UTC'"),
                            "time zone whose calendar days and periods orders fall in")
    cohorts_csv: object = setting(
        None, Text(optional=True, allow_path=True, what="a file name such as 'cohorts.csv'"),
        "the cohort table as CSV, written next to the report")
    models: tuple[str, ...] = setting(MODELS, Models(),
                                      "projection models to backtest: curve, bgnbd")
    horizon: int = setting(HORIZON, Interval(max(HORIZONS), None, integer=True),
                           "periods the projection covers")
    backtest_cutoff: object = setting(
        None, Text(optional=True, allow_date=True, what="a date such as 2024-06-30"),
        "the backtest's cut-off (a period's last day); None: up to 12 periods back")
    data_starts_at_launch: bool | None = setting(
        None, Flag(optional=True),
        "whether the data begin with the business (then the first month is a real cohort); "
        "None: the sample's, or false")
    level: float = setting(LEVEL, Interval(0, 1, closed="neither"),
                           "coverage of the projection intervals")
    language: str = setting("en", Text(what="a language such as 'en' or 'ar'"),
                            "report language: en or ar")
    digits: str = setting("locale", Options(("locale", "latin", "arabic")),
                          "digits: locale, latin or arabic")
