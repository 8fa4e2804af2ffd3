"""Orders: map the user's columns, validate them in one pass in the engine, measure quality.

:func:`validate_orders` returns :class:`Orders`: the mapped, cleaned Ibis table together with
what the validation pass found (rows, customers, first and last day, revenue, data quality), so
later steps (:func:`growthkit.rfm_summary`, holdout, tracking) never scan the raw data again to
learn them.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.operations as ops
import pandas as pd

from growthkit.data.dates import DATE_EXAMPLES, check_timezone, parse_dates
from growthkit.data.parquet_stats import parquet_files, statistics_facts
from growthkit.data.sources import Source, load
from growthkit.data.urls import redact
from growthkit.errors import GrowthkitError
from growthkit.i18n import Language, get_language
from growthkit.progress import step
from growthkit.validation import require_columns

__all__ = ["MAX_AMOUNT", "STRAY_DAYS", "STRAY_SHARE", "DataQuality", "Orders",
           "describe_orders", "orders", "validate_orders"]

#: Amounts beyond this size are rejected: they are typos, and their sums overflow.
MAX_AMOUNT = 1e15
#: Orders more than this many days after 99% of all orders are taken as date typos ...
STRAY_DAYS = 366
#: ... when they are at most this share of the orders (else they are a real, thin tail).
STRAY_SHARE = 0.001
_EPOCH = _dt.date(1970, 1, 1)


@dataclass(frozen=True)
class DataQuality:
    """What the validation pass found that changes, or could change, the numbers.

    Attributes
    ----------
    rows : int
        Rows read.
    duplicate_rows : int or None
        Rows that repeat an earlier row exactly (every column). Kept, and reported. None when
        validation ran with ``quality=False``.
    future_orders : int
        Orders dated after today (in the report's time zone). Excluded.
    stray_orders : int
        Orders dated more than :data:`STRAY_DAYS` days after 99% of all orders, when they are
        at most :data:`STRAY_SHARE` of the orders (date typos such as 2025 typed 2026 in a
        2024 file). Excluded. 0 when validation ran with ``quality=False``.
    excluded_example : str or None
        One excluded order's date.
    zero_amount_orders : int or None
        Orders of amount 0. They count as purchases. None when validation read Parquet
        statistics (``statistics=True``) whose smallest amount is 0: not counted.
    refunds : int
        Orders with a negative amount. They net against the purchases of their day; a day of
        refunds only is not a purchase.
    refund_total : float
        Sum of the negative amounts.
    today : str
        The day orders after which are "in the future" (ISO).
    """

    rows: int
    duplicate_rows: int | None
    future_orders: int
    stray_orders: int
    excluded_example: str | None
    zero_amount_orders: int | None
    refunds: int
    refund_total: float
    today: str

    @property
    def excluded_orders(self) -> int:
        """Orders left out of every calculation."""
        return self.future_orders + self.stray_orders

    def warnings(self, language: Language | str | None = None) -> list[str]:
        """One plain sentence per finding, for the report's data overview (empty when clean).

        Parameters
        ----------
        language : Language or str, optional
            The report language; English by default. Numbers are formatted for it; the
            example dates are ISO dates, shown isolated.
        """
        lang = get_language(language or "en")
        example = lang.isolate(self.excluded_example)
        out = []
        if self.future_orders:
            out.append(lang.ngettext(
                "{n} order is dated after today ({today}), e.g. {example}; it was left out.",
                "{n} orders are dated after today ({today}), e.g. {example}; they were left "
                "out.", self.future_orders,
            ).format(n=lang.number(self.future_orders), today=lang.date(self.today),
                     example=example))
        if self.stray_orders:
            out.append(lang.ngettext(
                "{n} order is dated more than a year after 99% of the orders, e.g. {example}, "
                "most likely a typo; it was left out.",
                "{n} orders are dated more than a year after 99% of the orders, e.g. {example}, "
                "most likely typos; they were left out.", self.stray_orders,
            ).format(n=lang.number(self.stray_orders), example=example))
        if self.duplicate_rows:  # None (not counted) or 0: nothing to say
            out.append(lang.ngettext(
                "{n} row repeats another row exactly ({share} of rows); it was kept. If it is "
                "double-loaded data, remove it: it inflates purchases and value.",
                "{n} rows repeat another row exactly ({share} of rows); they were kept. If they "
                "are double-loaded data, remove them: they inflate purchases and value.",
                self.duplicate_rows,
            ).format(n=lang.number(self.duplicate_rows),
                     share=lang.percent(self.duplicate_rows / self.rows)))
        if self.refunds:
            out.append(lang.ngettext(
                "{n} order has a negative amount (a refund, {total} in total); it nets against "
                "the purchases of its customer's day, and a day of refunds only is not counted "
                "as a purchase.",
                "{n} orders have a negative amount (refunds, {total} in total); each nets "
                "against the purchases of its customer's day, and a day of refunds only is not "
                "counted as a purchase.", self.refunds,
            ).format(n=lang.number(self.refunds), total=lang.number(self.refund_total, 2)))
        if self.zero_amount_orders:
            out.append(lang.ngettext(
                "{n} order has an amount of 0; it counts as a purchase.",
                "{n} orders have an amount of 0; they count as purchases.",
                self.zero_amount_orders,
            ).format(n=lang.number(self.zero_amount_orders)))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The findings as JSON-ready values, with ``warnings``."""
        return {**asdict(self), "excluded_orders": self.excluded_orders,
                "warnings": self.warnings()}


@dataclass(frozen=True)
class Orders:
    """Validated orders: the mapped table and what one validation pass found.

    Attributes
    ----------
    table : ibis.Table
        ``customer_id``, ``order_date`` (date), with amounts ``amount`` (float64), and the
        ``keep`` columns; the excluded orders (see :class:`DataQuality`) are filtered out.
        Unexecuted.
    source : str
        The source, display-safe (:func:`growthkit.data.redact`).
    customer_col, date_col, amount_col, timezone : str
        The user's column names and the time zone the calendar days are in.
    orders : int
        Orders kept.
    customers : int or None
        Distinct customers kept (None when validation ran with ``quality=False``).
    first_day, last_day : datetime.date
        First and last order day kept.
    revenue : float or None
        Sum of amounts kept (None without amounts, or when validation read Parquet statistics
        instead of the orders: ``statistics=True``).
    quality : DataQuality
        Duplicates, excluded dates, refunds and zero amounts.
    """

    table: ibis.Table
    source: str
    customer_col: str
    date_col: str
    amount_col: str | None
    timezone: str
    orders: int
    customers: int | None
    first_day: _dt.date
    last_day: _dt.date
    revenue: float | None
    quality: DataQuality

    def describe(self) -> dict[str, Any]:
        """Headline facts, as :func:`describe_orders` gives them (without a query when the
        validation pass counted the customers)."""
        if self.customers is None:
            return describe_orders(self.table)
        out: dict[str, Any] = {
            "customers": self.customers,
            "orders": self.orders,
            "first_date": self.first_day.isoformat(),
            "last_date": self.last_day.isoformat(),
        }
        if self.revenue is not None:
            out["revenue"] = self.revenue
            out["zero_amount_orders"] = self.quality.zero_amount_orders
        return out

    def __repr__(self) -> str:
        customers = f" of {self.customers:,} customers" if self.customers is not None else ""
        return (
            f"Orders({self.orders:,} orders{customers}, "
            f"{self.first_day} to {self.last_day}, from {self.source})"
        )


def validate_orders(
    source: Source | Orders,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    timezone: str = "UTC",
    *,
    today: _dt.date | None = None,
    quality: bool = True,
    keep: Sequence[str] = (),
    statistics: bool = False,
) -> Orders:
    """Load orders, map them to growthkit's columns and validate them in one engine pass.

    Parameters
    ----------
    source : DataFrame, str, path, ibis.Table or Orders
        Any source :func:`growthkit.data.load` accepts, one row per order. An :class:`Orders`
        is returned as it is.
    customer_col, date_col : str
        The columns holding the customer and the order's date (see
        :func:`growthkit.data.dates.parse_dates` for the forms accepted).
    amount_col : str, optional
        The column holding the order's value. Leave out for purchase counts only.
    timezone : str, default "UTC"
        IANA time zone whose calendar days orders fall on (timestamps with an offset are
        converted; naive timestamps are taken as local wall-clock time already).
    today : datetime.date, optional
        Orders after this day are excluded as future-dated; the current day in ``timezone``
        by default.
    quality : bool, default True
        Also count distinct customers, exact duplicate rows and stray dates (three hash
        aggregates in the same pass, about half of its time on millions of orders). Every
        report does; :func:`growthkit.rfm_summary` given a raw source does not, and then
        applies only the future-date rule.
    keep : sequence of str, optional
        Other columns to carry into :attr:`Orders.table` under their own names (a segment,
        a margin, a product category). They must exist; empty values are allowed.
    statistics : bool, default False
        With ``quality=False`` and a Parquet path or glob, take the checks from the files'
        row-group statistics when those settle them (no empty value, amounts in
        [0, :data:`MAX_AMOUNT`], no date after today), without reading the orders. Parquet
        statistics leave NaN out, so the caller must check its own sums of amounts;
        ``revenue`` is then None (not summed), and so is ``zero_amount_orders`` when the
        smallest amount is 0.

    Returns
    -------
    Orders

    Raises
    ------
    GrowthkitError
        Naming the column, for a missing column, an unparsable date, a non-numeric or
        non-finite amount, an empty value or empty data.
    """
    if isinstance(source, Orders):
        missing = [c for c in keep if c not in source.table.columns]
        if missing:
            raise GrowthkitError(
                f"column {missing[0]!r} was not kept when these orders were validated; "
                f"pass keep=[{missing[0]!r}, ...] to validate_orders"
            )
        return source
    check_timezone(timezone)
    if isinstance(keep, str):
        keep = [keep]
    params = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}
    for param, col in params.items():
        if not isinstance(col, str) and not (param == "amount_col" and col is None):
            raise TypeError(f"{param} must be a column name (str); found {col!r}")
    with step("validated orders") as progress:
        t = load(source)
        needed = [c for c in params.values() if c is not None]
        require_columns(t.columns, [*needed, *keep], where="the data")
        clash = sorted(set(keep) & {"customer_id", "order_date", "amount"} - set(needed))
        if clash:
            raise GrowthkitError(
                f"keep={list(keep)!r}: {clash[0]!r} is a name growthkit gives a mapped column; "
                "expected other column names"
            )
        files = parquet_files(source) if statistics and not quality else []
        found, columns, bad, today = _validation_pass(
            t, customer_col, date_col, amount_col, timezone, today, quality, files
        )
        columns |= {c: t[c] for c in keep if c not in columns}
        _raise_on_bad_values(t, found, bad, needed, date_col, amount_col, source)
        first_day = pd.Timestamp(found["first_day"]).date()
        last_day = pd.Timestamp(found["last_day"]).date()
        q99 = found.get("q99")
        stray_after = (
            _EPOCH + _dt.timedelta(days=int(q99) + STRAY_DAYS)
            if q99 is not None and pd.notna(q99)
            else None
        )
        mapped = t.select(**columns)
        if _number(found, "future"):  # else the filter would keep every row
            mapped = mapped.filter(mapped.order_date <= ibis.literal(today))
        stray, stray_example = 0, None
        if stray_after is not None and last_day > stray_after:  # rare: one more query
            late = mapped.filter(mapped.order_date > stray_after)
            tail = late.aggregate(n=late.count(), first=late.order_date.min()).execute().iloc[0]
            if int(tail["n"]) <= max(1, STRAY_SHARE * int(found["kept_rows"])):
                stray, stray_example = int(tail["n"]), tail["first"]
                mapped = mapped.filter(mapped.order_date <= stray_after)
                found = found.copy()
                for key, value in _kept_facts(mapped, amount_col).items():
                    found[key] = value
                last_day = pd.Timestamp(found["last_day"]).date()
                first_day = pd.Timestamp(found["first_day"]).date()
        example = found.get("future_example") if _number(found, "future") else stray_example
        findings = DataQuality(
            rows=int(found["rows"]),
            duplicate_rows=(
            int(found["rows"]) - int(found["distinct_rows"]) if quality else None
        ),
            future_orders=int(_number(found, "future")),
            stray_orders=stray,
            excluded_example=_iso(example),
            zero_amount_orders=(
                None if "zero" in found and found["zero"] is None else int(_number(found, "zero"))
            ),
            refunds=int(_number(found, "refunds")),
            refund_total=_number(found, "refund_total"),
            today=today.isoformat(),
        )
        kept_rows = int(found["kept_rows"])
        if kept_rows == 0:
            raise GrowthkitError(
                f"data {redact(source)!r} has no orders dated on or before today ({today}); "
                f"found {findings.excluded_orders:,} future-dated order(s)"
            )
        progress["detail"] = f"{kept_rows:,} orders"
    return Orders(
        table=mapped,
        source=redact(source),
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        timezone=timezone,
        orders=kept_rows,
        customers=int(found["customers"]) if quality else None,
        first_day=first_day,
        last_day=last_day,
        revenue=(
            _number(found, "revenue")
            if amount_col is not None and found.get("revenue") is not None
            else None
        ),
        quality=findings,
    )


