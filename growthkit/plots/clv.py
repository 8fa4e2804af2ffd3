"""Charts for the CLV report: model diagnostics, holdout checks, CLV and segments.

Every helper takes ``ax=None`` and returns the Axes. None of them uses lifetimes.plotting:
several of its functions fail on pandas 3 (``plot_history_alive`` calls the removed
``fillna(method=...)``) or simulate customers one by one in Python.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import MaxNLocator, NullFormatter, PercentFormatter

from growthkit.clv import SEGMENT_LABELS, CLVAnalysis, HoldoutValidation, TransactionModel
from growthkit.errors import GrowthkitError
from growthkit.formatting import plain_label
from growthkit.plots._theme import PALETTE, currency_formatter, new_ax
from growthkit.units import TIME_UNITS, check_time_unit

__all__ = [
    "plot_at_risk_example",
    "plot_clv_distribution",
    "plot_frequency_recency_matrix",
    "plot_history_alive",
    "plot_holdout_by_frequency",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
    "plot_segments",
    "plot_tracking",
]


def _unit(model: TransactionModel, time_unit: str | None) -> str:
    return time_unit or model.time_unit or "time units"


def plot_period_transactions(
    model: TransactionModel,
    summary: pd.DataFrame,
    *,
    max_frequency: int = 7,
    replicates: int = 10,
    seed: int = 0,
    ax: Axes | None = None,
) -> Axes:
    """Customers by number of repeat purchases in the fitted period: actual against the model.

    The model's bars are the mean of ``replicates`` simulations of customers with the same
    observation times T (FHL 2005, Figure 2).

    Parameters
    ----------
    model : TransactionModel
        The fitted model.
    summary : pandas.DataFrame
        The summary it was fitted on (``frequency`` and ``T``).
    max_frequency : int, default 7
        Frequencies from this one up share the last bar.
    replicates : int, default 10
        Simulations averaged for the model's bars.
    seed : int, default 0
        Seed of the simulations.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    T = np.tile(summary["T"].to_numpy(dtype="float64"), replicates)
    simulated = model.simulate_frequency(T, seed=seed)
    bins = np.arange(max_frequency + 1)
    actual = np.bincount(np.minimum(summary["frequency"].to_numpy(int), max_frequency),
                         minlength=max_frequency + 1)
    expected = np.bincount(np.minimum(simulated, max_frequency), minlength=max_frequency + 1)
    width = 0.4
    ax.bar(bins - width / 2, actual, width, color=PALETTE[0], label="Actual")
    ax.bar(bins + width / 2, expected / replicates, width, color=PALETTE[1],
           label=f"{model.label} (simulated)")
    ax.set_xticks(bins, [*map(str, bins[:-1]), f"{max_frequency}+"])
    ax.set_xlabel("Repeat purchases in the fitted period")
    ax.set_ylabel("Customers")
    ax.set_title("Customers by number of repeat purchases: actual vs model")
    ax.legend()
    return ax


