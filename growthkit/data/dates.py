"""Dates in the engine: parse a column to calendar days in a time zone, per expression.

The conversion of instants (timestamps with an offset, epoch seconds) to the calendar day of
``timezone`` is part of each expression, never a session setting, so two tables loaded with
different time zones keep their own calendar days however their queries interleave.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import pandas as pd

from growthkit.errors import GrowthkitError

__all__ = ["DATE_EXAMPLES", "as_date", "check_timezone", "parse_dates"]

#: What a date column may hold, for error messages.
DATE_EXAMPLES = (
    "dates such as '2024-03-31', '2024-03', '2024-03-31T14:05:00+03:00', 20240331 (YYYYMMDD) "
    "or epoch seconds"
)
# A time of day followed by an offset: "... 14:05[:00[.123]] +03:00 / Z / -0500 / UTC".
_OFFSET = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|UTC|[+-]\d{2}(:?\d{2})?)$"
_YEAR_MONTH = r"^\d{4}-\d{1,2}$"
_UTC = dt.Timestamp(timezone="UTC")


@ibis.udf.scalar.builtin(name="timezone")
def _wall_clock(zone: str, instant: dt.Timestamp(timezone="UTC")) -> dt.timestamp:  # type: ignore[valid-type]
    """DuckDB's and PostgreSQL's ``timezone(zone, timestamptz)``: the wall-clock time in zone."""


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _spark_wall_clock(instant: dt.Timestamp(timezone="UTC"), zone: str) -> dt.timestamp:  # type: ignore[valid-type]
    """Spark's ``from_utc_timestamp(ts, zone)``: the wall-clock time in zone."""


_CONVERTERS: dict[str, Callable[[ibis.Value, str], ibis.Value]] = {
    "duckdb": lambda ts, zone: _wall_clock(zone, ts),
    "postgres": lambda ts, zone: _wall_clock(zone, ts),
    "pyspark": lambda ts, zone: _spark_wall_clock(ts, zone),
}


def check_timezone(timezone: str) -> None:
    """Raise unless ``timezone`` is an IANA time-zone name."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise GrowthkitError(
            f"timezone={timezone!r} is not a known time zone; expected an IANA name such as "
            "'UTC', 'Europe/London' or 'Asia/Riyadh'"
        ) from None


def _local_day(instant: ibis.Value, timezone: str, backend: str) -> ibis.Value:
    """The calendar day in ``timezone`` of an instant (a timestamp with a time zone)."""
    convert = _CONVERTERS.get(backend)
    if convert is not None:
        return convert(instant.cast(_UTC), timezone).date()
    if timezone == "UTC":
        return instant.date()
    raise GrowthkitError(
        f"timezone={timezone!r}: growthkit cannot convert timestamps with an offset on the "
        f"{backend} backend; expected timezone='UTC', or naive local timestamps in the data"
    )


def parse_dates(t: ibis.Table, col: str, timezone: str = "UTC") -> ibis.ir.DateValue:
    """An expression parsing ``col`` to a calendar date in the engine (null where unparsable).

    Parameters
    ----------
    t : ibis.Table
        The table holding ``col``.
    col : str
        A column of dates; timestamps (naive: taken as local wall-clock time; with a time zone:
        converted to ``timezone``); strings holding dates, ``YYYY-MM`` months (the first of the
        month), naive timestamps or timestamps with an offset, mixed freely row by row;
        ``YYYYMMDD`` integers, or epoch seconds or milliseconds.
    timezone : str, default "UTC"
        IANA time zone whose calendar day an instant falls on.

    Returns
    -------
    ibis DateValue
        Null on rows that are not dates, so one aggregate can count them.

    Raises
    ------
    GrowthkitError
        When the column's type cannot hold dates.
    """
    check_timezone(timezone)
    backend = ibis.get_backend(t).name
    value = t[col]
    dtype = value.type()
    if dtype.is_date():
        return value
    if dtype.is_timestamp():
        return value.date() if dtype.timezone is None else _local_day(value, timezone, backend)
    if dtype.is_integer():
        return _integer_dates(value, timezone, backend)
    if not dtype.is_string():
        raise GrowthkitError(f"date column {col!r} has type {dtype}; expected {DATE_EXAMPLES}")
    return _string_dates(t, value, timezone, backend)


def _integer_dates(value: ibis.Value, timezone: str, backend: str) -> ibis.Value:
    """``YYYYMMDD`` (8 digits from 10000101), else epoch seconds (up to 11 digits, 0 included:
    1970-01-01) or milliseconds (12-13 digits)."""
    text = value.cast("string")
    iso = text.substr(0, 4) + "-" + text.substr(4, 2) + "-" + text.substr(6, 2)
    seconds = _local_day(value.as_timestamp("s"), timezone, backend)
    millis = _local_day(value.as_timestamp("ms"), timezone, backend)
    return ibis.cases(
        (value.between(10000101, 99991231), iso.try_cast("date")),
        (value.between(0, 10**11 - 1), seconds),
        (value.between(10**11, 10**14 - 1), millis),
        else_=ibis.null("date"),
    )


def _string_dates(t: ibis.Table, value: ibis.Value, timezone: str, backend: str) -> ibis.Value:
    text = value.strip()
    month = (text + "-01").try_cast("date") if _can_try_cast(t) else (text + "-01").cast("date")
    if not _can_try_cast(t):  # e.g. SQLite: no TRY_CAST, and no offsets to convert
        return ibis.cases((text.re_search(_YEAR_MONTH), month), else_=text.cast("timestamp").date())
    return ibis.cases(
        (text.re_search(_YEAR_MONTH), month),
        (text.re_search(_OFFSET), _local_day(text.try_cast(_UTC), timezone, backend)),
        else_=text.try_cast("timestamp").date(),
    )


def _can_try_cast(t: ibis.Table) -> bool:
    return ibis.get_backend(t).has_operation(ops.TryCast)


def as_date(value: object, name: str) -> _dt.date | None:
    """Read a date parameter: a date, ``"YYYY-MM-DD"``, ``"YYYYMMDD"`` or ``YYYYMMDD``.

    Parameters
    ----------
    value : date-like, str, int or None
        The parameter's value; None (or NaT) means "not given".
    name : str
        The parameter's name, for the message.

    Returns
    -------
    datetime.date or None

    Raises
    ------
    GrowthkitError
        Naming the parameter, for anything else (an int that is not YYYYMMDD is not read as
        nanoseconds since 1970).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise GrowthkitError(
            f"{name}={value!r} is not a date; expected a date such as '1997-09-30'"
        )
    text = str(value).strip()
    if isinstance(value, str) and not re.fullmatch(r"\d{8}|\d{4}-\d{1,2}-\d{1,2}([T ].*)?", text):
        raise GrowthkitError(
            f"{name}={value!r} is not a date{date_readings(text)}; expected 'YYYY-MM-DD' or "
            "YYYYMMDD such as '1997-09-30' or 19970930"
        )
    if isinstance(value, int) or re.fullmatch(r"\d{8}", text):
        if not re.fullmatch(r"\d{8}", text):
            raise GrowthkitError(
                f"{name}={value!r} is not a date; expected 'YYYY-MM-DD' or YYYYMMDD such as "
                "'1997-09-30' or 19970930"
            )
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        stamp = pd.Timestamp(text if isinstance(value, str | int) else value)
    except (ValueError, TypeError, OverflowError):
        raise GrowthkitError(
            f"{name}={value!r} is not a date; expected a date such as '1997-09-30'"
        ) from None
    if pd.isna(stamp):
        return None
    return stamp.date()


