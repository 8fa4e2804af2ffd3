"""Customer covariates as a design matrix for the transaction models.

Categorical columns (text, category, boolean) are dummy-coded against a stated reference
level, the most frequent (ties: the first in sorted order); numeric columns enter as given,
and one whose values reach beyond :data:`HUGE_SCALE` draws a :class:`CovariateScaleWarning`
(its coefficient is per unit, so rescale it, e.g. to thousands, for a readable multiplier).
A customer without a value is an error naming the column and an example customer.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from growthkit.errors import GrowthkitError

__all__ = [
    "HUGE_SCALE",
    "CovariateDesign",
    "CovariateScaleWarning",
    "covariate_frame",
    "design_for",
]

#: A numeric covariate with an absolute value above this draws a CovariateScaleWarning.
HUGE_SCALE = 1_000.0


class CovariateScaleWarning(UserWarning):
    """A numeric covariate's values are large: its per-unit coefficient is tiny and the fit
    is poorly conditioned."""


def _customer(index: pd.Index, i: int) -> str:
    label = index[i]
    return repr(label.item() if isinstance(label, np.generic) else label)


def covariate_frame(
    summary: pd.DataFrame, covariates: pd.DataFrame | Sequence[str]
) -> pd.DataFrame:
    """The covariates of the summary's customers, one row per customer in the summary's order.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer (the index is the customer).
    covariates : pandas.DataFrame or list of str
        A DataFrame indexed by customer (extra customers are ignored), or names of the
        summary's own columns.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``.

    Raises
    ------
    GrowthkitError
        For an unknown column, a duplicated customer, or a customer without a value.
    """
    if isinstance(covariates, pd.DataFrame):
        if covariates.index.has_duplicates:
            dup = covariates.index[covariates.index.duplicated()][0]
            raise GrowthkitError(
                f"the covariates have customer {dup!r} more than once; expected one row per "
                "customer, indexed by customer"
            )
        if covariates.shape[1] == 0:
            raise GrowthkitError("the covariates have no columns; expected at least one")
        frame = covariates.reindex(summary.index)
    elif isinstance(covariates, (list, tuple)) and all(isinstance(c, str) for c in covariates):
        missing = [c for c in covariates if c not in summary.columns]
        if missing:
            raise GrowthkitError(
                f"covariates={list(covariates)!r}: column {missing[0]!r} is not in the summary; "
                f"found columns: {', '.join(map(repr, summary.columns))}"
            )
        if not covariates:
            raise GrowthkitError("covariates=[]; expected at least one column name")
        frame = summary[list(covariates)]
    else:
        raise GrowthkitError(
            f"covariates has type {type(covariates).__name__}; expected a DataFrame indexed by "
            "customer or a list of the summary's column names"
        )
    for col in frame.columns:
        absent = frame[col].isna().to_numpy()
        if absent.any():
            raise GrowthkitError(
                f"covariate {col!r} has no value for {absent.sum():,} customer(s), e.g. "
                f"{_customer(frame.index, int(absent.argmax()))}; expected a value for every "
                "customer in the summary"
            )
    return frame


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


@dataclass(frozen=True)
class CovariateDesign:
    """How covariates become design columns.

    Attributes
    ----------
    covariates : tuple of str
        The covariates, in order.
    columns : tuple of str
        The design columns: a numeric covariate's own name, or ``"name[level]"`` for each
        non-reference level of a categorical one.
    source : tuple of str
        The covariate behind each design column.
    reference : dict
        Reference level of each categorical covariate (the most frequent in the fitting data).
    levels : dict
        The non-reference levels of each categorical covariate, in design order.
    """

    covariates: tuple[str, ...]
    columns: tuple[str, ...]
    source: tuple[str, ...]
    reference: Mapping[str, Any]
    levels: Mapping[str, tuple[Any, ...]]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> CovariateDesign:
        """The design of ``frame`` (see the module's docstring for the coding).

        Raises
        ------
        GrowthkitError
            For a covariate with one value only.
        """
        columns: list[str] = []
        source: list[str] = []
        reference: dict[str, Any] = {}
        levels: dict[str, tuple[Any, ...]] = {}
        for col in frame.columns:
            series = frame[col]
            if series.nunique() < 2:
                raise GrowthkitError(
                    f"covariate {col!r} takes the one value {series.iloc[0]!r} for every "
                    "customer; expected at least two values"
                )
            if _is_categorical(series):
                counts = series.astype(object).value_counts(sort=False)
                ordered = sorted(counts.index, key=lambda v: (-counts[v], str(v)))
                reference[col] = ordered[0]
                levels[col] = tuple(sorted(ordered[1:], key=str))
                for level in levels[col]:
                    columns.append(f"{col}[{level}]")
                    source.append(col)
            else:
                columns.append(str(col))
                source.append(str(col))
        return cls(tuple(map(str, frame.columns)), tuple(columns), tuple(source), reference,
                   levels)

    def matrix(self, frame: pd.DataFrame, *, warn: bool = False) -> np.ndarray:
        """The design matrix of ``frame`` (one row per customer) under this coding.

        Parameters
        ----------
        frame : pandas.DataFrame
            The covariates, with every column of :attr:`covariates`.
        warn : bool, default False
            Warn (:class:`CovariateScaleWarning`) about numeric covariates of huge scale.

        Raises
        ------
        GrowthkitError
            For a missing column, a level not seen in the fitting data, or a non-numeric value
            of a numeric covariate.
        """
        out = np.empty((len(frame), len(self.columns)))
        j = 0
        for col in self.covariates:
            if col not in frame.columns:
                raise GrowthkitError(
                    f"covariate {col!r} is missing; found columns: "
                    f"{', '.join(map(repr, frame.columns)) or 'none'}"
                )
            series = frame[col]
            if col in self.reference:
                values = series.astype(object).to_numpy()
                known = {self.reference[col], *self.levels[col]}
                unknown = ~pd.Series(values).isin(known).to_numpy()
                if unknown.any():
                    i = int(unknown.argmax())
                    raise GrowthkitError(
                        f"covariate {col!r} has the level {values[i]!r} (customer "
                        f"{_customer(frame.index, i)}) that the model was not fitted on; "
                        f"expected one of {', '.join(map(repr, sorted(known, key=str)))}"
                    )
                for level in self.levels[col]:
                    out[:, j] = values == level
                    j += 1
            else:
                if _is_categorical(series):
                    raise GrowthkitError(
                        f"covariate {col!r} has dtype {series.dtype}; expected numbers, as in "
                        "the data the model was fitted on"
                    )
                out[:, j] = series.to_numpy(dtype="float64")
                if not np.all(np.isfinite(out[:, j])):
                    i = int((~np.isfinite(out[:, j])).argmax())
                    raise GrowthkitError(
                        f"covariate {col!r} is {out[i, j]!r} for customer "
                        f"{_customer(frame.index, i)}; expected a finite number"
                    )
                if warn and np.max(np.abs(out[:, j])) > HUGE_SCALE:
                    warnings.warn(
                        f"covariate {col!r} reaches {np.max(np.abs(out[:, j])):,.4g}; it enters "
                        "as given, so its coefficient is per unit: rescale it (e.g. to "
                        "thousands) for a well-conditioned fit and a readable multiplier",
                        CovariateScaleWarning, stacklevel=3,
                    )
                j += 1
        return out


def design_for(summary: pd.DataFrame, covariates: pd.DataFrame | Sequence[str]
               ) -> tuple[CovariateDesign, np.ndarray, pd.DataFrame]:
    """The design, the design matrix and the covariate frame of a summary's customers.

    Raises
    ------
    GrowthkitError
        As :func:`covariate_frame` and :meth:`CovariateDesign.from_frame`, and when the
        design columns are collinear (one is a combination of others).
    """
    frame = covariate_frame(summary, covariates)
    design = CovariateDesign.from_frame(frame)
    matrix = design.matrix(frame, warn=True)
    with_intercept = np.column_stack([np.ones(len(matrix)), matrix])
    if np.linalg.matrix_rank(with_intercept) < with_intercept.shape[1]:
        raise GrowthkitError(
            f"the covariates {', '.join(map(repr, design.covariates))} are collinear (one is a "
            "combination of the others and the intercept); expected independent columns"
        )
    return design, matrix, frame
