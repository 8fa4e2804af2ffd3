"""Report parameters: names checked against the notebook, ``-p`` text typed by each default.

papermill types ``-p`` text on its own (``false`` stays the text ``'false'``, which is truthy;
``20250331`` becomes an int). growthkit types it by the parameter's default in the notebook's
parameters cell instead, so a value either means what the notebook expects or stops the run
with one line that names the parameter, the value and what was expected.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from growthkit.errors import GrowthkitError

__all__ = [
    "AUTO",
    "DATE_SUFFIXES",
    "EXPORT_SUFFIX",
    "check_names",
    "from_text",
    "is_date_parameter",
    "is_export_parameter",
    "normalised",
]

#: Parameters whose name ends so hold a calendar day (``calibration_end``, ``start_date``).
DATE_SUFFIXES = ("_end", "_date")
#: Parameters whose name ends so name a file the report exports into the output folder
#: (``segments_csv``, ``results_csv``, ``cohorts_csv``): a plain file name.
EXPORT_SUFFIX = "_csv"
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
_NONE = {"None", "none"}
_ISO_DAY, _COMPACT_DAY = re.compile(r"\d{4}-\d{2}-\d{2}"), re.compile(r"\d{8}")
#: A date parameter's value that lets the report choose the date from the data.
AUTO = "auto"
_DATE_EXPECTED = (
    "expected a date as YYYY-MM-DD or YYYYMMDD (such as 2025-03-31), 'auto' where the report "
    "chooses it, or None"
)
_NOT_A_LITERAL = object()


def is_date_parameter(name: str) -> bool:
    """Whether parameter ``name`` holds a date (its name ends in ``_end`` or ``_date``)."""
    return name.endswith(DATE_SUFFIXES)


def is_export_parameter(name: str) -> bool:
    """Whether parameter ``name`` names an export (its name ends in ``_csv``)."""
    return name.endswith(EXPORT_SUFFIX)


def check_names(report: str, declared: Mapping[str, Any], names: Any) -> None:
    """Raise naming the first of ``names`` that report ``report`` does not declare.

    Parameters
    ----------
    report : str
        The report, for the message.
    declared : mapping
        The notebook's parameters (from :func:`papermill.inspect_notebook`).
    names : iterable of str
        The parameters given.

    Raises
    ------
    GrowthkitError
        ``clv: unknown parameter 'x'; clv takes: data, customer_col, ...``
    """
    for key in names:
        if key not in declared:
            raise GrowthkitError(
                f"{report}: unknown parameter {key!r}; {report} takes: "
                f"{', '.join(declared) or 'none'}"
            )


def from_text(report: str, name: str, text: str, default_source: str) -> Any:
    """Type the text of ``-p NAME VALUE`` by the type of the parameter's default.

    Parameters
    ----------
    report : str
        The report, for the message.
    name : str
        The parameter.
    text : str
        The value as typed on the command line.
    default_source : str
        The default's source text in the parameters cell (``inspect_notebook``'s ``default``).

    Returns
    -------
    object
        A date parameter (see :func:`is_date_parameter`): ``"YYYY-MM-DD"`` or None. Otherwise,
        by the default's type: bool from ``true/false/yes/no/1/0`` (any case); int; float (a
        whole number is accepted); str kept as typed, except ``None``/``none`` for None; a
        list, tuple or dict from its literal; papermill's own typing when the default is None.

    Raises
    ------
    GrowthkitError
        ``abtest: -p alpha five: expected a number such as 0.05``.
    """
    shown = f"{report}: -p {name} {text}"
    if is_date_parameter(name):
        if text.strip().lower() == AUTO:
            return AUTO
        return _day(None if text in _NONE else text, shown)
    default = _literal(default_source)
    if isinstance(default, bool):
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise GrowthkitError(f"{shown}: expected true or false (also yes/no or 1/0)")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise GrowthkitError(
                f"{shown}: expected a whole number such as {default_source}"
            ) from None
    if isinstance(default, float):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):  # nan and inf parse, but are no setting anyone means
            raise GrowthkitError(f"{shown}: expected a number such as {default_source}")
        return value
    if isinstance(default, str):
        return None if text in _NONE else text
    if default is None or default is _NOT_A_LITERAL:
        # papermill's own -p typing; its command-line module (click) is loaded only here
        from papermill.cli import _resolve_type

        return _resolve_type(text)
    kind = type(default)
    value = _literal(text)
    if not isinstance(value, kind):
        raise GrowthkitError(f"{shown}: expected a {kind.__name__} such as {default_source}")
    return value


def normalised(report: str, name: str, value: Any) -> Any:
    """A value given from Python, kept as it is except that dates become ``"YYYY-MM-DD"``.

    Parameters
    ----------
    report : str
        The report, for the message.
    name : str
        The parameter.
    value : object
        The value, already typed.

    Returns
    -------
    object
        ``value``; for a date parameter ``"2025-03-31"`` from ``"2025-03-31"``, ``"20250331"``,
        ``20250331``, ``date(2025, 3, 31)`` or a datetime at midnight, or None.

    Raises
    ------
    GrowthkitError
        For a date parameter holding anything else.
    """
    if not is_date_parameter(name) or value is None:
        return value
    shown = f"{report}: parameter {name}={value!r}"
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise GrowthkitError(f"{shown}: {_DATE_EXPECTED}; a time of day is not allowed")
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return _day(str(value), shown)
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return AUTO  # the report chooses the date from the data (e.g. clv's calibration_end)
    if isinstance(value, str):
        return _day(None if value in _NONE else value, shown)
    raise GrowthkitError(f"{shown}: {_DATE_EXPECTED}")


def _day(text: str | None, shown: str) -> str | None:
    """``YYYY-MM-DD`` or ``YYYYMMDD`` as ``"YYYY-MM-DD"`` (None stays None), or raise."""
    if text is None:
        return None
    text = text.strip()
    if _ISO_DAY.fullmatch(text) or _COMPACT_DAY.fullmatch(text):
        digits = text.replace("-", "")
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
        except ValueError:
            raise GrowthkitError(f"{shown}: not a calendar day; {_DATE_EXPECTED}") from None
    from growthkit.data.dates import date_readings  # the data layer: pandas and Ibis

    raise GrowthkitError(f"{shown} is not ISO{date_readings(text)}: {_DATE_EXPECTED}")


def _literal(source: str) -> Any:
    """The value of a literal's source text, or a marker when it is not a literal."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_A_LITERAL
