"""Charts for the CLV report: model diagnostics, holdout checks, CLV and segments.

Every helper takes ``ax=None`` and returns the Axes. None of them uses lifetimes.plotting:
several of its functions fail on pandas 3 (``plot_history_alive`` calls the removed
``fillna(method=...)``) or simulate customers one by one in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import MaxNLocator, NullFormatter

from growthkit.clv import SEGMENT_LABELS, CLVAnalysis, HoldoutValidation, TransactionModel
from growthkit.clv.display import MODEL_WORDS, UNIT_WORDS
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
from growthkit.units import TIME_UNITS, check_time_unit

__all__ = [
    "draw_chart",
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


def draw_chart(plot: Callable[..., Axes], *args: Any, needs: Any = True, **kwargs: Any) -> Axes:
    """Draw ``plot(*args, **kwargs)``, or one line saying why the chart cannot be drawn.

    A diagnostic chart never takes a report down. When an input is None (a section the report
    skipped, e.g. no model converged) the chart is replaced by a sentence saying so; when
    drawing fails (e.g. a simulation at estimates on the edge of their range), the partial
    figure is discarded and the sentence gives the reason.

    Parameters
    ----------
    plot : callable
        A chart helper of this module.
    *args
        Its positional arguments.
    needs : object, default True
        One more input the chart needs; None skips it like a None argument.
    **kwargs
        Its keyword arguments (``language`` also sets the sentence's language; without it, a
        :class:`~growthkit.clv.CLVAnalysis` argument's).

    Returns
    -------
    matplotlib.axes.Axes
    """
    language = kwargs.get("language")
    if language is None:
        language = next((arg.lang for arg in args if isinstance(arg, CLVAnalysis)), None)
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    if needs is None or any(arg is None for arg in args):
        return _sentence(kwargs.get("ax"), _(
            "No chart: the section it belongs to was skipped (see the summary)."), lang)
    before = set(plt.get_fignums())
    try:
        return plot(*args, **kwargs)
    except Exception as exc:  # a chart is a diagnostic: say why, never stop the report
        logging.getLogger("growthkit").warning("chart %s not drawn: %s", plot.__name__, exc)
        for number in set(plt.get_fignums()) - before:
            plt.close(number)
        ax = kwargs.get("ax")
        if ax is not None:
            ax.clear()
        return _sentence(ax, _("This chart could not be drawn: {reason}").format(
            reason=lang.isolate(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)),
            lang)


def _sentence(ax: Axes | None, text: str, lang: Language) -> Axes:
    """An empty chart area holding one sentence."""
    ax = new_ax(ax, figsize=(7.5, 0.8))
    ax.text(0.5, 0.5, label(text, lang), ha="center", va="center", wrap=True,
            transform=ax.transAxes)
    ax.set_axis_off()
    return ax


def _unit(model: TransactionModel, time_unit: str | None, lang: Language) -> str:
    unit = time_unit or model.time_unit
    return lang.gettext(UNIT_WORDS[unit]) if unit in UNIT_WORDS else lang.gettext("time units")


def _model(name: str, lang: Language) -> str:
    return lang.gettext(MODEL_WORDS[name]) if name in MODEL_WORDS else lang.isolate(name)


def _labels(ax: Axes, lang: Language, *, title: str, x: str, y: str) -> None:
    """Title and axis labels, shaped for the language."""
    ax.set_title(label(title, lang))
    ax.set_xlabel(label(x, lang))
    ax.set_ylabel(label(y, lang))


def plot_period_transactions(
    model: TransactionModel,
    summary: pd.DataFrame,
    *,
    max_frequency: int = 7,
    replicates: int = 10,
    sample_size: int = 100_000,
    seed: int = 0,
    language: Language | str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Customers by number of repeat purchases in the fitted period: actual against the model.

    The model's bars are the mean of ``replicates`` simulations of customers with the same
    observation times T (FHL 2005, Figure 2). Above ``sample_size`` customers, the simulated
    customers are a seeded random sample of ``sample_size`` of them (without replacement), and
    the model's bars are scaled up to the number of customers, so memory and time stay bounded
    at any size (at most ``replicates × sample_size`` simulated customers); the actual bars
    always count every customer.

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
    sample_size : int, default 100_000
        Most customers simulated (each ``replicates`` times); more are sampled.
    seed : int, default 0
        Seed of the sample and the simulations.
    language : Language or str, optional
        The report language (English by default).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 1:
        raise GrowthkitError(f"sample_size={sample_size!r}; expected a whole number >= 1")
    ax = new_ax(ax)
    T = summary["T"].to_numpy(dtype="float64")
    n = T.size
    if n > sample_size:
        rows = np.random.default_rng(seed).choice(n, size=sample_size, replace=False)
        T = T[np.sort(rows)]
    simulated = model.simulate_frequency(np.tile(T, replicates), seed=seed)
    bins = np.arange(max_frequency + 1)
    actual = np.bincount(np.minimum(summary["frequency"].to_numpy(int), max_frequency),
                         minlength=max_frequency + 1)
    expected = np.bincount(np.minimum(simulated, max_frequency), minlength=max_frequency + 1)
    width = 0.4
    ax.bar(bins - width / 2, actual, width, color=PALETTE[0], label=label(_("Actual"), lang))
    ax.bar(bins + width / 2, expected * (n / T.size) / replicates, width, color=PALETTE[1],
           label=label(_("{model} (simulated)").format(model=_model(model.name, lang)), lang))
    ticks = [label(lang.number(b), lang) for b in bins[:-1]]
    ticks.append(label(_("{n} or more").format(n=lang.number(max_frequency)), lang))
    ax.set_xticks(bins, ticks)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    _labels(ax, lang, title=_("Customers by number of repeat purchases: actual vs model"),
            x=_("Repeat purchases in the fitted period"), y=_("Customers"))
    ax.legend()
    return ax


def _matrix_plot(
    ax: Axes | None,
    matrix: pd.DataFrame,
    model: TransactionModel,
    time_unit: str | None,
    bar_label: str,
    title: str,
    cmap: str,
    lang: Language,
    norm: Normalize | None = None,
) -> Axes:
    """A (recency × frequency) matrix of a model's predictions as a heatmap."""
    _ = lang.gettext
    ax = new_ax(ax, figsize=(7.5, 5.0))
    image = ax.imshow(matrix.to_numpy(), origin="lower", aspect="auto", cmap=cmap, norm=norm,
                      interpolation="nearest")
    bar = ax.figure.colorbar(image, ax=ax, label=label(bar_label, lang))
    bar.formatter = (percent_formatter(lang) if norm is not None
                     else number_formatter(lang, 1))
    bar.update_ticks()
    # Cells sit at whole frequencies and recencies (0, 1, 2, ... from the origin): ticks too,
    # so that a label never rounds a tick between two cells ("2" at 2.5).
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True))
        axis.set_major_formatter(number_formatter(lang))
    _labels(ax, lang, title=title, x=_("Repeat purchases so far (frequency)"),
            y=_("Age at last purchase (recency, {unit})").format(
                unit=_unit(model, time_unit, lang)))
    ax.grid(False)
    return ax


