"""Checks on an RFM summary, and the grouping of customers who share a purchase history."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from growthkit.errors import GrowthkitError
from growthkit.validation import require_columns

__all__ = ["MIN_CUSTOMERS"]

#: Fewest customers a model is fitted on; below this the estimates are noise.
MIN_CUSTOMERS = 20

_RFM = ("frequency", "recency", "T")


def customer_label(summary: pd.DataFrame, i: int) -> str:
    """The id of row ``i`` for a message: ``17`` or ``'C-17'``, never ``np.int64(17)``."""
    label = summary.index[i]
    return repr(label.item() if isinstance(label, np.generic) else label)


def checked_column(summary: pd.DataFrame, col: str, where: str) -> np.ndarray:
    """Column ``col`` as finite, non-negative floats, or an error naming it."""
    series = summary[col]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise GrowthkitError(
            f"column {col!r} of the {where} has dtype {series.dtype}; expected numbers"
        )
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise GrowthkitError(
            f"column {col!r} of the {where} has {bad.sum():,} missing or infinite value(s), "
            f"e.g. for customer {customer_label(summary, bad.argmax())}; expected finite numbers"
        )
    negative = values < 0
    if negative.any():
        i = negative.argmax()
        raise GrowthkitError(
            f"column {col!r} of the {where} has {negative.sum():,} negative value(s), e.g. "
            f"{values[i]:g} for customer {customer_label(summary, i)}; expected values >= 0"
        )
    return values


def rfm_arrays(
    summary: pd.DataFrame, where: str = "summary"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``frequency``, ``recency`` and ``T`` of an RFM summary, as float arrays.

    Raises
    ------
    TypeError
        When ``summary`` is not a DataFrame.
    GrowthkitError
        Naming the column for a missing column, a non-numeric, missing, infinite or negative
        value, a fractional frequency, a recency above T, or a recency without repeat purchases.
    """
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(
            f"the {where} must be a pandas DataFrame such as growthkit.rfm_summary returns; "
            f"found {type(summary).__name__}"
        )
    require_columns(summary.columns, _RFM, where=f"the {where}")
    x, tx, T = (checked_column(summary, col, where) for col in _RFM)
    fractional = x != np.round(x)
    if fractional.any():
        i = fractional.argmax()
        raise GrowthkitError(
            f"column 'frequency' of the {where} has non-integer values, e.g. {x[i]:g} for "
            f"customer {customer_label(summary, i)}; expected whole numbers of repeat purchases"
        )
    late = tx > T
    if late.any():
        i = late.argmax()
        raise GrowthkitError(
            f"column 'recency' of the {where} is larger than 'T' for {late.sum():,} "
            f"customer(s), e.g. {customer_label(summary, i)} (recency {tx[i]:g}, T {T[i]:g}); "
            "expected recency <= T"
        )
    orphan = (x == 0) & (tx != 0)
    if orphan.any():
        i = orphan.argmax()
        raise GrowthkitError(
            f"column 'recency' of the {where} is {tx[i]:g} for customer "
            f"{customer_label(summary, i)}, "
            "who has frequency 0; expected recency 0 without repeat purchases"
        )
    return x, tx, T


def check_fit_size(x: np.ndarray, T: np.ndarray, what: str) -> None:
    """Refuse data that cannot identify a transaction model."""
    if x.size < MIN_CUSTOMERS:
        raise GrowthkitError(
            f"the summary has {x.size} customer(s); expected at least {MIN_CUSTOMERS} to fit "
            f"{what}"
        )
    if not (x > 0).any():
        raise GrowthkitError(
            f"column 'frequency' is 0 for all {x.size:,} customers; expected some repeat "
            f"purchases to fit {what}"
        )
    if not (T > 0).any():
        raise GrowthkitError(
            f"column 'T' is 0 for all {x.size:,} customers; expected customers observed for "
            f"some time to fit {what}"
        )


def group(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group rows that are equal in every column.

    Returns
    -------
    codes : numpy.ndarray
        Group number of each row, 0..k-1.
    first : numpy.ndarray
        Index of the first row of each group, so ``col[first]`` holds the distinct values.
    """
    n = columns[0].size
    key, span = np.zeros(n, dtype=np.int64), 1
    for col in columns:
        col_codes, uniques = pd.factorize(col)
        if span * len(uniques) >= 2**62:  # renumber the key first so it stays inside int64
            key = pd.factorize(key)[0]
            span = int(key.max()) + 1
        key, span = key * len(uniques) + col_codes, span * len(uniques)
    codes = pd.factorize(key)[0]
    first = np.empty(int(codes.max()) + 1 if n else 0, dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)
    return codes.astype(np.int64), first


@dataclass(frozen=True)
class Rows:
    """Distinct (frequency, recency, T) histories with the number of customers sharing each.

    Fader & Hardie fit their spreadsheets this way: the likelihood of a history is computed once
    and weighted by its count. ``x_values``/``x_weight`` aggregate the weights by frequency alone,
    for the terms of a likelihood that depend on frequency only.
    """

    x: np.ndarray
    tx: np.ndarray
    T: np.ndarray
    weight: np.ndarray
    x_values: np.ndarray
    x_weight: np.ndarray

    @classmethod
    def from_arrays(cls, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> Rows:
        codes, first = group(x, tx, T)
        weight = np.bincount(codes).astype("float64")
        return cls._build(x[first], tx[first], T[first], weight)

    @classmethod
    def _build(cls, x: np.ndarray, tx: np.ndarray, T: np.ndarray, weight: np.ndarray) -> Rows:
        x_values, x_codes = np.unique(x, return_inverse=True)
        x_weight = np.bincount(x_codes, weights=weight)
        return cls(x, tx, T, weight, x_values, x_weight)

    def rescaled(self, factor: float) -> Rows:
        """The same histories with time multiplied by ``factor``."""
        return Rows(
            self.x, self.tx * factor, self.T * factor, self.weight, self.x_values, self.x_weight
        )

    @property
    def customers(self) -> float:
        return float(self.weight.sum())
