"""The CLV report's forecast with BG/BB, for customers who buy at discrete opportunities.

With ``model="bgbb"`` the report summarises orders by whole periods
(``rfm_summary(..., discrete=True)``: calendar years or months, or ISO weeks), fits BG/BB
(Fader, Hardie & Shang 2010) and values each customer over the horizon's periods: the expected
transactions in each future period given the history, times the Gamma-Gamma expected spend,
discounted at the end of the period. The intervals come from parameter draws of both models,
as :func:`growthkit.clv.clv_intervals` draws them for the continuous models.
"""

from __future__ import annotations

import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from growthkit.clv.bgbb import BetaGeoBetaBinomModel
from growthkit.clv.fitting import FitAttempt, fit, fit_converged
from growthkit.clv.spend import GammaGammaModel
from growthkit.clv.uncertainty import TOTAL, CLVIntervals
from growthkit.data import Orders
from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.progress import step
from growthkit.rfm import DISCRETE_UNITS, period_number, period_of, rfm_summary
from growthkit.units import TIME_UNITS

__all__ = [
    "PERIODS_PER_YEAR",
    "check_model_unit",
    "discrete_intervals",
    "discrete_predict",
    "discrete_summary",
    "discrete_tracking",
    "fit_any",
    "horizon_periods",
]

#: Periods in a year, by the time unit of a discrete summary.
PERIODS_PER_YEAR = {"years": 1.0, "months": 12.0, "weeks": 365.25 / 7.0}


def horizon_periods(horizon_months: int, time_unit: str) -> int:
    """The whole periods of a horizon in months (at least one), e.g. 12 months: 1 year.

    Raises
    ------
    GrowthkitError
        For a time unit that is not a period of a discrete summary.
    """
    if time_unit not in DISCRETE_UNITS:
        raise GrowthkitError(f"time_unit={time_unit!r} with model='bgbb'; expected one of "
                             f"{', '.join(map(repr, DISCRETE_UNITS))} (whole periods)")
    months_per_period = 12.0 / PERIODS_PER_YEAR[time_unit]
    return max(1, round(horizon_months / months_per_period))


def _period_discount(time_unit: str, periods: int, annual_discount_rate: float) -> np.ndarray:
    years = np.arange(1.0, periods + 1.0) / PERIODS_PER_YEAR[time_unit]
    return (1.0 + annual_discount_rate) ** -years


def _period_purchases(model: BetaGeoBetaBinomModel, table: pd.DataFrame, periods: int
                      ) -> np.ndarray:
    """Expected transactions in each of the next ``periods`` periods (customers × periods)."""
    cumulative = np.column_stack([model.expected_purchases(table, k).to_numpy()
                                  for k in range(periods + 1)])
    return np.diff(cumulative, axis=1)


def discrete_predict(
    model: BetaGeoBetaBinomModel,
    summary: pd.DataFrame,
    spend_model: GammaGammaModel,
    *,
    horizon_months: int,
    annual_discount_rate: float,
    gross_margin: float,
    time_unit: str,
) -> pd.DataFrame:
    """Each customer's P(alive), expected transactions and CLV over the horizon, by BG/BB.

    Parameters
    ----------
    model : BetaGeoBetaBinomModel
    summary : pandas.DataFrame
        ``rfm_summary(..., discrete=True)`` with ``monetary_value``.
    spend_model : GammaGammaModel
    horizon_months, annual_discount_rate, gross_margin
        As in :func:`growthkit.clv.predict`.
    time_unit : {"years", "months", "weeks"}
        The period.

    Returns
    -------
    pandas.DataFrame
        The columns :func:`growthkit.clv.predict` gives, ``T`` being ``n_periods``:
        ``p_alive`` is P(alive at the next opportunity) (FHS 2010 eq. 11).
    """
    periods = horizon_periods(horizon_months, time_unit)
    with step("scored customers by BG/BB") as progress:
        progress["detail"] = f"{len(summary):,} customers, {periods} {time_unit}"
        table = summary[["frequency", "recency", "n_periods"]]
        per_period = _period_purchases(model, table, periods)
        discount = _period_discount(time_unit, periods, annual_discount_rate)
        spend = spend_model.expected_spend(summary).to_numpy()
        revenue = per_period @ discount * spend
        return pd.DataFrame({
            "frequency": summary["frequency"], "recency": summary["recency"],
            "T": summary["n_periods"], "p_alive": model.probability_alive(table).to_numpy(),
            "expected_purchases": per_period.sum(axis=1),
            "monetary_value": summary["monetary_value"], "expected_spend": spend,
            "clv_revenue": revenue, "clv_profit": revenue * gross_margin,
        }, index=summary.index)


