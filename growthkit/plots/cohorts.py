"""Charts for the cohort report: the retention heatmap, margin against CAC, payback, projection.

Every helper takes ``ax=None`` and returns the Axes. Unobserved cells (their period had not
ended by the observation end) are drawn hatched and grey, never as zeros; projections are
dashed and kept apart from actuals. Every text is in the report's language (``language``: a
:class:`~growthkit.i18n.Language` such as ``analysis.lang``, or a code; the analysis' own for
helpers that take one), shaped for matplotlib by :func:`growthkit.plots._theme.label`, and
data-derived text (cohort labels, segment values) is bidi-isolated first; tick labels use the
language's digits and separators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from growthkit.cohorts.backtest import Backtest
from growthkit.cohorts.payback import average_payback
from growthkit.cohorts.periods import period_of
from growthkit.cohorts.projection import Projection
from growthkit.cohorts.table import CohortTable
from growthkit.cohorts.tables import margin_given, model_label
from growthkit.errors import GrowthkitError
from growthkit.i18n import Language, as_language
from growthkit.plots._theme import (
    PALETTE,
    currency_formatter,
    label,
    new_ax,
    number_formatter,
    percent_formatter,
)

if TYPE_CHECKING:
    from growthkit.cohorts.analysis import CohortsAnalysis

__all__ = [
    "plot_backtest",
    "plot_cumulative_margin",
    "plot_payback",
    "plot_payback_by_segment",
    "plot_projection",
    "plot_retention_heatmap",
]

_UNOBSERVED = "#d0d4d9"
_ANNOTATE_MAX = 30  # cells per side up to which the heatmap prints its values


def _since(lang: Language, period: str) -> str:
    """The x-axis label of periods since acquisition."""
    if period == "week":
        return label(lang.gettext("weeks since acquisition (k)"), lang)
    return label(lang.gettext("months since acquisition (k)"), lang)


def _to_payback(lang: Language, period: str) -> str:
    if period == "week":
        return lang.gettext("weeks from acquisition to payback")
    return lang.gettext("months from acquisition to payback")


def _integer_axis(axis: object, lang: Language) -> None:
    axis.set_major_locator(MaxNLocator(integer=True))  # type: ignore[attr-defined]
    axis.set_major_formatter(number_formatter(lang))  # type: ignore[attr-defined]


def _percent_axis(axis: object, lang: Language) -> None:
    """Percent tick labels with as many decimals as the ticks need (2.5% is never "2%")."""

    def decimals() -> int:
        locs = axis.get_majorticklocs() * 100  # type: ignore[attr-defined]
        return next((d for d in range(4) if np.allclose(np.round(locs, d), locs, atol=1e-9,
                                                          rtol=0)), 4)

    axis.set_major_formatter(  # type: ignore[attr-defined]
        FuncFormatter(lambda v, pos: percent_formatter(lang, decimals())(v, pos)))


def _window(table: CohortTable) -> np.ndarray:
    """Cells inside the data's calendar window (period ≤ the one holding the end)."""
    last = period_of(table.observation_end, table.period)
    return (table.cohorts[:, None] + np.arange(table.ages)[None, :]) <= last


