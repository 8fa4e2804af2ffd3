"""Charts for the subscriptions report: MRR waterfall, rate trends, sBG survival by plan, plan
migration, the funnel, NPS and DAU/MAU.

Each helper takes the unformatted data the analysis holds, ``ax=None`` and returns the Axes.
Text from the data (plans, channels, steps, currency) passes
:func:`growthkit.formatting.plain_label`, so a ``$`` in a name is drawn as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from growthkit.formatting import plain_label
from growthkit.plots._theme import PALETTE, currency_formatter, new_ax
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


def _money_axis(ax: Axes, currency: str) -> None:
    if currency:
        ax.yaxis.set_major_formatter(currency_formatter(currency))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))


def _message(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_mrr_waterfall(
    movements: pd.DataFrame, months: int = 12, currency: str = "", ax: Axes | None = None
) -> Axes:
    """MRR at the start of the last ``months`` months, each movement over them, and the end.

    Parameters
    ----------
    movements : pandas.DataFrame
        :func:`growthkit.subscriptions.mrr_movements`.
    months : int, default 12
        How many of the last months the waterfall spans.
    currency : str
        Label on the money axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    recent = movements.tail(months)
    if recent.empty:
        _message(ax, "No complete month after the first: no movements to show.")
        return ax
    steps = [
        ("New", recent["new"].sum()),
        ("Expansion", recent["expansion"].sum()),
        ("Reactivation", recent["reactivation"].sum()),
        ("Contraction", -recent["contraction"].sum()),
        ("Churn", -recent["churn"].sum()),
    ]
    start, end = float(recent["start"].iloc[0]), float(recent["end"].iloc[-1])
    labels = [f"Start\n{plain_label(recent['month'].iloc[0])}"] + [s[0] for s in steps] + [
        f"End\n{plain_label(recent['month'].iloc[-1])}"
    ]
    bottoms, heights, colours = [0.0], [start], [PALETTE[7]]
    level = start
    for _, change in steps:
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
        sign = "" if xi in (0, len(labels) - 1) else ("+" if colours[xi] == PALETTE[2] else "−")
        ax.text(xi, b + h, f"{sign}{h:,.0f}", ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, labels, fontsize="small")
    _money_axis(ax, currency)
    ax.set_ylabel(f"MRR ({plain_label(currency)})" if currency else "MRR")
    ax.set_title(f"MRR movements over the last {len(recent)} month(s)")
    return ax