def _number(found: pd.Series, key: str) -> float:
    """An aggregate from the validation pass; 0 when absent or null (a sum over no rows)."""
    value = found.get(key)
    return 0.0 if value is None or pd.isna(value) else float(value)


def _float(value: Any) -> float:
    """An aggregate as a float, NaN when absent or null."""
    return float("nan") if value is None or pd.isna(value) else float(value)


def _iso(value: Any) -> str | None:
    if value is None or (not isinstance(value, _dt.date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date().isoformat()


def _validation_pass(
    t: ibis.Table,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    timezone: str,
    today: _dt.date | None,
    quality: bool,
    files: list[str] | None = None,
) -> tuple[pd.Series, dict[str, ibis.Value], dict[str, ibis.Value], _dt.date]:
    """One query: every problem counted, and the facts about the orders kept.

    The facts are aggregated over every row, without a filter on each aggregate; only when
    some order turns out to be dated after today (rare) does a second query count those orders
    and aggregate the facts again over the orders kept. Checks that cannot fail for the
    column's type (a date or timestamp that is not a day, a number that is not numeric) are
    left out of the query.
    """
    today = today or _dt.datetime.now(ZoneInfo(timezone)).date()
    columns: dict[str, ibis.Value] = {
        "customer_id": t[customer_col],
        "order_date": parse_dates(t, date_col, timezone),
    }
    bad: dict[str, ibis.Value] = {}
    date_type = t[date_col].type()
    if not (date_type.is_date() or date_type.is_timestamp()):
        bad["bad_date"] = columns["order_date"].isnull() & t[date_col].notnull()
    if amount_col is not None:
        columns["amount"] = _parse_amounts(t, amount_col)
        if t[amount_col].type().is_string():
            bad["bad_amount"] = columns["amount"].isnull() & t[amount_col].notnull()
        bad["nonfinite_amount"] = _non_finite(t, columns["amount"])
    facts = statistics_facts(t, files or [], customer_col, date_col, amount_col, today, MAX_AMOUNT)
    if facts is not None:  # the Parquet statistics settle every check: no scan
        return pd.Series(facts, dtype=object), columns, bad, today
    checks: dict[str, ibis.Value] = {
        "rows": t.count(),
        **_facts(t, columns, quality, kept=None, raw_dates=t[date_col]),
    }
    for col in {customer_col, date_col, amount_col} - {None}:
        checks[f"null:{col}"] = t.count() - t[col].count()  # counts of values: from metadata
    for name, flag in bad.items():
        if name != "nonfinite_amount":
            checks[name] = flag.sum()
    if amount_col is not None:
        checks["largest_amount"] = columns["amount"].abs().max()
    stats = t.aggregate(**checks)
    if quality:
        stats = stats.cross_join(t.distinct().aggregate(distinct_rows=ibis._.count()))
    found = stats.execute().iloc[0].copy()
    if amount_col is not None:
        # A NaN or infinite amount makes the sum of all amounts NaN or infinite, so the rows
        # are counted only when the sum or the largest amount says some are there.
        # (Pandas shows NULL as NaN too: then the count finds none, and the NULLs are reported.)
        total, largest = (_float(found.get(key)) for key in ("revenue", "largest_amount"))
        suspect = not (math.isfinite(total) and largest <= MAX_AMOUNT)
        found["nonfinite_amount"] = (
            int(t.aggregate(n=bad["nonfinite_amount"].sum()).execute().iloc[0]["n"] or 0)
            if suspect else 0
        )
    found["future"], found["future_example"] = 0, None
    last_day = found["last_day"]
    if last_day is not None and pd.notna(last_day) and pd.Timestamp(last_day).date() > today:
        date = columns["order_date"]
        kept = date <= ibis.literal(today)
        again = t.aggregate(
            future=(date > ibis.literal(today)).sum(),
            future_example=date.min(where=date > ibis.literal(today)),
            **_facts(t, columns, quality, kept=kept),
        ).execute().iloc[0]
        for key, value in again.items():
            found[key] = value
    return found, columns, bad, today


def _facts(
    t: ibis.Table,
    columns: dict[str, ibis.Value],
    quality: bool,
    kept: ibis.Value | None,
    raw_dates: ibis.Value | None = None,
) -> dict[str, ibis.Value]:
    """Aggregates of the orders kept: of every row with a date when ``kept`` is None.

    With ``raw_dates`` (the date column as stored), the first and last day of a date or
    time-zone-free timestamp column are the days of its smallest and largest value, so the
    days are taken of those two values instead of every row's.
    """
    date = columns["order_date"]
    where = {} if kept is None else {"where": kept}
    dtype = None if raw_dates is None else raw_dates.type()
    if kept is None and dtype is not None and (
        dtype.is_date() or (dtype.is_timestamp() and dtype.timezone is None)
    ):
        first, last = raw_dates.min().cast("date"), raw_dates.max().cast("date")
        counted = raw_dates  # a date or timestamp is a day whenever it is not null
    else:
        first, last = date.min(**where), date.max(**where)
        counted = date
    facts: dict[str, ibis.Value] = {
        "kept_rows": counted.count() if kept is None else kept.sum(),
        "first_day": first,
        "last_day": last,
    }
    if quality:
        facts["customers"] = columns["customer_id"].nunique(**where)
        days = date.delta(ibis.literal(_EPOCH), unit="day")
        facts["q99"] = (
            days.approx_quantile(0.99, **where)
            if ibis.get_backend(t).has_operation(ops.ApproxQuantile)
            else ibis.null("float64")
        )
    if "amount" in columns:
        amount = columns["amount"]
        facts["revenue"] = amount.sum(**where)
        facts["zero"] = (amount == 0).sum(**where)
        facts["refunds"] = (amount < 0).sum(**where)
        facts["refund_total"] = (amount < 0).ifelse(amount, 0.0).sum(**where)
    return facts


def _kept_facts(mapped: ibis.Table, amount_col: str | None) -> pd.Series:
    """The facts about kept orders again, after stray dates were excluded (rare)."""
    aggs: dict[str, ibis.Value] = {
        "kept_rows": mapped.count(),
        "customers": mapped.customer_id.nunique(),
        "first_day": mapped.order_date.min(),
        "last_day": mapped.order_date.max(),
    }
    if amount_col is not None:
        aggs["revenue"] = mapped.amount.sum()
    return mapped.aggregate(**aggs).execute().iloc[0]


def _non_finite(t: ibis.Table, amount: ibis.Value) -> ibis.Value:
    backend = ibis.get_backend(t)
    flags = [amount.abs() > MAX_AMOUNT]
    if backend.has_operation(ops.IsNan):
        flags.append(amount.isnan())
    if backend.has_operation(ops.IsInf):
        flags.append(amount.isinf())
    out = flags[0]
    for flag in flags[1:]:
        out = out | flag
    return out.fill_null(False)


def _parse_amounts(t: ibis.Table, col: str) -> ibis.ir.FloatingValue:
    """An expression casting ``col`` to float64 in the engine (null where not numeric)."""
    dtype = t[col].type()
    if dtype.is_numeric() and not dtype.is_boolean():
        return t[col].cast("float64")
    if not dtype.is_string() or not ibis.get_backend(t).has_operation(ops.TryCast):
        raise GrowthkitError(f"amount column {col!r} has type {dtype}; expected numbers")
    return t[col].strip().try_cast("float64")


def _first_bad(t: ibis.Table, bad: ibis.ir.BooleanValue, col: str) -> Any:
    """One value of ``col`` on a row where ``bad`` holds, for an error message."""
    sample = t.filter(bad).select(col).limit(1).execute()[col]
    if not len(sample):
        return None
    value = sample.iloc[0]
    return value.item() if hasattr(value, "item") else value


def _raise_on_bad_values(
    t: ibis.Table,
    found: pd.Series,
    bad: dict[str, ibis.Value],
    needed: list[str],
    date_col: str,
    amount_col: str | None,
    source: Source,
) -> None:
    if found["rows"] == 0:
        raise GrowthkitError(f"data {redact(source)!r} is empty: no orders found")
    for col in needed:
        if n := int(found[f"null:{col}"]):
            raise GrowthkitError(
                f"column {col!r} has {n:,} empty value(s); expected a value on every order"
            )
    if n := int(_number(found, "bad_date")):
        raise GrowthkitError(
            f"date column {date_col!r} has {n:,} value(s) that are not dates, e.g. "
            f"{_first_bad(t, bad['bad_date'], date_col)!r}; expected {DATE_EXAMPLES}"
        )
    if amount_col is None:
        return
    if n := int(_number(found, "bad_amount")):
        raise GrowthkitError(
            f"amount column {amount_col!r} has {n:,} non-numeric value(s), e.g. "
            f"{_first_bad(t, bad['bad_amount'], amount_col)!r}; expected numbers such as 12.50"
        )
    if n := int(found["nonfinite_amount"] or 0):
        raise GrowthkitError(
            f"amount column {amount_col!r} has {n:,} value(s) that are not finite or beyond "
            f"±{MAX_AMOUNT:.0e}, e.g. {_first_bad(t, bad['nonfinite_amount'], amount_col)!r}; "
            "expected order values such as 12.50"
        )


def orders(
    source: Source | Orders,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    timezone: str = "UTC",
) -> ibis.Table:
    """Load orders and map them to growthkit's columns, validating as we go.

    The table of :func:`validate_orders`; use that to keep what validation found.

    Parameters
    ----------
    source, customer_col, date_col, amount_col, timezone
        As in :func:`validate_orders`.

    Returns
    -------
    ibis.Table
        Columns ``customer_id``, ``order_date`` (date) and, with ``amount_col``, ``amount``
        (float64).
    """
    return validate_orders(source, customer_col, date_col, amount_col, timezone).table


def describe_orders(orders_table: ibis.Table | Orders) -> dict[str, Any]:
    """Headline facts about validated orders.

    Parameters
    ----------
    orders_table : ibis.Table or Orders
        The output of :func:`orders` (computed in the engine, one query) or of
        :func:`validate_orders` (no query).

    Returns
    -------
    dict
        ``customers``, ``orders``, ``first_date``, ``last_date`` (ISO strings) and, when the table
        has amounts, ``revenue`` and ``zero_amount_orders``.
    """
    if isinstance(orders_table, Orders):
        return orders_table.describe()
    t = orders_table
    aggs: dict[str, ibis.Value] = {
        "customers": t.customer_id.nunique(),
        "orders": t.count(),
        "first_date": t.order_date.min(),
        "last_date": t.order_date.max(),
    }
    if "amount" in t.columns:
        aggs["revenue"] = t.amount.sum()
        aggs["zero_amount_orders"] = (t.amount == 0).sum()
    row = t.aggregate(**aggs).execute().iloc[0]
    out: dict[str, Any] = {
        "customers": int(row["customers"]),
        "orders": int(row["orders"]),
        "first_date": pd.Timestamp(row["first_date"]).date().isoformat(),
        "last_date": pd.Timestamp(row["last_date"]).date().isoformat(),
    }
    if "amount" in t.columns:
        out["revenue"] = float(row["revenue"])
        out["zero_amount_orders"] = int(row["zero_amount_orders"])
    return out
