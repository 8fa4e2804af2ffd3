"""Charts for the A/B-test report: a forest plot of lifts and a power curve.

Every text is in the report's language (catalog ``abtest``) and passes
:func:`growthkit.plots._theme.label`: Arabic is shaped for matplotlib, data-derived names
(metric, arm, segment) are bidi-isolated, and a ``$`` in a name is shown as typed instead of
starting mathtext. Ticks use the language's digits and separators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter

from growthkit.abtest.display import binary
from growthkit.abtest.narrative import power_curve_problem
from growthkit.abtest.planning import power as _power_at
from growthkit.abtest.planning import sample_size
from growthkit.i18n import Language, as_language
from growthkit.plots._theme import PALETTE, label, new_ax, number_formatter, percent_formatter

__all__ = ["plot_forest", "plot_power_curve"]


def plot_forest(
    results: pd.DataFrame, alpha: float = 0.05, ax: Axes | None = None,
    language: Language | str | None = None,
) -> Axes:
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
    language : Language or str, optional
        The report language (``"en"`` or ``"ar"``, or the analysis's ``lang``); English by
        default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="abtest")
    own = ax is None
    shown = np.isfinite(results[["rel_lift", "rel_ci_low", "rel_ci_high"]]).all(axis=1)
    rows = results[shown].reset_index(drop=True)
    ax = new_ax(ax, figsize=(7.5, 0.5 * len(rows) + 1.6))
    ax.set_title(label(lang.gettext("Lift by metric and arm"), lang))
    if rows.empty:
        _message(ax, lang.gettext(
            "No relative lift with an interval to show (see the results table)."
        ), lang)
        return ax
    parts = [rows["metric"], rows["variant"]]
    if "segment" in rows:
        parts.append(rows["segment"])
    labels = [label(" · ".join(lang.isolate(x) for x in p), lang)
              for p in zip(*parts, strict=True)]
    y = np.arange(len(rows))[::-1]
    significant = (rows["p_value_adjusted"] < alpha).to_numpy()
    styles = (
        (True, PALETTE[0], lang.gettext("significant (adjusted p < {alpha})").format(
            alpha=lang.number(alpha, len(f"{alpha:f}".rstrip("0").partition(".")[2])))),
        (False, PALETTE[7], lang.gettext("not significant")),
    )
    for sig, colour, text in styles:
        m = significant == sig
        if m.any():
            ax.errorbar(
                rows.loc[m, "rel_lift"], y[m],
                xerr=[rows.loc[m, "rel_lift"] - rows.loc[m, "rel_ci_low"],
                      rows.loc[m, "rel_ci_high"] - rows.loc[m, "rel_lift"]],
                fmt="o", color=colour, capsize=4, label=label(text, lang),
            )
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(percent_formatter(lang))
    ax.set_xlabel(label(lang.gettext("Relative lift against the control, {level} CI").format(
        level=lang.percent(1 - alpha, 0)), lang))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    if own:  # below the axis label, in the space the figure's layout keeps for it
        ax.figure.legend(loc="outside lower center", ncol=2, frameon=False, fontsize="small")
    else:
        ax.legend(loc="best", fontsize="small")
    return ax


def plot_power_curve(
    row: pd.Series,
    lifts: tuple[float, ...] = (0.05, 0.1, 0.2),
    alpha: float = 0.05,
    ax: Axes | None = None,
    language: Language | str | None = None,
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
    language : Language or str, optional
        The report language; English by default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="abtest")
    ax = new_ax(ax)
    metric = lang.isolate(row["metric"])
    ax.set_title(label(lang.gettext("Chance of detecting a lift in {metric}").format(
        metric=metric), lang))
    problem = power_curve_problem(row, lang)
    if problem is not None:
        _message(ax, problem, lang)
        return ax
    baseline, n_now = float(row["control_mean"]), int(row["control_n"])
    sd = None if binary(row) else float(row["control_std"])
    needed = sample_size(baseline, min(lifts), alpha=alpha, relative=True, sd=sd)
    grid = np.unique(np.geomspace(10, max(needed, 2 * n_now) * 1.2, 120).round())
    for i, lift in enumerate(lifts):
        curve = [_power_at(baseline, lift, n, alpha, relative=True, sd=sd) for n in grid]
        name = lang.gettext("{lift} lift").format(lift=lang.percent(lift, 0, signed=True))
        ax.plot(grid, curve, color=PALETTE[i % len(PALETTE)], label=label(name, lang))
    ax.axhline(0.8, color="grey", linestyle="--", linewidth=1)
    now = lang.ngettext("now: {n} user in the control", "now: {n} users in the control",
                        n_now).format(n=lang.number(n_now))
    ax.axvline(n_now, color="black", linewidth=1, label=label(now, lang))
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    ax.set_xlabel(label(lang.gettext("Users per arm (log scale)"), lang))
    ax.set_ylabel(label(lang.gettext("Power (chance of detecting the lift)"), lang))
    ax.legend(loc="upper left", fontsize="small")
    return ax


def _message(ax: Axes, text: str, lang: Language) -> None:
    """Write ``text`` (plain, in ``lang``) in the middle of an empty Axes."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, label(text, lang), ha="center", va="center", wrap=True,
            transform=ax.transAxes)
