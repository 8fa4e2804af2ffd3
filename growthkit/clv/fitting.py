"""``fit``: one entry point for the transaction models, including automatic choice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from growthkit.clv.base import TransactionModel
from growthkit.clv.bgbb import BetaGeoBetaBinomModel
from growthkit.clv.bgnbd import BetaGeoModel
from growthkit.clv.covariate_models import (
    COVARIATE_MODELS,
    CovariateTransactionModel,
    fit_covariates,
)
from growthkit.clv.holdout import has_holdout, validate_holdout
from growthkit.clv.mbgnbd import ModifiedBetaGeoModel
from growthkit.clv.optimize import (
    BLAS_THREADS_ENV,
    DEFAULT_BLAS_THREADS,
    BoundaryError,
    blas_threads,
)
from growthkit.clv.paretonbd import ParetoNBDModel
from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.i18n import N_
from growthkit.notes import Note
from growthkit.validation import check_option

__all__ = [
    "BLAS_THREADS_ENV",
    "DEFAULT_BLAS_THREADS",
    "MODELS",
    "FitAttempt",
    "blas_threads",
    "fit",
    "fit_converged",
    "fit_notes",
]

#: The transaction models by name, in the order ``"auto"`` tries them.
MODELS: dict[str, type[TransactionModel]] = {
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "paretonbd": ParetoNBDModel,
}


def fit(
    summary: pd.DataFrame,
    model: str = "bgnbd",
    *,
    time_unit: str | None = None,
    covariates: pd.DataFrame | Sequence[str] | None = None,
    purchase_covariates: Sequence[str] | None = None,
    dropout_covariates: Sequence[str] | None = None,
    constrained: Sequence[str] = (),
) -> TransactionModel | CovariateTransactionModel | BetaGeoBetaBinomModel:
    """Fit a transaction model to an RFM summary by maximum likelihood.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency``, ``recency`` and ``T``, e.g. from
        :func:`growthkit.rfm_summary`. With a calibration/holdout summary the model is fitted
        on the calibration columns.
    model : {"bgnbd", "mbgnbd", "paretonbd", "bgbb", "auto"}, default "bgnbd"
        BG/NBD, MBG/NBD or Pareto/NBD. ``"auto"`` fits all three and keeps the one with the
        lowest holdout error per customer when the summary has holdout columns, else the lowest
        AIC; the choice is explained in ``selection_reason`` and ``candidates``.
    time_unit : {"days", "weeks", "months"}, optional
        Unit of recency and T, recorded on the model for CLV horizons in months. For
        ``model="bgbb"``: what one period is (e.g. ``"years"``), recorded only.
    covariates : pandas.DataFrame or list of str, optional
        Time-invariant customer covariates, for ``"paretonbd"`` and ``"bgnbd"``: a DataFrame
        indexed by customer or names of the summary's columns
        (:func:`growthkit.clv.covariate_models.fit_covariates`).
    purchase_covariates, dropout_covariates : list of str, optional
        The covariates of each process (default: all on both).
    constrained : list of str, default ()
        Covariates with one coefficient shared by both processes.

    ``model="bgbb"`` fits BG/BB (:class:`growthkit.clv.bgbb.BetaGeoBetaBinomModel`) to a
    table of ``frequency``, ``recency`` and ``n_periods`` in whole periods (and optionally
    ``weights``) instead of an RFM summary.

    Notes
    -----
    BLAS runs on :func:`blas_threads` threads during the fit: one unless
    ``$GROWTHKIT_BLAS_THREADS`` says otherwise (see :data:`DEFAULT_BLAS_THREADS` for why).

    Returns
    -------
    TransactionModel
        ``params`` (lifetimes' names), ``log_likelihood`` (total, on the summary's time scale)
        and ``aic``.

    Raises
    ------
    GrowthkitError
        For an unknown model or time unit, or a summary with missing columns, bad values or
        too few customers.
    ConvergenceError
        When the fit (for ``"auto"``: every fit) does not converge.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
    """
    check_option("model", model, [*MODELS, "bgbb", "auto"])
    wants_covariates = (covariates is not None or purchase_covariates is not None
                        or dropout_covariates is not None or bool(constrained))
    if wants_covariates and model not in COVARIATE_MODELS:
        raise GrowthkitError(
            f"model={model!r} with covariates; expected one of "
            f"{', '.join(map(repr, COVARIATE_MODELS))} (covariates are not available for it)"
        )
    if model == "bgbb":
        return BetaGeoBetaBinomModel().fit(summary, time_unit=time_unit)
    if wants_covariates:
        return fit_covariates(summary, model, covariates,
                              purchase_covariates=purchase_covariates,
                              dropout_covariates=dropout_covariates, constrained=constrained,
                              time_unit=time_unit)
    if model != "auto":
        return MODELS[model]().fit(summary, time_unit=time_unit)
    return _fit_auto(summary, time_unit)


def _fit_auto(summary: pd.DataFrame, time_unit: str | None) -> TransactionModel:
    """Fit every model; keep the best by holdout MAE, else by AIC."""
    fitted, failures = _fit_all(summary, time_unit)
    if not fitted:
        raise ConvergenceError(
            "no transaction model converged: "
            + "; ".join(f"{MODELS[k].label}: {v.message}" for k, v in failures.items())
        )
    return _choose(fitted, failures, summary)


def _fit_all(
    summary: pd.DataFrame, time_unit: str | None
) -> tuple[dict[str, TransactionModel], dict[str, FitAttempt]]:
    """Every model fitted, and the ones that did not converge."""
    fitted: dict[str, TransactionModel] = {}
    failures: dict[str, FitAttempt] = {}
    for name, cls in MODELS.items():
        try:
            fitted[name] = cls().fit(summary, time_unit=time_unit)
        except ConvergenceError as exc:
            failures[name] = _attempt(name, exc)
    return fitted, failures


def _choose(
    fitted: dict[str, TransactionModel], failures: dict[str, FitAttempt], summary: pd.DataFrame
) -> TransactionModel:
    """The converged fit with the lowest holdout MAE (with holdout columns), else AIC."""
    holdout = has_holdout(summary)
    rows = []
    for name, m in fitted.items():
        row = {"model": name, "label": m.label, "log_likelihood": m.log_likelihood, "aic": m.aic}
        if holdout:
            row["holdout_mae"] = validate_holdout(m, summary).mae
        rows.append(row)
    table = pd.DataFrame(rows).set_index("model")
    criterion = "holdout_mae" if holdout else "aic"
    table = table.sort_values(criterion)
    best = fitted[table.index[0]]
    others = table.iloc[1:]
    if holdout:
        why = "the lowest holdout error per customer"
        fmt = "MAE {:.4f}"
    else:
        why = "the lowest AIC (no holdout period to test on)"
        fmt = "AIC {:,.1f}"
    versus = ", ".join(f"{r.label} {fmt.format(r[criterion])}" for _, r in others.iterrows())
    reason = f"{best.label} was chosen for {why}: {fmt.format(table[criterion].iloc[0])}"
    reason += f" against {versus}" if versus else ""
    if failures:
        reason += f" ({', '.join(MODELS[k].label for k in failures)} did not converge)"
    best.selection_reason = reason + "."
    best.candidates = table
    return best


@dataclass(frozen=True)
class FitAttempt:
    """A transaction model that was tried and did not converge.

    Attributes
    ----------
    model : str
        Its code (``"bgnbd"``).
    message : str
        The :class:`~growthkit.errors.ConvergenceError`'s text (English).
    parameter : str or None
        The parameter that ran off to a boundary (0 or infinity), when that is why.
    """

    model: str
    message: str
    parameter: str | None = None

    @property
    def at_boundary(self) -> bool:
        """Whether the fit ran to a boundary: no evidence of dropout in the window."""
        return self.parameter is not None

    def note(self) -> Note:
        """The ``fit_boundary`` or ``fit_failed`` note on this attempt."""
        label = MODELS[self.model].label if self.model in MODELS else BetaGeoBetaBinomModel.label
        if self.at_boundary:
            return Note("fit_boundary", BOUNDARY_MESSAGE, kinds={"model": "text"}, model=label,
                        parameter=self.parameter, detail=self.message)
        return Note("fit_failed", FAILED_MESSAGE, kinds={"model": "text"}, model=label,
                    detail=self.message)


#: A fit at the edge of its parameters: the words of the finding.
BOUNDARY_MESSAGE = N_(
    "{model} did not converge: its dropout parameter {parameter} ran to the edge of its range. "
    "The purchases in this window show no evidence that customers stop buying, so the model "
    "cannot tell when they do."
)
#: Any other failed fit.
FAILED_MESSAGE = N_("{model} did not converge on these data.")


def fit_converged(
    summary: pd.DataFrame, model: str = "bgnbd", *, time_unit: str | None = None
) -> tuple[TransactionModel | None, tuple[FitAttempt, ...]]:
    """The first transaction model that converges, and the ones that did not.

    A model is tried first; when it does not converge (e.g. a dropout parameter runs to the
    edge of its range because the window shows no dropout), the others follow in
    :data:`MODELS` order (BG/NBD, MBG/NBD, Pareto/NBD). ``"auto"`` chooses among the fits
    that converge (:func:`fit`). Bad data still raise.

    Parameters
    ----------
    summary : pandas.DataFrame
        As in :func:`fit`.
    model : {"bgnbd", "mbgnbd", "paretonbd", "auto"}, default "bgnbd"
    time_unit : {"days", "weeks", "months"}, optional

    Returns
    -------
    (TransactionModel or None, tuple of FitAttempt)
        The fitted model (None when no model converges) and the models that did not converge,
        in the order tried.

    Raises
    ------
    GrowthkitError
        For an unknown model or a summary that cannot be fitted at all (too few customers).
    """
    check_option("model", model, [*MODELS, "auto"])
    order = list(MODELS) if model == "auto" else [model, *(m for m in MODELS if m != model)]
    failed: list[FitAttempt] = []
    # Near a boundary the likelihood's terms overflow on the way; the optimiser treats a
    # non-finite value as a wall, so the floating-point warnings say nothing to the reader.
    with np.errstate(all="ignore"):
        if model == "auto":
            fitted, failures = _fit_all(summary, time_unit)
            failed = [failures[name] for name in order if name in failures]
            return (_choose(fitted, failures, summary) if fitted else None), tuple(failed)
        for name in order:
            try:
                return MODELS[name]().fit(summary, time_unit=time_unit), tuple(failed)
            except ConvergenceError as exc:
                failed.append(_attempt(name, exc))
    return None, tuple(failed)


def _attempt(name: str, exc: ConvergenceError) -> FitAttempt:
    parameter = exc.parameter if isinstance(exc, BoundaryError) else None
    return FitAttempt(name, str(exc), parameter)


#: The forecast uses another model than the one asked for.
FALLBACK_MESSAGE = N_(
    "The forecast uses {model} instead of {requested}, which did not converge; {model} lets "
    "the data decide more of when customers stop buying."
)
#: No transaction model converged: no forecast.
NO_MODEL_MESSAGE = N_(
    "No transaction model (BG/NBD, MBG/NBD, Pareto/NBD) converged on these orders: they show no "
    "evidence that customers stop buying within the window, so this report makes no forecast "
    "of who is still active or what customers are worth. A longer history (or more customers) "
    "would let the models tell."
)


def fit_notes(
    requested: str, model: TransactionModel | None, attempts: list[FitAttempt]
) -> list[Note]:
    """The notes on the models that did not converge, once each, and on the fallback.

    Parameters
    ----------
    requested : str
        The ``model`` parameter.
    model : TransactionModel or None
        The model the forecast uses (None: no model converged).
    attempts : list of FitAttempt
        Failed fits, the holdout's and the forecast's, in the order tried.

    Returns
    -------
    list of Note
    """
    seen = {model.name} if model is not None else set()
    notes = []
    for attempt in attempts:
        if attempt.model not in seen:
            seen.add(attempt.model)
            notes.append(attempt.note())
    if model is None:
        notes.append(Note("no_model", NO_MODEL_MESSAGE))
    elif requested != "auto" and model.name != requested:
        notes.append(Note("model_fallback", FALLBACK_MESSAGE,
                          kinds={"model": "text", "requested": "text"},
                          model=model.label, requested=MODELS[requested].label))
    return notes
