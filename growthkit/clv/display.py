"""Presentation of fitted models and the CLV report's shared formats.

A model class computes; showing it is done here, as pymc-marketing keeps plotting out of its
model classes (``pymc_marketing/clv/plotting.py``): :func:`fit_table` formats a model's
``summary()`` and :func:`model_html` renders it for JupyterLab. The small formats the words
(:mod:`growthkit.clv.narrative`) and the tables (:mod:`growthkit.clv.tables`) share live here
too: model and time-unit words, money in Markdown and in cells.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthkit.i18n import N_, Language, as_language
from growthkit.numeric import finite

if TYPE_CHECKING:
    from growthkit.clv.analysis import CLVAnalysis

__all__ = [
    "MODEL_WORDS",
    "UNIT_WORDS",
    "cell_money",
    "fit_table",
    "has_margin",
    "markdown_money",
    "model_html",
    "money_range",
    "unit_word",
]

#: Time units as readers see them (the plural noun after a number).
UNIT_WORDS = {"days": N_("days"), "weeks": N_("weeks"), "months": N_("months"),
              "years": N_("years")}
#: Model names for readers (the parameter ``model`` takes the codes).
MODEL_WORDS = {
    "bgnbd": N_("BG/NBD"),
    "mbgnbd": N_("MBG/NBD"),
    "paretonbd": N_("Pareto/NBD"),
    "bgbb": N_("BG/BB"),
    "auto": N_("chosen automatically"),
}


def fit_table(summary: pd.DataFrame, language: Language | str | None = None) -> pd.DataFrame:
    """A fitted model's ``summary()`` formatted: estimates to 4 significant digits, standard
    errors to 3, the fit statistics with thousands separators.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``model.summary()`` of a transaction or spend model.
    language : Language or str, optional
        The report language (English by default).

    Returns
    -------
    pandas.DataFrame
        Formatted text, indexed by the (translated) parameter.
    """
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    names = {"customers": _("customers"), "log-likelihood": _("log-likelihood"),
             "AIC": _("AIC")}
    rows = {}
    for name, (estimate, error) in summary.iterrows():
        if name == "customers":
            value = lang.number(estimate)
        elif name in ("log-likelihood", "AIC"):
            value = lang.number(estimate, 2)
        else:
            value = lang.significant(estimate, 4)
        rows[names.get(name, name)] = {
            _("estimate"): value,
            _("std. error"): "" if np.isnan(error) else lang.significant(error, 3),
        }
    return pd.DataFrame(rows).T.rename_axis(_("parameter"))


def model_html(model: Any, language: Language | str | None = None) -> str:
    """A fitted model as HTML: its name and :func:`fit_table`, or that it is not fitted.

    Parameters
    ----------
    model : TransactionModel or GammaGammaModel
    language : Language or str, optional

    Returns
    -------
    str
    """
    name = html.escape(model.label)
    if not model.is_fitted:
        return f"<p>{name} model: not fitted</p>"
    return f"<h4>{name}</h4>{fit_table(model.summary(), language).to_html()}"


def unit_word(a: CLVAnalysis) -> str:
    """The report's time unit as a plural noun in its language."""
    return a.lang.gettext(UNIT_WORDS[a.settings.time_unit])


def markdown_money(a: CLVAnalysis, value: float) -> str:
    """Money for Markdown: ``$`` escaped, so no renderer starts math between two amounts."""
    return a.lang.money(value, a.currency).replace("$", r"\$")


def cell_money(a: CLVAnalysis, value: float) -> str:
    """Money for a table cell."""
    return a.lang.money(value, a.currency)


def money_range(a: CLVAnalysis, low: float, high: float, *, markdown: bool = False) -> str:
    """``low to high`` in money, for Markdown or a cell ("–" without bounds)."""
    if not (finite(low) and finite(high)):
        return "–"
    show = markdown_money if markdown else cell_money
    return a.lang.gettext("{low} to {high}").format(low=show(a, low), high=show(a, high))


def has_margin(a: CLVAnalysis) -> bool:
    """Whether profit differs from revenue (a gross margin below 100%)."""
    return a.settings.margin != 1.0
