"""``analyze``: the whole CLV report as one result object the notebook reads from.

``analyze`` resolves its parameters (:class:`growthkit.clv.CLVSettings`, one validation of the
orders, the calibration period), computes (the fits), then assembles :class:`CLVAnalysis`.
"""

from __future__ import annotations

import datetime
import os
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from growthkit.clv import discrete_text, drivers_text, narrative, tables
from growthkit.clv.base import TransactionModel
from growthkit.clv.calibration import (
    auto_calibration_end,
    calibration_notes,
    check_calibration_end,
    fallback_calibration_ends,
)
from growthkit.clv.discrete import (
    check_model_unit,
    discrete_intervals,
    discrete_predict,
    discrete_summary,
    discrete_tracking,
    fit_any,
)
from growthkit.clv.drivers import (
    Drivers,
    drivers_metrics,
    explain_value,
    load_covariates,
    not_fitted_note,
    scale_notes,
)
from growthkit.clv.fitting import fit_notes
from growthkit.clv.holdout import HoldoutValidation, validate_holdout
from growthkit.clv.segments import (
    AT_RISK,
    all_alive_note,
    segment_customers,
    summarize_segments,
)
from growthkit.clv.settings import CLVSettings
from growthkit.clv.spend import (
    GammaGammaModel,
    SpendCorrelationWarning,
    correlation_note,
    fit_spend,
)
from growthkit.clv.tracking import tracking_data
from growthkit.clv.uncertainty import CLVIntervals, clv_intervals
from growthkit.clv.value import predict
from growthkit.data import (
    DataQuality,
    Orders,
    Source,
    as_date,
    describe_orders,
    redact,
    validate_orders,
)
from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.formatting import package_versions
from growthkit.i18n import N_, Language, check_currency, get_language
from growthkit.notes import Note, note_dicts, note_texts
from growthkit.numeric import finite
from growthkit.result import ReportAnalysis, records, summary_in
from growthkit.rfm import rfm_summary
from growthkit.samples import sample_parameters
from growthkit.validation import check_export_path

__all__ = ["EXPORT_COLUMNS", "CLVAnalysis", "analyze"]

#: The columns of the per-customer segments CSV, after the customer id.
EXPORT_COLUMNS = (
    "segment", "value_tier", "status", "p_alive", "expected_purchases", "expected_spend",
    "clv_revenue", "clv_profit", "frequency", "recency", "T", "monetary_value",
)


