"""``analyze``: the whole CLV report as one result object the notebook reads from."""

from __future__ import annotations

import datetime
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from growthkit.clv import narrative
from growthkit.clv._base import TransactionModel
from growthkit.clv.fitting import MODELS, fit
from growthkit.clv.holdout import HoldoutValidation, validate_holdout
from growthkit.clv.segments import AT_RISK, segment_customers, summarize_segments
from growthkit.clv.spend import GammaGammaModel, SpendCorrelationWarning, fit_spend
from growthkit.clv.tracking import tracking_data
from growthkit.clv.uncertainty import CLVIntervals, clv_intervals
from growthkit.clv.value import CLVSettings, predict
from growthkit.data import DataQuality, Source, as_date, describe_orders, validate_orders
from growthkit.errors import GrowthkitError
from growthkit.formatting import package_versions
from growthkit.result import ReportAnalysis, records
from growthkit.rfm import rfm_summary
from growthkit.samples import sample_parameters
from growthkit.validation import check_option

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
        The RFM summary the models were fitted on: the calibration period (with holdout columns)
        when there is a ``calibration_end``, else the whole period. (This attribute was called
        ``summary`` before :meth:`summary` became the plain-language summary of every report.)
    current : pandas.DataFrame
        The RFM summary up to ``observation_end``: the histories forecasts start from.
    model : TransactionModel
        The fitted transaction model.
    spend_model : GammaGammaModel
        The fitted spend model.
    predictions : pandas.DataFrame
        :func:`growthkit.clv.predict` on ``current``, with segments (``segment``, ``value_tier``,
        ``status`` in front).
    holdout : HoldoutValidation or None
        The holdout check, when there is a ``calibration_end``.
    tracking : pandas.DataFrame
        Weekly cumulative repeat purchases of the fitted cohort, actual and expected.
    intervals : CLVIntervals
        Intervals of total and per-segment CLV.
    segments : pandas.DataFrame
        :func:`growthkit.clv.summarize_segments` with intervals and actions.
    settings : CLVSettings
        Horizon, discount rate, gross margin and time unit.
    currency : str
        Currency of the amounts, for labels.
    calibration_end : str or None
        The last day of the calibration period (ISO), or None when the models were fitted on
        all orders.
    observation_end : str
        The day the forecast starts from (ISO).
    orders : ibis.Table
        The validated orders (``customer_id``, ``order_date``, ``amount``), for per-customer
        look-ups.
    notes : list of str
        Caveats found on the way, e.g. a frequency-spend correlation or a missing holdout.
    """

    parameters: dict[str, Any]
    overview: dict[str, Any]
    data_quality: DataQuality
    rfm: pd.DataFrame
    current: pd.DataFrame
    model: TransactionModel
    spend_model: GammaGammaModel
    predictions: pd.DataFrame
    holdout: HoldoutValidation | None
    tracking: pd.DataFrame
    intervals: CLVIntervals
    segments: pd.DataFrame
    settings: CLVSettings
    currency: str
    calibration_end: str | None
    observation_end: str
    orders: ibis.Table
    notes: list[str] = field(default_factory=list)

    # -- the report's shape (growthkit.result.ReportAnalysis) -------------------------------------

    def summary(self) -> str:
        """The plain-language summary at the top of the report, as Markdown."""
        return narrative.summary_markdown(self)

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
        return {
            "Customer lifetime value": self.clv_table(),
            "Segments for action": self.segments_table(),
            f"Model fit: {self.model.label}": self.model_table(),
        }

    # -- what the notebook shows, section by section ----------------------------------------

    def data_markdown(self) -> str:
        """Section 2: where the orders came from and what to check in them (data quality)."""
        return narrative.data_markdown(self)

    def overview_table(self) -> pd.DataFrame:
        """Section 2: the data at a glance."""
        return narrative.overview_table(self)

    def rfm_table(self) -> pd.DataFrame:
        """Section 3: how frequency, recency, T and spend are distributed."""
        return narrative.rfm_table(self)

    def model_table(self) -> pd.DataFrame:
        """Section 4: estimates with standard errors, log-likelihood and AIC."""
        return narrative.model_table(self)

    def holdout_markdown(self) -> str:
        """Section 5: the holdout result in words (or why there is none)."""
        return narrative.holdout_markdown(self)

    def holdout_table(self) -> pd.DataFrame | None:
        """Section 5: holdout purchases by calibration frequency, with a total row."""
        return narrative.holdout_table(self)

    def spend_table(self) -> pd.DataFrame:
        """Section 6: the spend model's estimates and checks."""
        return narrative.spend_table(self)

    def clv_table(self) -> pd.DataFrame:
        """Section 7: total, mean and median CLV, revenue and profit, with the interval."""
        return narrative.clv_table(self)

    def segments_table(self) -> pd.DataFrame:
        """Section 8: segments, their value with intervals, and what to do."""
        return narrative.segments_table(self)

    def example_markdown(self) -> str:
        """Section 8: the customer whose P(alive) history the report shows, in a sentence."""
        return narrative.example_markdown(self)

    def run_info(self) -> pd.DataFrame:
        """Parameters and package versions, for the last cell of the report."""
        return narrative.run_info(self)

    # -- per customer ------------------------------------------------------------------------------

    def export_segments(self, path: str | os.PathLike | None) -> Path | None:
        """Write one row per customer with segment and predictions to CSV (``None``: skip).

        Parameters
        ----------
        path : str, Path or None
            Where to write; relative paths resolve against the working directory, which the
            report runner sets to the report folder so the CSV lands next to the HTML.

        Returns
        -------
        Path or None
            The file written.

        Raises
        ------
        GrowthkitError
            When the folder does not exist or ``path`` is a folder.
        """
        out = _export_path(path)
        if out is not None:
            self.predictions[list(EXPORT_COLUMNS)].to_csv(out, float_format="%.6g")
        return out

    def example_customer(self) -> Any:
        """The most valuable customer who is *high value, at risk* (else the most valuable)."""
        p = self.predictions
        at_risk = p[p["segment"] == AT_RISK]
        return (at_risk if len(at_risk) else p)["clv_revenue"].idxmax()

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
            log_likelihood, aic, customers, selection_reason}, ``spend_model`` {name, params,
            excluded_customers, log_likelihood, customers, population_mean_spend,
            frequency_spend_correlation, correlation_warning}, ``holdout`` {actual_purchases,
            predicted_purchases, mae, duration, customers, by_frequency} (only with a
            calibration_end), ``clv`` {horizon_months, total, mean, median, total_interval,
            interval_level, profit_total, profit_total_interval, expected_purchases,
            active_customers, customers, forecast_from, annual_discount_rate, gross_margin,
            currency}, ``segments``, ``data_quality`` (:meth:`DataQuality.to_dict`), ``notes``,
            ``headline``, ``parameters`` and ``versions``.
        """
        m, g, p, t = self.model, self.spend_model, self.predictions, self.intervals
        total, low, high = t.total
        profit, p_low, p_high = t.total_profit
        out: dict[str, Any] = {
            "customers": self.overview["customers"],
            "orders": self.overview["orders"],
            "transaction_model": {
                "name": m.name, "label": m.label, "params": m.params,
                "log_likelihood": m.log_likelihood, "aic": m.aic, "customers": m.n_customers,
                "selection_reason": m.selection_reason,
            },
            "spend_model": {
                "name": g.name, "params": g.params, "excluded_customers": g.excluded_customers,
                "log_likelihood": g.log_likelihood, "customers": g.n_customers,
                "population_mean_spend": g.population_mean,
                "frequency_spend_correlation": g.correlation,
                "correlation_warning": g.correlation_warning,
            },
        }
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
        out["clv"] = {
            "horizon_months": self.settings.horizon_months,
            "total": total,
            "mean": float(p["clv_revenue"].mean()),
            "median": float(p["clv_revenue"].median()),
            "total_interval": [low, high],
            "interval_level": t.level,
            "profit_total": profit,
            "profit_total_interval": [p_low, p_high],
            "expected_purchases": float(p["expected_purchases"].sum()),
            "active_customers": int((p["p_alive"] >= 0.5).sum()),
            "customers": len(p),
            "forecast_from": self.observation_end,
            "annual_discount_rate": self.settings.annual_discount_rate,
            "gross_margin": self.settings.gross_margin,
            "currency": self.currency,
        }
        out["segments"] = {
            name: {"customers": int(r["customers"]), "clv_revenue": float(r["clv_revenue"])}
            for name, r in self.segments.iterrows()
        }
        out["data_quality"] = self.data_quality.to_dict()
        out["notes"] = list(self.notes)
        out["headline"] = narrative.headline(self)
        out["parameters"] = dict(self.parameters)
        out["versions"] = package_versions()
        return out


def _export_path(path: str | os.PathLike | None) -> Path | None:
    """``segments_csv`` as a Path whose folder exists, checked before any work is done."""
    if path is None:
        return None
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"segments_csv must be a file path (str) or None; found {path!r}")
    out = Path(path)
    if out.is_dir():
        raise GrowthkitError(
            f"segments_csv={str(path)!r} is a folder; expected a file name such as "
            "'clv_segments.csv'"
        )
    folder = out.parent
    if not folder.is_dir():
        raise GrowthkitError(
            f"segments_csv={str(path)!r}: folder {str(folder)!r} does not exist; expected a "
            "file in an existing folder, e.g. 'clv_segments.csv'"
        )
    return out


def analyze(
    data: Source,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    time_unit: str = "weeks",
    calibration_end: str | None = None,
    observation_end: str | None = None,
    model: str = "bgnbd",
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    gross_margin: float = 1.0,
    currency: str = "USD",
    segments_csv: str | os.PathLike | None = None,
    seed: int = 0,
    *,
    n_draws: int = 200,
    timezone: str = "UTC",
) -> CLVAnalysis:
    """Run the CLV analysis end to end: data, RFM, models, holdout, CLV, intervals, segments.

    The parameters are the CLV notebook's, one to one. The orders are validated once
    (:func:`growthkit.data.validate_orders`); the summaries, the holdout and the tracking
    counts reuse that validation. With a ``calibration_end`` the models are fitted on the
    calibration period and checked on the holdout period after it; the forecast then starts
    from ``observation_end`` using every customer's full history with those estimates. Without
    one the models are fitted on all data, and a note says there is no holdout.

    Parameters
    ----------
    data : DataFrame, str, path or ibis.Table
        Orders, any source :func:`growthkit.data.load` accepts (e.g. ``"sample:cdnow"``).
    customer_col, date_col, amount_col : str
        The columns holding the customer, the order date and the order value.
    time_unit : {"days", "weeks", "months"}, default "weeks"
        Time unit of the models.
    calibration_end : date-like, optional
        Last day of the calibration period. None: the sample's own (1997-09-30 on
        ``sample:cdnow``) when ``data`` is a built-in sample
        (:func:`growthkit.samples.sample_parameters`), otherwise no holdout.
    observation_end : date-like, optional
        Last day of data used; defaults to the last order's day.
    model : {"bgnbd", "mbgnbd", "paretonbd", "auto"}, default "bgnbd"
        Transaction model (see :func:`growthkit.clv.fit`).
    horizon_months : int, default 12
        CLV horizon.
    annual_discount_rate : float, default 0.10
        Yearly discount rate.
    gross_margin : float, default 1.0
        Share of revenue that is profit.
    currency : str, default "USD"
        Currency of the amounts, for labels.
    segments_csv : str or path, optional
        Where to write the per-customer segments (:meth:`CLVAnalysis.export_segments`); its
        folder is checked before any work is done. None: no file.
    seed : int, default 0
        Seed of the interval bootstrap.
    n_draws : int, default 200
        Parameter draws for the intervals.
    timezone : str, default "UTC"
        Time zone for timestamps with an offset.

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
    settings = CLVSettings(horizon_months, annual_discount_rate, gross_margin, time_unit)
    check_option("model", model, [*MODELS, "auto"])
    if amount_col is None:
        raise GrowthkitError("amount_col is None; expected the column of order values CLV needs")
    export = _export_path(segments_csv)
    if calibration_end is None:
        calibration_end = sample_parameters(data).get("calibration_end")
    cal_end = as_date(calibration_end, "calibration_end")
    obs_given = as_date(observation_end, "observation_end")

    orders = validate_orders(data, customer_col, date_col, amount_col, timezone=timezone)
    obs_end = obs_given or orders.last_day
    current = rfm_summary(orders, time_unit=time_unit, observation_end=obs_end)
    rfm = (
        rfm_summary(orders, time_unit=time_unit, observation_end=obs_end,
                    calibration_end=cal_end)
        if cal_end is not None
        else current
    )
    notes = []
    if cal_end is None:
        notes.append(
            "No calibration_end was given, so the models are fitted on all orders up to "
            f"{obs_end.isoformat()} and there is no holdout period to test them on; set "
            f"calibration_end (e.g. {_suggested_calibration_end(orders.first_day, obs_end)}) "
            "to check the forecast against purchases the model did not see."
        )
    transaction_model = fit(rfm, model, time_unit=time_unit)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpendCorrelationWarning)
        spend_model = fit_spend(rfm)
    for w in caught:  # the correlation caveat goes into the report; anything else is re-raised
        if issubclass(w.category, SpendCorrelationWarning):
            notes.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    clv_args = {"horizon_months": settings.horizon_months,
                "annual_discount_rate": annual_discount_rate, "gross_margin": gross_margin}
    predictions = segment_customers(predict(transaction_model, current, spend_model, **clv_args))
    intervals = clv_intervals(
        transaction_model, spend_model, current, predictions["segment"].astype(str),
        **clv_args, n_draws=n_draws, seed=seed,
    )
    if obs_end >= orders.last_day:
        overview = orders.describe()
    else:  # observation_end cuts the data: one more query for the orders in the window
        overview = describe_orders(orders.table.filter(orders.table.order_date <= obs_end))
    analysis = CLVAnalysis(
        parameters={
            "data": orders.source, "customer_col": customer_col, "date_col": date_col,
            "amount_col": amount_col, "time_unit": time_unit,
            "calibration_end": cal_end.isoformat() if cal_end else None,
            "observation_end": observation_end, "model": model,
            "horizon_months": horizon_months, "annual_discount_rate": annual_discount_rate,
            "gross_margin": gross_margin, "currency": currency,
            "segments_csv": None if segments_csv is None else str(segments_csv), "seed": seed,
        },
        overview=overview,
        data_quality=orders.quality,
        rfm=rfm,
        current=current,
        model=transaction_model,
        spend_model=spend_model,
        predictions=predictions,
        holdout=validate_holdout(transaction_model, rfm) if cal_end is not None else None,
        tracking=tracking_data(
            transaction_model, orders, time_unit=time_unit, calibration_end=cal_end,
            observation_end=obs_end,
        ),
        intervals=intervals,
        segments=summarize_segments(predictions, intervals),
        settings=settings,
        currency=currency,
        calibration_end=cal_end.isoformat() if cal_end else None,
        observation_end=obs_end.isoformat(),
        orders=orders.table,
        notes=notes,
    )
    analysis.export_segments(export)
    return analysis


def _suggested_calibration_end(first: datetime.date, last: datetime.date) -> str:
    """A calibration end two thirds of the way through the data, as ISO text."""
    return (first + (last - first) * 2 / 3).isoformat()