def plot_frequency_recency_matrix(
    model: TransactionModel,
    t: float = 1.0,
    *,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    time_unit: str | None = None,
    horizon_months: int | None = None,
    language: Language | str | None = None,
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
    horizon_months : int, optional
        When ``t`` is a horizon in months (``CLVSettings.horizon``), the labels say
        "12 months" instead of "52.2 weeks".
    language : Language or str, optional
        The report language (English by default).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    matrix = model.expected_purchases_matrix(t, max_frequency=max_frequency,
                                             max_recency=max_recency)
    if horizon_months is not None:
        span = _("{n} months").format(n=lang.number(horizon_months))
    else:
        span = f"{lang.significant(t, 3)} {_unit(model, time_unit, lang)}"
    return _matrix_plot(ax, matrix, model, time_unit,
                        _("Expected purchases in the next {span}").format(span=span),
                        _("Who will buy: expected purchases in the next {span}").format(span=span),
                        "viridis", lang)


def plot_probability_alive_matrix(
    model: TransactionModel,
    *,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    time_unit: str | None = None,
    language: Language | str | None = None,
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
    language : Language or str, optional
        The report language (English by default).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    matrix = model.p_alive_matrix(max_frequency=max_frequency, max_recency=max_recency)
    return _matrix_plot(ax, matrix, model, time_unit, _("P(alive)"),
                        _("Who is still active: P(alive) by history"), "magma", lang,
                        Normalize(0, 1))


def plot_tracking(
    tracking: pd.DataFrame,
    *,
    calibration_end: Any = None,
    cumulative: bool = True,
    language: Language | str | None = None,
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
    language : Language or str, optional
        The report language (English by default).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    ax = new_ax(ax)
    cols = ("actual", "predicted") if cumulative else ("actual_in_period", "predicted_in_period")
    ax.plot(tracking.index, tracking[cols[0]], color=PALETTE[0], label=label(_("Actual"), lang))
    ax.plot(tracking.index, tracking[cols[1]], color=PALETTE[1], linestyle="--",
            label=label(_("Model"), lang))
    if calibration_end is not None:
        ax.axvline(pd.Timestamp(calibration_end), color="grey", linestyle=":",
                   label=label(_("End of calibration"), lang))
    _date_axis(ax, lang)
    _labels(ax, lang, title=_("Tracking: repeat purchases of the customers over time"),
            x=_("Period ending"),
            y=_("Cumulative repeat purchases") if cumulative else _("Repeat purchases per period"))
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.legend()
    return ax


def _date_axis(ax: Axes, lang: Language) -> None:
    """Dates on the x axis: matplotlib's concise labels in English, the locale's otherwise
    (longer, so fewer of them)."""
    locator = AutoDateLocator() if lang.code == "en" else AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    if lang.code == "en":
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        return
    from matplotlib.dates import num2date

    ax.xaxis.set_major_formatter(lambda v, _pos: label(
        lang.date(num2date(v).date(), format="MMM y"), lang))


def plot_holdout_by_frequency(
    holdout: HoldoutValidation | None,
    *,
    time_unit: str | None = None,
    language: Language | str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Mean holdout purchases per customer by calibration purchases (FHL 2005, Figure 4).

    Parameters
    ----------
    holdout : HoldoutValidation or None
        :func:`growthkit.clv.validate_holdout` output. None (no holdout period) draws a short
        note instead of the chart, so a report can call this unconditionally.
    time_unit : str, optional
        Unit of the holdout's duration, for the label.
    language : Language or str, optional
        The report language (English by default).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    if holdout is None:
        ax = new_ax(ax, figsize=(7.5, 0.8))
        ax.axis("off")
        ax.text(0.0, 0.5, label(_("No holdout period: set calibration_end to test the model on "
                                  "purchases it did not see."), lang),
                va="center", fontsize="medium")
        return ax
    ax = new_ax(ax)
    table = holdout.by_frequency
    x = np.arange(len(table))
    ax.plot(x, table["actual"], marker="o", color=PALETTE[0], label=label(_("Actual"), lang))
    name = next((code for code, word in MODEL_WORDS.items() if word == holdout.model),
                holdout.model)
    ax.plot(x, table["predicted"], marker="s", linestyle="--", color=PALETTE[1],
            label=label(_model(name, lang), lang))
    ticks = [label(_("{n} or more").format(n=lang.number(int(b[:-1]))) if b.endswith("+")
                   else lang.number(int(b)), lang) for b in table.index]
    ax.set_xticks(x, ticks)
    ax.yaxis.set_major_formatter(number_formatter(lang, 1))
    unit = lang.gettext(UNIT_WORDS[time_unit]) if time_unit in UNIT_WORDS else _("time units")
    _labels(ax, lang, title=_("Holdout check: actual vs predicted purchases per customer"),
            x=_("Repeat purchases in the calibration period"),
            y=_("Purchases per customer in the holdout ({duration} {unit})").format(
                duration=lang.number(holdout.duration), unit=unit))
    ax.legend()
    return ax


def plot_clv_distribution(
    predictions: pd.DataFrame,
    *,
    currency: str = "USD",
    profit: bool | None = None,
    language: Language | str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Distribution of revenue CLV (and profit CLV) across customers, on a log scale.

    Parameters
    ----------
    predictions : pandas.DataFrame
        :func:`growthkit.clv.predict` output with ``clv_revenue`` and ``clv_profit``.
    currency : str, default "USD"
        ISO 4217 code, for the axis.
    profit : bool, optional
        Draw profit CLV too. None: when it differs from revenue (a gross margin below 100%).
    language : Language or str, optional
        The report language (English by default).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    ax = new_ax(ax)
    revenue = predictions["clv_revenue"].to_numpy()
    profit_values = predictions["clv_profit"].to_numpy()
    if profit is None:
        profit = not np.allclose(revenue, profit_values)
    series = [(revenue, PALETTE[0], _("Revenue CLV"), _("Median revenue: {value}"))]
    if profit:
        series.append((profit_values, PALETTE[3], _("Profit CLV"), _("Median profit: {value}")))
    positive = np.concatenate([values for values, *_rest in series])
    positive = positive[positive > 0]
    if positive.size == 0:
        raise GrowthkitError("every predicted CLV is 0; there is no distribution to plot")
    bins = np.geomspace(max(positive.min(), positive.max() * 1e-4), positive.max(), 40)
    for i, (values, colour, name, _median) in enumerate(series):
        if i == 0:
            ax.hist(values, bins=bins, color=colour, alpha=0.6, label=label(name, lang))
        else:
            ax.hist(values, bins=bins, histtype="step", linewidth=2, color=colour,
                    label=label(name, lang))
    for values, colour, _name, median in series:
        ax.axvline(np.median(values), color=colour, linestyle=":", label=label(
            median.format(value=lang.money(float(np.median(values)), currency)), lang))
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(currency_formatter(currency, lang))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(number_formatter(lang))
    _labels(ax, lang, title=_("How value is spread across customers"),
            x=_("Customer lifetime value (log scale)"), y=_("Customers"))
    ax.legend(fontsize="small")
    return ax


def plot_segments(
    segments: pd.DataFrame,
    *,
    currency: str = "USD",
    language: Language | str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Total CLV per segment with its interval, labelled with the number of customers.

    Parameters
    ----------
    segments : pandas.DataFrame
        :func:`growthkit.clv.summarize_segments` output (with intervals when available).
    currency : str, default "USD"
        ISO 4217 code, for the axis.
    language : Language or str, optional
        The report language (English by default).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    ax = new_ax(ax)
    y = np.arange(len(segments))[::-1]
    values = segments["clv_revenue"].fillna(0).to_numpy()
    at_risk = {name for (_tier, status), name in SEGMENT_LABELS.items() if status == "at risk"}
    colours = [PALETTE[3] if name in at_risk else PALETTE[0] for name in segments.index]
    ax.barh(y, values, color=colours)
    high = values
    bounds = {"revenue_low", "revenue_high"} <= set(segments.columns)
    if bounds:
        low = segments["revenue_low"].to_numpy(dtype="float64")
        upper = segments["revenue_high"].to_numpy(dtype="float64")
        known = np.isfinite(low) & np.isfinite(upper)  # no bar where there is no interval
        bounds = bool(known.any())
    if bounds:
        high = np.where(known, np.maximum(upper, values), values)
        ax.errorbar(values[known], y[known],
                    xerr=[np.maximum(values - low, 0)[known], (high - values)[known]],
                    fmt="none", color="black", capsize=3, label=label(_("90% interval"), lang))
        ax.legend(loc="lower right")
    for yi, end, n in zip(y, high, segments["customers"], strict=True):
        ax.annotate(label(_("{n} customers").format(n=lang.number(n)), lang), (end, yi),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize="small")
    ax.set_yticks(y, [label(_(str(name)), lang) for name in segments.index])
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(currency_formatter(currency, lang))
    ax.set_xlabel(label(_("Total predicted CLV"), lang))
    ax.set_title(label(_("Value by segment (orange: at risk)"), lang))
    ax.set_xlim(0, max(high.max(), 1) * 1.35)
    return ax


def plot_history_alive(
    model: TransactionModel,
    purchase_dates: Any,
    *,
    time_unit: str | None = None,
    end: Any = None,
    language: Language | str | None = None,
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
    language : Language or str, optional
        The report language (English by default).
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
    lang = as_language(language, domain="clv")
    _ = lang.gettext
    ax = new_ax(ax)
    ax.plot(grid, p_alive, color=PALETTE[0], label=label(_("P(alive)"), lang))
    ax.vlines(days[days <= last_day], 0, 1, colors=PALETTE[3], linestyles="dashed",
              label=label(_("Purchases"), lang))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    _date_axis(ax, lang)
    _labels(ax, lang, title=_("P(alive) over time"), x=_("Date"), y=_("P(alive)"))
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
    lang = analysis.lang
    _ = lang.gettext
    customer = analysis.example_customer()
    ax = plot_history_alive(
        analysis.model, analysis.purchase_dates(customer), time_unit=analysis.settings.time_unit,
        end=analysis.observation_end, language=lang, ax=ax,
    )
    title = _("P(alive) over time of customer {customer} ({segment})").format(
        customer=lang.isolate(customer), segment=_(analysis.segment_of(customer)))
    ax.set_title(label(title, lang))
    return ax