@dataclass(frozen=True, repr=False, eq=False)
class CLVAnalysis(ReportAnalysis):
    """Everything the CLV report shows, computed once by :func:`analyze`.

    :meth:`summary` is the plain-language summary, :meth:`metrics` the JSON and
    :meth:`tables` the key tables; the other methods give one report section each.

    Attributes
    ----------
    parameters : dict
        The arguments of :func:`analyze` as resolved: the data source redacted and
        ``calibration_end`` filled in from the sample's defaults when left at None.
    overview : dict
        The orders up to the observation end: ``customers``, ``orders``, ``first_date``,
        ``last_date``, ``revenue`` and ``zero_amount_orders``.
    data_quality : DataQuality
        What validating the orders found: duplicate rows, orders left out (dates after today
        or typos), refunds and zero amounts.
    rfm : pandas.DataFrame
        The RFM summary of the holdout check: the calibration period (with holdout columns)
        when there is a ``calibration_end``, else the whole period. (This attribute was called
        ``summary`` before :meth:`summary` became the plain-language summary of every report.)
    current : pandas.DataFrame
        The RFM summary up to ``observation_end``: the histories the forecast models are fitted
        on and forecasts start from.
    model : TransactionModel
        The transaction model of the forecast, fitted on all orders up to ``observation_end``.
    spend_model : GammaGammaModel
        The spend model of the forecast, fitted on all orders up to ``observation_end``.
    predictions : pandas.DataFrame
        :func:`growthkit.clv.predict` on ``current``, with segments (``segment``, ``value_tier``,
        ``status`` in front).
    holdout : HoldoutValidation or None
        The holdout check of ``calibration_model``, when there is a ``calibration_end``.
    tracking : pandas.DataFrame
        Weekly cumulative repeat purchases of the fitted cohort, actual and expected by
        ``calibration_model`` (by ``model`` without a holdout).
    intervals : CLVIntervals
        Intervals of total and per-segment CLV.
    segments : pandas.DataFrame
        :func:`growthkit.clv.summarize_segments` with intervals and actions.
    settings : CLVSettings
        The report's parameters as checked (:class:`growthkit.clv.CLVSettings`); the horizon
        in model time units is ``settings.horizon``.
    currency : str
        ISO 4217 code of the amounts' currency.
    calibration_end : str or None
        The last day of the calibration period (ISO), or None without a holdout check.
    observation_end : str
        The day the forecast starts from (ISO).
    orders : ibis.Table
        The validated orders (``customer_id``, ``order_date``, ``amount``), for per-customer
        look-ups.
    notes : tuple of Note
        Caveats found on the way, e.g. a frequency-spend correlation or a missing holdout: codes
        with arguments (:class:`growthkit.notes.Note`), English in the JSON's ``notes``.
    calibration_model : TransactionModel or None
        The transaction model fitted on the calibration period only, which the holdout numbers
        come from; None without a holdout.
    calibration : str
        How ``calibration_end`` was set: ``"given"``, ``"sample"`` (the sample's own),
        ``"auto"`` (the last 25% of the data's date range), ``"none"`` (None: no holdout asked
        for), ``"too short"`` (``"auto"`` on data spanning less than half a year) or
        ``"too few repeat buyers"`` (``"auto"`` with a calibration period too thin to fit); see
        :mod:`growthkit.clv.calibration`.
    lang : Language
        The report language (words from the ``clv`` catalog, formats, digits).
    drivers : Drivers or None
        What drives value (:class:`growthkit.clv.drivers.Drivers`), with customer covariates
        (``covariates_data`` or ``first_order_covariates``); None without. Its keys in
        :meth:`metrics` are described by :func:`growthkit.clv.drivers.drivers_metrics`.
    """

    parameters: dict[str, Any]
    overview: dict[str, Any]
    data_quality: DataQuality
    rfm: pd.DataFrame
    current: pd.DataFrame
    model: TransactionModel | None
    spend_model: GammaGammaModel | None
    predictions: pd.DataFrame | None
    holdout: HoldoutValidation | None
    tracking: pd.DataFrame | None
    intervals: CLVIntervals | None
    segments: pd.DataFrame | None
    settings: CLVSettings
    currency: str
    calibration_end: str | None
    observation_end: str
    orders: ibis.Table
    notes: tuple[Note, ...] = ()
    calibration_model: TransactionModel | None = None
    calibration: str = "given"
    lang: Language = field(default_factory=lambda: get_language("en", domain="clv"))
    drivers: Drivers | None = None

    # -- the report's shape (growthkit.result.ReportAnalysis) -------------------------------------

    def summary(self, format: str = "markdown") -> str:
        """The plain-language summary at the top of the report.

        Parameters
        ----------
        format : {"markdown", "text"}, default "markdown"
            As the report shows it, or plain text to paste into a chat or a dashboard.
        """
        return summary_in(narrative.summary_markdown(self), format, self.lang.rtl)

    def summary_markdown(self) -> str:
        """Deprecated alias of :meth:`summary`."""
        warnings.warn(
            "CLVAnalysis.summary_markdown() is deprecated; use CLVAnalysis.summary()",
            FutureWarning,
            stacklevel=2,
        )
        return self.summary()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The key tables, formatted: customer lifetime value, segments and the model fit."""
        return tables.tables(self)

    # -- what the notebook shows, section by section ----------------------------------------

    def data_markdown(self) -> str:
        """Section 2: where the orders came from and what to check in them (data quality)."""
        return narrative.data_markdown(self)

    def overview_table(self) -> pd.DataFrame:
        """Section 2: the data at a glance."""
        return tables.overview_table(self)

    def rfm_markdown(self) -> str:
        """Section 3: how many customers came back, in a sentence."""
        return narrative.rfm_markdown(self)

    def rfm_table(self) -> pd.DataFrame:
        """Section 3: how frequency, recency, T and spend are distributed."""
        return tables.rfm_table(self)

    def model_table(self) -> pd.DataFrame:
        """Section 4: estimates with standard errors, log-likelihood and AIC."""
        return tables.model_table(self)

    def holdout_markdown(self) -> str:
        """Section 5: what the holdout test is and how it went (or why there is none)."""
        return narrative.holdout_section(self)

    def holdout_table(self) -> pd.DataFrame | None:
        """Section 5: holdout purchases by calibration frequency, with a total row."""
        return tables.holdout_table(self)

    def spend_table(self) -> pd.DataFrame:
        """Section 6: the spend model's estimates and checks."""
        return tables.spend_table(self)

    def tracking_markdown(self) -> str:
        """Section 4: what the tracking chart compares, in a sentence."""
        return narrative.tracking_markdown(self)

    def clv_markdown(self) -> str:
        """Section 7: what the amounts are (revenue, or profit at the gross margin)."""
        return narrative.clv_markdown(self)

    def clv_table(self) -> pd.DataFrame:
        """Section 7: total, mean and median CLV (profit too with a gross margin below 1)."""
        return tables.clv_table(self)

    def segments_markdown(self) -> str:
        """Section 8: how the segments are made and where the per-customer file is."""
        return narrative.segments_markdown(self)

    def segments_table(self) -> pd.DataFrame:
        """Section 8: segments, their value with intervals, and what to do."""
        return tables.segments_table(self)

    def segments_view(self) -> Any:
        """Section 8: :meth:`segments_table` as a Styler that shows the advice whole.

        pandas cuts text cells at ``display.max_colwidth`` (50) characters in a DataFrame's
        HTML; a Styler's HTML does not, in papermill's output and in JupyterLab alike.
        """
        table = self.segments_table()
        if table is None:
            return None
        return tables.full_table(table, wrap=[self.lang.gettext("what to do")])

    def example_markdown(self) -> str:
        """Section 8: the customer whose P(alive) history the report shows, in a sentence."""
        return narrative.example_markdown(self)

    def discrete_markdown(self) -> str:
        """With BG/BB: what a history in whole periods is and which charts it has not."""
        return discrete_text.discrete_markdown(self)

    def drivers_markdown(self) -> str:
        """What drives value: multipliers, the likelihood-ratio test, the holdout comparison."""
        return drivers_text.drivers_markdown(self)

    def drivers_table(self) -> pd.DataFrame | None:
        """What drives value: each covariate's multipliers with intervals (None: no covariates)."""
        return drivers_text.effects_table(self)

    def new_customer_table(self) -> pd.DataFrame | None:
        """What drives value: a new customer's CLV by profile, a CAC ceiling (None: none)."""
        return drivers_text.new_customer_table(self)

    def run_info(self) -> pd.DataFrame:
        """Parameters and package versions, for the last cell of the report."""
        return tables.run_info(self)

    # -- per customer ------------------------------------------------------------------------------

    def segments_export(self) -> pd.DataFrame:
        """One row per customer with segment and predictions: the customer id (named as the
        data's ``customer_col``) as the index, then :data:`EXPORT_COLUMNS`."""
        columns = [c for c in EXPORT_COLUMNS if c in self.predictions.columns]
        return self.predictions[columns].rename_axis(
            self.parameters.get("customer_col") or "customer_id"
        )

    def exports(self) -> dict[str, pd.DataFrame]:
        """The per-customer segments under the ``segments_csv`` name (none when it is None).

        ``analyze`` writes no file: the notebook passes this to ``growthkit.report.export``.
        """
        name = self.parameters.get("segments_csv")
        if name is None or self.predictions is None:
            return {}
        return {str(name): self.segments_export()}

    def export_segments(self, path: str | os.PathLike | None) -> Path | None:
        """Write :meth:`segments_export` to ``path`` (``None``: skip).

        A path ending in ``.parquet`` writes Parquet (for millions of customers), anything
        else CSV through :func:`growthkit.report.exports.write_csv`.

        Parameters
        ----------
        path : str, Path or None
            Where to write; relative paths resolve against the working directory.

        Returns
        -------
        Path or None
            The file written.

        Raises
        ------
        GrowthkitError
            When the folder does not exist or ``path`` is a folder.
        """
        from growthkit.report.exports import write_csv  # the report layer's one CSV writer

        out = check_export_path(path, "segments_csv", "clv_segments.csv")
        if out is None:
            return None
        table = self.segments_export()
        if out.suffix.lower() == ".parquet":
            table.astype({"segment": str}).reset_index().to_parquet(out, index=False)
            return out
        return write_csv(table, out, index=True)

    def example_customer(self) -> Any:
        """The most valuable customer who is *high value, at risk* (else the most valuable)."""
        p = self.predictions
        if p is None:
            return None
        at_risk = p[p["segment"] == AT_RISK]
        value = "clv_revenue" if "clv_revenue" in p.columns else "expected_purchases"
        return (at_risk if len(at_risk) else p)[value].idxmax()

    def segment_of(self, customer: Any) -> str:
        """The segment of one customer."""
        return str(self.predictions.loc[customer, "segment"])

    def purchase_dates(self, customer: Any) -> pd.Series:
        """One customer's order dates up to the observation end, fetched from the engine."""
        t = self.orders
        end = pd.Timestamp(self.observation_end).date()
        mine = t.filter((t.customer_id == customer) & (t.order_date <= end))
        return pd.to_datetime(mine.select("order_date").execute()["order_date"])

    # -- JSON ------------------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        """The report's JSON metrics (keys are a contract: added to, never renamed).

        Returns
        -------
        dict
            ``customers``, ``orders``, ``transaction_model`` {name, label, params,
            log_likelihood, aic, customers, selection_reason} (the forecast's fit, on all
            orders), ``calibration_model`` {the same keys} (the fit on the calibration period
            the holdout numbers come from; only with a calibration_end), ``spend_model``
            {name, params, excluded_customers, log_likelihood, customers, population_mean_spend,
            frequency_spend_correlation, correlation_warning}, ``holdout`` {actual_purchases,
            predicted_purchases, mae, duration, customers, by_frequency} (only with a
            calibration_end), ``clv`` {horizon_months, total, mean, median, total_interval,
            interval_level, profit_total, profit_total_interval, expected_purchases,
            active_customers, customers, forecast_from, annual_discount_rate, gross_margin,
            currency}, ``segments`` (every segment of :data:`growthkit.clv.SEGMENTS`),
            ``calibration`` (how calibration_end was set), ``data_quality``
            (:meth:`DataQuality.to_dict`), ``notes`` (English), ``notes_detail`` (code,
            arguments and English text of each),
            ``headline``, ``parameters`` and ``versions``.
        """
        out: dict[str, Any] = {
            "customers": self.overview["customers"],
            "orders": self.overview["orders"],
            "transaction_model": _model_metrics(self.model),
        }
        if self.calibration_model is not None:
            out["calibration_model"] = _model_metrics(self.calibration_model)
        out["spend_model"] = _spend_metrics(self.spend_model)
        out["calibration"] = self.calibration
        if self.holdout is not None:
            h = self.holdout
            out["holdout"] = {
                "actual_purchases": h.actual_purchases,
                "predicted_purchases": h.predicted_purchases,
                "mae": h.mae,
                "duration": h.duration,
                "customers": h.customers,
                "by_frequency": records(h.by_frequency.reset_index()),
            }
        out["forecast"] = self.predictions is not None
        out["purchases"] = None if self.predictions is None else self._purchase_metrics()
        out["clv"] = None if self.intervals is None else self._clv_metrics()
        out["segments"] = {} if self.segments is None else {
            name: {"customers": int(r["customers"]), "clv_revenue": _finite(r.get("clv_revenue")),
                   "expected_purchases": float(r["expected_purchases"])}
            for name, r in self.segments.iterrows()
        }
        out["data_quality"] = self.data_quality.to_dict()
        out["notes"] = note_texts(self.notes)
        out["notes_detail"] = note_dicts(self.notes)
        if self.drivers is not None:
            drivers_metrics(self.drivers, out)
        out["headline"] = narrative.headline(self)
        out["parameters"] = dict(self.parameters)
        out["versions"] = package_versions()
        return out


    def _purchase_metrics(self) -> dict[str, Any]:
        """Who is still active and the expected purchases, for the JSON (with or without
        amounts)."""
        p = self.predictions
        repeat = p["frequency"] > 0
        return {
            "horizon_months": self.settings.horizon_months,
            "customers": len(p),
            "expected_purchases": float(p["expected_purchases"].sum()),
            "active_customers": int((p["p_alive"] >= 0.5).sum()),
            "repeat_buyers": int(repeat.sum()),
            "active_repeat_buyers": int((repeat & (p["p_alive"] >= 0.5)).sum()),
        }

    def _clv_metrics(self) -> dict[str, Any]:
        """The forecast's figures for the JSON."""
        p, t = self.predictions, self.intervals
        total, low, high = t.total
        profit, p_low, p_high = t.total_profit
        return {
            "horizon_months": self.settings.horizon_months,
            "total": total,
            "mean": float(p["clv_revenue"].mean()),
            "median": float(p["clv_revenue"].median()),
            "total_interval": [_finite(low), _finite(high)],  # None: no interval (a note)
            "interval_level": t.level,
            "profit_total": profit,
            "profit_total_interval": [_finite(p_low), _finite(p_high)],
            "expected_purchases": float(p["expected_purchases"].sum()),
            "active_customers": int((p["p_alive"] >= 0.5).sum()),
            "customers": len(p),
            "forecast_from": self.observation_end,
            "annual_discount_rate": self.settings.annual_discount_rate,
            "gross_margin": self.settings.gross_margin,
            "currency": self.currency,
        }


