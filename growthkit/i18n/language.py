"""A report's language: its gettext catalog, its locale's formats and its digits."""

from __future__ import annotations

import datetime as dt
import gettext
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import (
    format_compact_currency,
    format_currency,
    format_decimal,
    format_percent,
    list_currencies,
)

from growthkit.errors import GrowthkitError
from growthkit.escaping import escape
from growthkit.i18n.bidi import isolate
from growthkit.i18n.labels import Labels, parse_labels

__all__ = [
    "DIGITS",
    "DOMAINS",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "Language",
    "as_language",
    "check_currency",
    "get_language",
]

#: Where the compiled catalogs live: ``LOCALE_DIR/LANG/LC_MESSAGES/DOMAIN.mo``.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

#: The languages reports are written in (the catalogs that exist), English first.
LANGUAGES = ("en", "ar")

#: One gettext domain per report, plus ``growthkit`` for what all reports share.
DOMAINS = ("growthkit", "clv", "abtest", "cohorts", "subscriptions")

#: ``digits`` options: the locale's own digits, Latin digits (0-9) or Arabic-Indic (٠-٩).
DIGITS = {"locale": "default", "latin": "latn", "arabic": "arab"}

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_NBSP = "\u00a0"
#: A currency symbol with Latin letters ("US$", "UK£", "JP¥") or a Latin code ("GBP"): kept in
#: its own order inside right-to-left text by a left-to-right isolate.
_CURRENCY_SIGNS = "$£¥€₹₩₽₺₪₫₴₦₱¢₡₵₲₸₼₾"
_LATIN_SYMBOL = re.compile(rf"[A-Za-z]*[{_CURRENCY_SIGNS}][A-Za-z]*|[A-Z]{{3}}")
_DASH = "–"


def N_(message: str) -> str:
    """Mark a message for extraction without translating it (translate where it is shown)."""
    return message


def check_currency(currency: object) -> str:
    """Return ``currency`` as an upper-case ISO 4217 code, or raise naming what was found.

    Parameters
    ----------
    currency : object
        The ``currency`` parameter, e.g. ``"USD"``, ``"sar"``.

    Returns
    -------
    str

    Raises
    ------
    GrowthkitError
        When it is not a currency code Babel knows.
    """
    code = str(currency).strip().upper()
    if code not in list_currencies():
        raise GrowthkitError(
            f"currency={currency!r} is not an ISO 4217 currency code; expected a code such as "
            "'USD', 'EUR', 'SAR', 'AED' or 'EGP'"
        )
    return code


def get_language(
    language: str | Language = "en", *, digits: str = "locale", domain: str = "growthkit"
) -> Language:
    """The :class:`Language` for a report's ``language`` and ``digits`` parameters.

    Parameters
    ----------
    language : str or Language, default "en"
        ``"en"`` or ``"ar"``, optionally with a region for the formats (``"ar_SA"``,
        ``"ar-EG"``). A :class:`Language` is returned for ``domain``.
    digits : {"locale", "latin", "arabic"}, default "locale"
        The digits numbers are written with: the locale's own, Latin 0-9 (which many Arabic
        business readers use) or Arabic-Indic.
    domain : str, default "growthkit"
        The catalog the report's words come from (its name), falling back to ``growthkit``.

    Returns
    -------
    Language

    Raises
    ------
    GrowthkitError
        For a language without a catalog, an unknown locale, or an unknown ``digits`` option.
    """
    if isinstance(language, Language):
        return language.for_domain(domain)
    text = str(language).strip().replace("-", "_")
    try:
        locale = Locale.parse(text)
    except (ValueError, TypeError, UnknownLocaleError):
        locale = None
    if locale is None or locale.language not in LANGUAGES:
        raise GrowthkitError(
            f"language={language!r} is not a report language; expected one of "
            f"{', '.join(map(repr, LANGUAGES))} (optionally with a region, such as 'ar_SA')"
        )
    if digits not in DIGITS:
        raise GrowthkitError(
            f"digits={digits!r} is not a valid option; expected one of "
            f"{', '.join(map(repr, DIGITS))}"
        )
    if domain not in DOMAINS:
        raise GrowthkitError(f"domain={domain!r} is not a catalog; expected one of {DOMAINS}")
    return Language(str(locale), digits, domain)