def discrete_intervals(
    model: BetaGeoBetaBinomModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    groups: pd.Series,
    *,
    horizon_months: int,
    annual_discount_rate: float,
    gross_margin: float,
    time_unit: str,
    n_draws: int = 200,
    seed: int = 0,
    level: float = 0.90,
) -> CLVIntervals:
    """Intervals of summed CLV (all customers and per group) from parameter draws.

    BG/BB's log-parameters are drawn from their asymptotic normal distribution
    (:attr:`BetaGeoBetaBinomModel.covariance`), Gamma-Gamma's by its ``draw_params``; each draw
    values every distinct history once.

    Returns
    -------
    CLVIntervals
    """
    periods = horizon_periods(horizon_months, time_unit)
    discount = _period_discount(time_unit, periods, annual_discount_rate)
    rng = np.random.default_rng(seed)
    log_params = np.log(np.array([model.params[p] for p in model.param_names]))
    drawn = rng.multivariate_normal(log_params, model.covariance.to_numpy(), size=n_draws,
                                    method="eigh")
    spend_drawn = spend_model.draw_params(n_draws, rng)  # only draws with q > 1
    n_draws = min(n_draws, len(spend_drawn))
    table = summary[["frequency", "recency", "n_periods"]]
    histories, codes = np.unique(table.to_numpy(), axis=0, return_inverse=True)
    distinct = pd.DataFrame(histories, columns=table.columns)
    codes = codes.ravel()
    labels = groups.reindex(summary.index).astype(str).to_numpy()
    names = [TOTAL, *sorted(set(labels))]
    masks = [np.ones(labels.size, bool)] + [labels == g for g in names[1:]]
    sums = np.empty((n_draws, len(names)))
    with step("drew CLV intervals by BG/BB") as progress:
        progress["detail"] = f"{n_draws} draws, {len(distinct):,} distinct histories"
        for i in range(n_draws):
            drawn_model = BetaGeoBetaBinomModel.from_params(
                dict(zip(model.param_names, np.exp(drawn[i]), strict=True)))
            value = (_period_purchases(drawn_model, distinct, periods) @ discount)[codes]
            spend = GammaGammaModel.from_params(
                dict(zip(spend_model.params, spend_drawn[i], strict=True))
            ).expected_spend(summary).to_numpy()
            revenue = value * spend
            sums[i] = [revenue[m].sum() for m in masks]
    point = discrete_predict(model, summary, spend_model, horizon_months=horizon_months,
                             annual_discount_rate=annual_discount_rate,
                             gross_margin=gross_margin, time_unit=time_unit)["clv_revenue"]
    tails = ((1 - level) / 2, (1 + level) / 2)
    low, high = np.quantile(sums, tails, axis=0)
    rows = {
        "customers": [int(m.sum()) for m in masks],
        "clv_revenue": [float(point.to_numpy()[m].sum()) for m in masks],
        "revenue_low": low, "revenue_high": high,
    }
    out = pd.DataFrame(rows, index=pd.Index(names))
    out["clv_profit"] = out["clv_revenue"] * gross_margin
    out["profit_low"] = out["revenue_low"] * gross_margin
    out["profit_high"] = out["revenue_high"] * gross_margin
    return CLVIntervals(level=level, n_draws=n_draws, table=out)


def _period_end(number: int, unit: str) -> datetime.date:
    """The last day of period ``number`` (:func:`growthkit.rfm.period_of`)."""
    if unit == "years":
        return datetime.date(number, 12, 31)
    if unit == "months":
        year, month = divmod(number - 1, 12)
        return (pd.Timestamp(year=year, month=month + 1, day=1) + pd.offsets.MonthEnd(0)).date()
    return datetime.date(1970, 1, 5) + datetime.timedelta(days=7 * number + 6)