def _matrix_plot(
    ax: Axes | None,
    matrix: pd.DataFrame,
    model: TransactionModel,
    time_unit: str | None,
    label: str,
    title: str,
    cmap: str,
    norm: Normalize | None = None,
) -> Axes:
    """A (recency × frequency) matrix of a model's predictions as a heatmap."""
    ax = new_ax(ax, figsize=(7.5, 5.0))
    image = ax.imshow(matrix.to_numpy(), origin="lower", aspect="auto", cmap=cmap, norm=norm,
                      interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xlabel("Repeat purchases so far (frequency)")
    ax.set_ylabel(f"Age at last purchase (recency, {_unit(model, time_unit)})")
    ax.set_title(title)
    ax.grid(False)
    return ax


def plot_frequency_recency_matrix(
    model: TransactionModel,
    t: float = 1.0,
    *,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    time_unit: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Expected purchases in the next ``t`` units for every (frequency, recency) history.

    Customers are taken to be observed for ``max_recency`` units (T), as in lifetimes
    (:meth:`TransactionModel.expected_purchases_matrix`).

    Parameters
    ----------
    model : TransactionModel
        The fitted model.
    t : float, default 1.0
        Horizon, in the model's time unit.
    max_frequency, max_recency : int, optional
        Grid size; by default the 99th percentile of frequency (at least 5) and the longest T.
    time_unit : str, optional
        For the labels; defaults to the model's.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    matrix = model.expected_purchases_matrix(t, max_frequency=max_frequency,
                                             max_recency=max_recency)
    unit = _unit(model, time_unit)
    return _matrix_plot(ax, matrix, model, time_unit,
                        f"Expected purchases in the next {t:.3g} {unit}",
                        f"Who will buy: expected purchases in the next {t:.3g} {unit}", "viridis")


def plot_probability_alive_matrix(
    model: TransactionModel,
    *,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    time_unit: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """P(alive) for every (frequency, recency) history, observed for ``max_recency`` units
    (:meth:`TransactionModel.p_alive_matrix`).

    Parameters
    ----------
    model : TransactionModel
        The fitted model.
    max_frequency, max_recency : int, optional
        Grid size; by default the 99th percentile of frequency (at least 5) and the longest T.
    time_unit : str, optional
        For the labels; defaults to the model's.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    matrix = model.p_alive_matrix(max_frequency=max_frequency, max_recency=max_recency)
    return _matrix_plot(ax, matrix, model, time_unit, "P(alive)",
                        "Who is still active: P(alive) by history", "magma", Normalize(0, 1))


def plot_tracking(
    tracking: pd.DataFrame,
    *,
    calibration_end: Any = None,
    cumulative: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Repeat purchases over calendar time, actual against the model (FHL 2005, Figure 3).

    Parameters
    ----------
    tracking : pandas.DataFrame
        :func:`growthkit.clv.tracking_data` output.
    calibration_end : date-like, optional
        Marked with a vertical line: the model saw nothing after it.
    cumulative : bool, default True
        Cumulative totals, or purchases per period.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    cols = ("actual", "predicted") if cumulative else ("actual_in_period", "predicted_in_period")
    ax.plot(tracking.index, tracking[cols[0]], color=PALETTE[0], label="Actual")
    ax.plot(tracking.index, tracking[cols[1]], color=PALETTE[1], linestyle="--", label="Model")
    if calibration_end is not None:
        ax.axvline(pd.Timestamp(calibration_end), color="grey", linestyle=":",
                   label="End of calibration")
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlabel("Period ending")
    ax.set_ylabel("Cumulative repeat purchases" if cumulative else "Repeat purchases per period")
    ax.set_title("Tracking: repeat purchases of the fitted customers over time")
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
    ax.legend()
    return ax


def plot_holdout_by_frequency(
    holdout: HoldoutValidation | None, *, time_unit: str | None = None, ax: Axes | None = None
) -> Axes:
    """Mean holdout purchases per customer by calibration purchases (FHL 2005, Figure 4).

    Parameters
    ----------
    holdout : HoldoutValidation or None
        :func:`growthkit.clv.validate_holdout` output. None (no holdout period) draws a short
        note instead of the chart, so a report can call this unconditionally.
    time_unit : str, optional
        Unit of the holdout's duration, for the label.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if holdout is None:
        ax = new_ax(ax, figsize=(7.5, 0.8))
        ax.axis("off")
        ax.text(0.0, 0.5, "No holdout period: set calibration_end to test the model on "
                "purchases it did not see.", va="center", fontsize="medium")
        return ax
    ax = new_ax(ax)
    table = holdout.by_frequency
    x = np.arange(len(table))
    ax.plot(x, table["actual"], marker="o", color=PALETTE[0], label="Actual")
    ax.plot(x, table["predicted"], marker="s", linestyle="--", color=PALETTE[1],
            label=holdout.model)
    ax.set_xticks(x, table.index)
    ax.set_xlabel("Repeat purchases in the calibration period")
    unit = time_unit or "time units"
    ax.set_ylabel(f"Purchases per customer in the holdout ({holdout.duration:g} {unit})")
    ax.set_title("Holdout check: actual vs predicted purchases per customer")
    ax.legend()
    return ax


def plot_clv_distribution(
    predictions: pd.DataFrame, *, currency: str = "USD", ax: Axes | None = None
) -> Axes:
    """Distribution of revenue and profit CLV across customers, on a log scale.

    Parameters
    ----------
    predictions : pandas.DataFrame
        :func:`growthkit.clv.predict` output with ``clv_revenue`` and ``clv_profit``.
    currency : str, default "USD"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    revenue = predictions["clv_revenue"].to_numpy()
    profit = predictions["clv_profit"].to_numpy()
    positive = np.concatenate([revenue, profit])
    positive = positive[positive > 0]
    if positive.size == 0:
        raise GrowthkitError("every predicted CLV is 0; there is no distribution to plot")
    bins = np.geomspace(max(positive.min(), positive.max() * 1e-4), positive.max(), 40)
    ax.hist(revenue, bins=bins, color=PALETTE[0], alpha=0.6, label="Revenue CLV")
    ax.hist(profit, bins=bins, histtype="step", linewidth=2, color=PALETTE[3],
            label="Profit CLV")
    label = plain_label(currency)
    for values, colour, name in ((revenue, PALETTE[0], "revenue"), (profit, PALETTE[3], "profit")):
        ax.axvline(np.median(values), color=colour, linestyle=":",
                   label=f"Median {name}: {label} {np.median(values):,.2f}")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(currency_formatter(currency))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"Customer lifetime value ({label}, log scale)")
    ax.set_ylabel("Customers")
    ax.set_title("How value is spread across customers")
    ax.legend(fontsize="small")
    return ax


def plot_segments(
    segments: pd.DataFrame, *, currency: str = "USD", ax: Axes | None = None
) -> Axes:
    """Total CLV per segment with its interval, labelled with the number of customers.

    Parameters
    ----------
    segments : pandas.DataFrame
        :func:`growthkit.clv.summarize_segments` output (with intervals when available).
    currency : str, default "USD"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    y = np.arange(len(segments))[::-1]
    values = segments["clv_revenue"].fillna(0).to_numpy()
    at_risk = {label for (_, status), label in SEGMENT_LABELS.items() if status == "at risk"}
    colours = [PALETTE[3] if name in at_risk else PALETTE[0] for name in segments.index]
    ax.barh(y, values, color=colours)
    high = values
    if {"revenue_low", "revenue_high"} <= set(segments.columns):
        low = segments["revenue_low"].fillna(0).to_numpy()
        high = segments["revenue_high"].fillna(0).to_numpy()
        ax.errorbar(values, y, xerr=[values - low, high - values], fmt="none", color="black",
                    capsize=3, label="90% interval")
        ax.legend(loc="lower right")
    for yi, end, n in zip(y, high, segments["customers"], strict=True):
        ax.annotate(f"  {n:,} customers", (end, yi), va="center", fontsize="small")
    ax.set_yticks(y, [plain_label(name) for name in segments.index])
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(currency_formatter(currency))
    ax.set_xlabel(f"Total predicted CLV ({plain_label(currency)})")
    ax.set_title("Value by segment (orange: at risk)")
    ax.set_xlim(0, max(values.max(), 1) * 1.35)
    return ax


def plot_history_alive(
    model: TransactionModel,
    purchase_dates: Any,
    *,
    time_unit: str | None = None,
    end: Any = None,
    ax: Axes | None = None,
) -> Axes:
    """One customer's P(alive) day by day from their first purchase, with their purchases.

    A pandas-3-safe replacement for lifetimes' ``plot_history_alive``. Purchases are taken per
    calendar day, like :func:`growthkit.rfm_summary`, and the path is computed in one
    vectorised call.

    Parameters
    ----------
    model : TransactionModel
        The fitted model.
    purchase_dates : sequence of date-like
        The customer's order dates (several on one day count once).
    time_unit : {"days", "weeks", "months"}, optional
        The model's time unit; defaults to the one it was fitted with.
    end : date-like, optional
        Last day of the path; defaults to the last purchase.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    GrowthkitError
        Without purchase dates, with an unknown time unit, or with ``end`` before the first
        purchase.
    """
    unit = time_unit or model.time_unit
    check_time_unit(unit)
    days = pd.DatetimeIndex(pd.to_datetime(list(purchase_dates))).normalize().unique().sort_values()
    if days.empty:
        raise GrowthkitError("purchase_dates is empty; expected at least the first purchase")
    last_day = pd.Timestamp(end).normalize() if end is not None else days[-1]
    if last_day < days[0]:
        raise GrowthkitError(
            f"end={end!r} is before the first purchase ({days[0].date()}); expected a later day"
        )
    grid = pd.date_range(days[0], last_day, freq="D")
    age = (grid - days[0]).days.to_numpy()
    purchase_age = (days - days[0]).days.to_numpy()
    bought = np.searchsorted(purchase_age, age, side="right")  # purchase days so far
    per_unit = TIME_UNITS[unit]
    p_alive = model.probability_alive(pd.DataFrame({
        "frequency": bought - 1.0,
        "recency": purchase_age[bought - 1] / per_unit,
        "T": age / per_unit,
    })).to_numpy()
    ax = new_ax(ax)
    ax.plot(grid, p_alive, color=PALETTE[0], label="P(alive)")
    ax.vlines(days[days <= last_day], 0, 1, colors=PALETTE[3], linestyles="dashed",
              label="Purchases")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Date")
    ax.set_ylabel("P(alive)")
    ax.set_title("P(alive) over time")
    ax.legend(loc="lower left")
    return ax


def plot_at_risk_example(analysis: CLVAnalysis, ax: Axes | None = None) -> Axes:
    """P(alive) history of the most valuable customer in the *high value, at risk* segment.

    Parameters
    ----------
    analysis : CLVAnalysis
        From :func:`growthkit.clv.analyze`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    customer = analysis.example_customer()
    ax = plot_history_alive(
        analysis.model, analysis.purchase_dates(customer), time_unit=analysis.settings.time_unit,
        end=analysis.observation_end, ax=ax,
    )
    ax.set_title(f"P(alive) over time of customer {plain_label(customer)} "
                 f"({plain_label(analysis.segment_of(customer))})")
    return ax