def _finite(value: Any) -> float | None:
    """A number for the JSON, None when missing or not finite."""
    return float(value) if finite(value) else None


def _spend_metrics(g: GammaGammaModel | None) -> dict[str, Any] | None:
    """The spend model's fit for the JSON (None without one)."""
    if g is None:
        return None
    return {
        "name": g.name, "params": g.params, "excluded_customers": g.excluded_customers,
        "log_likelihood": g.log_likelihood, "customers": g.n_customers,
        "population_mean_spend": g.population_mean,
        "frequency_spend_correlation": g.correlation,
        "correlation_warning": g.correlation_warning,
    }


def _model_metrics(m: TransactionModel | None) -> dict[str, Any] | None:
    """A transaction model's fit for the JSON (None without one)."""
    if m is None:
        return None
    return {
        "name": m.name, "label": m.label, "params": m.params,
        "log_likelihood": m.log_likelihood, "aic": m.aic, "customers": m.n_customers,
        "selection_reason": getattr(m, "selection_reason", None),
    }


@dataclass(frozen=True)
class _Plan:
    """What resolving the parameters settles before any model is fitted."""

    settings: CLVSettings
    lang: Language
    currency: str
    orders: Orders
    calibration_end: datetime.date | None
    calibration: str
    observation_end: datetime.date


