"""The CLV report's parameters, declared once: defaults, bounds and help.

:class:`CLVSettings` is the one declaration :func:`growthkit.clv.analyze`'s checks, the JSON
``parameters`` and the notebook's parameters cell come from (see :mod:`growthkit.settings`).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import ClassVar

from growthkit.clv.value import ValueSettings
from growthkit.settings import Columns, Day, Interval, Options, Settings, Text, Unchecked, setting
from growthkit.units import TIME_UNITS

__all__ = ["MAX_HORIZON_MONTHS", "MODEL_CHOICES", "CLVSettings"]

#: The ``model`` parameter's options: the three transaction models, the best of them, or BG/BB
#: for discrete opportunities (``time_unit`` years, months or weeks: whole periods).
MODEL_CHOICES = ("bgnbd", "mbgnbd", "paretonbd", "auto", "bgbb")

#: The longest CLV horizon: ten years. The forecast's cost grows with the horizon (a model term
#: per month, customer history and parameter draw), and a buy-till-you-die forecast says little
#: about customers a decade ahead.
MAX_HORIZON_MONTHS = 120

_COLUMN = "a column name"


@dataclass(frozen=True)
class CLVSettings(Settings):
    """The parameters of the CLV report (:func:`growthkit.clv.analyze`), checked once.

    ``gross_margin`` is a share of revenue in (0, 1]; None means no margin was given (the
    amounts are revenue, as with 1.0). ``amount_col`` None reads a purchase log without
    amounts: the purchase side of the report only.
    """

    report: ClassVar[str] = "clv"

    customer_col: str = setting("customer_id", Text(what=_COLUMN), "column with the customer id")
    date_col: str = setting("date", Text(what=_COLUMN), "column with the order date or timestamp")
    amount_col: str | None = setting(
        "amount", Text(optional=True, what=_COLUMN),
        "column with the order value (the unit price with quantity_col); None: no amounts",
    )
    order_col: str | None = setting(
        None, Text(optional=True, what=_COLUMN),
        "column with the order (invoice) id when rows are lines of orders; None: a row is an "
        "order",
    )
    quantity_col: str | None = setting(
        None, Text(optional=True, what=_COLUMN),
        "column with each line's quantity (amount_col is then the unit price); None: none",
    )
    time_unit: str = setting(
        "weeks", Options((*TIME_UNITS, "years")),
        "model time unit; with model bgbb the period: years, months or weeks",
    )
    calibration_end: str | datetime.date | None = setting(  # noqa: RUF009 (dates too)
        "auto", Day(optional=True, auto=True),  # the form is checked by as_date
        "end of the holdout fit; auto: a holdout the models can fit; None: no holdout",
    )
    observation_end: str | datetime.date | None = setting(  # noqa: RUF009 (dates too)
        None, Day(optional=True),  # the form is checked by growthkit.data.as_date
        "ignore orders after this day; None means the last order",
    )
    model: str = setting("bgnbd", Options(MODEL_CHOICES), "transaction model")
    horizon_months: int = setting(
        12, Interval(1, MAX_HORIZON_MONTHS, integer=True), "CLV horizon in months (at most 120)"
    )
    annual_discount_rate: float = setting(
        0.10, Interval(0, 10, closed="left"), "yearly discount rate for future revenue"
    )
    gross_margin: float | None = setting(
        1.0, Interval(0, 1, closed="right", optional=True),
        "share of revenue that is profit, in (0, 1]; None: no margin given",
    )
    currency: str = setting("USD", Text(what="an ISO 4217 currency code"), "ISO 4217 code")
    segments_csv: str | os.PathLike | None = setting(  # noqa: RUF009 (paths too)
        None, Text(optional=True, allow_path=True, what="a file name or None"),
        "per-customer segments file; None: none",
    )
    seed: int = setting(0, Interval(integer=True), "seed of the interval bootstrap")
    language: str = setting("en", Text(what="a language such as 'en' or 'ar'"), "language")
    digits: str = setting("locale", Options(("locale", "latin", "arabic")), "digits")
    n_draws: int = setting(200, Interval(20, None, integer=True), "parameter draws for intervals")
    timezone: str = setting("UTC", Text(what="a time zone name"), "time zone of timestamps")
    covariates_data: object = setting(
        None, Unchecked(),  # a source (path, URL, DataFrame) or None: load() checks it
        "per-customer covariates, one row per customer with the customer column; None: none",
    )
    covariates: tuple[str, ...] | None = setting(
        None, Columns(optional=True),
        "columns of covariates_data to use, e.g. 'gender,channel'; None: all but the customer's",
    )
    first_order_covariates: tuple[str, ...] | None = setting(
        None, Columns(optional=True),
        "order columns whose value on each customer's first order is a covariate, e.g. 'channel'",
    )

    @property
    def margin(self) -> float:
        """The gross margin the amounts are multiplied by (1 when none was given)."""
        return 1.0 if self.gross_margin is None else float(self.gross_margin)

    def valuation(self) -> ValueSettings:
        """How CLV is computed from these settings (:class:`growthkit.clv.value.ValueSettings`)."""
        return ValueSettings(
            self.horizon_months, self.annual_discount_rate, self.margin, self.time_unit
        )

    @property
    def horizon(self) -> float:
        """The CLV horizon in model time units."""
        return self.valuation().horizon
