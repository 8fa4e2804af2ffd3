"""Charts for the subscriptions report: MRR waterfall, rate trends, sBG survival by plan, plan
migration, the funnel, NPS and DAU/MAU.

Each helper takes the unformatted data the analysis holds, ``language`` (the report's
:class:`~growthkit.i18n.Language` or ``"en"``/``"ar"``; ``a.lang`` in the notebook) and
``ax=None``, and returns the Axes. Every text drawn goes through
:func:`growthkit.plots._theme.label`: the report's words from the ``subscriptions`` catalog,
data-derived names (plans, channels, steps) bidi-isolated, Arabic shaped for matplotlib, and a
``$`` drawn as typed. Tick labels use the language's digits, separators and currency format.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from growthkit.i18n import Language
from growthkit.plots._theme import (
    PALETTE,
    currency_formatter,
    label,
    new_ax,
    number_formatter,
    percent_formatter,
)
from growthkit.subscriptions.labels import group_plain, month_name, state_name, words
from growthkit.subscriptions.migration import CANCELLED, migration_matrix
from growthkit.subscriptions.retention import SBGFit

__all__ = [
    "plot_churn_trends",
    "plot_funnel",
    "plot_migration",
    "plot_mrr_waterfall",
    "plot_nps",
    "plot_retention_trends",
    "plot_stickiness",
    "plot_survival",
]


def _money_axis(ax: Axes, currency: str, lang: Language) -> None:
    if currency:
        ax.yaxis.set_major_formatter(currency_formatter(currency, lang))
    else:
        ax.yaxis.set_major_formatter(number_formatter(lang))


def _month_axis(ax: Axes, x: pd.Series, lang: Language) -> None:
    """Month ticks (``Jan 2024``) in the report's language and digits, at most about eight."""
    span = (x.max().year - x.min().year) * 12 + x.max().month - x.min().month + 1 if len(x) else 1
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, math.ceil(span / 7))))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _pos: label(lang.date(mdates.num2date(v).date(), "MMM y"), lang)))
    for tick in ax.get_xticklabels():
        tick.set_rotation(0)