@dataclass(frozen=True)
class _Fits:
    """The fitted models and the summaries they were fitted on."""

    current: pd.DataFrame
    rfm: pd.DataFrame
    model: TransactionModel | None
    calibration_model: TransactionModel | None
    spend_model: GammaGammaModel | None
    calibration_end: datetime.date | None
    calibration: str
    notes: tuple[Note, ...]


def analyze(
    data: Source,
    /,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = "amount",
    order_col: str | None = None,
    quantity_col: str | None = None,
    time_unit: str = "weeks",
    calibration_end: str | datetime.date | None = "auto",
    observation_end: str | datetime.date | None = None,
    model: str = "bgnbd",
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    gross_margin: float | None = 1.0,
    currency: str = "USD",
    segments_csv: str | os.PathLike | None = None,
    seed: int = 0,
    language: str = "en",
    digits: str = "locale",
    n_draws: int = 200,
    timezone: str = "UTC",
    covariates_data: Source | None = None,
    covariates: str | list[str] | None = None,
    first_order_covariates: str | list[str] | None = None,
) -> CLVAnalysis:
    """Run the CLV analysis end to end: data, RFM, models, holdout, CLV, intervals, segments.

    The parameters are the CLV notebook's, one to one, declared once in
    :class:`growthkit.clv.CLVSettings` (defaults, bounds, help). The orders are validated once
    (:func:`growthkit.data.validate_orders`); the summaries, the holdout and the tracking
    counts reuse that validation. With a ``calibration_end`` the transaction model is first
    fitted on the calibration period and checked on the holdout period after it (the holdout
    numbers); then both models are fitted again on all orders up to ``observation_end``, and
    the forecast starts from there with every customer's full history. Without one the models
    are fitted on all data once, and the report says the forecast is untested.

    Parameters
    ----------
    data : DataFrame, str, path or ibis.Table
        Orders, any source :func:`growthkit.data.load` accepts (e.g. ``"sample:cdnow"``).
    customer_col, date_col, amount_col : str
        The columns holding the customer, the order date and the order value (with
        ``quantity_col``, the unit price). ``amount_col`` None reads a purchase log without
        amounts: the purchase side of the report only, the value sections skipped with a note.
    order_col, quantity_col : str, optional
        For invoice lines: the column holding the order (invoice) each row belongs to, and each
        line's quantity (a line's amount is quantity × unit price; a negative quantity is a
        return). See :func:`growthkit.data.validate_orders`.
    time_unit : {"days", "weeks", "months", "years"}, default "weeks"
        Time unit of the models; with ``model="bgbb"`` the period (years, months or weeks).
    calibration_end : date-like, "auto" or None, default "auto"
        Last day of the calibration period, on or after the first order and before the
        observation end. ``"auto"``: the sample's own (1997-09-30 on ``sample:cdnow``) when
        ``data`` is a built-in sample (:func:`growthkit.samples.sample_parameters`); otherwise
        the last 25% of the data's date range is held out when the data span at least 182
        days and the calibration period has repeat buyers to fit, else there is no holdout
        (:mod:`growthkit.clv.calibration`). None: no holdout.
    observation_end : date-like, optional
        Last day of data used; defaults to the last order's day.
    model : {"bgnbd", "mbgnbd", "paretonbd", "auto"}, default "bgnbd"
        Transaction model (see :func:`growthkit.clv.fit`).
    horizon_months : int, default 12
        CLV horizon.
    annual_discount_rate : float, default 0.10
        Yearly discount rate, in [0, 10).
    gross_margin : float or None, default 1.0
        Share of revenue that is profit, in (0, 1]; None: no margin given (revenue only).
    currency : str, default "USD"
        ISO 4217 code of the amounts' currency (USD, EUR, SAR, AED, EGP, ...).
    segments_csv : str or path, optional
        The name of the per-customer segments file in :meth:`CLVAnalysis.exports`; its folder
        is checked before any work is done. None: no file. ``analyze`` writes no file.
    seed : int, default 0
        Seed of the interval bootstrap.
    language : str, default "en"
        Report language: ``"en"`` or ``"ar"`` (:func:`growthkit.i18n.get_language`).
    digits : {"locale", "latin", "arabic"}, default "locale"
        The digits numbers are written with.
    n_draws : int, default 200
        Parameter draws for the intervals.
    timezone : str, default "UTC"
        Time zone for timestamps with an offset.
    covariates_data : source, optional
        Customer covariates, one row per customer with the ``customer_col`` column, for the
        section "What drives value" (:mod:`growthkit.clv.drivers`).
    covariates : str or list of str, optional
        Columns of ``covariates_data`` (``"gender,channel"``); default every other column.
    first_order_covariates : str or list of str, optional
        Columns of the orders whose value on each customer's first order is a covariate.

    Returns
    -------
    CLVAnalysis

    Raises
    ------
    GrowthkitError
        Naming the column or parameter, for bad data or parameters.
    ConvergenceError
        When a model cannot be fitted.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
    http://brucehardie.com/notes/025/
    """
    settings = CLVSettings.from_parameters(
        customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        order_col=order_col, quantity_col=quantity_col, time_unit=time_unit,
        calibration_end=calibration_end, observation_end=observation_end,
        model=model, horizon_months=horizon_months, annual_discount_rate=annual_discount_rate,
        gross_margin=gross_margin, currency=currency, segments_csv=segments_csv, seed=seed,
        language=language, digits=digits, n_draws=n_draws, timezone=timezone,
        covariates_data=covariates_data, covariates=covariates,
        first_order_covariates=first_order_covariates,
    )
    plan = _resolve(data, settings)
    loaded = load_covariates(  # checked before any fit
        plan.orders, covariates_data=settings.covariates_data, covariates=settings.covariates,
        first_order_covariates=settings.first_order_covariates,
        customer_col=settings.customer_col,
    )
    fits = _fit_models(plan)
    covs = None if loaded is None else loaded.for_customers(fits.current.index)
    a = _assemble(plan, fits)
    if covs is None or a.model is None:
        return a
    try:
        d = explain_value(
            covariates=covs, current=a.current, model=a.model,
            rfm=a.rfm if a.calibration_model is not None else None,
            calibration_model=a.calibration_model,
            spend_per_purchase=(a.spend_model.population_mean if a.spend_model is not None
                                else float("nan")),
            valuation=settings.valuation(), seed=settings.seed,
        )
    except ConvergenceError as exc:  # the report stands; the section says why it is empty
        return replace(a, notes=(*a.notes, *scale_notes(covs), not_fitted_note(exc)))
    return replace(a, drivers=d, notes=a.notes + d.notes)


