"""``fit``: one entry point for the transaction models, including automatic choice."""

from __future__ import annotations

from collections.abc import Sequence

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
from growthkit.clv.optimize import BLAS_THREADS_ENV, DEFAULT_BLAS_THREADS, blas_threads
from growthkit.clv.paretonbd import ParetoNBDModel
from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.validation import check_option

__all__ = ["BLAS_THREADS_ENV", "DEFAULT_BLAS_THREADS", "MODELS", "blas_threads", "fit"]

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
    fitted: dict[str, TransactionModel] = {}
    failures: dict[str, str] = {}
    for name, cls in MODELS.items():
        try:
            fitted[name] = cls().fit(summary, time_unit=time_unit)
        except ConvergenceError as exc:
            failures[cls.label] = str(exc)
    if not fitted:
        raise ConvergenceError(
            "no transaction model converged: " + "; ".join(f"{k}: {v}" for k, v in failures.items())
        )
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
        reason += f" ({', '.join(failures)} did not converge)"
    best.selection_reason = reason + "."
    best.candidates = table
    return best