def as_language(language: Language | str | None = None, domain: str = "growthkit") -> Language:
    """The one way a function turns its ``language`` argument into a :class:`Language`.

    Parameters
    ----------
    language : Language, str or None
        A :class:`Language` (kept, with ``domain``'s words), a locale id (``"ar_SA"``) or None
        (English).
    domain : str, default "growthkit"
        The catalog the words come from (the report's name).

    Returns
    -------
    Language
    """
    return get_language("en" if language is None else language, domain=domain)


@cache
def _translations(domain: str, language: str) -> gettext.NullTranslations:
    """The catalog of ``domain``, falling back to ``growthkit``'s, then to the English id."""
    found = gettext.translation(domain, LOCALE_DIR, languages=[language], fallback=True)
    if domain != "growthkit":
        found.add_fallback(_translations("growthkit", language))
    return found


@dataclass(frozen=True)
class Language:
    """Words and formats of one report language (build it with :func:`get_language`).

    Every formatting method returns text for a reader: rounded, grouped, in the locale's
    digits. In a right-to-left language, numbers are isolated (a sign or percent sign stays on
    the right side of its number). Data-derived strings go through :meth:`data` (Markdown) or
    :meth:`isolate`.
    """

    locale_id: str = "en"
    digits: str = "locale"
    domain: str = "growthkit"
    labels: Labels = field(default_factory=Labels)

    # -- identity ----------------------------------------------------------------------------
    @cached_property
    def locale(self) -> Locale:
        """The Babel locale."""
        return Locale.parse(self.locale_id)

    @property
    def code(self) -> str:
        """The language code, ``"en"`` or ``"ar"`` (``<html lang>``)."""
        return self.locale.language

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.locale.character_order == "right-to-left"

    @property
    def direction(self) -> str:
        """``"rtl"`` or ``"ltr"`` (``<html dir>``)."""
        return "rtl" if self.rtl else "ltr"

    def for_domain(self, domain: str) -> Language:
        """The same language, digits and labels, with the words of another catalog."""
        return replace(get_language(self.locale_id, digits=self.digits, domain=domain),
                       labels=self.labels)

    def with_labels(self, labels: Any) -> Language:
        """The same language with display names for data values (see :func:`parse_labels`)."""
        return replace(self, labels=parse_labels(labels, self.code))

    def name(self, value: object, column: str | None = None) -> str:
        """The display name of a data value (``labels``), else the value as it is."""
        return self.labels.name(value, column)

    # -- words -------------------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        """The translation of ``message`` (itself when the catalog has none)."""
        return _translations(self.domain, self.code).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The translation for a count (Arabic has six plural forms)."""
        return _translations(self.domain, self.code).ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """The translation of ``message`` in ``context`` (for short, ambiguous words)."""
        return _translations(self.domain, self.code).pgettext(context, message)

    # -- bidi --------------------------------------------------------------------------------
    @staticmethod
    def isolate(text: object) -> str:
        """``text`` in bidi isolates (see :func:`growthkit.i18n.isolate`)."""
        return isolate(text)

    def data(self, value: object, column: str | None = None) -> str:
        """A data-derived value for Markdown: its display name, escaped, then bidi-isolated."""
        return isolate(escape(self.name(value, column)))

    def _number_text(self, text: str) -> str:
        if self._system == "arab":  # Babel's compact formats keep Latin digits (Babel 2.18)
            text = text.translate(_ARABIC_INDIC)
        return isolate(text) if self.rtl else text

    @property
    def _system(self) -> str:
        """The Babel numbering system: the locale's default resolved to its name."""
        if self.digits == "locale":
            return self.locale.default_numbering_system
        return DIGITS[self.digits]

    # -- numbers -----------------------------------------------------------------------------
    def number(self, value: float | None, decimals: int = 0) -> str:
        """``12,345`` or ``3.14`` (``decimals`` places), grouped; a dash when undefined."""
        if value is None or not math.isfinite(value):
            return _DASH
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        text = format_decimal(
            value, format=pattern, locale=self.locale, numbering_system=self._system
        )
        return self._number_text(text)

    def significant(self, value: float | None, digits: int = 3) -> str:
        """``0.243``, ``1.57``, ``3,540``: ``digits`` significant digits, grouped."""
        if value is None or not math.isfinite(value):
            return _DASH
        if value == 0:
            return self.number(0)
        magnitude = math.floor(math.log10(abs(value)))
        return self.number(value, max(digits - 1 - magnitude, 0))

    def percent(self, value: float | None, decimals: int = 1, *, signed: bool = False) -> str:
        """``12.3%`` (``+12.3%`` when ``signed``); ``n/a`` when undefined."""
        if value is None or not math.isfinite(value):
            return self.gettext("n/a")
        body = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
        pattern = f"+{body};-{body}" if signed else body
        text = format_percent(
            value, format=pattern, locale=self.locale, numbering_system=self._system
        )
        return self._number_text(text)

    def probability(self, value: float | None) -> str:
        """``97.3%``, with ``>99.9%`` and ``<0.1%`` at the ends so no chance reads as certain."""
        if value is None or not math.isfinite(value):
            return self.gettext("n/a")
        if value > 0.999:
            return self._number_text(">" + strip(self.percent(0.999)))
        if value < 0.001:
            return self._number_text("<" + strip(self.percent(0.001)))
        return self.percent(value)

    def small_share(self, value: float | None) -> str:
        """``0.42%``, or ``<0.01%`` for a positive share too small to show."""
        if value is None or not math.isfinite(value):
            return self.gettext("n/a")
        if 0 < value < 0.0001:
            return self._number_text("<" + strip(self.percent(0.0001, 2)))
        return self.percent(value, 2)

    def pvalue(self, value: float | None) -> str:
        """A p-value for readers: ``< 0.001``, else three decimals (``0.023``)."""
        if value is None or not math.isfinite(value):
            return self.gettext("n/a")
        if value < 0.001:
            return self._number_text("<\u00a0" + strip(self.number(0.001, 3)))
        return self.number(value, 3)

    def money(self, value: float | None, currency: str, *, compact: bool = True) -> str:
        """Money in the report's locale: ``$702K``, ``SAR 30.5K``, ``702 ألف US$``.

        With ``compact`` (the default), amounts from 1,000 are shortened to three significant
        digits and amounts from 100 are whole units; below 100 they show cents. Spaces are
        non-breaking, so a table cell never wraps inside an amount.
        """
        if value is None or not math.isfinite(value):
            return _DASH
        system = self._system
        if compact and abs(value) >= 1000:
            magnitude = math.floor(math.log10(abs(value))) % 3
            text = format_compact_currency(
                value, currency, locale=self.locale, fraction_digits=max(2 - magnitude, 0),
                numbering_system=system,
            )
        else:
            whole = compact and abs(value) >= 100
            pattern = self.locale.currency_formats["standard"].pattern
            text = format_currency(
                round(value) if whole else value, currency, locale=self.locale,
                format=pattern.replace(".00", "") if whole else None,
                currency_digits=not whole, numbering_system=system,
            )
        return self._money_text(text)

    def money_column(self, values: Iterable[float | None], currency: str) -> list[str]:
        """Money for one table column: one unit and one precision for every cell.

        :meth:`money` picks each amount's own unit and digits (``$527``, ``$1.03K``), which
        mixes precisions down a column. Here the column decides: when every non-zero amount has
        the same compact unit (all thousands, all millions), each is written in that unit with
        the decimals that give the smallest three significant digits (``$1.08K``,
        ``$11.23K``); otherwise whole units with grouping when the largest amount reaches 100
        (``$527``, ``$1,034``), and cents below that (``$5.99``, ``$12.69``).

        Parameters
        ----------
        values : iterable of float or None
        currency : str
            ISO 4217 code.

        Returns
        -------
        list of str
            A dash for a missing or non-finite amount.
        """
        amounts = [None if v is None or not math.isfinite(float(v)) else float(v) for v in values]
        present = [abs(v) for v in amounts if v is not None and v != 0]
        if not present:
            return [self.money(v, currency, compact=False) if v is not None else _DASH
                    for v in amounts]
        groups = {math.floor(math.log10(v)) // 3 for v in present}
        if len(groups) == 1 and min(groups) >= 1 and len(present) == sum(
            v is not None for v in amounts
        ):
            within = min(math.floor(math.log10(v)) % 3 for v in present)
            digits = max(2 - within, 0)
            return [
                _DASH if v is None else self._money_text(self._pad(format_compact_currency(
                    v, currency, locale=self.locale, fraction_digits=digits,
                    numbering_system=self._system,
                ), digits))
                for v in amounts
            ]
        whole = max(present) >= 100
        pattern = self.locale.currency_formats["standard"].pattern
        return [
            _DASH if v is None else self._money_text(format_currency(
                round(v) if whole else v, currency, locale=self.locale,
                format=pattern.replace(".00", "") if whole else None,
                currency_digits=not whole, numbering_system=self._system,
            ))
            for v in amounts
        ]

    def _pad(self, text: str, digits: int) -> str:
        """``text``'s first number with exactly ``digits`` decimals (Babel's compact formats
        drop trailing zeros: ``$10.1K`` for ``$10.10K``)."""
        if digits == 0:
            return text
        point = self.locale.number_symbols.get(self._system, {}).get("decimal", ".")
        found = re.search(rf"(\d+)(?:{re.escape(point)}(\d+))?", text)
        if found is None:
            return text
        decimals = (found.group(2) or "").ljust(digits, "0")
        return f"{text[:found.start()]}{found.group(1)}{point}{decimals}{text[found.end():]}"

    def _money_text(self, text: str) -> str:
        """Babel's money text with CLDR spacing, isolated symbols and non-breaking spaces."""
        text = re.sub(r"^([-+]?[A-Z]{2,3}\$?)(?=\d)", r"\1 ", text)  # CLDR currency spacing
        if self.rtl:  # a Latin symbol keeps its order inside right-to-left text: "US$", not "$US"
            text = _LATIN_SYMBOL.sub(lambda found: f"\u2066{found.group(0)}\u2069", text)
        return self._number_text(text.replace(" ", _NBSP).replace("\u202f", _NBSP))

    def date(self, value: dt.date | str | None, format: str = "long") -> str:
        """``September 30, 1997`` / ``30 سبتمبر 1997``; a dash when missing."""
        if value is None or value == "":
            return _DASH
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        text = format_date(value, format=format, locale=self.locale)
        if self._system == "arab":
            text = text.translate(_ARABIC_INDIC)
        elif self._system == "latn":
            text = text.translate({ord(a): str(i) for i, a in enumerate("٠١٢٣٤٥٦٧٨٩")})
        return self._number_text(text)

    def join(self, items: list[str], style: str = "standard") -> str:
        """``a, b and c`` / ``a وb وc`` (``style="or"`` for alternatives)."""
        return format_list(list(items), style=style, locale=self.locale)


def strip(text: str) -> str:
    """``text`` without bidi controls (to build a new number text from a formatted one)."""
    from growthkit.i18n.bidi import strip_isolates

    return strip_isolates(text)
