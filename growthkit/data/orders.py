"""Orders: map the user's columns, validate them in one pass in the engine, measure quality.

:func:`validate_orders` returns :class:`Orders`: the mapped, cleaned Ibis table together with
what the validation pass found (rows, customers, first and last day, revenue, data quality), so
later steps (:func:`growthkit.rfm_summary`, holdout, tracking) never scan the raw data again to
learn them.

A shop's export is often invoice lines rather than orders: ``order_col`` names the order (or
invoice) each line belongs to and ``quantity_col`` the quantity, so that ``amount_col`` is the
unit price and each line's amount is quantity × unit price (negative on a return). The mapped
table keeps one row per line, its ``amount`` the line's amount; lines of one customer-day sum
as orders of one day always have.

Money is summed exactly (:func:`money_sum`): each amount rounded to :data:`MONEY_SCALE`
decimals and added as a DECIMAL, so a total does not depend on the order a parallel engine
happens to add the rows in, and two runs on the same data give the same bits.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import pandas as pd

from growthkit.data.dates import DATE_EXAMPLES, check_timezone, parse_dates
from growthkit.data.parquet_stats import parquet_files, statistics_facts
from growthkit.data.sources import Source, load, sniffed_column
from growthkit.data.urls import redact
from growthkit.errors import GrowthkitError
from growthkit.i18n import Language, get_language
from growthkit.progress import step
from growthkit.validation import require_columns

__all__ = ["MAX_AMOUNT", "MONEY_SCALE", "MONEY_TYPE", "STRAY_DAYS", "STRAY_SHARE", "DataQuality",
           "Orders", "as_money", "describe_orders", "money_sum", "orders", "validate_orders"]

#: Amounts beyond this size are rejected: they are typos, and their sums overflow.
MAX_AMOUNT = 1e15
#: Orders more than this many days after 99% of all orders are taken as date typos ...
STRAY_DAYS = 366
#: ... when they are at most this share of the orders (else they are a real, thin tail).
STRAY_SHARE = 0.001
#: Decimals amounts are rounded to before they are summed (a millionth of the currency unit).
MONEY_SCALE = 6
#: The type money is summed in: exact, so a sum is the same whatever order rows are added in.
#: 38 digits hold :data:`MAX_AMOUNT` at :data:`MONEY_SCALE` decimals with 16 digits to spare.
MONEY_TYPE = dt.Decimal(38, MONEY_SCALE)
_EPOCH = _dt.date(1970, 1, 1)
#: The names growthkit gives the mapped columns of :attr:`Orders.table`.
_MAPPED = ("customer_id", "order_date", "amount", "order_id")


def as_money(amount: ibis.ir.NumericValue) -> ibis.ir.DecimalValue:
    """``amount`` as :data:`MONEY_TYPE`, for exact sums in the engine.

    Values that are not finite or beyond ±:data:`MAX_AMOUNT` become NULL (a cast would fail on
    them); :func:`validate_orders` has rejected such amounts before they reach a sum, except
    when it read Parquet statistics instead of the rows (then count the NULLs).

    Parameters
    ----------
    amount : ibis numeric expression

    Returns
    -------
    ibis decimal expression
    """
    kept = (amount.abs() <= MAX_AMOUNT).ifelse(amount, ibis.null())  # NaN compares as largest
    return kept.cast(MONEY_TYPE)


def money_sum(amount: ibis.ir.NumericColumn,
              where: ibis.ir.BooleanValue | None = None) -> ibis.ir.FloatingScalar:
    """The sum of ``amount`` in the engine, the same bits whatever order rows are added in.

    Each value is rounded to :data:`MONEY_SCALE` decimals (:func:`as_money`) and summed
    exactly as a DECIMAL; the total comes back as float64. A float sum depends on the order of
    its terms, which a parallel engine does not fix: two runs on the same data could differ in
    the last digits. On DuckDB this costs about 0.1 CPU-second per million rows summed
    (rfm_summary of 1M orders: 0.34 -> 0.45 CPU-s).

    Parameters
    ----------
    amount : ibis numeric column
    where : ibis boolean expression, optional
        Sum only the rows where it holds.

    Returns
    -------
    ibis float64 scalar
        NULL over no rows.
    """
    return as_money(amount).sum(where=where).cast("float64")


def _missing_customer(customer: ibis.ir.Column) -> ibis.ir.BooleanColumn:
    """True on rows without a customer: NULL, or for text ids empty or blank.

    Parameters
    ----------
    customer : ibis column
        The customer id column.

    Returns
    -------
    ibis boolean column
    """
    flag = customer.isnull()
    if customer.type().is_string():
        flag = flag | (customer.strip() == "")
    return flag


@dataclass(frozen=True)
class DataQuality:
    """What the validation pass found that changes, or could change, the numbers.

    Each row is an order, or with ``order_col`` a line of an order (:attr:`row_unit`); the
    counts below count rows, so lines then.

    Attributes
    ----------
    rows : int
        Rows read.
    duplicate_rows : int or None
        Rows that repeat an earlier row exactly (every column). Kept, and reported. With
        ``order_col`` the order is one of the columns, so a duplicate is a line that repeats
        another line of the same order: identical lines of two orders (one product bought
        twice) are not duplicates. None when validation ran with ``quality=False``.
    future_orders : int
        Rows dated after today (in the report's time zone). Excluded.
    stray_orders : int
        Rows dated more than :data:`STRAY_DAYS` days after 99% of all rows, when they are at
        most :data:`STRAY_SHARE` of them (date typos such as 2025 typed 2026 in a 2024 file).
        Excluded. 0 when validation ran with ``quality=False``.
    excluded_example : str or None
        One excluded row's date.
    zero_amount_orders : int or None
        Rows of amount 0. They count as purchases. None when validation read Parquet
        statistics (``statistics=True``) whose smallest amount is 0: not counted.
    refunds : int
        Rows with a negative amount (refunds; with ``quantity_col``, returns: a negative
        quantity). They net against the purchases of their customer's day; a day of refunds
        only is not a purchase.
    refund_total : float
        Sum of the negative amounts.
    today : str
        The day rows after which are "in the future" (ISO).
    rows_without_customer : int
        Rows whose customer is empty (NULL, or blank text): a sale to an anonymous buyer
        belongs to no customer, so it is left out of every per-customer number. Not counted in
        the future or stray rows.
    amount_without_customer : float or None
        Sum of their amounts (None without amounts).
    amount_share_without_customer : float or None
        That sum over the sum of the amounts of every row read (None without amounts, or when
        that sum is not positive).
    row_unit : {"order", "line"}
        What a row is: an order, or (with ``order_col``) a line of an order.
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
    rows_without_customer: int = 0
    amount_without_customer: float | None = None
    amount_share_without_customer: float | None = None
    row_unit: str = "order"

    @property
    def excluded_orders(self) -> int:
        """Rows left out of every calculation for their dates (future or stray)."""
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
        lines = self.row_unit == "line"
        example = lang.isolate(self.excluded_example)
        out = []
        if self.future_orders:
            n = self.future_orders
            text = lang.ngettext(
                "{n} line is dated after today ({today}), e.g. {example}; it was left out.",
                "{n} lines are dated after today ({today}), e.g. {example}; they were left out.",
                n,
            ) if lines else lang.ngettext(
                "{n} order is dated after today ({today}), e.g. {example}; it was left out.",
                "{n} orders are dated after today ({today}), e.g. {example}; they were left "
                "out.", n,
            )
            out.append(text.format(n=lang.number(n), today=lang.date(self.today),
                                   example=example))
        if self.stray_orders:
            n = self.stray_orders
            text = lang.ngettext(
                "{n} line is dated more than a year after 99% of the lines, e.g. {example}, "
                "most likely a typo; it was left out.",
                "{n} lines are dated more than a year after 99% of the lines, e.g. {example}, "
                "most likely typos; they were left out.", n,
            ) if lines else lang.ngettext(
                "{n} order is dated more than a year after 99% of the orders, e.g. {example}, "
                "most likely a typo; it was left out.",
                "{n} orders are dated more than a year after 99% of the orders, e.g. {example}, "
                "most likely typos; they were left out.", n,
            )
            out.append(text.format(n=lang.number(n), example=example))
        if self.rows_without_customer:
            out.append(self._without_customer(lang))
        if self.duplicate_rows:  # None (not counted) or 0: nothing to say
            n = self.duplicate_rows
            text = lang.ngettext(
                "{n} line repeats another line of the same order exactly ({share} of lines); "
                "it was kept. One product entered twice in an order can be genuine; if the "
                "order was loaded twice, remove the copy.",
                "{n} lines repeat another line of the same order exactly ({share} of lines); "
                "they were kept. One product entered twice in an order can be genuine; if "
                "orders were loaded twice, remove the copies.", n,
            ) if lines else lang.ngettext(
                "{n} row repeats another row exactly ({share} of rows); it was kept. If it is "
                "double-loaded data, remove it: it inflates purchases and value.",
                "{n} rows repeat another row exactly ({share} of rows); they were kept. If they "
                "are double-loaded data, remove them: they inflate purchases and value.", n,
            )
            out.append(text.format(n=lang.number(n), share=lang.percent(n / self.rows)))
        if self.refunds:
            n = self.refunds
            text = lang.ngettext(
                "{n} line has a negative amount (a return, {total} in total); it nets against "
                "the purchases of its customer's day, and a day of returns only is not counted "
                "as a purchase.",
                "{n} lines have a negative amount (returns, {total} in total); each nets "
                "against the purchases of its customer's day, and a day of returns only is not "
                "counted as a purchase.", n,
            ) if lines else lang.ngettext(
                "{n} order has a negative amount (a refund, {total} in total); it nets against "
                "the purchases of its customer's day, and a day of refunds only is not counted "
                "as a purchase.",
                "{n} orders have a negative amount (refunds, {total} in total); each nets "
                "against the purchases of its customer's day, and a day of refunds only is not "
                "counted as a purchase.", n,
            )
            out.append(text.format(n=lang.number(n), total=lang.number(self.refund_total, 2)))
        if self.zero_amount_orders:
            n = self.zero_amount_orders
            text = lang.ngettext(
                "{n} line has an amount of 0; it counts as a purchase.",
                "{n} lines have an amount of 0; they count as purchases.", n,
            ) if lines else lang.ngettext(
                "{n} order has an amount of 0; it counts as a purchase.",
                "{n} orders have an amount of 0; they count as purchases.", n,
            )
            out.append(text.format(n=lang.number(n)))
        return out

    def _without_customer(self, lang: Language) -> str:
        """The sentence on rows without a customer, with their share of rows and of money."""
        n, lines = self.rows_without_customer, self.row_unit == "line"
        rows = lang.percent(n / self.rows)
        share = self.amount_share_without_customer
        if share is None:
            text = lang.ngettext(
                "{n} line has no customer ({rows} of lines); it was left out.",
                "{n} lines have no customer ({rows} of lines); they were left out.", n,
            ) if lines else lang.ngettext(
                "{n} order has no customer ({rows} of orders); it was left out.",
                "{n} orders have no customer ({rows} of orders); they were left out.", n,
            )
            return text.format(n=lang.number(n), rows=rows)
        text = lang.ngettext(
            "{n} line has no customer ({rows} of lines, {share} of the amount); it was left "
            "out.",
            "{n} lines have no customer ({rows} of lines, {share} of the amount); they were "
            "left out.", n,
        ) if lines else lang.ngettext(
            "{n} order has no customer ({rows} of orders, {share} of the amount); it was left "
            "out.",
            "{n} orders have no customer ({rows} of orders, {share} of the amount); they were "
            "left out.", n,
        )
        return text.format(n=lang.number(n), rows=rows, share=lang.percent(share))

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
        ``customer_id``, ``order_date`` (date), with amounts ``amount`` (float64: the order's
        amount, or with ``quantity_col`` the line's, quantity × unit price), with
        ``order_col`` ``order_id``, and the ``keep`` columns; one row per order, or per line
        with ``order_col``. Rows without a customer and the excluded dates (see
        :class:`DataQuality`) are filtered out. Unexecuted.
    source : str
        The source, display-safe (:func:`growthkit.data.redact`).
    customer_col, date_col, amount_col, timezone : str
        The user's column names and the time zone the calendar days are in. With
        ``quantity_col``, ``amount_col`` is the unit price.
    orders : int
        Orders kept (distinct order ids with ``order_col``, else rows).
    customers : int or None
        Distinct customers kept (None when validation ran with ``quality=False``).
    first_day, last_day : datetime.date
        First and last order day kept.
    revenue : float or None
        Sum of amounts kept (None without amounts, or when validation read Parquet statistics
        instead of the orders: ``statistics=True``).
    quality : DataQuality
        Rows without a customer, duplicates, excluded dates, refunds and zero amounts.
    order_col, quantity_col : str or None
        The user's order (invoice) and quantity columns, when each row is a line of an order.
    lines : int
        Rows kept: lines with ``order_col``, else the same as ``orders``.
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
    order_col: str | None = None
    quantity_col: str | None = None
    lines: int = -1

    def __post_init__(self) -> None:
        if self.lines < 0:  # one row per order
            object.__setattr__(self, "lines", self.orders)

    def describe(self) -> dict[str, Any]:
        """Headline facts, as :func:`describe_orders` gives them (without a query when the
        validation pass counted the customers)."""
        if self.customers is None:
            return describe_orders(self.table)
        out: dict[str, Any] = {
            "customers": self.customers,
            "orders": self.orders,
            "lines": self.lines,
            "first_date": self.first_day.isoformat(),
            "last_date": self.last_day.isoformat(),
        }
        if self.revenue is not None:
            out["revenue"] = self.revenue
            out["zero_amount_orders"] = self.quality.zero_amount_orders
        return out

    def __repr__(self) -> str:
        customers = f" of {self.customers:,} customers" if self.customers is not None else ""
        lines = f" in {self.lines:,} lines" if self.order_col is not None else ""
        return (
            f"Orders({self.orders:,} orders{lines}{customers}, "
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
    order_col: str | None = None,
    quantity_col: str | None = None,
) -> Orders:
    """Load orders, map them to growthkit's columns and validate them in one engine pass.

    Parameters
    ----------
    source : DataFrame, str, path, ibis.Table or Orders
        Any source :func:`growthkit.data.load` accepts, one row per order (or per line of an
        order, with ``order_col``). An :class:`Orders` is returned as it is.
    customer_col, date_col : str
        The columns holding the customer and the order's date (see
        :func:`growthkit.data.dates.parse_dates` for the forms accepted). Rows whose customer
        is empty (NULL, or blank text) are left out and counted
        (:attr:`DataQuality.rows_without_customer`); an empty date is an error.
    amount_col : str, optional
        The column holding the order's value, or with ``quantity_col`` the unit price. Leave
        out for purchase counts only.
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
        smallest amount is 0. Not with ``order_col`` or ``quantity_col``.
    order_col : str, optional
        The column holding the order (invoice) each row belongs to, when rows are lines of
        orders. Lines sharing an order id are one order: :attr:`Orders.orders` counts
        distinct ids (one more hash aggregate in the pass), :attr:`Orders.lines` the lines,
        and the data-quality counts are of lines. An empty order id is an error.
    quantity_col : str, optional
        The column holding each line's quantity; ``amount_col`` is then the unit price and a
        line's amount is quantity × unit price. A negative quantity is a return, netted as a
        refund. Needs ``amount_col``.

    Returns
    -------
    Orders

    Raises
    ------
    GrowthkitError
        Naming the column, for a missing column, an unparsable date, a non-numeric or
        non-finite amount or quantity, an empty value or empty data.
    """
    if isinstance(source, Orders):
        missing = [c for c in keep if c not in source.table.columns]
        if missing:
            raise GrowthkitError(
                f"column {missing[0]!r} was not kept when these orders were validated; "
                f"pass keep=[{missing[0]!r}, ...] to validate_orders"
            )
        for name, given, had in (("order_col", order_col, source.order_col),
                                 ("quantity_col", quantity_col, source.quantity_col)):
            if given is not None and given != had:
                raise GrowthkitError(
                    f"{name}={given!r} does not match these orders, validated with "
                    f"{name}={had!r}; expected the same {name}, or none (taken from the orders)"
                )
        return source
    check_timezone(timezone)
    if isinstance(keep, str):
        keep = [keep]
    params = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col,
              "order_col": order_col, "quantity_col": quantity_col}
    optional = ("amount_col", "order_col", "quantity_col")
    for param, col in params.items():
        if not isinstance(col, str) and not (param in optional and col is None):
            raise TypeError(f"{param} must be a column name (str); found {col!r}")
    if quantity_col is not None and amount_col is None:
        raise GrowthkitError(
            f"quantity_col={quantity_col!r} is given without amount_col; expected amount_col "
            "naming the unit price (a line's amount is quantity × unit price)"
        )
    unit = "line" if order_col is not None else "order"
    with step("validated orders") as progress:
        t = load(source)
        needed = [c for c in params.values() if c is not None]
        require_columns(t.columns, [*needed, *keep], where="the data")
        # A kept column may share a mapped column's name only when it is that column as it came.
        same = {"customer_id": customer_col, "order_id": order_col,
                "amount": amount_col if quantity_col is None else None}
        clash = sorted(c for c in set(keep) & set(_MAPPED) if same.get(c) != c)
        if clash:
            raise GrowthkitError(
                f"keep={list(keep)!r}: {clash[0]!r} is a name growthkit gives a mapped column; "
                "expected other column names"
            )
        lines = order_col is not None or quantity_col is not None
        files = parquet_files(source) if statistics and not quality and not lines else []
        text_columns: list[str] = []
        while True:  # a CSV column typed from its first rows is read again as text
            try:
                found, columns, bad, today = _validation_pass(
                    t, customer_col, date_col, amount_col, timezone, today, quality, files,
                    order_col=order_col, quantity_col=quantity_col,
                )
                break
            except Exception as exc:
                sniffed = sniffed_column(exc)
                if sniffed is None:
                    raise
                column, value, line = sniffed
                if not isinstance(source, str | os.PathLike) or column in text_columns:
                    raise GrowthkitError(
                        f"column {column!r} reads as numbers or dates in the first rows of the "
                        f"data, but line {line} holds {value!r}; expected one type per column"
                    ) from None
                text_columns.append(column)
                t = load(source, text_columns=text_columns)
        columns |= {c: t[c] for c in keep if c not in columns}
        _raise_on_bad_values(t, found, bad, [c for c in needed if c != customer_col],
                             date_col, amount_col, quantity_col, source, unit)
        first_day = pd.Timestamp(found["first_day"]).date()
        last_day = pd.Timestamp(found["last_day"]).date()
        q99 = found.get("q99")
        stray_after = (
            _EPOCH + _dt.timedelta(days=int(q99) + STRAY_DAYS)
            if q99 is not None and pd.notna(q99)
            else None
        )
        mapped = t.select(**columns)
        no_customer = int(_number(found, "no_customer"))
        if no_customer:  # else the filter would keep every row
            mapped = mapped.filter(~_missing_customer(mapped.customer_id))
        if _number(found, "future"):
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
        rows = int(found["rows"])
        findings = DataQuality(
            rows=rows,
            duplicate_rows=rows - int(found["distinct_rows"]) if quality else None,
            future_orders=int(_number(found, "future")),
            stray_orders=stray,
            excluded_example=_iso(example),
            zero_amount_orders=(
                None if "zero" in found and found["zero"] is None else int(_number(found, "zero"))
            ),
            refunds=int(_number(found, "refunds")),
            refund_total=_number(found, "refund_total"),
            today=today.isoformat(),
            rows_without_customer=no_customer,
            amount_without_customer=(
                None if amount_col is None else _number(found, "no_customer_amount")
            ),
            amount_share_without_customer=_share_without_customer(found, amount_col),
            row_unit=unit,
        )
        kept_rows = int(found["kept_rows"])
        if kept_rows == 0 and findings.excluded_orders:
            raise GrowthkitError(
                f"data {redact(source)!r} has no orders dated on or before today ({today}); "
                f"found {findings.excluded_orders:,} future-dated {unit}(s)"
            )
        if kept_rows == 0:
            raise GrowthkitError(
                f"customer column {customer_col!r} is empty on all {rows:,} {unit}s; expected "
                f"the customer of each {unit}"
            )
        kept_orders = int(found["orders"]) if order_col is not None else kept_rows
        progress["detail"] = f"{kept_orders:,} orders" + (
            f" in {kept_rows:,} lines" if order_col is not None else ""
        )
    return Orders(
        table=mapped,
        source=redact(source),
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        timezone=timezone,
        orders=kept_orders,
        customers=int(found["customers"]) if quality else None,
        first_day=first_day,
        last_day=last_day,
        revenue=(
            _number(found, "revenue")
            if amount_col is not None and found.get("revenue") is not None
            else None
        ),
        quality=findings,
        order_col=order_col,
        quantity_col=quantity_col,
        lines=kept_rows,
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


def _share_without_customer(found: pd.Series, amount_col: str | None) -> float | None:
    """The amount of the rows without a customer over the amount of every row read."""
    if amount_col is None:
        return None
    if not _number(found, "no_customer"):
        return 0.0
    total = _float(found.get("amount_all"))
    return _number(found, "no_customer_amount") / total if total > 0 else None


def _validation_pass(
    t: ibis.Table,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    timezone: str,
    today: _dt.date | None,
    quality: bool,
    files: list[str] | None = None,
    *,
    order_col: str | None = None,
    quantity_col: str | None = None,
) -> tuple[pd.Series, dict[str, ibis.Value], dict[str, ibis.Value], _dt.date]:
    """One query: every problem counted, and the facts about the orders kept.

    The facts are aggregated over every row, without a filter on each aggregate; only when
    some row turns out to have no customer or to be dated after today does a second query
    count those rows and aggregate the facts again over the rows kept. Checks that cannot fail
    for the column's type (a date or timestamp that is not a day, a number that is not
    numeric) are left out of the query.
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
        price = _parse_amounts(t, amount_col, "amount")
        if t[amount_col].type().is_string():
            bad["bad_amount"] = price.isnull() & t[amount_col].notnull()
        bad["nonfinite_amount"] = _non_finite(t, price)
        columns["amount"] = price
        if quantity_col is not None:
            quantity = _parse_amounts(t, quantity_col, "quantity")
            if t[quantity_col].type().is_string():
                bad["bad_quantity"] = quantity.isnull() & t[quantity_col].notnull()
            bad["nonfinite_quantity"] = _non_finite(t, quantity)
            columns["amount"] = price * quantity
            bad["large_amount"] = _non_finite(t, columns["amount"])
    if order_col is not None:
        columns["order_id"] = t[order_col]
    facts = statistics_facts(t, files or [], customer_col, date_col, amount_col, today, MAX_AMOUNT)
    if facts is not None:  # the Parquet statistics settle every check: no scan
        return pd.Series(facts, dtype=object), columns, bad, today
    no_customer = _missing_customer(t[customer_col])
    checks: dict[str, ibis.Value] = {
        "rows": t.count(),
        "no_customer": (
            no_customer.sum() if t[customer_col].type().is_string()
            else t.count() - t[customer_col].count()  # counts of values: from metadata
        ),
        **_facts(t, columns, quality, kept=None, raw_dates=t[date_col]),
    }
    for col in {date_col, amount_col, quantity_col, order_col} - {None}:
        checks[f"null:{col}"] = t.count() - t[col].count()
    for name, flag in bad.items():
        if not name.startswith(("nonfinite_", "large_")):
            checks[name] = flag.sum()
    if amount_col is not None:
        amount = columns["amount"]
        checks["largest_amount"] = amount.abs().max()
        checks["amount_check"] = amount.sum()  # a float sum: NaN or infinite if any value is
    stats = t.aggregate(**checks)
    if quality:
        stats = stats.cross_join(t.distinct().aggregate(distinct_rows=ibis._.count()))
    found = stats.execute().iloc[0].copy()
    found["amount_all"] = found.get("revenue")
    if amount_col is not None:
        # A NaN or infinite amount makes the sum of all amounts NaN or infinite, so the rows
        # are counted only when the sum or the largest amount says some are there.
        # (Pandas shows NULL as NaN too: then the count finds none, and the NULLs are reported.)
        total, largest = (_float(found.get(key)) for key in ("amount_check", "largest_amount"))
        names = [k for k in bad if k.startswith(("nonfinite_", "large_"))]
        counts = (
            t.aggregate(**{k: bad[k].sum() for k in names}).execute().iloc[0]
            if not (math.isfinite(total) and largest <= MAX_AMOUNT) else None
        )
        for key in names:
            found[key] = 0 if counts is None else int(_number(counts, key))
    found["future"], found["future_example"] = 0, None
    last_day = found["last_day"]
    future = last_day is not None and pd.notna(last_day) and pd.Timestamp(last_day).date() > today
    missing = bool(_number(found, "no_customer"))
    if future or missing:
        date = columns["order_date"]
        flags: list[ibis.ir.BooleanValue] = []
        aggs: dict[str, ibis.Value] = {}
        if missing:
            flags.append(~no_customer)
            if "amount" in columns:
                aggs["no_customer_amount"] = money_sum(columns["amount"], where=no_customer)
        if future:
            late = date > ibis.literal(today)
            if missing:
                late = late & ~no_customer
            aggs |= {"future": late.sum(), "future_example": date.min(where=late)}
            flags.append(date <= ibis.literal(today))
        kept = flags[0] if len(flags) == 1 else flags[0] & flags[1]
        again = t.aggregate(**aggs, **_facts(t, columns, quality, kept=kept)).execute().iloc[0]
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
    if "order_id" in columns:
        facts["orders"] = columns["order_id"].nunique(**where)
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
        facts["revenue"] = money_sum(amount, **where)
        facts["zero"] = (amount == 0).sum(**where)
        facts["refunds"] = (amount < 0).sum(**where)
        facts["refund_total"] = money_sum((amount < 0).ifelse(amount, 0.0), **where)
    return facts


def _kept_facts(mapped: ibis.Table, amount_col: str | None) -> pd.Series:
    """The facts about kept orders again, after stray dates were excluded (rare)."""
    aggs: dict[str, ibis.Value] = {
        "kept_rows": mapped.count(),
        "customers": mapped.customer_id.nunique(),
        "first_day": mapped.order_date.min(),
        "last_day": mapped.order_date.max(),
    }
    if "order_id" in mapped.columns:
        aggs["orders"] = mapped.order_id.nunique()
    if amount_col is not None:
        aggs["revenue"] = money_sum(mapped.amount)
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


def _parse_amounts(t: ibis.Table, col: str, role: str) -> ibis.ir.FloatingValue:
    """An expression casting ``col`` to float64 in the engine (null where not numeric).

    ``role`` names the column in the message (``"amount"``, ``"quantity"``).
    """
    dtype = t[col].type()
    if dtype.is_numeric() and not dtype.is_boolean():
        return t[col].cast("float64")
    if not dtype.is_string() or not ibis.get_backend(t).has_operation(ops.TryCast):
        raise GrowthkitError(f"{role} column {col!r} has type {dtype}; expected numbers")
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
    quantity_col: str | None,
    source: Source,
    unit: str,
) -> None:
    if found["rows"] == 0:
        raise GrowthkitError(f"data {redact(source)!r} is empty: no orders found")
    for col in needed:
        if n := int(found[f"null:{col}"]):
            raise GrowthkitError(
                f"column {col!r} has {n:,} empty value(s); expected a value on every {unit}"
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
    if quantity_col is not None and (n := int(_number(found, "bad_quantity"))):
        raise GrowthkitError(
            f"quantity column {quantity_col!r} has {n:,} non-numeric value(s), e.g. "
            f"{_first_bad(t, bad['bad_quantity'], quantity_col)!r}; expected numbers such as "
            "3, or -1 for a return"
        )
    if n := int(found["nonfinite_amount"] or 0):
        raise GrowthkitError(
            f"amount column {amount_col!r} has {n:,} value(s) that are not finite or beyond "
            f"±{MAX_AMOUNT:.0e}, e.g. {_first_bad(t, bad['nonfinite_amount'], amount_col)!r}; "
            "expected order values such as 12.50"
        )
    if quantity_col is None:
        return
    if n := int(_number(found, "nonfinite_quantity")):
        raise GrowthkitError(
            f"quantity column {quantity_col!r} has {n:,} value(s) that are not finite or beyond "
            f"±{MAX_AMOUNT:.0e}, e.g. "
            f"{_first_bad(t, bad['nonfinite_quantity'], quantity_col)!r}; expected quantities "
            "such as 3, or -1 for a return"
        )
    if n := int(_number(found, "large_amount")):
        raise GrowthkitError(
            f"quantity column {quantity_col!r} × amount column {amount_col!r} is beyond "
            f"±{MAX_AMOUNT:.0e} on {n:,} line(s), e.g. "
            f"{_first_bad(t, bad['large_amount'], quantity_col)!r} × "
            f"{_first_bad(t, bad['large_amount'], amount_col)!r}; expected line values such as "
            "12.50"
        )


def orders(
    source: Source | Orders,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    timezone: str = "UTC",
    *,
    order_col: str | None = None,
    quantity_col: str | None = None,
) -> ibis.Table:
    """Load orders and map them to growthkit's columns, validating as we go.

    The table of :func:`validate_orders`; use that to keep what validation found.

    Parameters
    ----------
    source, customer_col, date_col, amount_col, timezone, order_col, quantity_col
        As in :func:`validate_orders`.

    Returns
    -------
    ibis.Table
        Columns ``customer_id``, ``order_date`` (date), with ``amount_col`` ``amount``
        (float64; quantity × unit price with ``quantity_col``) and with ``order_col``
        ``order_id``.
    """
    return validate_orders(source, customer_col, date_col, amount_col, timezone,
                           order_col=order_col, quantity_col=quantity_col).table


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
        ``customers``, ``orders``, ``lines`` (rows: lines of orders when the table has
        ``order_id``, else the orders again), ``first_date``, ``last_date`` (ISO strings)
        and, when the table has amounts, ``revenue`` and ``zero_amount_orders`` (rows of
        amount 0).
    """
    if isinstance(orders_table, Orders):
        return orders_table.describe()
    t = orders_table
    aggs: dict[str, ibis.Value] = {
        "customers": t.customer_id.nunique(),
        "orders": t.order_id.nunique() if "order_id" in t.columns else t.count(),
        "lines": t.count(),
        "first_date": t.order_date.min(),
        "last_date": t.order_date.max(),
    }
    if "amount" in t.columns:
        aggs["revenue"] = money_sum(t.amount)
        aggs["zero_amount_orders"] = (t.amount == 0).sum()
    row = t.aggregate(**aggs).execute().iloc[0]
    out: dict[str, Any] = {
        "customers": int(row["customers"]),
        "orders": int(row["orders"]),
        "lines": int(row["lines"]),
        "first_date": pd.Timestamp(row["first_date"]).date().isoformat(),
        "last_date": pd.Timestamp(row["last_date"]).date().isoformat(),
    }
    if "amount" in t.columns:
        out["revenue"] = _number(row, "revenue")
        out["zero_amount_orders"] = int(row["zero_amount_orders"])
    return out
