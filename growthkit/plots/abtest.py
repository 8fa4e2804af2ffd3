"""Charts for the A/B-test report: a forest plot of lifts and a power curve.

Text from the data (metric, arm and segment names) passes :func:`growthkit.formatting.plain_label`,
so a ``$`` in a name is shown as typed instead of starting matplotlib mathtext.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from growthkit.abtest.planning import power as _power_at
from growthkit.abtest.planning import sample_size
from growthkit.formatting import plain_label
from growthkit.plots._theme import PALETTE, new_ax

__all__ = ["plot_forest", "plot_power_curve"]


def plot_forest(results: pd.DataFrame, alpha: float = 0.05, ax: Axes | None = None) -> Axes:
    """Relative lift of every arm on every metric, with its confidence interval.

    Rows without a relative lift (a control mean of 0) or without an interval (no test
    possible) are left out; when none is left the Axes says so.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`growthkit.abtest.compare` (segmented or not).
    alpha : float, default 0.05
        Significance level the intervals were computed at; points whose adjusted p-value is
        below it are drawn in the highlight colour.
    ax : matplotlib Axes, optional
        Where to draw; a new themed figure by default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    shown = np.isfinite(results[["rel_lift", "rel_ci_low", "rel_ci_high"]]).all(axis=1)
    rows = results[shown].reset_index(drop=True)
    ax = new_ax(ax, figsize=(7.5, 0.5 * len(rows) + 1.6))
    ax.set_title("Lift by metric and arm")
    if rows.empty:
        _message(ax, "No relative lift with an interval to show (see the results table).")
        return ax
    parts = [rows["metric"], rows["variant"]]
    if "segment" in rows:
        parts.append(rows["segment"])
    labels = [plain_label(" · ".join(map(str, p))) for p in zip(*parts, strict=True)]
    y = np.arange(len(rows))[::-1]
    significant = (rows["p_value_adjusted"] < alpha).to_numpy()
    styles = (
        (True, PALETTE[0], f"significant (adjusted p < {alpha:g})"),
        (False, PALETTE[7], "not significant"),
    )
    for sig, colour, label in styles:
        m = significant == sig
        if m.any():
            ax.errorbar(
                rows.loc[m, "rel_lift"], y[m],
                xerr=[rows.loc[m, "rel_lift"] - rows.loc[m, "rel_ci_low"],
                      rows.loc[m, "rel_ci_high"] - rows.loc[m, "rel_lift"]],
                fmt="o", color=colour, capsize=4, label=label,
            )
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"Relative lift vs control (%), {1 - alpha:.0%} CI")
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False,
              fontsize="small")
    return ax


def plot_power_curve(
    row: pd.Series,
    lifts: tuple[float, ...] = (0.05, 0.1, 0.2),
    alpha: float = 0.05,
    ax: Axes | None = None,
) -> Axes:
    """Power of the report's test against users per arm, for a few relative lifts of a metric.

    Parameters
    ----------
    row : pandas.Series
        One row of :func:`growthkit.abtest.compare`: its control mean is the baseline, its
        control standard deviation the spread (for non-binary metrics) and its control size is
        marked on the curve. When no power can be computed for it (a rate of 0% or 100%, a
        metric that does not vary) the Axes says so instead of drawing a curve.
    lifts : tuple of float, default (0.05, 0.1, 0.2)
        Relative lifts to draw a curve for.
    alpha : float, default 0.05
        Two-sided significance level.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    metric = plain_label(row["metric"])
    ax.set_title(f"Chance of detecting a lift in {metric}")
    binary = str(row["method"]).startswith("ztest")
    baseline, n_now = float(row["control_mean"]), float(row["control_n"])
    sd = None if binary else float(row["control_std"])
    usable = (
        np.isfinite(baseline) and baseline != 0 and np.isfinite(n_now) and n_now >= 2
        and ((0 < baseline < 1) if binary else bool(np.isfinite(sd) and sd > 0))
    )
    if not usable:
        what = (f"a control rate of {baseline:.0%}" if binary and np.isfinite(baseline)
                else "no spread or no baseline in the control")
        _message(ax, f"No power curve for {metric}: {what}.")
        return ax
    n_now = int(n_now)
    needed = sample_size(baseline, min(lifts), alpha=alpha, relative=True, sd=sd)
    grid = np.unique(np.geomspace(10, max(needed, 2 * n_now) * 1.2, 120).round())
    for i, lift in enumerate(lifts):
        curve = [_power_at(baseline, lift, n, alpha, relative=True, sd=sd) for n in grid]
        ax.plot(grid, curve, color=PALETTE[i % len(PALETTE)], label=f"{lift:+.0%} lift")
    ax.axhline(0.8, color="grey", linestyle="--", linewidth=1)
    ax.axvline(n_now, color="black", linewidth=1, label=f"now: {n_now:,} in the control")
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Users per arm (log scale)")
    ax.set_ylabel("Power (%)")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def _message(ax: Axes, text: str) -> None:
    """Write ``text`` (already plain) in the middle of an empty Axes."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes)