def plot_retention_heatmap(table: CohortTable, *, average: bool = True,
                           language: Language | str = "en", ax: Axes | None = None) -> Axes:
    """Retention by cohort and period since acquisition; unobserved cells hatched.

    Parameters
    ----------
    table : CohortTable
    average : bool, default True
        Add a last row with the size-weighted average over the cohorts observed at each k (the
        left-censored first cohort, marked in its label, left out).
    language : Language or str, default "en"
        The report's language (``analysis.lang``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    n, ages = table.active.shape
    if n == 0:
        raise GrowthkitError("the cohort table is empty; expected at least one cohort")
    lang = as_language(language, "cohorts")
    values = table.retention().to_numpy()
    window = _window(table)
    labels = [label(lang.isolate(x), lang) for x in table.labels]
    for i in np.flatnonzero(table.left_censored):  # before the data start: marked, not averaged
        labels[i] = label(lang.gettext("{cohort} (incl. earlier customers)").format(
            cohort=lang.isolate(table.labels[i])), lang)
    if average:
        values = np.vstack([values, table.average(table.retention())])
        window = np.vstack([window, np.ones(ages, bool)])
        labels.append(label(lang.gettext("average"), lang))
    rows = values.shape[0]
    ax = new_ax(ax, figsize=(min(3 + 0.42 * ages, 15), min(1.8 + 0.3 * rows, 14)))
    shown = np.ma.masked_invalid(values)
    cmap = plt.get_cmap("Blues").with_extremes(bad="white")
    later = values[:, 1:] if ages > 1 else values
    top = float(np.nanmax(later)) if np.isfinite(later).any() else 1.0
    image = ax.imshow(shown, aspect="auto", cmap=cmap, vmin=0, vmax=max(top, 1e-9),
                      interpolation="nearest")
    for i, k in zip(*np.nonzero(np.isnan(values) & window), strict=True):
        ax.add_patch(Rectangle((k - 0.5, i - 0.5), 1, 1, facecolor=_UNOBSERVED,
                               edgecolor="#8c959f", hatch="///", linewidth=0))
    if rows <= _ANNOTATE_MAX and ages <= _ANNOTATE_MAX:
        for i, k in zip(*np.nonzero(np.isfinite(values)), strict=True):
            v = values[i, k]
            ax.text(k, i, label(lang.percent(v, 0), lang), ha="center", va="center", fontsize=6.5,
                    color="white" if v > 0.6 * top else "#1f2328")
    if average:
        ax.axhline(rows - 1.5, color="#1f2328", linewidth=1)
    ax.set_yticks(range(rows), labels, fontsize=7 if rows > 20 else 9)
    _integer_axis(ax.xaxis, lang)
    ax.set_xlabel(_since(lang, table.period))
    ax.set_ylabel(label(lang.gettext("cohort (first purchase)"), lang))
    ax.grid(False)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    _percent_axis(bar.ax.yaxis, lang)
    bar.set_label(label(lang.gettext("share of the cohort buying (k ≥ 1)"), lang))
    if table.period == "week":
        unobserved = lang.gettext("unobserved: week not ended by {date}")
    else:
        unobserved = lang.gettext("unobserved: month not ended by {date}")
    # Above the cells, across from the title: never over a cell or its value.
    end, start = ("left", "right") if lang.rtl else ("right", "left")
    ax.legend(handles=[Patch(facecolor=_UNOBSERVED, edgecolor="#8c959f", hatch="///",
                             label=label(unobserved.format(
                                 date=lang.date(table.observation_end)), lang))],
              loc=f"lower {end}", bbox_to_anchor=(1.0 if end == "right" else 0.0, 1.0),
              fontsize=8, frameon=False, borderaxespad=0.2)
    ax.set_title(label(lang.gettext("Retention by cohort"), lang), loc=start, pad=22)
    return ax


def plot_cumulative_margin(analysis: CohortsAnalysis, column: str | None = None, *,
                           ax: Axes | None = None) -> Axes:
    """Average cumulative margin per acquired customer against its CAC, per segment value.

    Each curve chains the per-period margin per customer, size-weighted over the cohorts
    observed at each k (:meth:`CohortTable.average_cumulative`: it never falls because the mix
    of cohorts changes); its CAC line (dashed, same colour) is one CAC, that of the group's
    complete cohorts (the one the summary states), so a crossing is the payback of the average
    customer. The left-censored first cohort is left out.

    Parameters
    ----------
    analysis : CohortsAnalysis
    column : str, optional
        A segment column; by default the channel column (else all customers only).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, figsize=(8.5, 4.8))
    lang = analysis.lang
    column = column or analysis.channel_col
    groups: list[tuple[str, CohortTable, np.ndarray | None]] = []
    cac = analysis.cac
    t = analysis.table
    groups.append((lang.gettext("all customers"), t, cac.for_cohorts(t.cohorts) if cac else None))
    if column is not None:
        for value in analysis.cohorts.segment_values(column):
            seg = analysis.segment_tables[(column, value)]
            groups.append((lang.isolate(value), seg,
                           cac.for_cohorts(seg.cohorts, column, value) if cac else None))
    for i, (name, table, cost) in enumerate(groups):
        color = "#1f2328" if i == 0 else PALETTE[(i - 1) % len(PALETTE)]
        width = 2.6 if i == 0 else 1.6
        if cost is None:
            curve = table.average_cumulative()
            ax.plot(np.arange(len(curve)), curve, color=color, lw=width, label=label(name, lang))
            continue
        k, frame = average_payback(table, cost)
        ax.plot(frame.index, frame["cumulative_margin_per_customer"], color=color, lw=width,
                label=label(name, lang))
        ax.plot(frame.index, frame["cac"], color=color, lw=1, ls="--")
        if np.isfinite(k):
            ax.plot([k], [frame.loc[int(k), "cumulative_margin_per_customer"]], "o",
                    color=color, ms=6, zorder=5)
    ax.yaxis.set_major_formatter(currency_formatter(analysis.currency, lang))
    _integer_axis(ax.xaxis, lang)
    ax.set_xlabel(_since(lang, analysis.period))
    if margin_given(analysis):
        axis = lang.gettext("cumulative margin per acquired customer ({currency})")
    else:  # no margin given: the curve is revenue, and says so
        axis = lang.gettext("cumulative revenue per acquired customer ({currency})")
    ax.set_ylabel(label(axis.format(currency=lang.isolate(analysis.currency)), lang))
    if cac is not None and margin_given(analysis):
        title = lang.gettext("Cumulative margin per customer against CAC (dashed); dots mark "
                             "payback")
    elif cac is not None:
        title = lang.gettext("Cumulative revenue per customer against CAC (dashed); dots mark "
                             "payback")
    elif margin_given(analysis):
        title = lang.gettext("Cumulative margin per customer")
    else:
        title = lang.gettext("Cumulative revenue per customer")
    ax.set_title(label(title, lang))
    ax.legend(fontsize=8, ncols=2 if len(groups) > 4 else 1)
    return ax


