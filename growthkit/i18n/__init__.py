"""Reports in the reader's language: gettext catalogs, Babel formats, bidi isolation.

Every reader-facing string of a report goes through a :class:`Language`:

- words through gettext message catalogs (``growthkit/locale/LANG/LC_MESSAGES/DOMAIN.po``,
  extracted and compiled with Babel: ``make catalogs``), one domain per report plus the shared
  ``growthkit`` domain;
- numbers, percentages, money and dates through Babel, for the report's locale and digits;
- data-derived strings (arm, metric, segment, channel names, customer ids) wrapped in Unicode
  bidi isolates, in every language, so that "change in اشترى: +9.3%" keeps its order;
- chart text shaped for matplotlib, which does no Arabic shaping or bidi itself
  (:func:`chart_text`, with arabic-reshaper and python-bidi).

See "Languages" in ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

from growthkit.escaping import escape, plain_label
from growthkit.i18n.bidi import chart_text, isolate, strip_isolates
from growthkit.i18n.labels import Labels, parse_labels
from growthkit.i18n.language import (
    DIGITS,
    DOMAINS,
    LANGUAGES,
    LOCALE_DIR,
    N_,
    Language,
    as_language,
    check_currency,
    get_language,
)

__all__ = [
    "DIGITS",
    "DOMAINS",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "Labels",
    "Language",
    "as_language",
    "chart_text",
    "check_currency",
    "escape",
    "get_language",
    "isolate",
    "parse_labels",
    "plain_label",
    "strip_isolates",
]