def _resolve(data: Source, settings: CLVSettings) -> _Plan:
    """Check the parameters, validate the orders once and settle the calibration period."""
    lang = get_language(settings.language, digits=settings.digits, domain="clv")
    currency = check_currency(settings.currency)
    check_export_path(settings.segments_csv, "segments_csv", "clv_segments.csv")
    check_model_unit(settings.model, settings.time_unit, covariates=bool(
        settings.covariates_data is not None or settings.first_order_covariates))
    given = settings.calibration_end
    auto = isinstance(given, str) and given.strip().lower() == "auto"
    sample_end = sample_parameters(data).get("calibration_end") if auto else None
    cal_end = None if auto else as_date(given, "calibration_end")
    obs_given = as_date(settings.observation_end, "observation_end")

    orders = validate_orders(data, settings.customer_col, settings.date_col,
                             settings.amount_col, timezone=settings.timezone,
                             order_col=settings.order_col, quantity_col=settings.quantity_col,
                             keep=settings.first_order_covariates or ())
    obs_end = obs_given or orders.last_day
    if auto:
        cal_end, calibration = auto_calibration_end(
            as_date(sample_end, "calibration_end"), orders.first_day, obs_end
        )
    else:
        calibration = "none" if cal_end is None else "given"
        check_calibration_end(cal_end, orders.first_day, obs_end)
    return _Plan(settings, lang, currency, orders, cal_end, calibration, obs_end)