def plot_payback(analysis: CohortsAnalysis, *, ax: Axes | None = None) -> Axes:
    """Payback period by cohort: actual (solid), projected (hatched), not reached (×).

    Parameters
    ----------
    analysis : CohortsAnalysis
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if analysis.cac is None:
        raise GrowthkitError("payback needs a CAC; expected spend_data or cac")
    lang = analysis.lang
    s = analysis.cohort_summary[analysis.cohort_summary["complete"]]
    ax = new_ax(ax, figsize=(max(6.0, 0.32 * len(s) + 2), 4.2))
    x = np.arange(len(s))
    actual = s["payback_period"].to_numpy(dtype="float64")
    projected = s["projected_payback_period"].to_numpy(dtype="float64")
    ax.bar(x, np.nan_to_num(actual), color=PALETTE[0],
           label=label(lang.gettext("paid back"), lang))
    only = np.isnan(actual) & np.isfinite(projected)
    ax.bar(x[only], projected[only], facecolor="white", edgecolor=PALETTE[0], hatch="///",
           label=label(lang.gettext("projected"), lang))
    top = np.nanmax(np.concatenate([actual, projected, [1.0]]))
    never = np.isnan(actual) & np.isnan(projected)
    if never.any():
        ax.plot(x[never], np.full(never.sum(), top * 1.05), "x", color="#a40e26", ms=7,
                label=label(lang.gettext("not within the data or the projection"), lang))
    ax.set_xticks(x, [label(lang.isolate(v), lang) for v in s.index], rotation=90, fontsize=8)
    ax.set_ylabel(label(_to_payback(lang, analysis.period), lang))
    _integer_axis(ax.yaxis, lang)
    ax.set_title(label(lang.gettext("CAC payback by cohort"), lang))
    ax.legend(fontsize=8)
    return ax


def plot_payback_by_segment(analysis: CohortsAnalysis, *, ax: Axes | None = None) -> Axes:
    """Payback of the average customer per segment value, grouped by segment column.

    Parameters
    ----------
    analysis : CohortsAnalysis
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if analysis.cac is None or not len(analysis.segments):
        raise GrowthkitError("payback by segment needs a CAC and a segment_col")
    lang = analysis.lang
    s = analysis.segments
    ax = new_ax(ax, figsize=(7.5, 1.2 + 0.32 * len(s)))
    y = np.arange(len(s))[::-1]
    actual = s["payback_period"].to_numpy(dtype="float64")
    projected = s["projected_payback_period"].to_numpy(dtype="float64")
    columns = list(dict.fromkeys(s.index.get_level_values(0)))
    colors = [PALETTE[columns.index(c) % len(PALETTE)] for c in s.index.get_level_values(0)]
    ax.barh(y, np.nan_to_num(actual), color=colors)
    only = np.isnan(actual) & np.isfinite(projected)
    ax.barh(y[only], projected[only], facecolor="white",
            edgecolor=[c for c, o in zip(colors, only, strict=True) if o], hatch="///")
    top = np.nanmax(np.concatenate([actual, projected, [1.0]]))
    never = np.isnan(actual) & np.isnan(projected)
    ax.plot(np.full(never.sum(), top * 1.03), y[never], "x", color="#a40e26", ms=7)
    free = s["cac"].to_numpy() == 0
    for yy in y[free]:
        ax.text(0.1, yy, label(lang.gettext("no spend (CAC 0)"), lang), va="center",
                fontsize=8, color="#59636e")
    ax.set_yticks(y, [label(f"{lang.isolate(c)}: {lang.isolate(v)}", lang) for c, v in s.index],
                  fontsize=8)
    ax.set_xlabel(label(lang.gettext("{axis} (hatched: projected; ×: not within the "
                                     "projection)").format(
        axis=_to_payback(lang, analysis.period)), lang))
    _integer_axis(ax.xaxis, lang)
    ax.set_title(label(lang.gettext("Payback of the average customer, by segment"), lang))
    return ax


