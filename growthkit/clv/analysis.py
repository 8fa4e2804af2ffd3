"""``analyze``: the whole CLV report as one result object the notebook reads from."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from growthkit._validation import _check_option
from growthkit.clv import _display
from growthkit.clv._base import TransactionModel
from growthkit.clv.fitting import MODELS, fit
from growthkit.clv.holdout import HoldoutValidation, validate_holdout
from growthkit.clv.segments import segment_customers, summarize_segments
from growthkit.clv.spend import GammaGammaModel, SpendCorrelationWarning, fit_spend
from growthkit.clv.tracking import tracking_data
from growthkit.clv.uncertainty import CLVIntervals, clv_intervals
from growthkit.clv.value import CLVSettings, predict
from growthkit.data import Source, describe_orders, orders, redact
from growthkit.errors import GrowthkitError
from growthkit.report.metrics import package_versions
from growthkit.rfm import rfm_summary

__all__ = ["CLVAnalysis", "analyze"]


@dataclass(frozen=True)
class CLVAnalysis:
    """Everything the CLV report shows, computed once by :func:`analyze`.

    Attributes
    ----------
    parameters : dict
        The arguments of :func:`analyze` (the data source redacted).
    overview : dict
        :func:`growthkit.data.describe_orders` of the orders up to the observation end.
    summary : pandas.DataFrame
        The RFM summary the models were fitted on: the calibration period (with holdout columns)
        when ``calibration_end`` is given, else the whole period.
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
        The holdout check, when ``calibration_end`` is given.
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
    observation_end : str
        The day the forecast starts from (ISO).
    orders : ibis.Table
        The validated orders (:func:`growthkit.data.orders`), for per-customer look-ups.
    notes : list of str
        Caveats found while fitting, e.g. a frequency-spend correlation.
    """

    parameters: dict[str, Any]
    overview: dict[str, Any]
    summary: pd.DataFrame
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
    observation_end: str
    orders: ibis.Table
    notes: list[str] = field(default_factory=list)

    # -- what the notebook shows, section by section ----------------------------------------

    def summary_markdown(self) -> str:
        """Section 1: the plain-language summary, as Markdown."""
        return _display.summary_markdown(self)

    def overview_table(self) -> pd.DataFrame:
        """Section 2: the data at a glance."""
        return _display.overview_table(self)

    def rfm_table(self) -> pd.DataFrame:
        """Section 3: how frequency, recency, T and spend are distributed."""
        return _display.rfm_table(self)

    def model_table(self) -> pd.DataFrame:
        """Section 4: estimates with standard errors, log-likelihood and AIC."""
        return _display.model_table(self)

    def holdout_markdown(self) -> str:
        """Section 5: the holdout result in words (or why there is none)."""
        return _display.holdout_markdown(self)

    def holdout_table(self) -> pd.DataFrame | None:
        """Section 5: holdout purchases by calibration frequency, with a total row."""
        return _display.holdout_table(self)

    def spend_table(self) -> pd.DataFrame:
        """Section 6: the spend model's estimates and checks."""
        return _display.spend_table(self)

    def clv_table(self) -> pd.DataFrame:
        """Section 7: total, mean and median CLV, revenue and profit, with the interval."""
        return _display.clv_table(self)

    def segments_table(self) -> pd.DataFrame:
        """Section 8: segments, their value with intervals, and what to do."""
        return _display.segments_table(self)

    def run_info(self) -> pd.DataFrame:
        """Parameters and package versions, for the last cell of the report."""
        return _display.run_info(self)

    def export_segments(self, path: str | Path | None) -> Path | None:
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
        """
        if path is None:
            return None
        out = Path(path)
        cols = ["segment", "value_tier", "status", "p_alive", "expected_purchases",
                "expected_spend", "clv_revenue", "clv_profit", "frequency", "recency", "T",
                "monetary_value"]
        self.predictions[cols].to_csv(out, float_format="%.6g")
        return out

    def example_customer(self) -> Any:
        """The most valuable customer who is *high value, at risk* (else the most valuable)."""
        p = self.predictions
        at_risk = p[p["segment"] == _display.AT_RISK]
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
        """The report's JSON metrics.

        Returns
        -------
        dict
            ``customers``, ``orders``, ``transaction_model`` {name, label, params,
            log_likelihood, aic, customers, selection_reason}, ``spend_model`` {name, params,
            excluded_customers, log_likelihood, customers, frequency_spend_correlation,
            correlation_warning}, ``holdout`` {actual_purchases, predicted_purchases, mae,
            duration, by_frequency} (only with a calibration_end), ``clv`` {horizon_months,
            total, mean, median, total_interval, interval_level, profit_total,
            profit_total_interval, expected_purchases, active_customers, ...}, ``segments``,
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
                "by_frequency": h.by_frequency.reset_index().to_dict("records"),
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
        months = self.settings.horizon_months
        headline = {
            f"CLV, next {months} months": _display.money(total, self.currency),
            "Customers": f"{len(p):,}",
        }
        if self.holdout is not None:
            headline["Holdout purchases (predicted / actual)"] = (
                f"{self.holdout.predicted_purchases:,.0f} / {self.holdout.actual_purchases:,.0f}"
            )
        out["headline"] = headline
        out["parameters"] = dict(self.parameters)
        out["versions"] = package_versions(*_display._PACKAGES)
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
    seed: int = 0,
    *,
    n_draws: int = 200,
    timezone: str = "UTC",
) -> CLVAnalysis:
    """Run the CLV analysis end to end: data, RFM, models, holdout, CLV, intervals, segments.

    With ``calibration_end`` the models are fitted on the calibration period and checked on the
    holdout period after it; the forecast then starts from ``observation_end`` using every
    customer's full history with those estimates. Without it the models are fitted on all data.

    Parameters
    ----------
    data : DataFrame, str, path or ibis.Table
        Orders, any source :func:`growthkit.data.load` accepts (e.g. ``"sample:cdnow"``).
    customer_col, date_col, amount_col : str
        The columns holding the customer, the order date and the order value.
    time_unit : {"days", "weeks", "months"}, default "weeks"
        Time unit of the models.
    calibration_end : date-like, optional
        Last day of the calibration period.
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
    _check_option("model", model, [*MODELS, "auto"])
    if amount_col is None:
        raise GrowthkitError("amount_col is None; expected the column of order values CLV needs")
    table = orders(data, customer_col, date_col, amount_col, timezone=timezone)
    columns = {"customer_col": "customer_id", "date_col": "order_date", "amount_col": "amount",
               "time_unit": time_unit}
    current = rfm_summary(table, **columns, observation_end=observation_end)
    obs_end = (
        pd.Timestamp(observation_end).date().isoformat()
        if observation_end is not None
        else pd.Timestamp(table.order_date.max().execute()).date().isoformat()
    )
    summary = (
        rfm_summary(table, **columns, observation_end=obs_end, calibration_end=calibration_end)
        if calibration_end is not None
        else current
    )
    transaction_model = fit(summary, model, time_unit=time_unit)
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpendCorrelationWarning)
        spend_model = fit_spend(summary)
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
    in_window = table.filter(table.order_date <= pd.Timestamp(obs_end).date())
    return CLVAnalysis(
        parameters={
            "data": redact(data), "customer_col": customer_col, "date_col": date_col,
            "amount_col": amount_col, "time_unit": time_unit, "calibration_end": calibration_end,
            "observation_end": observation_end, "model": model, "horizon_months": horizon_months,
            "annual_discount_rate": annual_discount_rate, "gross_margin": gross_margin,
            "currency": currency, "seed": seed,
        },
        overview=describe_orders(in_window),
        summary=summary,
        current=current,
        model=transaction_model,
        spend_model=spend_model,
        predictions=predictions,
        holdout=validate_holdout(transaction_model, summary) if calibration_end else None,
        tracking=tracking_data(
            transaction_model, table, time_unit=time_unit, calibration_end=calibration_end,
            observation_end=obs_end,
        ),
        intervals=intervals,
        segments=summarize_segments(predictions, intervals),
        settings=settings,
        currency=currency,
        observation_end=obs_end,
        orders=table,
        notes=notes,
    )