def _fit_models(plan: _Plan) -> _Fits:
    """The summaries, the holdout fit (when there is a calibration end) and the forecast fits.

    A model that does not converge is a finding, not a crash: the next model is tried
    (:func:`growthkit.clv.fitting.fit_converged`), ``"auto"`` tries shorter holdouts, and when
    no model converges there is no forecast (``model`` None) and the notes say why.
    """
    s, orders = plan.settings, plan.orders
    unit, obs_end = s.time_unit, plan.observation_end
    summarise = discrete_summary if s.model == "bgbb" else rfm_summary
    current = summarise(orders, time_unit=unit, observation_end=obs_end)
    cal_end, calibration, rfm, calibration_model, attempts = _holdout_fit(plan)
    notes = calibration_notes(calibration, cal_end, orders.first_day, obs_end,
                              tried=plan.calibration_end)
    wanted = s.model if calibration_model is None else calibration_model.name
    transaction_model, failed = fit_any(current, wanted, time_unit=unit)
    # The holdout's failed fits explain a change of model; without a holdout fit the
    # no-holdout note says why, and only the forecast's own failures are named.
    earlier = attempts if calibration_model is not None else []
    notes += fit_notes(s.model, transaction_model, [*earlier, *failed])
    same = transaction_model is not None and calibration_model is not None and (
        transaction_model.name == calibration_model.name
    )
    if same:  # the holdout's choice stands
        transaction_model.selection_reason = getattr(calibration_model, "selection_reason", None)
        transaction_model.candidates = getattr(calibration_model, "candidates", None)
    spend_model = None
    if s.amount_col is None:
        notes.append(Note("no_amounts", NO_AMOUNTS))
    elif transaction_model is not None:
        spend_model, spend_notes = _fit_spend(current)
        notes += spend_notes
    return _Fits(current, current if rfm is None else rfm, transaction_model, calibration_model,
                 spend_model, cal_end, calibration, tuple(notes))