def plot_projection(projection: Projection, currency: str, *, cac: float | None = None,
                    language: Language | str = "en", ax: Axes | None = None) -> Axes:
    """Each cohort's cumulative margin per customer: actual (solid), projected (dashed), with
    the backtest interval shaded.

    Parameters
    ----------
    projection : Projection
    currency : str
        The ISO code of the money axis.
    cac : float, optional
        Draw the average CAC as a horizontal line.
    language : Language or str, default "en"
        The report's language (``analysis.lang``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, figsize=(8.5, 4.8))
    lang = as_language(language, "cohorts")
    t = projection.table
    cmap = plt.get_cmap("viridis")
    n = len(t.cohorts)
    k = np.arange(projection.horizon)
    for i in range(n):
        if not t.complete[i]:
            continue
        color = cmap(i / max(n - 1, 1))
        curve = projection.cumulative[i]
        proj = projection.projected[i]
        actual = ~proj & np.isfinite(curve)
        ax.plot(k[actual], curve[actual], color=color, lw=1.2)
        if proj.any():
            first = int(np.argmax(proj))
            join = slice(max(first - 1, 0), None)
            ax.plot(k[join], curve[join], color=color, lw=1.2, ls="--")
            low, high = projection.low[i], projection.high[i]
            if np.isfinite(low[proj]).all():
                ax.fill_between(k[proj], low[proj], high[proj], color=color, alpha=0.08,
                                linewidth=0)
    if cac is not None and np.isfinite(cac):
        ax.axhline(cac, color="#a40e26", lw=1, ls=":",
                   label=label(lang.gettext("average CAC ({amount})").format(
                       amount=lang.money(cac, currency)), lang))
        ax.legend(fontsize=8, loc="upper left")
    ax.yaxis.set_major_formatter(currency_formatter(currency, lang))
    _integer_axis(ax.xaxis, lang)
    ax.set_xlabel(_since(lang, t.period))
    ax.set_ylabel(label(lang.gettext("cumulative margin per customer ({currency})").format(
        currency=lang.isolate(currency)), lang))
    ax.set_title(label(lang.gettext(
        "Actual (solid) and projected ({model}, dashed) by cohort, older cohorts darker"
    ).format(model=model_label(lang, projection.model)), lang))
    return ax


def plot_backtest(backtest: Backtest, period: str = "month", *,
                  language: Language | str = "en", ax: Axes | None = None) -> Axes:
    """Backtest error by periods ahead: mean absolute error (solid) and bias (dashed) per model.

    Parameters
    ----------
    backtest : Backtest
    period : str, default "month"
        For the axis label.
    language : Language or str, default "en"
        The report's language (``analysis.lang``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    lang = as_language(language, "cohorts")
    for i, model in enumerate(backtest.models.index):
        errors = backtest.by_horizon(model)
        color = PALETTE[i % len(PALETTE)]
        chosen = model == backtest.chosen
        name = model_label(lang, model)
        if chosen:
            name = lang.gettext("{model} (used)").format(model=name)
        ax.plot(errors.index, errors["mape"], color=color, lw=2.4 if chosen else 1.4,
                marker="o", ms=3, label=label(lang.gettext("{model}: mean absolute error"
                                                           ).format(model=name), lang))
        ax.plot(errors.index, errors["bias"], color=color, lw=1.2, ls="--",
                label=label(lang.gettext("{model}: bias (+ = projected too high)"
                                         ).format(model=name), lang))
    ax.axhline(0, color="#59636e", lw=0.8)
    _percent_axis(ax.yaxis, lang)
    _integer_axis(ax.xaxis, lang)
    if period == "week":
        axis = lang.gettext("weeks after the cut-off ({date})")
    else:
        axis = lang.gettext("months after the cut-off ({date})")
    ax.set_xlabel(label(axis.format(date=lang.date(backtest.cutoff)), lang))
    ax.set_ylabel(label(lang.gettext("error of cumulative margin per customer"), lang))
    ax.set_title(label(lang.gettext("Backtest: projected against actual"), lang))
    ax.legend(fontsize=8)
    return ax
