"""The shifted-beta-geometric (sBG) retention model of Fader & Hardie (2007).

A subscriber renews at the end of each period with a probability 1 − θ that is constant for
that subscriber; θ varies across subscribers as Beta(α, β). Counting customers still active at
the start of periods 0, 1, ..., n (the first count is the cohort's size), the model gives

- the chance a subscriber churns in period t: P(T = t) = B(α + 1, β + t − 1) / B(α, β);
- survival S(t) = B(α, β + t) / B(α, β), the share still active at the start of period t;
- the retention rate r(t) = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1), which rises with
  t as the subscribers most likely to leave leave first.

:func:`fit_sbg` estimates α and β by maximum likelihood from one cohort's counts (the paper's
interface) or from several cohorts observed for different lengths (each contributes its own
churn counts and its survivors at the end of its observation), which is how growthkit fits a
plan or an acquisition quarter made of monthly cohorts.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of
Interactive Marketing, 21(1), 76-90.

Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting: the
perils of ignoring heterogeneity. Marketing Science, 29(1), 85-93 (DERL).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, hyp2f1, logit, ndtri
from statsmodels.tools.numdiff import approx_fprime

from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.i18n import N_

__all__ = ["SBGModel", "churn_flags", "fit_sbg", "lifetimes"]

# The fit runs on logit μ and log φ (see fit_sbg). At the bounds of logit μ, or at φ's upper
# bound, the estimate says nothing useful; φ at its lower bound is a homogeneous population.
_LOGIT_BOUND = 30.0
# Below φ = 10⁻⁶ (α + β above a million) the model is geometric to every digit a report
# shows, and betaln loses the precision the fit needs.
_LOG_PHI_MIN, _LOG_PHI_MAX = math.log(1e-6), math.log(1 - 1e-9)
_LOG_PHI_FLAT = math.log(1e-5)


@dataclass(frozen=True)
class SBGModel:
    """A fitted (or given) sBG model: parameters, fit statistics and projections.

    Attributes
    ----------
    alpha, beta : float
        The Beta(α, β) distribution of the per-period churn probability θ across subscribers.
    log_likelihood : float
        The maximised log-likelihood (total over customers), as in the paper.
    customers : int
        Customers the model was fitted on (the cohort sizes summed).
    periods : int
        The longest observation, in periods (counts of length n + 1 give n).
    covariance : numpy.ndarray or None
        Covariance of the estimate in (logit μ, log φ), the mean churn μ = α/(α + β) and the
        polarisation φ = 1/(α + β + 1), from the inverse Hessian of the log-likelihood; None
        for a model made with :meth:`from_params`. On these axes the likelihood is close to
        quadratic, also when churn hardly varies across subscribers (φ near 0).
    homogeneous : bool
        Churn does not measurably vary across subscribers (the estimate of φ is below 10⁻⁵):
        the model is the geometric limit with churn μ, and φ is set to 10⁻⁶ (α + β of a
        million).
    """

    alpha: float
    beta: float
    log_likelihood: float = math.nan
    customers: int = 0
    periods: int = 0
    covariance: np.ndarray | None = field(default=None, repr=False, compare=False)
    homogeneous: bool = False

    @classmethod
    def from_params(cls, alpha: float, beta: float) -> SBGModel:
        """A model at given parameters (no fit, no intervals)."""
        if not (alpha > 0 and beta > 0 and math.isfinite(alpha) and math.isfinite(beta)):
            raise GrowthkitError(
                f"alpha={alpha!r}, beta={beta!r}: expected two positive, finite numbers"
            )
        return cls(alpha=float(alpha), beta=float(beta))

    @property
    def params(self) -> dict[str, float]:
        """``{"alpha": α, "beta": β}``."""
        return {"alpha": self.alpha, "beta": self.beta}

    @property
    def mean_churn(self) -> float:
        """E[θ] = α / (α + β): the churn probability of a new subscriber's first renewal."""
        return self.alpha / (self.alpha + self.beta)

    def survival(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray | float:
        """S(t) = B(α, β + t) / B(α, β): the share of a cohort still active at the start of t.

        Parameters
        ----------
        t : int or array of int
            Periods since the start (S(0) = 1).

        Returns
        -------
        float or numpy.ndarray
        """
        t = np.asarray(t, dtype=float)
        out = np.exp(betaln(self.alpha, self.beta + t) - betaln(self.alpha, self.beta))
        return float(out) if out.ndim == 0 else out

    def retention_rate(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray | float:
        """r(t) = (β + t − 1) / (α + β + t − 1): the share of those active in t − 1 who renew
        into t (t ≥ 1)."""
        t = np.asarray(t, dtype=float)
        if np.any(t < 1):
            raise GrowthkitError(f"t={t.min():g}: the retention rate starts at period 1")
        out = (self.beta + t - 1) / (self.alpha + self.beta + t - 1)
        return float(out) if out.ndim == 0 else out

    def churn_probability(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray | float:
        """P(T = t) = B(α + 1, β + t − 1) / B(α, β): the chance a new subscriber's last period
        is t (t ≥ 1)."""
        t = np.asarray(t, dtype=float)
        out = np.exp(betaln(self.alpha + 1, self.beta + t - 1) - betaln(self.alpha, self.beta))
        return float(out) if out.ndim == 0 else out

    def derl(self, discount_rate: float, renewals: int = 1) -> float:
        """Discounted expected residual lifetime (Fader & Hardie 2010, eq. 6).

        For a customer who has made ``renewals − 1`` renewals and is about to decide on the
        next one: Σ_{t ≥ n} S(t)/S(n − 1) / (1 + d)^(t − n), evaluated in closed form as
        B(α, β + n)/B(α, β + n − 1) · ₂F₁(1, β + n; α + β + n; 1/(1 + d)).

        Parameters
        ----------
        discount_rate : float
            Discount rate per period, d > 0.
        renewals : int, default 1
            n ≥ 1 as in the paper: 1 is a new customer just before the first renewal.

        Returns
        -------
        float
            Expected number of future payments, discounted, counted from the next renewal.
        """
        if not discount_rate > 0:
            raise GrowthkitError(
                f"discount_rate={discount_rate!r}: expected a positive rate per period"
            )
        n = int(renewals)
        if n < 1:
            raise GrowthkitError(f"renewals={renewals!r}: expected a whole number ≥ 1")
        a, b = self.alpha, self.beta
        ratio = math.exp(betaln(a, b + n) - betaln(a, b + n - 1))
        return float(ratio * hyp2f1(1.0, b + n, a + b + n, 1.0 / (1.0 + discount_rate)))

    def discounted_lifetime(self, discount_rate: float) -> float:
        """Expected discounted number of payments of a new subscriber, the first included:
        Σ_{t ≥ 0} S(t) / (1 + d)^t = 1 + DERL(d, n = 1) / (1 + d)."""
        return 1.0 + self.derl(discount_rate, 1) / (1.0 + discount_rate)

    def survival_interval(
        self, t: float | Sequence[float] | np.ndarray, level: float = 0.9
    ) -> tuple[np.ndarray, np.ndarray]:
        """An interval for S(t) from the uncertainty of the estimate (the delta method).

        The normal approximation is taken on logit S(t), with the gradient of S(t) in
        (logit μ, log φ) and :attr:`covariance`, so the interval stays within (0, 1) and
        holds the estimate.

        Parameters
        ----------
        t : int or array of int
            Periods.
        level : float, default 0.9
            Coverage of the interval.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Lower and upper bounds, one per period (1 and 1 at period 0).
        """
        if self.covariance is None:
            raise GrowthkitError(
                "this sBG model has no covariance (made with from_params); fit it with "
                "fit_sbg to get intervals"
            )
        if not 0 < level < 1:
            raise GrowthkitError(f"level={level!r}: expected a share between 0 and 1")
        t = np.atleast_1d(np.asarray(t, dtype=float))
        a, b = self.alpha, self.beta
        s = np.asarray(self.survival(t), dtype=float).reshape(t.shape)
        # d ln S(t) / d(log α, log β), then to (logit μ, log φ).
        d_a = a * (digamma(a + b) - digamma(a + b + t))
        d_b = b * (digamma(b + t) - digamma(b) - digamma(a + b + t) + digamma(a + b))
        grad = _to_mean_polarisation(a, b) @ np.vstack([d_a, d_b])
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = grad / (1 - s)  # d logit S = d ln S / (1 − S)
            var = np.einsum("it,ij,jt->t", grad, self.covariance, grad)
            centre = np.log(s) - np.log1p(-s)
        half = float(ndtri(0.5 + level / 2)) * np.sqrt(np.maximum(var, 0.0))
        low, high = expit(centre - half), expit(centre + half)
        first = s >= 1
        low[first], high[first] = 1.0, 1.0
        return low, high

    def projection(self, periods: int, level: float = 0.9) -> pd.DataFrame:
        """Survival and retention for periods 0 to ``periods``, with intervals when fitted.

        Returns
        -------
        pandas.DataFrame
            ``period``, ``survival``, ``retention_rate`` (NaN at 0) and, for a fitted model,
            ``low`` and ``high``.
        """
        t = np.arange(periods + 1)
        out = pd.DataFrame({"period": t, "survival": self.survival(t)})
        out["retention_rate"] = np.r_[np.nan, self.retention_rate(t[1:])] if periods else np.nan
        if self.covariance is not None:
            out["low"], out["high"] = self.survival_interval(t, level)
        return out


def _cohorts(counts: Sequence[float] | Sequence[Sequence[float]]) -> list[np.ndarray]:
    """The counts as a list of cohorts, each checked."""
    if isinstance(counts, np.ndarray | pd.Series):
        counts = counts.tolist()
    if not isinstance(counts, Sequence) or isinstance(counts, str) or not len(counts):
        raise GrowthkitError(
            f"counts={counts!r}: expected customers still active at the start of periods "
            "0, 1, ..., n, e.g. [1000, 631, 468], or a list of such cohorts"
        )
    nested = all(isinstance(c, Sequence | np.ndarray | pd.Series) and not isinstance(c, str)
                 for c in counts)
    cohorts = [np.asarray(c, dtype=float) for c in counts] if nested else [
        np.asarray(counts, dtype=float)
    ]
    for i, c in enumerate(cohorts):
        where = f"counts[{i}]" if nested else "counts"
        if c.ndim != 1 or not len(c):
            raise GrowthkitError(f"{where}: expected a list of numbers, found {c.tolist()!r}")
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            raise GrowthkitError(
                f"{where} holds {c.tolist()!r}; expected counts of customers (≥ 0, finite)"
            )
        rises = np.flatnonzero(np.diff(c) > 0)
        if len(rises):
            k = int(rises[0]) + 1
            raise GrowthkitError(
                f"{where}: period {k} has {c[k]:g} customers, more than the {c[k - 1]:g} of "
                f"period {k - 1}; expected customers still active, never more than before"
            )
    return cohorts


def _collapse(cohorts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Churned in period t (t = 1..T) and survivors at the end of observation at age n."""
    longest = max(len(c) for c in cohorts) - 1
    lost = np.zeros(longest + 1)
    alive = np.zeros(longest + 1)
    for c in cohorts:
        n = len(c) - 1
        lost[1 : n + 1] += c[:-1] - c[1:]
        alive[n] += c[-1]
    return lost, alive


def _log_likelihood(
    logs: np.ndarray, lost: np.ndarray, alive: np.ndarray
) -> tuple[float, np.ndarray]:
    """The sBG log-likelihood and its gradient in (log α, log β)."""
    a, b = np.exp(logs)
    t = np.arange(len(lost), dtype=float)
    base = betaln(a, b)
    d_base_a, d_base_b = digamma(a) - digamma(a + b), digamma(b) - digamma(a + b)
    # Churn in period t: B(a + 1, b + t - 1) / B(a, b), for t >= 1.
    tc = t[1:]
    ll_churn = betaln(a + 1, b + tc - 1) - base
    g_churn_a = digamma(a + 1) - digamma(a + b + tc) - d_base_a
    g_churn_b = digamma(b + tc - 1) - digamma(a + b + tc) - d_base_b
    # Still active at age n: B(a, b + n) / B(a, b), for n >= 0 (0 at n = 0).
    ll_alive = betaln(a, b + t) - base
    g_alive_a = digamma(a) - digamma(a + b + t) - d_base_a
    g_alive_b = digamma(b + t) - digamma(a + b + t) - d_base_b
    w_lost, w_alive = lost[1:], alive
    ll = float(w_lost @ ll_churn + w_alive @ ll_alive)
    grad = np.array([
        w_lost @ g_churn_a + w_alive @ g_alive_a,
        w_lost @ g_churn_b + w_alive @ g_alive_b,
    ])
    return ll, grad * np.array([a, b])  # chain rule to log parameters


def _to_mean_polarisation(a: float, b: float) -> np.ndarray:
    """J with J @ (d/d log α, d/d log β) = (d/d logit μ, d/d log φ)."""
    mu, total = a / (a + b), a + b
    k = -(total + 1) / total
    return np.array([[1 - mu, -mu], [k, k]])


def _from_mean_polarisation(x: np.ndarray) -> tuple[float, float]:
    mu, phi = expit(x[0]), math.exp(x[1])
    total = 1 / phi - 1
    return float(mu * total), float((1 - mu) * total)


def lifetimes(
    tenure: Sequence[float] | np.ndarray | pd.Series,
    churned: Sequence[object] | np.ndarray | pd.Series,
) -> tuple[np.ndarray, np.ndarray]:
    """Censored lifetimes as the likelihood's counts: churned in period t, active at age n.

    A churned customer with tenure t paid t periods and left: a churn in period t (a churned
    tenure of 0 counts as a churn in period 1). An active customer with tenure n is
    right-censored: still active at age n.

    Parameters
    ----------
    tenure : sequence of numbers
        Whole periods (months) each customer has paid.
    churned : sequence of bool (or ``"Yes"``/``"No"``, 1/0)
        Whether each customer has left.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``lost[t]`` and ``alive[n]`` for t, n = 0 .. the longest tenure.
    """
    t = np.asarray(pd.to_numeric(pd.Series(tenure), errors="coerce"), dtype=float)
    flags = churn_flags(churned)
    if len(t) != len(flags) or not len(t):
        raise GrowthkitError(
            f"tenure has {len(t)} values and churned {len(flags)}; expected one of each per "
            "customer"
        )
    bad = ~np.isfinite(t) | (t < 0) | (t != np.floor(t))
    if bad.any():
        raise GrowthkitError(
            f"tenure holds {t[bad][0]!r}; expected whole numbers of periods (≥ 0) per customer"
        )
    n = t.astype(int)
    ages = np.where(flags, np.maximum(n, 1), n)
    size = int(ages.max()) + 1
    lost = np.bincount(ages[flags], minlength=size).astype(float)
    alive = np.bincount(ages[~flags], minlength=size).astype(float)
    return lost, alive


#: How a churn flag may be written (any case): churned, and active.
_YES = frozenset({"yes", "y", "true", "1", "churned", "churn"})
_NO = frozenset({"no", "n", "false", "0", "active"})


def churn_flags(churned: Sequence[object] | np.ndarray | pd.Series) -> np.ndarray:
    """``churned`` as booleans: bools, 0/1, or the words yes/no, true/false (any case)."""
    s = pd.Series(churned)
    if s.dtype == bool:
        return s.to_numpy()
    text = s.astype(str).str.strip().str.lower()
    text = text.replace({"1.0": "1", "0.0": "0"})
    unknown = ~text.isin(_YES | _NO)
    if unknown.any():
        raise GrowthkitError(
            f"churned holds {s[unknown].iloc[0]!r}; expected yes/no, true/false or 1/0"
        )
    return text.isin(_YES).to_numpy()


def fit_sbg(
    counts: Sequence[float] | Sequence[Sequence[float]] | None = None,
    *,
    tenure: Sequence[float] | np.ndarray | pd.Series | None = None,
    churned: Sequence[object] | np.ndarray | pd.Series | None = None,
) -> SBGModel:
    """Fit the sBG model by maximum likelihood, to survivor counts or censored lifetimes.

    Parameters
    ----------
    counts : sequence of numbers, or a sequence of such sequences, optional
        Customers still active at the start of periods 0, 1, ..., n; the first is the cohort's
        size (the paper's regular segment: ``[1000, 631, 468, 382, 326, 289, 262, 241]``).
        Several cohorts, each observed for its own number of periods, are given as a list of
        such lists and fitted jointly.
    tenure, churned : sequences, optional
        Instead of ``counts``, one customer each (a snapshot): periods paid, and whether the
        customer has left (see :func:`lifetimes`). Active customers are right-censored at
        their tenure; churned ones churned in their last period.

    Returns
    -------
    SBGModel
        With ``.params``, ``.log_likelihood``, ``.survival(t)``, ``.retention_rate(t)``,
        ``.derl(d)`` and intervals.

    Raises
    ------
    GrowthkitError
        For counts that are not customers still active (negative, rising, empty).
    ConvergenceError
        When the data cannot identify the model: no customer ever churned, no period after
        the first was observed, or the maximum lies on a boundary.

    Notes
    -----
    The likelihood is maximised over the mean churn μ = α/(α + β) (logit) and the
    polarisation φ = 1/(α + β + 1) (log), on which it is close to quadratic. When churn
    does not vary measurably across subscribers, φ drifts towards 0 on a flat likelihood: the
    model is then geometric with churn μ (``homogeneous``), and its intervals reflect the
    uncertainty of μ alone.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of
    Interactive Marketing, 21(1), 76-90.
    """
    if (tenure is None) != (churned is None) or (tenure is not None and counts is not None):
        raise GrowthkitError(
            "fit_sbg: expected either counts, or tenure and churned (one per customer)"
        )
    if tenure is not None:
        lost, alive = lifetimes(tenure, churned)
        customers = float(lost.sum() + alive.sum())
    else:
        if counts is None:
            raise GrowthkitError(
                "fit_sbg: expected either counts, or tenure and churned (one per customer)"
            )
        cohorts = _cohorts(counts)
        lost, alive = _collapse(cohorts)
        customers = float(sum(c[0] for c in cohorts))
    if customers <= 0:
        raise GrowthkitError("counts: every cohort is empty; expected customers at period 0")
    if len(lost) < 2:
        raise ConvergenceError(
            "sBG: " + N_(
                "no cohort was observed beyond its first period; expected counts for at "
                "least periods 0 and 1")
        )
    if lost.sum() == 0:
        raise ConvergenceError(
            "sBG: " + N_(
                "no customer churned (the counts never fall); the churn rate cannot be "
                "estimated")
        )
    if (alive[1:].sum() == 0) and np.all(lost[2:] == 0):
        raise ConvergenceError(
            "sBG: " + N_(
                "every customer churned in the first period; the model cannot tell their "
                "churn rates apart")
        )

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = _from_mean_polarisation(x)
        ll, grad = _log_likelihood(np.log([a, b]), lost, alive)
        return -ll / customers, -(_to_mean_polarisation(a, b) @ grad) / customers

    exposed = lost[1] + alive[1:].sum() + lost[2:].sum()
    start = np.array([logit(np.clip(lost[1] / exposed, 0.01, 0.99)), math.log(0.2)])
    bounds = [(-_LOGIT_BOUND, _LOGIT_BOUND), (_LOG_PHI_MIN, _LOG_PHI_MAX)]
    # SLSQP: as precise as L-BFGS-B here, without its per-iteration BLAS calls (slow when
    # threads are contended).
    result = minimize(objective, start, jac=True, method="SLSQP", bounds=bounds,
                      options={"ftol": 1e-15, "maxiter": 1000})
    x = result.x
    # The likelihood is flat below φ = 10⁻⁵ (a spread of θ under 0.003 around any mean): the
    # optimiser stops anywhere on that flat, and the model is the geometric limit.
    homogeneous = bool(x[1] <= _LOG_PHI_FLAT)
    if homogeneous:
        # The geometric limit: churn events over periods at risk is the MLE of μ, exactly.
        t = np.arange(len(lost))
        x = np.array([logit(lost.sum() / (lost @ t + alive @ t)), _LOG_PHI_MIN])
    if not np.all(np.isfinite(x)) or abs(x[0]) >= _LOGIT_BOUND - 1e-6 or (
        x[1] >= _LOG_PHI_MAX - 1e-6
    ):
        raise ConvergenceError(
            "sBG: " + N_(
                "the maximum lies on a boundary (alpha or beta near 0); the counts do not "
                "identify the model")
        )
    grad = objective(x)[1]
    if not homogeneous and np.max(np.abs(grad)) > 1e-5:
        raise ConvergenceError(f"sBG: the fit did not converge ({result.message})")
    a, b = _from_mean_polarisation(x)
    hessian = approx_fprime(x, lambda y: objective(y)[1], centered=True) * customers
    hessian = (hessian + hessian.T) / 2
    covariance = None
    if not homogeneous and np.all(np.linalg.eigvalsh(hessian) > 0):
        covariance = np.linalg.inv(hessian)
    elif hessian[0, 0] > 0:  # φ on its flat edge: the uncertainty is μ's, at that φ
        covariance = np.array([[1 / hessian[0, 0], 0.0], [0.0, 0.0]])
    ll, _ = _log_likelihood(np.log([a, b]), lost, alive)
    return SBGModel(
        alpha=a,
        beta=b,
        log_likelihood=ll,
        customers=round(customers),
        periods=len(lost) - 1,
        covariance=covariance,
        homogeneous=homogeneous,
    )
