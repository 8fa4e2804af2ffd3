"""Holdout validation: the purchases a model predicted against those that happened.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284 (section 4, Figure 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from growthkit.clv.base import TransactionModel
from growthkit.clv.rows import checked_column
from growthkit.errors import GrowthkitError
from growthkit.validation import require_columns

__all__ = ["HOLDOUT_COLUMNS", "HoldoutValidation", "has_holdout", "validate_holdout"]

HOLDOUT_COLUMNS = ("frequency_holdout", "duration_holdout")


def has_holdout(summary: pd.DataFrame) -> bool:
    """Whether ``summary`` carries holdout columns (``rfm_summary`` with ``calibration_end``)."""
    return all(col in summary.columns for col in HOLDOUT_COLUMNS)


@dataclass(frozen=True)
class HoldoutValidation:
    """How well a transaction model predicted purchases in the holdout period.

    Attributes
    ----------
    model : str
        Display name of the model.
    duration : float
        Length of the holdout period, in the summary's time unit (the longest, if they vary).
    customers : int
        Customers compared.
    actual_purchases, predicted_purchases : float
        Total repeat purchases in the holdout: observed, and expected by the model given each
        customer's calibration history.
    mae : float
        Mean absolute error per customer, in purchases.
    by_frequency : pandas.DataFrame
        One row per calibration-frequency bucket (``0`` … ``6``, ``7+``): ``customers``, mean
        ``actual`` and ``predicted`` purchases per customer, and their totals.
    per_customer : pandas.DataFrame
        ``frequency`` (calibration), ``actual`` and ``predicted`` holdout purchases per customer.
    """

    model: str
    duration: float
    customers: int
    actual_purchases: float
    predicted_purchases: float
    mae: float
    by_frequency: pd.DataFrame
    per_customer: pd.DataFrame

    @property
    def relative_error(self) -> float:
        """predicted / actual - 1: negative when the model under-predicts."""
        return self.predicted_purchases / self.actual_purchases - 1.0

    def sentence(self, time_unit: str | None = None) -> str:
        """One plain sentence on the holdout result, saying which way the model is off."""
        unit = f" {time_unit}" if time_unit else ""
        error = self.relative_error
        if abs(error) < 0.05:
            verdict = "close to what happened"
        elif error < 0:
            verdict = f"an under-prediction by {-error:.0%}"
        else:
            verdict = f"an over-prediction by {error:.0%}"
        return (
            f"Over the {self.duration:g}{unit} held out, {self.model} predicted "
            f"{self.predicted_purchases:,.1f} repeat purchases against {self.actual_purchases:,.0f}"
            f" that happened: {verdict}. Per customer it is off by {self.mae:.2f} purchases on "
            "average."
        )


def validate_holdout(
    model: TransactionModel, summary: pd.DataFrame, *, max_frequency: int = 7
) -> HoldoutValidation:
    """Compare a fitted model's holdout predictions with the purchases that happened.

    Parameters
    ----------
    model : TransactionModel
        Fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        A calibration summary with ``frequency_holdout`` and ``duration_holdout``
        (:func:`growthkit.rfm_summary` with ``calibration_end``).
    max_frequency : int, default 7
        Calibration frequencies from this one up share the last bucket, as in FHL's Figure 4.

    Returns
    -------
    HoldoutValidation

    Raises
    ------
    GrowthkitError
        When the holdout columns are missing or hold bad values.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
    """
    require_columns(summary.columns, HOLDOUT_COLUMNS, where="the summary (no holdout period)")
    if max_frequency < 1:
        raise GrowthkitError(f"max_frequency={max_frequency!r}; expected an integer >= 1")
    actual = checked_column(summary, "frequency_holdout", "summary")
    duration = checked_column(summary, "duration_holdout", "summary")
    predicted = model.expected_purchases(summary, duration).to_numpy()
    frequency = summary["frequency"].to_numpy(dtype="float64")

    bucket = np.minimum(frequency, max_frequency).astype(int)
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    per_customer = pd.DataFrame(
        {"frequency": frequency, "actual": actual, "predicted": predicted}, index=summary.index
    )
    grouped = per_customer.assign(bucket=bucket).groupby("bucket")
    by_frequency = pd.DataFrame(
        {
            "customers": grouped.size(),
            "actual": grouped["actual"].mean(),
            "predicted": grouped["predicted"].mean(),
            "actual_total": grouped["actual"].sum(),
            "predicted_total": grouped["predicted"].sum(),
        }
    ).reindex(range(max_frequency + 1))
    by_frequency["customers"] = by_frequency["customers"].fillna(0).astype(int)
    by_frequency.index = pd.Index(labels, name="calibration_purchases")
    return HoldoutValidation(
        model=model.label,
        duration=float(duration.max()),
        customers=int(actual.size),
        actual_purchases=float(actual.sum()),
        predicted_purchases=float(predicted.sum()),
        mae=float(np.mean(np.abs(actual - predicted))),
        by_frequency=by_frequency,
        per_customer=per_customer,
    )