def _fit_spend(current: pd.DataFrame) -> tuple[GammaGammaModel | None, list[Note]]:
    """The spend model and its caveat; a fit that does not converge skips the value sections
    with a note, as a purchase log without amounts does."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", SpendCorrelationWarning)  # it becomes a note
            spend_model = fit_spend(current)
    except ConvergenceError as exc:
        return None, [Note("spend_not_fitted", SPEND_NOT_FITTED, detail=str(exc))]
    spend_note = correlation_note(spend_model)
    return spend_model, [] if spend_note is None else [spend_note]


def _holdout_fit(
    plan: _Plan,
) -> tuple[datetime.date | None, str, pd.DataFrame | None, TransactionModel | None, list]:
    """The calibration end used, how it was set, its summary, its model and failed fits.

    ``"auto"`` tries the default split, then shorter holdouts
    (:func:`growthkit.clv.calibration.fallback_calibration_ends`); a given date that no model
    fits leaves no holdout (``"not fitted"``), as does ``"auto"`` finding no split.
    """
    s, orders = plan.settings, plan.orders
    cal_end, calibration = plan.calibration_end, plan.calibration
    if cal_end is None:
        return None, calibration, None, None, []
    ends = [cal_end]
    if calibration == "auto":
        ends += [d for d in fallback_calibration_ends(orders.first_day, plan.observation_end)
                 if d > cal_end]
    attempts: list = []
    too_few = False
    for end in ends:
        summarise = discrete_summary if s.model == "bgbb" else rfm_summary
        rfm = summarise(orders, time_unit=s.time_unit, observation_end=plan.observation_end,
                        calibration_end=end)
        try:
            model, failed = fit_any(rfm, s.model, time_unit=s.time_unit)
        except GrowthkitError:  # too few customers or repeat buyers before this end
            if calibration != "auto":
                raise
            too_few = True
            continue
        if model is not None:  # a shorter holdout's note says why the default one failed
            return end, calibration, rfm, model, list(failed)
        if not attempts:  # the default split's failures speak for the shorter holdouts too
            attempts = list(failed)
    if calibration != "auto":
        return None, "not fitted", None, None, attempts
    how = "too few repeat buyers" if too_few and not attempts else "no fitting split"
    return None, how, None, None, attempts


#: A purchase log without amounts: the purchase side of the report only.
NO_AMOUNTS = N_(
    "No amounts (amount_col is None): this report covers purchases only (who is still active, "
    "expected purchases, the holdout check, segments by expected purchases); the spend model, "
    "customer lifetime value and its intervals are skipped."
)
#: The spend model did not converge: no value sections.
SPEND_NOT_FITTED = N_(
    "The spend model (Gamma-Gamma) did not converge on these amounts, so this report covers "
    "purchases only (who is still active, expected purchases, the holdout check, segments by "
    "expected purchases); customer lifetime value and its intervals are skipped."
)
#: The intervals could not be drawn: point estimates only.
NO_INTERVALS = N_(
    "The CLV intervals are not shown: {model}'s estimates have no usable standard errors (the "
    "likelihood is flat near its maximum), so only point estimates are given."
)


def _forecast(
    plan: _Plan, fits: _Fits
) -> tuple[pd.DataFrame, CLVIntervals | None, pd.DataFrame, list[Note]]:
    """Predictions with segments, intervals and the segment summary, with their notes."""
    s, notes = plan.settings, []
    clv_args = {"horizon_months": s.horizon_months,
                "annual_discount_rate": s.annual_discount_rate, "gross_margin": s.margin}
    value = "expected_purchases" if fits.spend_model is None else "clv_revenue"
    discrete = s.model == "bgbb"  # whole periods: growthkit.clv.discrete
    if discrete:
        clv_args["time_unit"] = s.time_unit
    predictions = segment_customers(
        (discrete_predict if discrete else predict)(
            fits.model, fits.current, fits.spend_model, **clv_args), value=value
    )
    alive = all_alive_note(predictions)
    if alive is not None:
        notes.append(alive)
    if fits.spend_model is None:
        return predictions, None, summarize_segments(predictions), notes
    if discrete:
        intervals = discrete_intervals(
            fits.model, fits.spend_model, fits.current, predictions["segment"].astype(str),
            **clv_args, n_draws=s.n_draws, seed=s.seed,
        )
    else:
        intervals = clv_intervals(
            fits.model, fits.spend_model, fits.current, predictions["segment"].astype(str),
            **clv_args, n_draws=s.n_draws, seed=s.seed, strict=False,
        )
    if not intervals.has_bounds:
        notes.append(Note("no_intervals", NO_INTERVALS, kinds={"model": "text"},
                          model=fits.model.label))
    return predictions, intervals, summarize_segments(predictions, intervals), notes


def _assemble(plan: _Plan, fits: _Fits) -> CLVAnalysis:
    """Predictions, intervals, holdout, tracking and segments, in one result object."""
    s, orders, cal_end = plan.settings, plan.orders, fits.calibration_end
    notes = list(fits.notes)
    predictions = intervals = segments = None
    # Near the edge of their range the models' terms overflow on the way to finite values
    # (handled in the code); the floating-point warnings would only clutter the report.
    with np.errstate(all="ignore"):
        if fits.model is not None:
            predictions, intervals, segments, more = _forecast(plan, fits)
            notes += more
    tracked = fits.calibration_model or fits.model
    if plan.observation_end >= orders.last_day:
        overview = orders.describe()
    else:  # observation_end cuts the data: one more query for the orders in the window
        table = orders.table
        overview = describe_orders(table.filter(table.order_date <= plan.observation_end))
    parameters = {"data": orders.source, **s.to_json()}
    parameters |= {
        "calibration_end": cal_end.isoformat() if cal_end else None,
        "segments_csv": None if s.segments_csv is None else str(s.segments_csv),
        "language": plan.lang.locale_id,
        "covariates_data": None if s.covariates_data is None else redact(s.covariates_data),
    }
    return CLVAnalysis(
        parameters=parameters,
        overview=overview,
        data_quality=orders.quality,
        rfm=fits.rfm,
        current=fits.current,
        model=fits.model,
        spend_model=fits.spend_model,
        predictions=predictions,
        holdout=(None if fits.calibration_model is None
                 else validate_holdout(fits.calibration_model, fits.rfm)),
        tracking=None if tracked is None else (
            discrete_tracking if s.model == "bgbb" else tracking_data)(
            tracked, orders, time_unit=s.time_unit, calibration_end=cal_end,
            observation_end=plan.observation_end,
        ),
        intervals=intervals,
        segments=segments,
        settings=s,
        currency=plan.currency,
        calibration_end=cal_end.isoformat() if cal_end else None,
        observation_end=plan.observation_end.isoformat(),
        orders=orders.table,
        notes=tuple(notes),
        calibration_model=fits.calibration_model,
        calibration=fits.calibration,
        lang=plan.lang,
    )
