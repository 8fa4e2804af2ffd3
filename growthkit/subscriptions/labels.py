"""Names the report's tables, sentences and charts share: months, quarters, groups, states.

A low module (no sentence, no table): :mod:`growthkit.subscriptions.tables`,
:mod:`growthkit.subscriptions.narrative` and :mod:`growthkit.plots.subscriptions` import these
from here, so none of them imports another.
"""

from __future__ import annotations

import datetime as dt

from growthkit.i18n import Language, as_language
from growthkit.subscriptions.migration import CANCELLED
from growthkit.subscriptions.mrr import month_label
from growthkit.subscriptions.retention import ALL

__all__ = [
    "DOMAIN",
    "first_of",
    "group_name",
    "group_plain",
    "month_name",
    "quarter_name",
    "state_name",
    "words",
]

#: The report's gettext domain (``growthkit/locale/LANG/LC_MESSAGES/subscriptions.po``).
DOMAIN = "subscriptions"


def words(lang: Language | str | None = None) -> Language:
    """``lang`` with the subscriptions catalog (English when None)."""
    return as_language(lang, domain=DOMAIN)


def first_of(label: str) -> dt.date:
    """The first day of the month ``"2024-11"``."""
    year, month = label.split("-")
    return dt.date(int(year), int(month), 1)


def month_name(label: str | int, lang: Language | None = None, *, short: bool = False) -> str:
    """``"2024-11"`` (or a month key) -> ``"November 2024"`` (``"Nov 2024"`` when ``short``)
    in the report's language."""
    lang = words(lang)
    if not isinstance(label, str):
        label = month_label(label)
    return lang.date(first_of(label), "MMM y" if short else "MMMM y")


def quarter_name(label: str, lang: Language | None = None) -> str:
    """``"2024-Q1"`` -> ``"Q1 2024"`` / ``"الربع الأول 2024"``; other text isolated as is."""
    lang = words(lang)
    try:
        year, quarter = label.split("-Q")
        return lang.date(dt.date(int(year), 3 * int(quarter) - 2, 1), "QQQ y")
    except ValueError:
        return lang.isolate(label)


def group_name(name: str, lang: Language | None = None) -> str:
    """A retention-model group for a table cell: "all customers" translated, a plan isolated."""
    lang = words(lang)
    return lang.gettext("all customers") if name == ALL else lang.isolate(name)


def group_plain(name: str, lang: Language) -> str:
    """A group's name as text: "all customers" translated, a plan as typed."""
    return lang.gettext("all customers") if name == ALL else str(name)


def state_name(state: str, lang: Language | None = None) -> str:
    """A plan-migration state for a table or chart: "cancelled" translated, a plan isolated."""
    lang = words(lang)
    return lang.pgettext("plan state", "cancelled") if state == CANCELLED else lang.isolate(state)