def discrete_tracking(
    model: BetaGeoBetaBinomModel,
    orders: Orders | ibis.Table,
    *,
    time_unit: str,
    calibration_end: datetime.date | None,
    observation_end: datetime.date,
) -> pd.DataFrame:
    """Cumulative repeat transactions per period of the model's cohort, actual and expected.

    As :func:`growthkit.clv.tracking.tracking_data`, in whole periods: a repeat transaction is a
    period after the first purchase's with a purchase; the expected count at period P is
    Σ_c n_c·E[X(P - c)] over first-purchase periods c (FHS 2010 eq. 9).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period_end`` (the period's last day): ``actual``, ``predicted``,
        ``actual_in_period``, ``predicted_in_period``.
    """
    orders = orders.table if isinstance(orders, Orders) else orders
    end = period_of(observation_end, time_unit)
    cohort_end = period_of(calibration_end or observation_end, time_unit)
    t = orders.filter(orders.order_date <= ibis.literal(observation_end))
    t = t.select("customer_id", period=period_number(t.order_date, time_unit)).distinct()
    first = t.group_by("customer_id").aggregate(first=t.period.min())
    first = first.filter(first["first"] <= cohort_end)
    joined = t.join(first, "customer_id")
    repeats = joined.filter(joined.period > joined["first"])
    new = first.group_by("first").aggregate(n=first.count()).execute()
    bought = repeats.group_by("period").aggregate(n=repeats.count()).execute()
    if new.empty:
        raise GrowthkitError("no customers have a first order in the calibration period")
    start = int(new["first"].min())
    n = end - start + 1
    new_per = np.zeros(n)
    new_per[new["first"].to_numpy(dtype=int) - start] = new["n"]
    bought_per = np.zeros(n)
    if not bought.empty:
        bought_per[bought["period"].to_numpy(dtype=int) - start] = bought["n"]
    expected = model.expected_purchases_new(np.arange(n, dtype="float64"))
    predicted = np.convolve(new_per, expected)[:n]
    out = pd.DataFrame(
        {"actual": np.cumsum(bought_per), "predicted": predicted},
        index=pd.Index([_period_end(start + k, time_unit) for k in range(n)], name="period_end"),
    )
    out["actual_in_period"] = out["actual"].diff().fillna(out["actual"].iloc[0])
    out["predicted_in_period"] = out["predicted"].diff().fillna(out["predicted"].iloc[0])
    return out


def discrete_summary(orders: Orders, time_unit: str, observation_end: datetime.date,
                     calibration_end: datetime.date | None = None) -> pd.DataFrame:
    """``rfm_summary(..., discrete=True)`` for the report, with ``T`` (= ``n_periods``) for
    the sections that describe customers' age."""
    summary = rfm_summary(orders, time_unit=time_unit, observation_end=observation_end,
                          calibration_end=calibration_end, discrete=True)
    summary["T"] = summary["n_periods"]
    return summary


def check_model_unit(model: str, time_unit: str, *, covariates: bool = False) -> None:
    """Raise unless ``time_unit`` suits ``model``: whole periods (years, months, weeks) for
    BG/BB, days, weeks or months for the others; and BG/BB has no covariates.

    Raises
    ------
    GrowthkitError
        Naming the parameters.
    """
    if model == "bgbb":
        if time_unit not in DISCRETE_UNITS:
            raise GrowthkitError(f"time_unit={time_unit!r} with model='bgbb'; expected one of "
                                 f"{', '.join(map(repr, DISCRETE_UNITS))} (whole periods)")
        if covariates:
            raise GrowthkitError("covariates with model='bgbb'; expected bgnbd, mbgnbd or "
                                 "paretonbd (BG/BB has no covariates)")
    elif time_unit not in TIME_UNITS:
        raise GrowthkitError(f"time_unit={time_unit!r} with model={model!r}; expected one of "
                             f"{', '.join(map(repr, TIME_UNITS))} ('years' is for model='bgbb')")


def fit_any(summary: pd.DataFrame, model: str, *, time_unit: str | None = None
            ) -> tuple[Any, tuple[FitAttempt, ...]]:
    """:func:`growthkit.clv.fitting.fit_converged`, with BG/BB for ``model="bgbb"``: the
    fitted model, or None and the failed attempt when BG/BB does not converge."""
    if model != "bgbb":
        return fit_converged(summary, model, time_unit=time_unit)
    try:
        return fit(summary, "bgbb", time_unit=time_unit), ()
    except ConvergenceError as exc:
        return None, (FitAttempt("bgbb", str(exc)),)