def plot_churn_trends(rates: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Logo churn and gross and net revenue churn, month by month.

    Parameters
    ----------
    rates : pandas.DataFrame
        :func:`growthkit.subscriptions.monthly_rates`.
    """
    ax = new_ax(ax)
    x = pd.PeriodIndex(rates["month"], freq="M").to_timestamp()
    for col, label, colour in (
        ("logo_churn", "Logo churn (customers)", PALETTE[0]),
        ("gross_revenue_churn", "Gross revenue churn", PALETTE[3]),
        ("net_revenue_churn", "Net revenue churn", PALETTE[1]),
    ):
        ax.plot(x, rates[col], marker=".", label=label, color=colour)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("Share of the start of the month (%)")
    ax.set_title("Churn, month by month")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_retention_trends(rates: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """GRR and NRR, month by month, against the 100% line."""
    ax = new_ax(ax)
    x = pd.PeriodIndex(rates["month"], freq="M").to_timestamp()
    ax.plot(x, rates["nrr"], marker=".", label="NRR (net revenue retention)", color=PALETTE[2])
    ax.plot(x, rates["grr"], marker=".", label="GRR (gross revenue retention)",
            color=PALETTE[0])
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("MRR kept from the start of the month (%)")
    ax.set_title("Revenue retention, month by month")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_survival(
    fits: Sequence[SBGFit], horizon: int = 36, level: float = 0.9, ax: Axes | None = None
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
    """
    ax = new_ax(ax)
    drawn = 0
    for i, fit in enumerate(fits):
        colour = PALETTE[i % len(PALETTE)]
        name = plain_label(fit.name)
        obs = fit.observed[fit.observed["starters"] > 0]
        ax.plot(obs["period"], obs["survival"], "o", markersize=3.5, color=colour,
                label=f"{name}: observed")
        if fit.model is None:
            continue
        drawn += 1
        t = np.arange(max(horizon, fit.model.periods) + 1)
        s = fit.model.survival(t)
        seen = t <= fit.model.periods
        ax.plot(t[seen], s[seen], "-", color=colour, label=f"{name}: sBG fit")
        ax.plot(t[~seen | (t == fit.model.periods)], s[~seen | (t == fit.model.periods)], "--",
                color=colour, label=f"{name}: projection")
        if fit.model.covariance is not None:
            low, high = fit.model.survival_interval(t, level)
            ax.fill_between(t, low, high, color=colour, alpha=0.15, linewidth=0)
    if not drawn and not len(fits):
        _message(ax, "No retention model to show.")
        return ax
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Months since the first payment")
    ax.set_ylabel("Still paying (%)")
    ax.set_title(f"Survival by starting plan, with the sBG projection ({level:.0%} band)")
    ax.legend(frameon=False, fontsize="small", ncol=2)
    return ax


def plot_migration(moves: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Where each month's customers are the month after, as shares of the row."""
    import seaborn as sns

    m = migration_matrix(moves, ["trial"])
    m = m.loc[[s for s in m.index if s != CANCELLED]]
    longest = max((len(str(s)) for s in m.columns), default=0)
    ax = new_ax(ax, figsize=(max(6.5, 3.0 + 0.12 * longest * len(m.columns)),
                              0.7 * len(m) + 1.8 + 0.08 * longest))
    if m.empty:
        _message(ax, "No plan has a following month to show.")
        return ax
    shares = m.div(m.sum(axis=1).replace(0, np.nan), axis=0)
    shares.index = [plain_label(s) for s in shares.index]
    shares.columns = [plain_label(s) for s in shares.columns]
    sns.heatmap(shares, annot=True, fmt=".0%", cmap="Blues", vmin=0, vmax=1, cbar=False,
                ax=ax, linewidths=0.5)
    ax.tick_params(axis="y", rotation=0)
    ax.set_xlabel("Next month")
    ax.set_ylabel("This month")
    ax.set_title("Plan migration (share of each row)")
    return ax


def plot_funnel(funnel: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """People reaching each funnel step, with the conversion from the step before."""
    rows = funnel[funnel["channel"].isna()] if "channel" in funnel else funnel
    ax = new_ax(ax, figsize=(7.5, 0.55 * len(rows) + 1.5))
    if rows.empty:
        _message(ax, "No funnel to show.")
        return ax
    y = np.arange(len(rows))[::-1]
    people = rows["people"].to_numpy()
    ax.barh(y, people, color=PALETTE[0], height=0.6)
    top = max(int(people.max()), 1)
    for yi, (n, conv, pos) in enumerate(zip(people, rows["conversion"], rows["position"],
                                            strict=True)):
        text = f"{n:,}" if pos == 1 else f"{n:,}  ({conv:.0%} of the step before)"
        ax.text(n + 0.01 * top, y[yi], text, va="center", fontsize="small")
    ax.set_yticks(y, [plain_label(s) for s in rows["step"]])
    ax.set_xlim(0, top * 1.45)
    ax.set_xlabel("People")
    ax.set_title("Funnel: people reaching each step")
    return ax


def plot_nps(nps: dict[str, Any], ax: Axes | None = None) -> Axes:
    """Detractors to the left, promoters to the right, and the NPS with its interval below."""
    ax = new_ax(ax, figsize=(7.5, 2.6))
    n = nps["n"]
    p, d, pa = 100 * nps["promoters"] / n, 100 * nps["detractors"] / n, 100 * nps["passives"] / n
    ax.barh(1, -d, color=PALETTE[3], height=0.5, label=f"Detractors 0–6 ({d:.0f}%)")
    ax.barh(1, p, color=PALETTE[2], height=0.5, label=f"Promoters 9–10 ({p:.0f}%)")
    ax.errorbar([nps["score"]], [0], xerr=[[nps["score"] - nps["ci_low"]],
                                           [nps["ci_high"] - nps["score"]]],
                fmt="o", color="black", capsize=5,
                label=f"NPS {nps['score']:.0f}, {nps['level']:.0%} CI ({nps['method']})")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-100, 100)
    ax.set_yticks([0, 1], ["NPS", f"Answers\n(passives {pa:.0f}%)"])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlabel("Points (% promoters − % detractors)")
    ax.set_title(f"Net Promoter Score ({n:,} answers)")
    ax.legend(frameon=False, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.35),
              ncol=3)
    return ax


def plot_stickiness(activity: pd.DataFrame, window_days: int = 28,
                    ax: Axes | None = None) -> Axes:
    """DAU/MAU day by day, with its 28-day mean."""
    ax = new_ax(ax)
    if activity is None or activity.empty:
        _message(ax, "No activity to show.")
        return ax
    x = pd.to_datetime(activity["day"])
    ax.plot(x, activity["dau_mau"], color=PALETTE[0], linewidth=0.8, label="DAU/MAU, daily")
    ax.plot(x, activity["dau_mau"].rolling(window_days, min_periods=1).mean(),
            color=PALETTE[1], linewidth=2, label=f"{window_days}-day mean")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, None)
    ax.set_ylabel(f"DAU / MAU ({window_days}-day window)")
    ax.set_title("Stickiness: daily active over monthly active customers")
    ax.legend(frameon=False, fontsize="small")
    return ax
