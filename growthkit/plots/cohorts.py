"""Charts for the cohort report: the retention heatmap, margin against CAC, payback, projection.

Every helper takes ``ax=None`` and returns the Axes. Unobserved cells (their period had not
ended by the observation end) are drawn hatched and grey, never as zeros; projections are
dashed and kept apart from actuals. Data-derived text (cohort labels, segment values, the
currency) passes :func:`growthkit.formatting.plain_label`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from growthkit.cohorts.backtest import Backtest
from growthkit.cohorts.payback import average_payback
from growthkit.cohorts.periods import period_of
from growthkit.cohorts.projection import Projection
from growthkit.cohorts.table import CohortTable
from growthkit.errors import GrowthkitError
from growthkit.formatting import plain_label
from growthkit.plots._theme import PALETTE, currency_formatter, new_ax

if TYPE_CHECKING:
    from growthkit.cohorts.analysis import CohortAnalysis

__all__ = [
    "plot_backtest",
    "plot_cumulative_margin",
    "plot_payback",
    "plot_payback_by_segment",
    "plot_projection",
    "plot_retention_heatmap",
]

_UNOBSERVED = "#d0d4d9"
_MODEL_LABELS = {"curve": "margin curve", "bgnbd": "BG/NBD"}
_ANNOTATE_MAX = 30  # cells per side up to which the heatmap prints its values


def _window(table: CohortTable) -> np.ndarray:
    """Cells inside the data's calendar window (period ≤ the one holding the end)."""
    last = period_of(table.observation_end, table.period)
    return (table.cohorts[:, None] + np.arange(table.ages)[None, :]) <= last


def plot_retention_heatmap(table: CohortTable, *, average: bool = True,
                           ax: Axes | None = None) -> Axes:
    """Retention by cohort and period since acquisition; unobserved cells hatched.

    Parameters
    ----------
    table : CohortTable
    average : bool, default True
        Add a last row with the size-weighted average over the cohorts observed at each k.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    n, ages = table.active.shape
    if n == 0:
        raise GrowthkitError("the cohort table is empty; expected at least one cohort")
    values = table.retention()
    window = _window(table)
    labels = [plain_label(x) for x in table.labels]
    if average:
        values = np.vstack([values, table.average(table.retention())])
        window = np.vstack([window, np.ones(ages, bool)])
        labels.append("average")
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
            ax.text(k, i, f"{v:.0%}", ha="center", va="center", fontsize=6.5,
                    color="white" if v > 0.6 * top else "#1f2328")
    if average:
        ax.axhline(rows - 1.5, color="#1f2328", linewidth=1)
    ax.set_yticks(range(rows), labels, fontsize=7 if rows > 20 else 9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"{table.period}s since acquisition (k)")
    ax.set_ylabel("cohort (first purchase)")
    ax.grid(False)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bar.set_label("share of the cohort buying (k ≥ 1)")
    ax.legend(handles=[Patch(facecolor=_UNOBSERVED, edgecolor="#8c959f", hatch="///",
                             label=f"unobserved: {table.period} not ended by "
                                   f"{table.observation_end}")],
              loc="upper right", fontsize=8, framealpha=0.95)
    ax.set_title("Retention by cohort")
    return ax


def plot_cumulative_margin(analysis: CohortAnalysis, column: str | None = None, *,
                           ax: Axes | None = None) -> Axes:
    """Average cumulative margin per acquired customer against its CAC, per segment value.

    Each curve is size-weighted over the cohorts observed at k; its CAC line (dashed, same
    colour) is the size-weighted CAC of the same cohorts, so a crossing is the payback of the
    average customer.

    Parameters
    ----------
    analysis : CohortAnalysis
    column : str, optional
        A segment column; by default the channel column (else all customers only).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, figsize=(8.5, 4.8))
    column = column or analysis.channel_col
    groups: list[tuple[str, CohortTable, np.ndarray | None]] = []
    cac = analysis.cac
    t = analysis.table
    groups.append(("all customers", t, cac.for_cohorts(t.cohorts) if cac else None))
    if column is not None:
        for value in analysis.cohorts.segment_values(column):
            seg = analysis.segment_tables[(column, value)]
            groups.append((str(value), seg,
                           cac.for_cohorts(seg.cohorts, column, value) if cac else None))
    for i, (name, table, cost) in enumerate(groups):
        color = "#1f2328" if i == 0 else PALETTE[(i - 1) % len(PALETTE)]
        width = 2.6 if i == 0 else 1.6
        if cost is None:
            curve = table.average(table.cumulative_margin_per_customer())
            ax.plot(np.arange(len(curve)), curve, color=color, lw=width, label=plain_label(name))
            continue
        k, frame = average_payback(table, cost)
        ax.plot(frame.index, frame["cumulative_margin_per_customer"], color=color, lw=width,
                label=plain_label(name))
        ax.plot(frame.index, frame["cac"], color=color, lw=1, ls="--")
        if np.isfinite(k):
            ax.plot([k], [frame.loc[int(k), "cumulative_margin_per_customer"]], "o",
                    color=color, ms=6, zorder=5)
    ax.yaxis.set_major_formatter(currency_formatter(analysis.currency))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"{analysis.period}s since acquisition (k)")
    ax.set_ylabel(f"cumulative margin per acquired customer ({plain_label(analysis.currency)})")
    title = "Cumulative margin per customer"
    if cac is not None:
        title += " against CAC (dashed); dots mark payback"
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=2 if len(groups) > 4 else 1)
    return ax


