"""Maximum likelihood with an analytic gradient: the fit, its Hessian and the covariance.

Used by the models that carry more than the four parameters of the plain transaction models
(the covariate models in :mod:`growthkit.clv.covariate_models`) and by BG/BB
(:mod:`growthkit.clv.bgbb`). Every log-likelihood here returns its exact gradient, so BFGS
runs to a tight tolerance and the Hessian is the central difference of that gradient (2k
evaluations for k parameters), which is also the Newton metric of the last steps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from growthkit.clv.optimize import blas_threads
from growthkit.errors import ConvergenceError

__all__ = [
    "GRADIENT_TOL",
    "MAX_ABS_PARAM",
    "LogLikelihood",
    "covariance_from_hessian",
    "hessian",
    "maximize",
]

#: ``loglik(theta) -> (total log-likelihood, gradient)``.
LogLikelihood = Callable[[np.ndarray], tuple[float, np.ndarray]]

#: The fit has converged when no mean log-likelihood gradient component exceeds this.
GRADIENT_TOL = 1e-6
#: A parameter (a log-parameter, time rescaled to about 1, or a coefficient) beyond this (a
#: factor of 1.6e5 either way) ran off to a boundary, as in growthkit.clv.optimize.
MAX_ABS_PARAM = 12.0
#: Newton steps stop when no parameter moves further than this.
_NEWTON_TOL = 1e-10
#: At most this many Newton steps after BFGS.
_NEWTON_STEPS = 6
#: At most this many Newton steps with a sample's metric (each shrinks the distance to the
#: maximum by the metric's relative error, a few percent).
_METRIC_STEPS = 30
#: Step of the central differences of the gradient that give the Hessian.
_HESSIAN_STEP = 1e-5


def _objective(loglik: LogLikelihood, n: float) -> Callable:
    """Mean negative log-likelihood and its gradient, +inf where not finite."""

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            ll, grad = loglik(theta)
        if not (np.isfinite(ll) and np.all(np.isfinite(grad))):
            return np.inf, np.zeros_like(theta)
        return -ll / n, -np.asarray(grad) / n

    return objective


def hessian(loglik: LogLikelihood, theta: np.ndarray) -> np.ndarray:
    """Hessian of the total log-likelihood at ``theta``, by central differences of its
    analytic gradient (symmetrised).

    Parameters
    ----------
    loglik : callable
        ``loglik(theta) -> (log-likelihood, gradient)``.
    theta : numpy.ndarray
        Where to evaluate it.

    Returns
    -------
    numpy.ndarray
        Shape (k, k).
    """
    k = theta.size
    rows = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = _HESSIAN_STEP
        with np.errstate(all="ignore"):
            up, down = loglik(theta + e)[1], loglik(theta - e)[1]
        rows[i] = (np.asarray(up) - np.asarray(down)) / (2 * _HESSIAN_STEP)
    return (rows + rows.T) / 2


def covariance_from_hessian(hess: np.ndarray, what: str, more: str) -> np.ndarray:
    """The inverse of minus the Hessian of the log-likelihood.

    Raises
    ------
    ConvergenceError
        When minus the Hessian is not positive definite (no proper maximum).
    """
    try:
        np.linalg.cholesky(-hess)
    except np.linalg.LinAlgError:
        raise ConvergenceError(
            f"{what} estimates are not a proper maximum of the likelihood (the Hessian is not "
            f"negative definite); expected {more}"
        ) from None
    cov = np.linalg.inv(-hess)
    return (cov + cov.T) / 2


def maximize(
    loglik: LogLikelihood,
    start: np.ndarray,
    n: float,
    names: tuple[str, ...],
    what: str,
    hess_inv0: np.ndarray | None = None,
    gtol: float = 1e-9,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Maximise a log-likelihood with BFGS, then Newton steps with the Hessian where BFGS stopped.

    BLAS runs on :func:`growthkit.clv.fitting.blas_threads` threads.

    Parameters
    ----------
    loglik : callable
        ``loglik(theta) -> (total log-likelihood, exact gradient)``.
    start : numpy.ndarray
        Starting parameters.
    n : float
        Number of customers: the mean log-likelihood is optimised, so the tolerances do not
        depend on the data size.
    names : tuple of str
        Parameter names, for messages.
    what : str
        The model, for messages.
    hess_inv0 : numpy.ndarray, optional
        The inverse Hessian of the mean negative log-likelihood at ``start``, from a fit on a
        sample of the customers: the fit then takes Newton steps with it (one evaluation
        each) and falls back to BFGS only if they do not converge.
    gtol : float, default 1e-9
        BFGS's tolerance on the mean gradient (Newton steps follow).

    Returns
    -------
    theta : numpy.ndarray
        The maximising parameters.
    hessian : numpy.ndarray or None
        The Hessian of the total log-likelihood where BFGS stopped (the metric of the Newton
        steps after it, which move the parameters by less than BFGS's tolerance); None when
        the sample's metric took the fit there.

    Raises
    ------
    ConvergenceError
        When the optimum is not finite, a parameter runs off to a boundary, or the gradient
        does not vanish.
    """
    objective = _objective(loglik, n)
    with threadpool_limits(limits=blas_threads(), user_api="blas"):
        if hess_inv0 is not None:
            theta = _metric_newton(objective, np.asarray(start, dtype=float), hess_inv0)
            if theta is not None:
                _check_runaway(theta, names, what)
                _check_gradient(objective(theta)[1], names, what)
                return theta, None
        result = minimize(objective, np.asarray(start, dtype=float), jac=True, method="BFGS",
                          options={"gtol": gtol, "maxiter": 3000})
        theta = result.x
        if not (np.all(np.isfinite(theta)) and np.isfinite(result.fun)):
            raise ConvergenceError(f"{what} fit did not converge: {result.message}")
        _check_runaway(theta, names, what)
        hess = hessian(loglik, theta)
        for _ in range(_NEWTON_STEPS):
            grad = loglik(theta)[1]
            try:
                step = np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1.0:
                break
            candidate = theta - step
            if not np.isfinite(objective(candidate)[0]):
                break
            theta = candidate
            if np.max(np.abs(step)) <= _NEWTON_TOL:
                break
        _check_runaway(theta, names, what)
        _check_gradient(objective(theta)[1], names, what)
    return theta, hess