def _message(ax: Axes, text: str, lang: Language) -> None:
    ax.text(0.5, 0.5, label(text, lang), ha="center", va="center", transform=ax.transAxes,
            wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_mrr_waterfall(
    movements: pd.DataFrame, months: int = 12, currency: str = "",
    language: Language | str | None = None, ax: Axes | None = None,
) -> Axes:
    """MRR at the start of the last ``months`` months, each movement over them, and the end.

    Parameters
    ----------
    movements : pandas.DataFrame
        :func:`growthkit.subscriptions.mrr_movements`.
    months : int, default 12
        How many of the last months the waterfall spans.
    currency : str
        ISO 4217 code of the money axis and bar labels (plain numbers when empty).
    language : Language or str, optional
        The report's language; English when omitted.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = words(language)
    _ = lang.gettext
    ax = new_ax(ax)
    recent = movements.tail(months)
    if recent.empty:
        _message(ax, _("No complete month after the first: no movements to show."), lang)
        return ax
    steps = [
        (_("New"), recent["new"].sum()),
        (_("Expansion"), recent["expansion"].sum()),
        (_("Reactivation"), recent["reactivation"].sum()),
        (_("Contraction"), -recent["contraction"].sum()),
        (_("Churn"), -recent["churn"].sum()),
    ]
    start, end = float(recent["start"].iloc[0]), float(recent["end"].iloc[-1])
    first, last = recent["month"].iloc[0], recent["month"].iloc[-1]
    labels = (
        [_("Start\n{month}").format(month=month_name(first, lang, short=True))]
        + [s[0] for s in steps]
        + [_("End\n{month}").format(month=month_name(last, lang, short=True))]
    )
    bottoms, heights, colours = [0.0], [start], [PALETTE[7]]
    level = start
    for _name, change in steps:
        bottoms.append(level if change >= 0 else level + change)
        heights.append(abs(change))
        colours.append(PALETTE[2] if change >= 0 else PALETTE[3])
        level += change
    bottoms.append(0.0)
    heights.append(end)
    colours.append(PALETTE[0])
    x = np.arange(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colours, width=0.65)
    for xi, (b, h) in enumerate(zip(bottoms, heights, strict=True)):
        ends = xi in (0, len(labels) - 1)
        if not ends and abs(h) < 0.005:
            continue  # an empty movement gets no "$0.00" label
        value = h if ends or colours[xi] == PALETTE[2] else -h
        text = _signed(lang, value, currency, signed=not ends)
        # A loss is labelled under its bar, where the running total ends up: labels of
        # neighbouring gains and losses that meet at one level never collide.
        if value < 0:
            ax.text(xi, b, label(text, lang), ha="center", va="top", fontsize="small")
        else:
            ax.text(xi, b + h, label(text, lang), ha="center", va="bottom", fontsize="small")
    # Head room for the value labels above the tallest bar, clear of the title.
    top = max(b + h for b, h in zip(bottoms, heights, strict=True))
    if top > 0:
        ax.set_ylim(0, top * 1.12)
    ax.set_xticks(x, [label(t, lang) for t in labels], fontsize="small")
    _money_axis(ax, currency, lang)
    ax.set_ylabel(label(_("MRR ({currency})").format(currency=lang.isolate(currency))
                        if currency else _("MRR"), lang))
    ax.set_title(label(lang.ngettext("MRR movements over the last month",
                                     "MRR movements over the last {n} months", len(recent))
                       .format(n=lang.number(len(recent))), lang))
    return ax


def _signed(lang: Language, value: float, currency: str, *, signed: bool) -> str:
    """Money (or a number) with its sign where the locale puts a minus: "+" is written in the
    place of the minus of the same amount negated, so "+" and "−" sit alike in Arabic too."""
    def fmt(v: float) -> str:
        return lang.money(v, currency) if currency else lang.number(v)

    if not signed or value <= 0:
        return fmt(value)
    negative = fmt(-value)
    return negative.replace("-", "+", 1) if "-" in negative else "+" + fmt(value)


def plot_churn_trends(
    rates: pd.DataFrame, language: Language | str | None = None, ax: Axes | None = None
) -> Axes:
    """Logo churn and gross and net revenue churn, month by month.

    Parameters
    ----------
    rates : pandas.DataFrame
        :func:`growthkit.subscriptions.monthly_rates`.
    language : Language or str, optional
        The report's language; English when omitted.
    ax : matplotlib Axes, optional
    """
    lang = words(language)
    _ = lang.gettext
    ax = new_ax(ax)
    x = pd.PeriodIndex(rates["month"], freq="M").to_timestamp()
    for col, name, colour in (
        ("logo_churn", _("Logo churn (customers)"), PALETTE[0]),
        ("gross_revenue_churn", _("Gross revenue churn"), PALETTE[3]),
        ("net_revenue_churn", _("Net revenue churn"), PALETTE[1]),
    ):
        ax.plot(x, rates[col], marker=".", label=label(name, lang), color=colour)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    _month_axis(ax, pd.Series(x), lang)
    ax.set_ylabel(label(_("Share of the start of the month"), lang))
    ax.set_title(label(_("Churn, month by month"), lang))
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_retention_trends(
    rates: pd.DataFrame, language: Language | str | None = None, ax: Axes | None = None
) -> Axes:
    """GRR and NRR, month by month, against the 100% line."""
    lang = words(language)
    _ = lang.gettext
    ax = new_ax(ax)
    x = pd.PeriodIndex(rates["month"], freq="M").to_timestamp()
    ax.plot(x, rates["nrr"], marker=".", label=label(_("NRR (net revenue retention)"), lang),
            color=PALETTE[2])
    ax.plot(x, rates["grr"], marker=".", label=label(_("GRR (gross revenue retention)"), lang),
            color=PALETTE[0])
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    _month_axis(ax, pd.Series(x), lang)
    ax.set_ylabel(label(_("MRR kept from the start of the month"), lang))
    ax.set_title(label(_("Revenue retention, month by month"), lang))
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_survival(
    fits: Sequence[SBGFit], horizon: int = 36, level: float = 0.9,
    language: Language | str | None = None, ax: Axes | None = None,
) -> Axes:
    """Observed survival by months since the first payment, and the sBG curve projected.

    Parameters
    ----------
    fits : sequence of SBGFit
        One per plan (:attr:`SubscriptionsAnalysis.sbg_fits`).
    horizon : int, default 36
        Months to project to.
    level : float, default 0.9
        Coverage of the shaded interval.
    language : Language or str, optional
        The report's language; English when omitted.
    ax : matplotlib Axes, optional
    """
    lang = words(language)
    _ = lang.gettext
    ax = new_ax(ax)
    drawn = 0
    for i, fit in enumerate(fits):
        colour = PALETTE[i % len(PALETTE)]
        name = lang.isolate(group_plain(fit.name, lang))
        obs = fit.observed[fit.observed["starters"] > 0]
        ax.plot(obs["period"], obs["survival"], "o", markersize=3.5, color=colour,
                label=label(_("{name}: observed").format(name=name), lang))
        if fit.model is None:
            continue
        drawn += 1
        t = np.arange(max(horizon, fit.model.periods) + 1)
        s = fit.model.survival(t)
        seen = t <= fit.model.periods
        ax.plot(t[seen], s[seen], "-", color=colour,
                label=label(_("{name}: sBG fit").format(name=name), lang))
        ax.plot(t[~seen | (t == fit.model.periods)], s[~seen | (t == fit.model.periods)], "--",
                color=colour, label=label(_("{name}: projection").format(name=name), lang))
        if fit.model.covariance is not None:
            low, high = fit.model.survival_interval(t, level)
            ax.fill_between(t, low, high, color=colour, alpha=0.15, linewidth=0)
    if not drawn and not len(fits):
        _message(ax, _("No retention model to show."), lang)
        return ax
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.set_xlabel(label(_("Months since the first payment"), lang))
    ax.set_ylabel(label(_("Still paying"), lang))
    ax.set_title(label(_("Survival by starting plan, with the sBG projection ({level} band)")
                       .format(level=lang.percent(level, 0)), lang))
    ax.legend(frameon=False, fontsize="small", ncol=2)
    return ax


def plot_migration(
    moves: pd.DataFrame, language: Language | str | None = None, ax: Axes | None = None
) -> Axes:
    """Where each month's customers are the month after, as shares of the row."""
    import seaborn as sns

    lang = words(language)
    _ = lang.gettext
    m = migration_matrix(moves, ["trial"])
    m = m.loc[[s for s in m.index if s != CANCELLED]]
    names = [state_name(s, lang) for s in m.columns]
    longest = max((len(s) for s in names), default=0)
    ax = new_ax(ax, figsize=(max(6.5, 3.0 + 0.12 * longest * len(m.columns)),
                              0.7 * len(m) + 1.8 + 0.08 * longest))
    if m.empty:
        _message(ax, _("No plan has a following month to show."), lang)
        return ax
    shares = m.div(m.sum(axis=1).replace(0, np.nan), axis=0)
    annot = shares.map(lambda v: label(lang.percent(v, 0), lang) if np.isfinite(v) else "")
    shares.index = [label(state_name(s, lang), lang) for s in shares.index]
    shares.columns = [label(n, lang) for n in names]
    sns.heatmap(shares, annot=annot.to_numpy(), fmt="", cmap="Blues", vmin=0, vmax=1,
                cbar=False, ax=ax, linewidths=0.5)
    ax.tick_params(axis="y", rotation=0)
    ax.set_xlabel(label(_("Next month"), lang))
    ax.set_ylabel(label(_("This month"), lang))
    ax.set_title(label(_("Plan migration (share of each row)"), lang))
    return ax


def plot_funnel(
    funnel: pd.DataFrame, language: Language | str | None = None, ax: Axes | None = None
) -> Axes:
    """People reaching each funnel step, with the conversion from the step before."""
    lang = words(language)
    _ = lang.gettext
    rows = funnel[funnel["channel"].isna()] if "channel" in funnel else funnel
    ax = new_ax(ax, figsize=(7.5, 0.55 * len(rows) + 1.5))
    if rows.empty:
        _message(ax, _("No funnel to show."), lang)
        return ax
    y = np.arange(len(rows))[::-1]
    people = rows["people"].to_numpy()
    ax.barh(y, people, color=PALETTE[0], height=0.6)
    top = max(int(people.max()), 1)
    for yi, (n, conv, pos) in enumerate(zip(people, rows["conversion"], rows["position"],
                                            strict=True)):
        text = lang.number(n) if pos == 1 else _("{n}  ({share} of the step before)").format(
            n=lang.number(n), share=lang.percent(conv, 0))
        ax.text(n + 0.01 * top, y[yi], label(text, lang), va="center", fontsize="small")
    ax.set_yticks(y, [label(lang.isolate(s), lang) for s in rows["step"]])
    ax.set_xlim(0, top * 1.45)
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.set_xlabel(label(_("People"), lang))
    ax.set_title(label(_("Funnel: people reaching each step"), lang))
    return ax


def plot_nps(
    nps: dict[str, Any], language: Language | str | None = None, ax: Axes | None = None
) -> Axes:
    """Detractors to the left, promoters to the right, and the NPS with its interval below."""
    lang = words(language)
    _ = lang.gettext
    ax = new_ax(ax, figsize=(7.5, 2.6))
    n, method = nps["n"], nps["method"]
    p, d, pa = nps["promoters"] / n, nps["detractors"] / n, nps["passives"] / n
    ax.barh(1, -100 * d, color=PALETTE[3], height=0.5,
            label=label(_("Detractors 0–6 ({share})").format(share=lang.percent(d, 0)), lang))
    ax.barh(1, 100 * p, color=PALETTE[2], height=0.5,
            label=label(_("Promoters 9–10 ({share})").format(share=lang.percent(p, 0)), lang))
    ax.errorbar([nps["score"]], [0], xerr=[[nps["score"] - nps["ci_low"]],
                                           [nps["ci_high"] - nps["score"]]],
                fmt="o", color="black", capsize=5,
                label=label(_("NPS {score}, {level} CI ({method})").format(
                    score=lang.number(nps["score"]), level=lang.percent(nps["level"], 0),
                    method=_(method)), lang))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-100, 100)
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.set_yticks([0, 1], [label(_("NPS"), lang),
                           label(_("Answers\n(passives {share})").format(
                               share=lang.percent(pa, 0)), lang)])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlabel(label(_("Points (% promoters − % detractors)"), lang))
    ax.set_title(label(lang.ngettext("Net Promoter Score ({n} answer)",
                                     "Net Promoter Score ({n} answers)", n)
                       .format(n=lang.number(n)), lang))
    ax.legend(frameon=False, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.35),
              ncol=3)
    return ax


def plot_stickiness(
    activity: pd.DataFrame, window_days: int = 28, language: Language | str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """DAU/MAU day by day, with its 28-day mean."""
    lang = words(language)
    _ = lang.gettext
    ax = new_ax(ax)
    if activity is None or activity.empty:
        _message(ax, _("No activity to show."), lang)
        return ax
    x = pd.to_datetime(activity["day"])
    days = lang.number(window_days)
    ax.plot(x, activity["dau_mau"], color=PALETTE[0], linewidth=0.8,
            label=label(_("DAU/MAU, daily"), lang))
    ax.plot(x, activity["dau_mau"].rolling(window_days, min_periods=1).mean(),
            color=PALETTE[1], linewidth=2,
            label=label(_("{days}-day mean").format(days=days), lang))
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    _month_axis(ax, x, lang)
    ax.set_ylim(0, None)
    ax.set_ylabel(label(_("DAU / MAU ({days}-day window)").format(days=days), lang))
    ax.set_title(label(_("Stickiness: daily active over monthly active customers"), lang))
    ax.legend(frameon=False, fontsize="small")
    return ax
