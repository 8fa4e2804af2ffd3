"""The subscriptions report's parameters, declared once (defaults, bounds, help)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from growthkit.settings import Columns, Flag, Interval, Options, Settings, Text, Unchecked, setting
from growthkit.subscriptions.engagement import DEFAULT_STEPS
from growthkit.subscriptions.periods import GRACE_DAYS

__all__ = ["SubscriptionsSettings"]

_COLUMN = Text(what="a column name")
_OPTIONAL_COLUMN = Text(optional=True, what="a column name")


@dataclass(frozen=True)
class SubscriptionsSettings(Settings):
    """Every parameter of :func:`growthkit.subscriptions.analyze` after ``data``.

    The same names and defaults as ``analyze``'s keyword arguments and the notebook's
    parameters cell; each field's constraint is checked on construction.
    """

    report = "subscriptions"

    customer_col: str = setting("customer_id", _COLUMN, "column with the customer id")
    date_col: str = setting("date", _COLUMN, "column with the charge date or timestamp")
    amount_col: str = setting("amount", _COLUMN, "column with the amount charged (refunds "
                              "negative)")
    plan_col: str | None = setting(None, _OPTIONAL_COLUMN, "column with each charge's plan")
    months_covered_col: str | None = setting(None, _OPTIONAL_COLUMN,
                                             "months each charge covers (12 for yearly)")
    # A source (a DataFrame, path, URL or sample name), checked where it is loaded.
    period_end_col: str | None = setting(None, _OPTIONAL_COLUMN, "the date each charge's "
                                         "service period ends (exclusive)")
    grace_days: int = setting(GRACE_DAYS, Interval(0, 60, integer=True),
                              "days a late renewal may follow its period and still continue it")
    observation_end: str | dt.date | None = setting(  # noqa: RUF009 (a dataclasses.field)
        None, Text(optional=True, allow_date=True, what="a date such as 2025-11-30"),
        "the day the data were taken: a month ending on or before it is complete (default: "
        "the last charge day)")
    tenure_col: str | None = setting(None, _OPTIONAL_COLUMN, "a customer snapshot: months "
                                     "each customer has paid (with churned_col)")
    churned_col: str | None = setting(None, _OPTIONAL_COLUMN, "a customer snapshot: whether "
                                      "each customer has left (yes/no, true/false, 1/0)")
    events_data: Any = setting(  # noqa: RUF009 (setting() is a dataclasses.field)
        None, Unchecked(), "customer_id, timestamp, event[, channel]")
    nps_data: Any = setting(  # noqa: RUF009 (setting() is a dataclasses.field)
        None, Unchecked(), "survey answers with a score column (0-10)")
    funnel_steps: tuple[str, ...] | None = setting(DEFAULT_STEPS, Columns(optional=True),
                                                   "funnel event names, in order")
    funnel_window_days: int = setting(45, Interval(0, None, integer=True),
                                      "days after a step within which the next step counts")
    activity_events: tuple[str, ...] | None = setting(
        None, Columns(optional=True), "event names that count as activity for DAU/MAU; None: "
        "every event but the standard funnel steps (visit, signup, trial_start, paid, referral)")
    gross_margin: float | None = setting(None, Interval(0, 1, closed="right", optional=True),
                                         "share of revenue kept as profit, in (0, 1]")
    cac: float | None = setting(None, Interval(0, None, optional=True),
                                "cost of winning one paying customer")
    spend_data: Any = setting(  # noqa: RUF009 (setting() is a dataclasses.field)
        None, Unchecked(), "marketing spend: period, spend[, channel][, type]; rows typed "
        "retention give the customer retention cost (CRC), the others CAC by channel")
    currency: str = setting("USD", Text(what="an ISO 4217 currency code"),
                            "ISO 4217 code of the amounts")
    include_reactivation: bool = setting(False, Flag(), "count returning customers as a gain "
                                         "in NRR, net churn and the quick ratio")
    annual_discount_rate: float = setting(0.10, Interval(0, None, closed="neither"),
                                          "yearly discount rate for the sBG expected lifetime")
    timezone: str = setting("UTC", Text(what="a time zone name"),
                            "time zone whose calendar months the charges fall in")
    language: str = setting("en", Text(what="a report language such as 'en' or 'ar'"),
                            "report language: en or ar")
    digits: str = setting("locale", Options(("locale", "latin", "arabic")),
                          "digits: locale, latin or arabic")