def check_day_month_order(con: Any, path: str) -> None:
    """Stop on a CSV whose dates read both day-first and month-first (``01/06/2024``).

    DuckDB's CSV sniffer picks one order without a word. When every value of a date column it
    read as ``DD/MM`` or ``MM/DD`` would also parse the other way (no day above 12 on either
    side), the dates are ambiguous and this raises, showing both readings of one value.

    Parameters
    ----------
    con : duckdb connection or Ibis DuckDB backend
        The engine that read the file (``.raw_sql`` or ``.sql`` returning rows).
    path : str
        The CSV file or glob.

    Raises
    ------
    GrowthkitError
        Naming the column, a value, its two readings and what to do.
    """
    quoted = path.replace("'", "''")
    sniffed = _rows(con, f"SELECT DateFormat, TimestampFormat, Columns FROM sniff_csv('{quoted}')")
    formats = [f for f in sniffed[0][:2] if f] if sniffed else []
    order = next((f for f in formats if re.search(r"%[dm]\W%[dm]", f)), None)
    if order is None:
        return
    columns = [c["name"] for c in sniffed[0][2] if c["type"] in ("DATE", "TIMESTAMP")]
    sep = re.search(r"%[dm](\W)%[dm]", order).group(1)
    for column in columns:
        name = '"' + column.replace('"', '""') + '"'
        first = f"TRY_CAST(split_part({name}, '{sep}', 1) AS INTEGER)"
        second = f"TRY_CAST(split_part({name}, '{sep}', 2) AS INTEGER)"
        found = _rows(con, (
            f"SELECT max({first}), max({second}), any_value({name}) FILTER "
            f"(WHERE {first} <> {second}) FROM read_csv('{quoted}', all_varchar = true)"
        ))
        high_first, high_second, example = found[0]
        if high_first is None or high_first > 12 or high_second > 12 or example is None:
            continue
        a, b, rest = example.split(sep, 2)
        year = rest[:4]
        raise GrowthkitError(
            f"date column {column!r} is ambiguous: {example!r} reads as {year}-{a:0>2}-{b:0>2} "
            f"(month first) or {year}-{b:0>2}-{a:0>2} (day first), and no value settles it; "
            "expected ISO dates (YYYY-MM-DD): convert the column, e.g. in pandas "
            "pd.to_datetime(df[col], dayfirst=True).dt.date"
        )


def _rows(con: Any, sql: str) -> list[tuple]:
    """Rows of a SQL query on DuckDB, through Ibis's backend or a duckdb connection."""
    raw = getattr(con, "con", con)  # the Ibis DuckDB backend wraps its duckdb connection
    return raw.sql(sql).fetchall()


def date_readings(text: object) -> str:
    """For ``01/06/2024``: `` (it reads as 2024-01-06 month first or 2024-06-01 day first)``.

    Empty for text that is not a day and month in either order, so it can end any message about
    a date that is not ISO.
    """
    found = re.fullmatch(r"\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4})\s*", str(text))
    if not found:
        return ""
    a, _sep, b, year = found.groups()
    readings = []
    for label, month, day in (("month first", a, b), ("day first", b, a)):
        try:
            readings.append(f"{_dt.date(int(year), int(month), int(day)).isoformat()} {label}")
        except ValueError:
            continue
    return f" (it reads as {' or '.join(readings)})" if readings else ""
