"""Maximum likelihood in log-parameter space, and the numerical helpers the models share."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import OptimizeResult, minimize
from threadpoolctl import threadpool_limits

from growthkit.errors import ConvergenceError, GrowthkitError

__all__ = [
    "BLAS_THREADS_ENV",
    "DEFAULT_BLAS_THREADS",
    "WARM_START_CUSTOMERS",
    "WARM_START_ROWS",
    "BoundaryError",
    "FitSample",
    "blas_threads",
    "sample_stride",
]

#: Environment variable with the number of BLAS threads while a model is fitted.
BLAS_THREADS_ENV = "GROWTHKIT_BLAS_THREADS"
#: BLAS threads during a fit when :data:`BLAS_THREADS_ENV` is not set. The fits' BLAS calls are
#: dot products of one weight per distinct history (10⁴-10⁵ numbers), each microseconds of
#: work, where a second thread only adds hand-over cost; with other work on the cores each
#: such call can wait milliseconds for it (benchmarks/paretonbd.py measures 1 against 2).
DEFAULT_BLAS_THREADS = 1


def blas_threads() -> int:
    """The number of BLAS threads model fits use: ``$GROWTHKIT_BLAS_THREADS`` when set, else
    :data:`DEFAULT_BLAS_THREADS`.

    Returns
    -------
    int

    Raises
    ------
    GrowthkitError
        When ``GROWTHKIT_BLAS_THREADS`` is not a whole number of at least 1.
    """
    value = os.environ.get(BLAS_THREADS_ENV, "").strip()
    if not value:
        return DEFAULT_BLAS_THREADS
    if not value.isdigit() or int(value) < 1:
        raise GrowthkitError(
            f"{BLAS_THREADS_ENV}={value!r}; expected a whole number of threads >= 1"
        )
    return int(value)

#: The fit has converged when no mean log-likelihood gradient (per log-parameter) exceeds this.
_GRADIENT_TOL = 1e-6
#: A stopped fit whose Newton step moves no log-parameter further than this is at the maximum.
_STEP_TOL = 1e-6
#: A log-parameter beyond this (1.6e5 either way, with time and money rescaled to about 1)
#: means the estimate ran off to a boundary of the parameter space.
_MAX_LOG_PARAM = 12.0

class BoundaryError(ConvergenceError):
    """A fit whose estimate ran off to a boundary of the parameter space (0 or infinity).

    For the transaction models that is the data's finding, not a failure of the optimiser: a
    dropout parameter at its edge (BG/NBD's a -> 0 or b -> infinity, Pareto/NBD's s -> 0)
    means the purchases show no evidence that customers stop buying within the window.

    Attributes
    ----------
    parameter : str
        The parameter that ran off, by lifetimes' name.
    value : float
        Where it was when the fit stopped (on the rescaled time axis).
    """

    def __init__(self, message: str, *, parameter: str, value: float) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.value = value


LogLik = Callable[[np.ndarray], tuple[float, np.ndarray | None]]

#: A fit on more distinct rows than this starts from a fit on a sample of the customers.
#: From lifetimes' fixed start, BFGS needs 120-160 evaluations of the likelihood (3.5 s for
#: BG/NBD on 3.7M customers, 524k distinct histories); from the sample's optimum, with the
#: sample's Hessian as its first metric, 5-10 (benchmarks/run.py, step bgnbd).
WARM_START_ROWS = 50_000
#: About this many customers are in that sample (every k-th customer, in the data's order).
WARM_START_CUSTOMERS = 25_000
#: The sample's fit stops at this mean gradient: the full fit refines it anyway.
_WARM_GRADIENT_TOL = 1e-6
#: Newton steps from the sample's maximum stop when no log-parameter moves further than this
#: (cold BFGS stops at a mean gradient of 1e-10, 2e-8 from the maximum in the flattest
#: direction of a BG/NBD fit on 3.7M customers).
_NEWTON_TOL = 1e-9
#: At most this many Newton steps; each shrinks the distance to the maximum by the metric's
#: relative error (a few percent), so a fit that needs more starts again cold.
_NEWTON_STEPS = 30
#: A Newton step may raise the mean negative log-likelihood by this much (relative) only: its
#: rounding error on millions of customers (2-4e-12 on 22M repeat buyers' Gamma-Gamma) ...
_NEWTON_SLACK = 1e-10
#: ... unless it moves no log-parameter further than this: that close, BFGS's quadratic model
#: holds and the objective's true change (about the step squared) is below its rounding
#: error, so the step is taken on the gradient alone (which keeps shrinking).
_NEWTON_TRUST = 1e-4
#: BFGS from the sample's maximum goes on to this mean gradient on the full data (3-4
#: evaluations), and Newton steps with BFGS's metric take it from there: further on, the line
#: search stops on precision loss after dozens (Gamma-Gamma on 1.4M repeat buyers at 1e-8).
_WARM_BFGS_GRADIENT_TOL = 1e-6
#: Step of the central differences of the analytic gradient that give the sample's Hessian.
_HESSIAN_STEP = 1e-5


def sample_stride(customers: int) -> int:
    """The k of the every-k-th-customer sample a large fit starts from.

    Parameters
    ----------
    customers : int
        Customers in the fit.

    Returns
    -------
    int
        ``ceil(customers / WARM_START_CUSTOMERS)``, at least 1.
    """
    return max(1, math.ceil(customers / WARM_START_CUSTOMERS))


@dataclass(frozen=True)
class FitSample:
    """The log-likelihood of a sample of the customers, and its number of customers."""

    loglik: LogLik
    n: float


def maximize(
    loglik: LogLik,
    x0: np.ndarray,
    n: float,
    names: tuple[str, ...],
    what: str,
    sample: FitSample | None = None,
) -> np.ndarray:
    """Maximise a log-likelihood over log-parameters with BFGS, with BLAS limited to
    :func:`blas_threads` threads.

    Parameters
    ----------
    loglik : callable
        ``loglik(log_params) -> (total log-likelihood, gradient or None)``. Without an analytic
        gradient, central differences are used.
    x0 : numpy.ndarray
        Starting log-parameters.
    n : float
        Number of customers; the mean log-likelihood is optimised so tolerances do not depend
        on the data size.
    names : tuple of str
        Parameter names, for messages.
    what : str
        The model, for messages.
    sample : FitSample, optional
        The log-likelihood of a sample of the customers (with an analytic gradient). The fit
        then starts from the sample's maximum, with the inverse of the sample's Hessian (of
        the mean log-likelihood, which the full data's is close to) as BFGS's first metric;
        the result is the full data's maximum all the same, to the same tolerance.

    Returns
    -------
    numpy.ndarray
        The maximising log-parameters.

    Raises
    ------
    ConvergenceError
        When BFGS fails, the optimum is not finite, the gradient is not ~0, or a parameter runs
        off to 0 or infinity.
    """
    with threadpool_limits(limits=blas_threads(), user_api="blas"):
        analytic = loglik(x0)[1] is not None
        objective = _objective(loglik, n, analytic)

        # An exact gradient lets BFGS go on to 1e-10, where the flattest direction of a 200,000-
        # customer Pareto/NBD likelihood is within 1e-8 of its maximum (at 1e-8, 1.4e-6 away).
        gtol = _GRADIENT_TOL / (1e4 if analytic else 1e2)
        options: dict[str, Any] = {"gtol": gtol, "maxiter": 2000}
        jac = True if analytic else "3-point"
        warm = _warm_start(sample, x0) if sample is not None and analytic else None
        result = _warm_fit(objective, *warm) if warm is not None else None
        if result is None:  # from the sample's maximum when there is one
            start = x0 if warm is None else warm[0]
            result = minimize(objective, start, jac=jac, method="BFGS", options=options)
        if not result.success and np.all(np.isfinite(result.x)):
            # BFGS often stops on "precision loss" near the optimum; one restart with a fresh
            # Hessian approximation usually finishes the job.
            result = minimize(objective, result.x, jac=jac, method="BFGS", options=options)
        x = result.x
        if not (np.all(np.isfinite(x)) and np.isfinite(result.fun)):
            raise ConvergenceError(f"{what} fit did not converge: {result.message}")
        runaway = np.abs(x) > _MAX_LOG_PARAM
        if runaway.any():
            i = int(runaway.argmax())
            raise BoundaryError(
                f"{what} fit did not converge: parameter {names[i]} ran off to {np.exp(x[i]):.3g}, "
                "so the data cannot pin it down; expected more customers or a longer period",
                parameter=names[i], value=float(np.exp(x[i])),
            )
        grad = _gradient(objective, x, analytic)
        if not result.success and np.max(np.abs(grad)) > _GRADIENT_TOL and not _at_optimum(
            result, grad
        ):
            raise ConvergenceError(
                f"{what} fit did not converge: {result.message} (largest gradient "
                f"{np.max(np.abs(grad)):.2g}, expected below {_GRADIENT_TOL:g})"
            )
        return x


def _objective(loglik: LogLik, n: float, analytic: bool) -> Callable:
    """The mean negative log-likelihood (and its gradient), +inf where it is not finite."""

    def objective(log_params: np.ndarray) -> float | tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            ll, grad = loglik(log_params)
        if not np.isfinite(ll):
            return (np.inf, np.zeros_like(log_params)) if analytic else np.inf
        return (-ll / n, -grad / n) if analytic else -ll / n

    return objective


def _warm_start(sample: FitSample, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The sample's maximum and the inverse of its Hessian there, or None when the sample's
    fit fails or its Hessian is not positive definite (then the fit starts from lifetimes'
    start)."""
    objective = _objective(sample.loglik, sample.n, analytic=True)
    result = minimize(objective, x0, jac=True, method="BFGS",
                      options={"gtol": _WARM_GRADIENT_TOL, "maxiter": 2000})
    x = result.x
    if not (result.success and np.all(np.isfinite(x)) and np.all(np.abs(x) <= _MAX_LOG_PARAM)):
        return None
    eye = np.eye(x.size) * _HESSIAN_STEP
    hessian = np.array(
        [(objective(x + e)[1] - objective(x - e)[1]) / (2 * _HESSIAN_STEP) for e in eye]
    )
    hessian = (hessian + hessian.T) / 2
    if not (np.all(np.isfinite(hessian)) and np.all(np.linalg.eigvalsh(hessian) > 0)):
        return None
    inverse = np.linalg.inv(hessian)
    return x, (inverse + inverse.T) / 2


def _warm_fit(objective: Callable, x: np.ndarray, hess_inv: np.ndarray) -> OptimizeResult | None:
    """The full data's maximum from the sample's: BFGS with the sample's inverse Hessian as
    its first metric, to a mean gradient of :data:`_WARM_BFGS_GRADIENT_TOL`, then Newton steps
    with the metric BFGS ended with. None when either stage fails (then BFGS goes on alone).
    """
    try:
        options = {"gtol": _WARM_BFGS_GRADIENT_TOL, "maxiter": 2000, "hess_inv0": hess_inv}
        first = minimize(objective, x, jac=True, method="BFGS", options=options)
    except ValueError:  # scipy's own check finds the metric not positive definite
        return None
    if not (np.all(np.isfinite(first.x)) and np.isfinite(first.fun)):
        return None
    return _newton(objective, first.x, np.asarray(first.hess_inv, dtype=float))


def _newton(objective: Callable, x: np.ndarray, hess_inv: np.ndarray) -> OptimizeResult | None:
    """Newton steps from ``x`` with a fixed metric ``hess_inv`` (an inverse Hessian) until a
    step moves no log-parameter further than :data:`_NEWTON_TOL`; None when a step beyond
    :data:`_NEWTON_TRUST` makes the fit worse or :data:`_NEWTON_STEPS` steps do not converge.

    Near the maximum of a likelihood over millions of customers, the objective changes by less
    than its own rounding error, so BFGS's line search stops on "precision loss" after dozens
    of evaluations; the gradient stays accurate there, and a Newton step needs only it.
    """
    fun, grad = objective(x)
    for _ in range(_NEWTON_STEPS):
        if not np.isfinite(fun):
            return None
        step = hess_inv @ grad
        if np.max(np.abs(step)) <= _NEWTON_TOL:
            return OptimizeResult(x=x, fun=fun, jac=grad, hess_inv=hess_inv, success=True,
                                  message="Newton steps converged")
        new_fun, new_grad = objective(x - step)
        if not np.isfinite(new_fun):
            return None
        if new_fun > fun + _NEWTON_SLACK * abs(fun) and np.max(np.abs(step)) > _NEWTON_TRUST:
            return None
        x, fun, grad = x - step, new_fun, new_grad
    return None


def _at_optimum(result: Any, grad: np.ndarray) -> bool:
    """Whether a stopped BFGS run is at the optimum all the same: its Newton step (the inverse
    Hessian times the gradient) moves no log-parameter by more than :data:`_STEP_TOL`.

    On tens of millions of customers the mean log-likelihood's gradient cannot be computed more
    precisely than about 1e-6 (sums of that many terms lose the last digits), so BFGS stops on
    "precision loss" with a gradient just above the tolerance while the parameters are already
    within 1e-6 of the maximum of a steep likelihood.
    """
    hess_inv = getattr(result, "hess_inv", None)
    if hess_inv is None:
        return False
    step = np.asarray(hess_inv, dtype=float) @ grad
    return bool(np.all(np.isfinite(step)) and np.max(np.abs(step)) <= _STEP_TOL)


def _gradient(objective: Callable, x: np.ndarray, analytic: bool) -> np.ndarray:
    """The objective's gradient at ``x``, by central differences when there is no formula."""
    if analytic:
        return objective(x)[1]
    step = 1e-6
    eye = np.eye(x.size) * step
    return np.array([(objective(x + e) - objective(x - e)) / (2 * step) for e in eye])


#: Half-width of the band around an integer that :func:`bridge_integer` interpolates across.
_INTEGER_BAND = 1e-3


def bridge(fn: Callable[[float], np.ndarray], value: float, singular: bool) -> np.ndarray:
    """Evaluate ``fn(value)`` across a removable singularity.

    Closed forms such as (a+b-1)/(a-1)·[1 - ...] are 0/0 at a single parameter value although
    the function is smooth there. Near it, interpolate linearly between two points 1e-5 away:
    the error is O(1e-10), far below the sampling error of any estimate.
    """
    if not singular:
        return fn(value)
    step = 1e-5
    lo, hi = fn(value - step), fn(value + step)
    return lo + (hi - lo) * 0.5


def bridge_integer(
    fn: Callable[[float], np.ndarray], value: float, anchor: float = 0.0
) -> np.ndarray:
    """Evaluate ``fn(value)``, smooth in ``value``, where scipy's ``hyp2f1`` fails: near
    ``value - anchor`` an integer.

    For z > 0.9 scipy's ₂F₁(A, B; C; z) moves to 1 - z (Abramowitz & Stegun 15.3.6), whose
    terms Γ(C-A-B) and Γ(A+B-C) have poles when C - A - B is an integer. At the integer it
    returns NaN or inf (C - A - B = 1) or is off by up to 1e-4 (C - A - B = 2); within 1e-8 of it
    the cancelling poles cost up to 9 digits. The function itself is analytic in the parameter,
    so within :data:`_INTEGER_BAND` of the integer it is taken from the cubic through four
    points 1 and 2 band-widths either side, where ₂F₁ is accurate; the interpolation error is
    of order band⁴ = 1e-12.

    Parameters
    ----------
    fn : callable
        ``fn(parameter) -> values``.
    value : float
        The parameter.
    anchor : float, default 0.0
        ``fn`` is inaccurate where ``value - anchor`` is an integer.
    """
    integer = round(value - anchor)
    u = (value - anchor - integer) / _INTEGER_BAND
    if abs(u) >= 1.0:
        return fn(value)
    # Lagrange weights of the nodes at -2, -1, 1 and 2 band-widths, evaluated at u in (-1, 1).
    weights = (
        -(u * u - 1.0) * (u - 2.0) / 12.0,
        (u + 2.0) * (u - 1.0) * (u - 2.0) / 6.0,
        -(u + 2.0) * (u + 1.0) * (u - 2.0) / 6.0,
        (u + 2.0) * (u * u - 1.0) / 12.0,
    )
    centre = anchor + integer
    return sum(
        w * fn(centre + k * _INTEGER_BAND) for w, k in zip(weights, (-2, -1, 1, 2), strict=True)
    )
