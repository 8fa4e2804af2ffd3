"""The A/B-test report's shared formats: lifts, intervals, p-values and test names in words.

Shared by the sentences (:mod:`growthkit.abtest.narrative`) and the tables
(:mod:`growthkit.abtest.tables`). Every function takes the report's
:class:`~growthkit.i18n.Language` and returns plain text in it: numbers rounded and grouped in
the locale's digits, p-values as ``< 0.001`` or three decimals, test codes (``ztest``,
``cuped``...) as names a reader knows. Data-derived strings are not touched here; the callers
isolate them.
"""

from __future__ import annotations

import pandas as pd

from growthkit.i18n import N_, Language, as_language, isolate, strip_isolates
from growthkit.numeric import finite

__all__ = [
    "BAYES_METHODS",
    "CORRECTIONS",
    "TEST_METHODS",
    "binary",
    "ci_text",
    "difference_text",
    "effect_text",
    "interval_name",
    "lift_text",
    "method_name",
    "p_text",
    "posterior_name",
    "relative",
    "value_text",
]

#: What each ``method`` code of :func:`growthkit.abtest.compare` is called in a report.
TEST_METHODS = {
    "ztest": N_("two-proportion z-test"),
    "welch": N_("Welch's t-test"),
    "cuped": N_("Welch's t-test, CUPED-adjusted"),
    "delta": N_("delta-method ratio test"),
}
#: What each ``method`` of :func:`growthkit.abtest.bayesian_view` is called in a report.
BAYES_METHODS = {
    "beta-binomial": N_("beta-binomial"),
    "normal": N_("normal approximation"),
    "none": N_("none (no test possible)"),
}
#: The multiple-comparison corrections, as a sentence names them.
CORRECTIONS = {
    "holm": N_("Holm's method"),
    "bh": N_("the Benjamini-Hochberg procedure (false discovery rate)"),
    "bonferroni": N_("the Bonferroni correction"),
}


def binary(row: pd.Series) -> bool:
    """Whether the row's metric is a 0/1 conversion (a rate)."""
    return str(row["method"]).startswith("ztest")


def relative(row: pd.Series) -> bool:
    """Whether the row's effect reads as a relative lift (else as an absolute difference)."""
    return finite(row["rel_lift"])


def method_name(method: str, lang: Language) -> str:
    """``"Welch's t-test, CUPED-adjusted"`` for ``"cuped"``; always-valid for ``*-sequential``."""
    code, _, suffix = str(method).partition("-")
    if code not in TEST_METHODS:
        return str(method)
    name = lang.gettext(TEST_METHODS[code])
    if suffix == "sequential":
        return lang.gettext("{test}, always-valid").format(test=name)
    return name


def posterior_name(method: str, lang: Language) -> str:
    """The Bayesian view's model in words (``"beta-binomial"``, ``"normal approximation"``)."""
    return lang.gettext(BAYES_METHODS[method]) if method in BAYES_METHODS else str(method)


def interval_name(alpha: float, sequential: bool = False, lang: Language | None = None) -> str:
    """``"95% CI"``, or ``"95% always-valid CI"`` for confidence sequences."""
    lang = as_language(lang, domain="abtest")
    level = lang.percent(1 - alpha, 0)
    if sequential:
        return lang.gettext("{level} always-valid CI").format(level=level)
    return lang.gettext("{level} CI").format(level=level)


def p_text(p: float, lang: Language, adjusted: bool = False) -> str:
    """``p = 0.023``, ``p < 0.001`` (``adjusted p ...`` when ``adjusted``); ``p n/a``."""
    shown = lang.pvalue(p)
    below = finite(p) and p < 0.001  # "p < 0.001", not "p = < 0.001"
    if adjusted:
        text = lang.gettext("adjusted p {p}") if below else lang.gettext("adjusted p = {p}")
    else:
        text = lang.gettext("p {p}") if below else lang.gettext("p = {p}")
    return text.format(p=shown)


def _signed(text: str, value: float, lang: Language) -> str:
    """``text`` (a formatted amount) with a ``+`` in front of a positive value."""
    if value > 0:
        text = "+" + strip_isolates(text)
        return isolate(text) if lang.rtl else text
    return text


def value_text(
    row: pd.Series, x: float, lang: Language, currency: str | None, *, compact: bool = True
) -> str:
    """A mean: a rate for 0/1 metrics, an amount (in the currency when given) otherwise.

    ``compact`` amounts suit a sentence (``$1.03K``, ``$527``, ``$5.99``); a table column
    passes False, so every amount in it has the currency's own decimals (``$1,034.18``,
    ``$527.40``, ``$5.99``): one precision down the column, whatever the scale of each row.
    """
    if not finite(x):
        return lang.gettext("n/a")
    if binary(row):
        return lang.percent(x, 2)
    return lang.money(x, currency, compact=compact) if currency else lang.significant(x, 3)


def difference_text(
    row: pd.Series, x: float, lang: Language, currency: str | None, *, compact: bool = True
) -> str:
    """A signed absolute difference: percentage points for rates, else the metric's units
    (``compact`` as in :func:`value_text`)."""
    if not finite(x):
        return lang.gettext("n/a")
    if binary(row):
        points = _signed(lang.number(x * 100, 2), x, lang)
        return lang.gettext("{points} pp").format(points=points)
    amount = lang.money(x, currency, compact=compact) if currency else lang.significant(x, 3)
    return _signed(amount, x, lang)


def lift_text(
    row: pd.Series, lang: Language, currency: str | None = None, *, compact: bool = True
) -> str:
    """``+25.9%``; the absolute difference when there is no relative lift; ``n/a`` if neither
    (``compact`` as in :func:`value_text`)."""
    if relative(row):
        return lang.percent(row["rel_lift"], signed=True)
    return difference_text(row, row["abs_diff"], lang, currency, compact=compact)


def ci_text(
    row: pd.Series, lang: Language, currency: str | None = None, *, compact: bool = True
) -> str:
    """``+16.7% to +35.0%`` on the scale :func:`lift_text` uses; ``n/a`` without a test."""
    if relative(row):
        low, high = row["rel_ci_low"], row["rel_ci_high"]
        if finite(low) and finite(high):
            return lang.gettext("{low} to {high}").format(
                low=lang.percent(low, signed=True), high=lang.percent(high, signed=True)
            )
        return lang.gettext("n/a")
    low, high = row["abs_ci_low"], row["abs_ci_high"]
    if finite(low) and finite(high):
        return lang.gettext("{low} to {high}").format(
            low=difference_text(row, low, lang, currency, compact=compact),
            high=difference_text(row, high, lang, currency, compact=compact),
        )
    return lang.gettext("n/a")


def effect_text(row: pd.Series, level: str, lang: Language, currency: str | None = None) -> str:
    """``+25.9% (95% CI +16.7% to +35.0%, adjusted p < 0.001)``, plain text.

    The relative lift when there is one; with a control mean of 0, the absolute difference.
    """
    values = {
        "lift": lift_text(row, lang, currency), "level": level,
        "interval": ci_text(row, lang, currency),
        "p": p_text(row["p_value_adjusted"], lang, adjusted=True),
    }
    if relative(row):
        return lang.gettext("{lift} ({level} {interval}, {p})").format(**values)
    return lang.gettext("an absolute {lift} ({level} {interval}, {p})").format(**values)