def _check_gradient(grad: np.ndarray, names: tuple[str, ...], what: str) -> None:
    if np.max(np.abs(grad)) > GRADIENT_TOL:
        i = int(np.argmax(np.abs(grad)))
        raise ConvergenceError(
            f"{what} fit did not converge: the gradient in {names[i]} is "
            f"{abs(grad[i]):.2g} per customer at the end; expected below {GRADIENT_TOL:g}"
        )


def _metric_newton(objective: Callable, theta: np.ndarray, hess_inv: np.ndarray
                   ) -> np.ndarray | None:
    """Newton steps with a fixed metric (the inverse Hessian of the mean objective on a
    sample of the customers, close to the full data's) until no parameter moves more than
    :data:`_NEWTON_TOL`; each step costs one evaluation and shrinks the distance to the
    maximum by the metric's relative error. None when a step makes the fit worse or
    :data:`_METRIC_STEPS` steps do not converge (then BFGS takes over)."""
    fun, grad = objective(theta)
    for _ in range(_METRIC_STEPS):
        if not np.isfinite(fun):
            return None
        step = hess_inv @ grad
        if np.max(np.abs(step)) <= _NEWTON_TOL:
            return theta
        new_fun, new_grad = objective(theta - step)
        if not np.isfinite(new_fun) or (new_fun > fun + 1e-10 * abs(fun)
                                        and np.max(np.abs(step)) > 1e-4):
            return None
        theta, fun, grad = theta - step, new_fun, new_grad
    return None


def _check_runaway(theta: np.ndarray, names: tuple[str, ...], what: str) -> None:
    runaway = np.abs(theta) > MAX_ABS_PARAM
    if runaway.any():
        i = int(runaway.argmax())
        raise ConvergenceError(
            f"{what} fit did not converge: {names[i]} ran off to {theta[i]:.3g} on the scale "
            "it is estimated on, so the data cannot pin it down; expected more customers, a "
            "longer period or fewer covariates"
        )