def plot_payback(analysis: CohortAnalysis, *, ax: Axes | None = None) -> Axes:
    """Payback period by cohort: actual (solid), projected (hatched), not reached (×).

    Parameters
    ----------
    analysis : CohortAnalysis
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if analysis.cac is None:
        raise GrowthkitError("payback needs a CAC; expected spend_data or cac")
    s = analysis.cohort_summary[analysis.cohort_summary["complete"]]
    ax = new_ax(ax, figsize=(max(6.0, 0.32 * len(s) + 2), 4.2))
    x = np.arange(len(s))
    actual = s["payback_period"].to_numpy(dtype="float64")
    projected = s["projected_payback_period"].to_numpy(dtype="float64")
    ax.bar(x, np.nan_to_num(actual), color=PALETTE[0], label="paid back")
    only = np.isnan(actual) & np.isfinite(projected)
    ax.bar(x[only], projected[only], facecolor="white", edgecolor=PALETTE[0], hatch="///",
           label="projected")
    top = np.nanmax(np.concatenate([actual, projected, [1.0]]))
    never = np.isnan(actual) & np.isnan(projected)
    if never.any():
        ax.plot(x[never], np.full(never.sum(), top * 1.05), "x", color="#a40e26", ms=7,
                label="not within the data or the projection")
    ax.set_xticks(x, [plain_label(v) for v in s.index], rotation=90, fontsize=8)
    ax.set_ylabel(f"{analysis.period}s from acquisition to payback")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("CAC payback by cohort")
    ax.legend(fontsize=8)
    return ax


def plot_payback_by_segment(analysis: CohortAnalysis, *, ax: Axes | None = None) -> Axes:
    """Payback of the average customer per segment value, grouped by segment column.

    Parameters
    ----------
    analysis : CohortAnalysis
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if analysis.cac is None or not len(analysis.segments):
        raise GrowthkitError("payback by segment needs a CAC and a segment_col")
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
        ax.text(0.1, yy, "no spend (CAC 0)", va="center", fontsize=8, color="#59636e")
    ax.set_yticks(y, [f"{plain_label(c)}: {plain_label(v)}" for c, v in s.index], fontsize=8)
    ax.set_xlabel(f"{analysis.period}s from acquisition to payback (hatched: projected; "
                  "×: not within the projection)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Payback of the average customer, by segment")
    return ax


def plot_projection(projection: Projection, currency: str, *, cac: float | None = None,
                    ax: Axes | None = None) -> Axes:
    """Each cohort's cumulative margin per customer: actual (solid), projected (dashed), with
    the backtest interval shaded.

    Parameters
    ----------
    projection : Projection
    currency : str
        Label of the money axis.
    cac : float, optional
        Draw the average CAC as a horizontal line.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, figsize=(8.5, 4.8))
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
        ax.axhline(cac, color="#a40e26", lw=1, ls=":", label=f"average CAC ({cac:,.2f})")
        ax.legend(fontsize=8, loc="upper left")
    ax.yaxis.set_major_formatter(currency_formatter(currency))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"{t.period}s since acquisition (k)")
    ax.set_ylabel(f"cumulative margin per customer ({plain_label(currency)})")
    label = _MODEL_LABELS.get(projection.model, projection.model)
    ax.set_title(f"Actual (solid) and projected ({label}, dashed) by cohort, "
                 "older cohorts darker")
    return ax


def plot_backtest(backtest: Backtest, period: str = "month", *,
                  ax: Axes | None = None) -> Axes:
    """Backtest error by periods ahead: mean absolute error (solid) and bias (dashed) per model.

    Parameters
    ----------
    backtest : Backtest
    period : str, default "month"
        For the axis label.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    for i, model in enumerate(backtest.models.index):
        errors = backtest.by_horizon(model)
        color = PALETTE[i % len(PALETTE)]
        chosen = model == backtest.chosen
        name = _MODEL_LABELS.get(model, model) + (" (used)" if chosen else "")
        ax.plot(errors.index, errors["mape"], color=color, lw=2.4 if chosen else 1.4,
                marker="o", ms=3, label=f"{name}: mean absolute error")
        ax.plot(errors.index, errors["bias"], color=color, lw=1.2, ls="--",
                label=f"{name}: bias (+ = projected too high)")
    ax.axhline(0, color="#59636e", lw=0.8)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"{period}s after the cut-off ({backtest.cutoff})")
    ax.set_ylabel("error of cumulative margin per customer")
    ax.set_title("Backtest: projected against actual")
    ax.legend(fontsize=8)
    return ax
