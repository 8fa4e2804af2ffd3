"""Pareto/NBD and BG/NBD with time-invariant customer covariates.

Pareto/NBD follows CLVTools' parameterisation (its ``src/pnbd.cpp``; Fader & Hardie's note
019): customer i's purchase-rate scale is α_i = α·exp(-γ_purchaseᵀx_i) and their dropout-rate
scale β_i = β·exp(-γ_dropoutᵀx_i); r and s carry no covariates. The mean purchase rate r/α_i
is therefore multiplied by exp(γ_purchaseᵀx_i), and the mean dropout rate s/β_i by
exp(γ_dropoutᵀx_i): a positive purchase coefficient means more purchases, a positive dropout
coefficient a faster dropout (shorter lifetimes). (The CLVTools vignette's prose reads the
dropout sign the other way round; the likelihood in its code is the one above.)

BG/NBD follows note 019 and pymc-marketing's ``BetaGeoModel`` with separate coefficients on
the two parameters of the dropout probability: α_i as above, a_i = a·exp(γ_aᵀx_i),
b_i = b·exp(γ_bᵀx_i). (CLVTools ties γ_a = γ_b, which leaves the mean dropout probability
a/(a+b) unchanged.) A positive γ_a raises the dropout probability, a positive γ_b lowers it.

Both likelihoods come with their exact gradients. The plain models are the special case
without covariates; the Pareto/NBD integral is evaluated by the exp-sinh rule with
per-customer α_i and β_i (:func:`log_tail_integral`).

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the
Pareto/NBD and BG/NBD models. http://brucehardie.com/notes/019/
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers. Management
Science, 33(1), 1-24.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way.
Marketing Science, 24(2), 275-284.
Takahasi, H. & Mori, M. (1974). Double exponential formulas for numerical integration.
Publications of the RIMS, 9(3), 721-741.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, hyp2f1
from scipy.stats import chi2, norm

from growthkit.clv.covariates import CovariateDesign, covariate_frame, design_for
from growthkit.clv.estimation import covariance_from_hessian, hessian, maximize
from growthkit.clv.optimize import WARM_START_ROWS, sample_stride
from growthkit.errors import GrowthkitError, NotFittedError
from growthkit.progress import step
from growthkit.units import check_time_unit
from growthkit.validation import check_option, require_columns

__all__ = [
    "COVARIATE_MODELS",
    "INTERVAL_LEVEL",
    "SAMPLE_GTOL",
    "BetaGeoCovariateModel",
    "CovariateTransactionModel",
    "LikelihoodRatioTest",
    "ModifiedBetaGeoCovariateModel",
    "ParetoNBDCovariateModel",
    "fit_covariates",
    "log_tail_integral",
]

#: The fit on a sample of a large data set (its start) stops at this mean gradient: the
#: full data's Newton steps refine it anyway.
SAMPLE_GTOL = 1e-6
#: Level of the interval on each coefficient's multiplier exp(γ).
INTERVAL_LEVEL = 0.90
#: Step of the exp-sinh rule; at 1/12 the integral and its derivatives agree with mpmath to
#: about 1e-12 relative (tests/clv/test_clv_covariates.py).
_TAIL_STEP = 1.0 / 12.0
#: Lowest node: δ = c·exp(π/2·sinh(-4)) = c·2e-19.
_TAIL_START = -4.0
#: The rule reaches δ/c = e^(4 + 40/(p+q-1) + log(max(a, b)/c)), where the power-law tail is
#: below e^-40 of the integral, but at most e^600.
_TAIL_MAX_LOG = 600.0
#: Points per block of the integral: 2,048 × ~100 nodes keeps each temporary array (1.6 MB)
#: in cache; 8,192 took twice the time (200,000 points: 0.26 s against 0.54 s of CPU).
_TAIL_BLOCK = 2048


def log_tail_integral(
    a: np.ndarray, b: np.ndarray, p: np.ndarray, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log G and its gradient for G = ∫₀^∞ (a+δ)^-p (b+δ)^-q dδ, one integral per point.

    With a = α_i + y, b = β_i + y, p = r + x and q = s + 1 this is the Pareto/NBD's
    ∫_y^∞ (α_i+t)^-(r+x) (β_i+t)^-(s+1) dt (note 009's A₀ is a difference of two). It is
    computed by the exp-sinh rule of Takahasi & Mori (1974), δ = c·exp(π/2·sinh τ) on a grid
    of τ, with c = 1/(p/a + q/b) the length over which the integrand first falls by e; the
    integrand is analytic off the negative axis and falls like a power, so the error falls
    like exp(-const/step) for any parameters (integer or not, a equal to b or not). The same
    nodes give the derivatives: ∂G/∂a = -p∫f/(a+δ), ∂G/∂b = -q∫f/(b+δ),
    ∂G/∂p = -∫f log(a+δ), ∂G/∂q = -∫f log(b+δ).

    Parameters
    ----------
    a, b, p, q : numpy.ndarray
        Positive, one per point (q may be a scalar), with p + q > 1.

    Returns
    -------
    log_g : numpy.ndarray
    grad : numpy.ndarray
        Shape (points, 4): ∂ log G / ∂(a, b, p, q).
    """
    a, b, p = (np.asarray(v, dtype="float64") for v in (a, b, p))
    q = np.broadcast_to(np.asarray(q, dtype="float64"), a.shape)
    log_g = np.empty(a.shape)
    grad = np.empty((a.size, 4))
    # Blocks of points with similar p + q: the rule's reach, set by a block's smallest
    # p + q - 1, is then short for most blocks (heavy buyers' integrands fall fast).
    order = np.argsort(p + q, kind="stable") if a.size > _TAIL_BLOCK else np.arange(a.size)
    for lo in range(0, a.size, _TAIL_BLOCK):
        sl = order[lo:lo + _TAIL_BLOCK]
        log_g[sl], grad[sl] = _tail_block(a[sl], b[sl], p[sl], q[sl])
    return log_g, grad


def _tail_block(a: np.ndarray, b: np.ndarray, p: np.ndarray, q: np.ndarray):
    c = 1.0 / (p / a + q / b)
    log_c = np.log(c)
    reach = 4.0 + 40.0 / float((p + q - 1.0).min())
    reach += float(np.max(np.log(np.maximum(a, b)) - log_c))
    last = np.arcsinh(min(reach, _TAIL_MAX_LOG) * 2.0 / np.pi)
    tau = np.arange(_TAIL_START, last + _TAIL_STEP, _TAIL_STEP)
    stretch = np.exp(np.pi / 2.0 * np.sinh(tau))
    weight = _TAIL_STEP * np.pi / 2.0 * np.cosh(tau) * stretch
    delta = c[:, None] * stretch
    log_a = np.log1p(delta / a[:, None])
    log_b = np.log1p(delta / b[:, None])
    with np.errstate(under="ignore"):
        f = np.exp(-p[:, None] * log_a - q[:, None] * log_b) * weight
        total = f.sum(axis=1)
        grad = np.column_stack([
            -p * (f / (a[:, None] + delta)).sum(axis=1) / total,
            -q * (f / (b[:, None] + delta)).sum(axis=1) / total,
            -np.log(a) - (f * log_a).sum(axis=1) / total,
            -np.log(b) - (f * log_b).sum(axis=1) / total,
        ])
    log_g = -p * np.log(a) - q * np.log(b) + log_c + np.log(total)
    return log_g, grad


# -- per-customer likelihoods -----------------------------------------------------------------


def _pnbd_rows(P: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
               points: tuple[np.ndarray, np.ndarray] | None = None):
    """Pareto/NBD log-likelihood of each row with its own (r, α, s, β) (columns of ``P``),
    note 009 eq. 18, its gradient in the log-parameters, and P(alive at T).

    The integral is needed at t_x and at T of each row (2n points, t_x's first). ``points``
    = (first, codes) says which of them are equal (same x, y and design row, hence the same
    integral for any parameters): the integral is evaluated at ``first`` and spread by
    ``codes``.
    """
    r, alpha, s, beta = P.T
    n = x.size
    ys = np.concatenate([tx, T])
    args = (np.concatenate([alpha, alpha]) + ys, np.concatenate([beta, beta]) + ys,
            np.concatenate([r + x, r + x]), np.concatenate([s, s]) + 1.0)
    if points is None:
        log_g, dlog_g = log_tail_integral(*args)
    else:
        first, codes = points
        log_g, dlog_g = log_tail_integral(*(v[first] for v in args))
        log_g, dlog_g = log_g[codes], dlog_g[codes]
    lg_tx, lg_T = log_g[:n], log_g[n:]
    d_tx, d_T = dlog_g[:n], dlog_g[n:]
    log_aT, log_bT = np.log(alpha + T), np.log(beta + T)
    log_alive = -(r + x) * log_aT - s * log_bT
    gap = np.minimum(lg_T - lg_tx, 0.0)
    with np.errstate(divide="ignore", under="ignore"):
        log_b = np.logaddexp(log_alive, np.log(s) + lg_tx + np.log(-np.expm1(gap)))
        alive = np.exp(log_alive - log_b)
        u_tx = np.exp(np.log(s) + lg_tx - log_b)
    u_T = u_tx * np.exp(gap)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + log_b
    dead = u_tx[:, None] * d_tx - u_T[:, None] * d_T  # Σ ± (sG/B) ∂ log G, per (a, b, p, q)
    grad = np.column_stack([
        r * (digamma(r + x) - digamma(r) + np.log(alpha) - alive * log_aT + dead[:, 2]),
        alpha * (r / alpha - alive * (r + x) / (alpha + T) + dead[:, 0]),
        s * (np.log(beta) - alive * log_bT + (u_tx - u_T) / s + dead[:, 3]),
        beta * (s / beta - alive * s / (beta + T) + dead[:, 1]),
    ])
    return ll, grad, alive


def _bgnbd_rows(P: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray):
    """BG/NBD log-likelihood of each row with its own (r, α, a, b), FHL (2005) eq. 6, its
    gradient in the log-parameters, and P(alive at T)."""
    r, alpha, a, b = P.T
    rx = r + x
    log_T, log_tx = np.log(alpha + T), np.log(alpha + tx)
    repeat = x > 0
    b_x = b + np.maximum(x, 1.0) - 1.0
    A3 = -rx * log_T
    with np.errstate(divide="ignore"):
        A4 = np.where(repeat, np.log(a) - np.log(b_x) - rx * log_tx, -np.inf)
    top = np.logaddexp(A3, A4)
    s4 = np.exp(A4 - top)
    s3 = 1.0 - s4
    ll = (gammaln(rx) - gammaln(r) + r * np.log(alpha) + gammaln(b + x) - gammaln(b)
          + gammaln(a + b) - gammaln(a + b + x) + top)
    ab = digamma(a + b) - digamma(a + b + x)
    grad = np.column_stack([
        r * (digamma(rx) - digamma(r) + np.log(alpha) - s3 * log_T - s4 * log_tx),
        alpha * (r / alpha - rx * (s3 / (alpha + T) + s4 / (alpha + tx))),
        a * (ab + s4 / a),
        b * (digamma(b + x) - digamma(b) + ab - s4 / b_x),
    ])
    return ll, grad, s3


def _mbgnbd_rows(P: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray):
    """MBG/NBD log-likelihood of each row with its own (r, α, a, b), Batislam et al. (2007)
    eq. A2 with Wagner & Hoppe's (2008) erratum, its gradient in the log-parameters, and
    P(alive at T)."""
    r, alpha, a, b = P.T
    rx = r + x
    log_T, log_tx = np.log(alpha + T), np.log(alpha + tx)
    A4 = np.log(a) - np.log(b + x) + rx * (log_T - log_tx)
    s4 = expit(A4)
    ll = (gammaln(rx) - gammaln(r) + r * np.log(alpha) + gammaln(b + x + 1) - gammaln(b)
          + gammaln(a + b) - gammaln(a + b + x + 1) + np.logaddexp(A4, 0.0) - rx * log_T)
    ab = digamma(a + b) - digamma(a + b + x + 1)
    grad = np.column_stack([
        r * (digamma(rx) - digamma(r) + np.log(alpha) + s4 * (log_T - log_tx) - log_T),
        alpha * (r / alpha + rx * (s4 * (1.0 / (alpha + T) - 1.0 / (alpha + tx))
                                   - 1.0 / (alpha + T))),
        a * (ab + s4 / a),
        b * (digamma(b + x + 1) - digamma(b) + ab - s4 / (b + x)),
    ])
    return ll, grad, 1.0 - s4


# -- expected purchases of a customer alive at T ----------------------------------------------


def _pnbd_alive_purchases(P: np.ndarray, t: np.ndarray, x: np.ndarray, T: np.ndarray):
    """Note 009 eq. 41 without P(alive): (r+x)(β+T)/((α+T)(s-1))·[1-((β+T)/(β+T+t))^(s-1)],
    the bracket over (s-1) with expm1/log1p (exact at s = 1)."""
    r, alpha, s, beta = P.T
    growth = np.log1p(t / (beta + T))
    with np.errstate(invalid="ignore", divide="ignore"):
        per_rate = np.where(np.abs(s - 1.0) < 1e-12, growth,
                            -np.expm1(-(s - 1.0) * growth) / (s - 1.0))
    return (r + x) * (beta + T) / (alpha + T) * per_rate


#: Half-width of the band around an integer r - a where scipy's ₂F₁ is inaccurate for z > 0.9.
_INTEGER_BAND = 1e-3


def _bg_value(r: np.ndarray, alpha: np.ndarray, a: np.ndarray, b: np.ndarray, t: np.ndarray,
              x: np.ndarray, T: np.ndarray, extra: float) -> np.ndarray:
    """FHL (2005) eq. 10 (``extra=0``; MBG/NBD ``extra=1``) without P(alive), in Euler's form
    (see growthkit.clv.bgnbd): (a+b+x+e-1)/(a-1)·[1 - (1-z)^(a-1) ₂F₁(a+b+e-1-r, a-1;
    a+b+x+e-1; z)], z = t/(α+T+t)."""
    z = t / (alpha + T + t)
    c = a + b + x + extra - 1.0
    hyp = hyp2f1(a + b + extra - 1.0 - r, a - 1.0, c, z)
    return c / (a - 1.0) * -np.expm1((a - 1.0) * (np.log(alpha + T) - np.log(alpha + T + t))
                                     + np.log(hyp))


def _bgnbd_alive_purchases(P: np.ndarray, t: np.ndarray, x: np.ndarray, T: np.ndarray,
                           extra: float = 0.0):
    """E[Y(t) | alive at T, x] for BG/NBD (``extra=0``) and MBG/NBD (``extra=1``) with
    per-customer parameters.

    Where it is 0/0 (a within 1e-6 of 1, or the ₂F₁'s last parameter a+b+x+e-1 within 1e-6
    of 0) the value is the mean of two points 1e-5 either side in a; where scipy's ₂F₁ is
    inaccurate (r - a within 1e-3 of an integer and z > 0.9) it is the cubic in r through
    four points 1 and 2 band-widths either side (as :mod:`growthkit.clv.bgnbd` does for one
    customer).
    """
    r, alpha, a, b = P.T
    near_one = (np.abs(a - 1.0) < 1e-6) | (np.abs(a + b + x + extra - 1.0) < 1e-6)
    a_eval = np.where(near_one, a + 1e-5, a)

    def value(r_: np.ndarray, a_: np.ndarray) -> np.ndarray:
        out = _bg_value(r_, alpha, a_, b, t, x, T, extra)
        if near_one.any():
            low = _bg_value(r_, alpha, a_ - 2e-5, b, t, x, T, extra)
            out = np.where(near_one, (out + low) / 2, out)
        return out

    out = value(r, a_eval)
    offset = r - a_eval
    u = (offset - np.round(offset)) / _INTEGER_BAND
    risky = (np.abs(u) < 1.0) & (t / (alpha + T + t) > 0.9)
    if risky.any():
        centre = r - u * _INTEGER_BAND
        weights = (-(u * u - 1.0) * (u - 2.0) / 12.0, (u + 2.0) * (u - 1.0) * (u - 2.0) / 6.0,
                   -(u + 2.0) * (u + 1.0) * (u - 2.0) / 6.0, (u + 2.0) * (u * u - 1.0) / 12.0)
        bridged = sum(w * value(centre + k * _INTEGER_BAND, a_eval)
                      for w, k in zip(weights, (-2, -1, 1, 2), strict=True))
        out = np.where(risky, bridged, out)
    return out


# -- the models -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """A likelihood-ratio test of a model against a nested one.

    Attributes
    ----------
    statistic : float
        χ² = 2·(log-likelihood of the larger model - that of the nested one).
    df : int
        Extra parameters of the larger model.
    p_value : float
        P(χ²_df ≥ statistic).
    """

    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True)
class _Slot:
    """Where covariates enter: a process, the base parameter they scale, and the sign
    (log θ_i = log θ + sign·γᵀx_i)."""

    process: str
    param: int
    sign: float
    covariates: str  # "purchase" or "dropout": which argument picks its covariates


@dataclass(frozen=True)
class _Data:
    """Distinct (x, t_x, T, design row) histories with their counts; time already scaled."""

    x: np.ndarray
    tx: np.ndarray
    T: np.ndarray
    X: np.ndarray
    weight: np.ndarray

    points: tuple[np.ndarray, np.ndarray]

    @classmethod
    def grouped(cls, x, tx, T, X) -> _Data:
        stacked = np.column_stack([x, tx, T, X])
        uniques, codes = np.unique(stacked, axis=0, return_inverse=True)
        weight = np.bincount(codes.ravel(), minlength=len(uniques)).astype("float64")
        x, tx, T, X = uniques[:, 0], uniques[:, 1], uniques[:, 2], uniques[:, 3:]
        # The integral points (x, y, design row), y = t_x then T: equal ones share a value.
        ends = np.column_stack([np.r_[x, x], np.r_[tx, T], np.vstack([X, X])])
        _, first, point_codes = np.unique(ends, axis=0, return_index=True, return_inverse=True)
        return cls(x, tx, T, X, weight, (first, point_codes.ravel()))

    def scaled(self, factor: float) -> _Data:
        return _Data(self.x, self.tx * factor, self.T * factor, self.X, self.weight,
                     self.points)


def _summary_arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated frequency, recency and T of an RFM summary."""
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"the summary must be a pandas DataFrame such as growthkit.rfm_summary "
                        f"returns; found {type(summary).__name__}")
    require_columns(summary.columns, ("frequency", "recency", "T"), where="the summary")
    out = []
    for col in ("frequency", "recency", "T"):
        series = summary[col]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            raise GrowthkitError(f"column {col!r} of the summary has dtype {series.dtype}; "
                                 "expected numbers")
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            i = int(bad.argmax())
            raise GrowthkitError(f"column {col!r} of the summary is {values[i]!r} for customer "
                                 f"{summary.index[i]!r}; expected finite numbers >= 0")
        out.append(values)
    x, tx, T = out
    for bad, what in ((x != np.round(x), "'frequency' is not a whole number"),
                      (tx > T, "'recency' is larger than 'T'"),
                      ((x == 0) & (tx != 0), "'recency' is positive with 'frequency' 0")):
        if bad.any():
            i = int(bad.argmax())
            raise GrowthkitError(
                f"column {what} for {bad.sum():,} customer(s), e.g. {summary.index[i]!r} "
                f"(frequency {x[i]:g}, recency {tx[i]:g}, T {T[i]:g}); expected an RFM summary"
            )
    return x, tx, T


class CovariateTransactionModel:
    """A buy-till-you-die model whose parameters depend on customer covariates.

    Fitted by :func:`fit_covariates` (or ``growthkit.clv.fit(..., covariates=...)``).

    Attributes
    ----------
    design : CovariateDesign or None
        How the covariates were coded (reference levels of categorical ones).
    time_unit : str or None
        Unit of recency and T.
    evaluations : dict
        Likelihood evaluations of the fit: ``sample`` (the start of a large fit, on about
        25,000 customers) and ``full``.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    base_names: ClassVar[tuple[str, ...]]
    _time_params: ClassVar[tuple[str, ...]]
    _slots: ClassVar[tuple[_Slot, ...]]
    _more_data = "more customers or purchases, or fewer covariates"

    def __init__(self) -> None:
        self._theta: np.ndarray | None = None
        self._data: _Data | None = None
        self._hessian: np.ndarray | None = None
        self._covariance: np.ndarray | None = None
        self._coef_names: tuple[tuple[str, str], ...] = ()
        self._slot_index: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
        self._covariates_arg: pd.DataFrame | list[str] | None = None
        self.design: CovariateDesign | None = None
        self.time_unit: str | None = None
        self.evaluations: dict[str, int] = {}

    # -- the model: per subclass -----------------------------------------------------------------

    @staticmethod
    def _rows(P: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
              points: tuple[np.ndarray, np.ndarray] | None = None):
        """(log-likelihood per row, gradient in log-parameters per row, P(alive)); ``points``
        as in :func:`_pnbd_rows`."""
        raise NotImplementedError

    @staticmethod
    def _alive_purchases(P: np.ndarray, t: np.ndarray, x: np.ndarray, T: np.ndarray):
        raise NotImplementedError

    # -- parameters ------------------------------------------------------------------------------

    def _setup(self, design: CovariateDesign | None, purchase: Sequence[str] | None,
               dropout: Sequence[str] | None, constrained: Sequence[str]) -> None:
        """Name the coefficients and say which design columns each slot uses."""
        covs = design.covariates if design is not None else ()
        chosen = {"purchase": list(covs) if purchase is None else list(purchase),
                  "dropout": list(covs) if dropout is None else list(dropout)}
        for arg, names in (("purchase_covariates", chosen["purchase"]),
                           ("dropout_covariates", chosen["dropout"]),
                           ("constrained", list(constrained))):
            unknown = [c for c in names if c not in covs]
            if unknown:
                raise GrowthkitError(
                    f"{arg}: {unknown[0]!r} is not a covariate; expected one of "
                    f"{', '.join(map(repr, covs)) or '(no covariates given)'}"
                )
        for c in constrained:
            if c not in chosen["purchase"] or c not in chosen["dropout"]:
                raise GrowthkitError(
                    f"constrained: {c!r} must be among both purchase_covariates and "
                    "dropout_covariates to share one coefficient"
                )
        columns = design.columns if design is not None else ()
        source = design.source if design is not None else ()
        names: list[tuple[str, str]] = []
        position: dict[tuple[str, str], int] = {}
        slot_cols: list[list[int]] = []
        for slot in self._slots:
            cols = [j for j, src in enumerate(source) if src in chosen[slot.covariates]]
            slot_cols.append(cols)
            for j in cols:
                if source[j] not in constrained:
                    position[(slot.process, columns[j])] = len(names)
                    names.append((columns[j], slot.process))
        for j, src in enumerate(source):
            if src in constrained:
                position[("shared", columns[j])] = len(names)
                names.append((columns[j], "shared"))
        index = []
        for slot, cols in zip(self._slots, slot_cols, strict=True):
            pos = [position[("shared", columns[j])] if source[j] in constrained
                   else position[(slot.process, columns[j])] for j in cols]
            index.append((np.asarray(cols, dtype=np.int64), np.asarray(pos, dtype=np.int64)))
        self._coef_names = tuple(names)
        self._slot_index = tuple(index)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of every estimated parameter: the base ones, then ``process:column``."""
        return (*self.base_names, *(f"{p}:{c}" for c, p in self._coef_names))

    def _P(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Per-row base parameters (rows × 4) at ``theta`` for design rows ``X``."""
        k = len(self.base_names)
        log_p = np.tile(theta[:k], (X.shape[0], 1))
        gamma = theta[k:]
        for slot, (cols, pos) in zip(self._slots, self._slot_index, strict=True):
            if cols.size:
                log_p[:, slot.param] += slot.sign * (X[:, cols] @ gamma[pos])
        return np.exp(log_p)

    def _loglik(self, theta: np.ndarray, data: _Data) -> tuple[float, np.ndarray]:
        """Total log-likelihood (θ: base log-parameters, then coefficients) and gradient."""
        k = len(self.base_names)
        ll, grad, _ = self._rows(self._P(theta, data.X), data.x, data.tx, data.T, data.points)
        wg = grad * data.weight[:, None]
        out = np.zeros(theta.size)
        out[:k] = wg.sum(axis=0)
        for slot, (cols, pos) in zip(self._slots, self._slot_index, strict=True):
            if cols.size:
                np.add.at(out, k + pos, slot.sign * (data.X[:, cols].T @ wg[:, slot.param]))
        return float(data.weight @ ll), out

    # -- fitting ---------------------------------------------------------------------------------

    def fit(
        self,
        summary: pd.DataFrame,
        covariates: pd.DataFrame | Sequence[str] | None = None,
        *,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        constrained: Sequence[str] = (),
        time_unit: str | None = None,
    ) -> Self:
        """Fit by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with ``frequency``, ``recency`` and ``T``
            (:func:`growthkit.rfm_summary`).
        covariates : pandas.DataFrame or list of str, optional
            A DataFrame indexed by customer (the summary's index), or names of the summary's
            own columns. Without covariates this is the plain model.
        purchase_covariates, dropout_covariates : list of str, optional
            The covariates of each process (default: all on both).
        constrained : list of str, default ()
            Covariates with one coefficient shared by both processes (CLVTools'
            ``names.cov.constr``).
        time_unit : {"days", "weeks", "months"}, optional
            Unit of recency and T.

        Returns
        -------
        self

        Raises
        ------
        GrowthkitError
            For bad summaries, covariates or options.
        ConvergenceError
            When the likelihood has no usable maximum.
        """
        if time_unit is not None:
            check_time_unit(time_unit)
        x, tx, T = _summary_arrays(summary)
        if x.size < 20 or not (x > 0).any():
            raise GrowthkitError(f"the summary has {x.size} customer(s), {int((x > 0).sum())} "
                                 "with repeat purchases; expected at least 20 and some repeat "
                                 f"purchases to fit {self.label}")
        if covariates is None:
            design, X = None, np.zeros((x.size, 0))
        else:
            design, X, _ = design_for(summary, covariates)
        self._setup(design, purchase_covariates, dropout_covariates, list(constrained))
        full = _Data.grouped(x, tx, T, X)
        scale = float(T.max())
        data = full.scaled(1.0 / scale)
        k = len(self.base_names)
        shift = np.zeros(k + len(self._coef_names))
        shift[:k] = [np.log(scale) * (p in self._time_params) for p in self.base_names]
        start = np.zeros(shift.size)
        start[:k] = 0.1  # lifetimes' start, on the rescaled time axis
        hess_inv0 = None
        counts = {"sample": 0, "full": 0}

        def counted(which: str, rows: _Data):
            def loglik(th: np.ndarray) -> tuple[float, np.ndarray]:
                counts[which] += 1
                return self._loglik(th, rows)

            return loglik

        with step(f"fitted {self.label} with covariates") as progress:
            progress["detail"] = (f"{x.size:,} customers, {len(self._coef_names)} coefficients, "
                                  f"{data.x.size:,} distinct rows")
            if data.x.size > WARM_START_ROWS:
                every = sample_stride(x.size)
                sample = _Data.grouped(x[::every], tx[::every], T[::every], X[::every])
                sample = sample.scaled(1.0 / scale)
                sampled, hess = maximize(counted("sample", sample), start,
                                         float(sample.weight.sum()), self.param_names,
                                         self.label, gtol=SAMPLE_GTOL)
                start = sampled
                if np.all(np.linalg.eigvalsh(-hess) > 0):
                    hess_inv0 = np.linalg.inv(-hess / float(sample.weight.sum()))
                    hess_inv0 = (hess_inv0 + hess_inv0.T) / 2
            theta, _ = maximize(counted("full", data), start, float(x.size),
                                self.param_names, self.label, hess_inv0)
        self._theta = theta + shift
        self._data = full
        self._covariance = None
        self._covariates_arg = covariates
        self.evaluations = counts
        self.design = design
        self.time_unit = time_unit
        return self

    # -- estimates -------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if self._theta is None or self._data is None:
            raise NotFittedError(f"this {self.label} model is not fitted yet; call fit() first")

    @property
    def theta(self) -> np.ndarray:
        """The estimates as optimised: log base parameters, then the coefficients, in the
        order of :attr:`param_names`."""
        self._check_fitted()
        return self._theta.copy()

    def loglik(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Total log-likelihood of the fitted customers at ``theta`` (as :attr:`theta`) and its
        exact gradient, on the summary's time scale.

        Parameters
        ----------
        theta : numpy.ndarray
            Log base parameters, then coefficients.

        Returns
        -------
        float, numpy.ndarray
        """
        self._check_fitted()
        with np.errstate(all="ignore"):
            return self._loglik(np.asarray(theta, dtype="float64"), self._data)

    @property
    def params(self) -> dict[str, float]:
        """The base parameters (for customers at 0 on every numeric covariate and at the
        reference level of every categorical one), by lifetimes' names."""
        self._check_fitted()
        k = len(self.base_names)
        return dict(zip(self.base_names, np.exp(self._theta[:k]).tolist(), strict=True))

    @property
    def log_likelihood(self) -> float:
        """Total log-likelihood at the estimates, on the summary's time scale."""
        self._check_fitted()
        with np.errstate(all="ignore"):
            return self._loglik(self._theta, self._data)[0]

    @property
    def n_customers(self) -> int:
        """Customers the model was fitted on."""
        self._check_fitted()
        return round(float(self._data.weight.sum()))

    @property
    def n_distinct_rows(self) -> int:
        """Distinct (frequency, recency, T, covariates) rows the likelihood is summed over."""
        self._check_fitted()
        return int(self._data.x.size)

    @property
    def n_params(self) -> int:
        """Estimated parameters: four base ones and the coefficients."""
        return len(self.base_names) + len(self._coef_names)

    @property
    def aic(self) -> float:
        """Akaike information criterion."""
        return 2 * self.n_params - 2 * self.log_likelihood

    @property
    def bic(self) -> float:
        """Bayesian information criterion, k·log(customers) - 2 log-likelihood."""
        return self.n_params * np.log(self.n_customers) - 2 * self.log_likelihood

    @property
    def covariance(self) -> pd.DataFrame:
        """Asymptotic covariance of the log base parameters and the coefficients.

        Raises
        ------
        ConvergenceError
            When the Hessian is not negative definite.
        """
        self._check_fitted()
        if self._covariance is None:
            hess = hessian(lambda th: self._loglik(th, self._data), self._theta)
            self._covariance = covariance_from_hessian(hess, self.label, self._more_data)
        names = [f"log_{p}" for p in self.base_names] + list(self.param_names[4:])
        return pd.DataFrame(self._covariance, index=names, columns=names)

    def summary(self) -> pd.DataFrame:
        """Base estimates with standard errors (delta method), then the fit statistics.

        Returns
        -------
        pandas.DataFrame
            Indexed by parameter, then ``log-likelihood``, ``AIC``, ``BIC`` and ``customers``;
            columns ``estimate`` and ``std. error``. The coefficients are in
            :attr:`coefficients`.
        """
        self._check_fitted()
        k = len(self.base_names)
        estimates = np.exp(self._theta[:k])
        errors = np.sqrt(np.diag(self.covariance.to_numpy())[:k]) * estimates
        rows = dict(zip(self.base_names, estimates, strict=True))
        rows |= {"log-likelihood": self.log_likelihood, "AIC": self.aic, "BIC": self.bic,
                 "customers": float(self.n_customers)}
        return pd.DataFrame({"estimate": list(rows.values()),
                             "std. error": [*errors, *[np.nan] * (len(rows) - k)]},
                            index=pd.Index(list(rows), name=self.label))

    @property
    def coefficients(self) -> pd.DataFrame:
        """One row per coefficient: ``covariate`` (the design column), ``process``
        (``purchase``, ``dropout``, for BG/NBD ``dropout_a``/``dropout_b``, or ``shared`` for
        a constrained covariate), ``estimate``, ``std_error``, ``z``, ``p_value`` (two-sided
        Wald), ``multiplier`` exp(γ) and its :data:`INTERVAL_LEVEL` interval
        ``multiplier_low``/``multiplier_high``.

        The multiplier is what the process's mean rate is multiplied by per unit of the
        covariate (for a dummy: against the reference level): the purchase rate for
        ``purchase``, the Pareto/NBD dropout rate for ``dropout``; for BG/NBD it multiplies a
        (``dropout_a``) or b (``dropout_b``) of the dropout probability's Beta distribution.
        """
        self._check_fitted()
        k = len(self.base_names)
        estimate = self._theta[k:]
        se = np.sqrt(np.diag(self.covariance.to_numpy())[k:])
        z = estimate / se
        half = norm.ppf(0.5 + INTERVAL_LEVEL / 2) * se
        return pd.DataFrame({
            "covariate": [c for c, _ in self._coef_names],
            "process": [p for _, p in self._coef_names],
            "estimate": estimate,
            "std_error": se,
            "z": z,
            "p_value": 2 * norm.sf(np.abs(z)),
            "multiplier": np.exp(estimate),
            "multiplier_low": np.exp(estimate - half),
            "multiplier_high": np.exp(estimate + half),
        })

    def likelihood_ratio_test(self, other: Any) -> LikelihoodRatioTest:
        """Likelihood-ratio test against a nested fit of the same model on the same customers
        (fewer covariates, or the plain model: a :class:`CovariateTransactionModel` without
        covariates or growthkit's plain model of the same name).

        Returns
        -------
        LikelihoodRatioTest
            χ² = 2·ΔLL on as many degrees of freedom as extra parameters, and its p-value.

        Raises
        ------
        GrowthkitError
            For a different model, different customers, or a model that is not nested.
        """
        self._check_fitted()
        if getattr(other, "name", None) != self.name:
            raise GrowthkitError(f"likelihood_ratio_test: other is "
                                 f"{getattr(other, 'label', type(other).__name__)}; expected a "
                                 f"{self.label} fit")
        if other.n_customers != self.n_customers:
            raise GrowthkitError(f"likelihood_ratio_test: other was fitted on "
                                 f"{other.n_customers:,} customers; expected the same "
                                 f"{self.n_customers:,}")
        mine = set(self._coef_names)
        theirs = set(other._coef_names) if isinstance(other, CovariateTransactionModel) else set()
        processes = {slot.process for slot in self._slots}
        nested = all(key in mine or (key[1] == "shared"
                                     and all((key[0], p) in mine for p in processes))
                     for key in theirs)
        df = len(mine) - len(theirs)
        if df <= 0 or not nested:
            raise GrowthkitError(
                "likelihood_ratio_test: other is not nested in this model (its coefficients "
                f"{sorted(f'{p}:{c}' for c, p in theirs)}); expected a fit with a subset of "
                "this model's coefficients"
            )
        statistic = 2.0 * (self.log_likelihood - other.log_likelihood)
        return LikelihoodRatioTest(float(statistic), df, float(chi2.sf(statistic, df)))

    # -- predictions -----------------------------------------------------------------------------

    def _customer_params(self, summary: pd.DataFrame,
                         covariates: pd.DataFrame | Sequence[str] | None) -> np.ndarray:
        """Per-customer base parameters (customers × 4) of the summary's customers."""
        self._check_fitted()
        if self.design is None:
            return self._P(self._theta, np.zeros((len(summary), 0)))
        source = self._covariates_arg if covariates is None else covariates
        frame = covariate_frame(summary, source)
        return self._P(self._theta, self.design.matrix(frame))

    def probability_alive(self, summary: pd.DataFrame,
                          covariates: pd.DataFrame | Sequence[str] | None = None) -> pd.Series:
        """P(alive at T) of each customer, with their own covariates.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency``, ``recency`` and ``T`` per customer.
        covariates : pandas.DataFrame or list of str, optional
            As in :meth:`fit`; by default the covariates the model was fitted with (the same
            DataFrame, or the same columns of ``summary``).

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        x, tx, T = _summary_arrays(summary)
        P = self._customer_params(summary, covariates)
        with np.errstate(all="ignore"):
            alive = self._rows(P, x, tx, T)[2]
        return pd.Series(alive, index=summary.index, name="p_alive")

    def expected_purchases(self, summary: pd.DataFrame, t: Any,
                           covariates: pd.DataFrame | Sequence[str] | None = None) -> pd.Series:
        """Expected repeat purchases of each customer in the next ``t`` units of time, with
        their own covariates: P(alive) × E[Y(t) | alive, x, T].

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency``, ``recency`` and ``T`` per customer.
        t : float or array-like
            Horizon in the summary's time unit: one for all, or one per customer.
        covariates : pandas.DataFrame or list of str, optional
            As in :meth:`probability_alive`.

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        x, tx, T = _summary_arrays(summary)
        t = np.broadcast_to(np.asarray(t, dtype="float64"), x.shape)
        P = self._customer_params(summary, covariates)
        with np.errstate(all="ignore"):
            alive = self._rows(P, x, tx, T)[2]
            values = alive * self._alive_purchases(P, t, x, T)
        return pd.Series(values, index=summary.index, name="expected_purchases")

    def expected_purchases_new(self, t: Any, covariates: Mapping[str, Any] | None = None,
                               *, include_first: bool = False) -> np.ndarray:
        """Expected purchases in (0, t] of a customer who has just made a first purchase,
        with a given profile.

        Parameters
        ----------
        t : float or array-like
            Time since the first purchase, in the summary's time unit.
        covariates : dict, optional
            The prospective customer's value of every covariate of the model (a level for a
            categorical one), e.g. ``{"Gender": 1, "Channel": 0}``; needed when the model has
            covariates.
        include_first : bool, default False
            Count the first purchase too (1 + the repeat purchases), as CLVTools 0.12.1's
            ``predict(..., newdata=...)`` for a new customer does. By default repeat purchases
            only, as the plain models' ``expected_purchases_new``.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        t = np.asarray(t, dtype="float64")
        if self.design is None:
            if covariates:
                raise GrowthkitError("covariates: this model was fitted without covariates; "
                                     "expected none")
            X = np.zeros((1, 0))
        else:
            if not isinstance(covariates, Mapping):
                raise GrowthkitError(
                    f"covariates={covariates!r}; expected a dict with a value for each of "
                    f"{', '.join(map(repr, self.design.covariates))}"
                )
            missing = [c for c in self.design.covariates if c not in covariates]
            if missing:
                raise GrowthkitError(f"covariates: no value for {missing[0]!r}; expected one for "
                                     f"each of {', '.join(map(repr, self.design.covariates))}")
            profile = pd.DataFrame({c: [covariates[c]] for c in self.design.covariates},
                                   index=pd.Index(["prospective customer"]))
            X = self.design.matrix(profile)
        P = np.broadcast_to(self._P(self._theta, X), (*t.shape, len(self.base_names)))
        P = P.reshape(-1, len(self.base_names))
        zero = np.zeros(P.shape[0])
        flat = t.reshape(-1)
        with np.errstate(all="ignore"):
            # P(alive) just after the first purchase: 1, but b/(a+b) for MBG/NBD.
            alive = self._rows(P, zero, zero, zero)[2]
            values = (alive * self._alive_purchases(P, flat, zero, zero)).reshape(t.shape)
        return values + 1.0 if include_first else values

    def __repr__(self) -> str:
        if self._theta is None:
            return f"<{type(self).__name__}: not fitted>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return (f"<{type(self).__name__} {self.label}: {params}; {len(self._coef_names)} "
                f"coefficients; LL {self.log_likelihood:,.2f}>")


class ParetoNBDCovariateModel(CovariateTransactionModel):
    """Pareto/NBD with time-invariant covariates in CLVTools' parameterisation:
    α_i = α·exp(-γ_purchaseᵀx_i), β_i = β·exp(-γ_dropoutᵀx_i).

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the
    Pareto/NBD and BG/NBD models. http://brucehardie.com/notes/019/
    """

    name = "paretonbd"
    label = "Pareto/NBD"
    base_names = ("r", "alpha", "s", "beta")
    _time_params = ("alpha", "beta")
    _slots = (_Slot("purchase", 1, -1.0, "purchase"), _Slot("dropout", 3, -1.0, "dropout"))

    @staticmethod
    def _rows(P, x, tx, T, points=None):
        return _pnbd_rows(P, x, tx, T, points)

    @staticmethod
    def _alive_purchases(P, t, x, T):
        return _pnbd_alive_purchases(P, t, x, T)

    @staticmethod
    def simulate(params: Mapping[str, float], purchase_effect: np.ndarray,
                 dropout_effect: np.ndarray, T: np.ndarray, seed: int = 0) -> pd.DataFrame:
        """Draw an RFM summary from the model, for recovery tests and benchmarks.

        Parameters
        ----------
        params : dict
            ``r``, ``alpha``, ``s``, ``beta``.
        purchase_effect, dropout_effect : numpy.ndarray
            γ_purchaseᵀx_i and γ_dropoutᵀx_i per customer.
        T : numpy.ndarray
            Observation time per customer.
        seed : int
            Seed of ``numpy.random.default_rng``.

        Returns
        -------
        pandas.DataFrame
            ``frequency``, ``recency``, ``T``.
        """
        rng = np.random.default_rng(seed)
        T = np.asarray(T, dtype="float64")
        alpha_i = params["alpha"] * np.exp(-np.asarray(purchase_effect))
        beta_i = params["beta"] * np.exp(-np.asarray(dropout_effect))
        lam = rng.gamma(params["r"], 1.0 / alpha_i)
        mu = rng.gamma(params["s"], 1.0 / beta_i)
        active = np.minimum(rng.exponential(1.0 / mu), T)
        x = rng.poisson(lam * active).astype("float64")
        # The last of x uniform purchase times on (0, active]: active·U^(1/x).
        with np.errstate(divide="ignore"):
            tx = np.where(x > 0, active * rng.random(T.size) ** (1.0 / np.maximum(x, 1)), 0.0)
        return pd.DataFrame({"frequency": x, "recency": tx, "T": T})


class BetaGeoCovariateModel(CovariateTransactionModel):
    """BG/NBD with time-invariant covariates and separate coefficients on a and b (note 019,
    pymc-marketing's ``BetaGeoModel``): α_i = α·exp(-γ_purchaseᵀx_i), a_i = a·exp(γ_aᵀx_i),
    b_i = b·exp(γ_bᵀx_i). ``dropout_covariates`` enter both a and b.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the
    Pareto/NBD and BG/NBD models. http://brucehardie.com/notes/019/
    """

    name = "bgnbd"
    label = "BG/NBD"
    base_names = ("r", "alpha", "a", "b")
    _time_params = ("alpha",)
    _slots = (_Slot("purchase", 1, -1.0, "purchase"), _Slot("dropout_a", 2, 1.0, "dropout"),
              _Slot("dropout_b", 3, 1.0, "dropout"))

    @staticmethod
    def _rows(P, x, tx, T, points=None):
        return _bgnbd_rows(P, x, tx, T)

    @staticmethod
    def _alive_purchases(P, t, x, T):
        return _bgnbd_alive_purchases(P, t, x, T)

    @staticmethod
    def simulate(params: Mapping[str, float], purchase_effect: np.ndarray,
                 a_effect: np.ndarray, b_effect: np.ndarray, T: np.ndarray,
                 seed: int = 0) -> pd.DataFrame:
        """Draw an RFM summary from the model (see :meth:`ParetoNBDCovariateModel.simulate`);
        ``a_effect`` and ``b_effect`` are γ_aᵀx_i and γ_bᵀx_i."""
        rng = np.random.default_rng(seed)
        T = np.asarray(T, dtype="float64")
        lam = rng.gamma(params["r"], np.exp(np.asarray(purchase_effect)) / params["alpha"])
        p = rng.beta(params["a"] * np.exp(np.asarray(a_effect)),
                     params["b"] * np.exp(np.asarray(b_effect)))
        n = rng.poisson(lam * T)
        last = rng.geometric(p)  # the purchase after which the customer drops out
        x = np.minimum(n, last).astype("float64")
        # The x-th of n uniform purchase times on (0, T]: T·Beta(x, n - x + 1).
        tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), n - x + 1), 0.0)
        return pd.DataFrame({"frequency": x, "recency": tx, "T": T})


class ModifiedBetaGeoCovariateModel(BetaGeoCovariateModel):
    """MBG/NBD (Batislam et al. 2007) with time-invariant covariates, as
    :class:`BetaGeoCovariateModel`: α_i = α·exp(-γ_purchaseᵀx_i), a_i = a·exp(γ_aᵀx_i),
    b_i = b·exp(γ_bᵀx_i).

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison
    of models for customer base analysis. International Journal of Research in Marketing,
    24(3), 201-209.
    """

    name = "mbgnbd"
    label = "MBG/NBD"

    @staticmethod
    def _rows(P, x, tx, T, points=None):
        return _mbgnbd_rows(P, x, tx, T)

    @staticmethod
    def _alive_purchases(P, t, x, T):
        return _bgnbd_alive_purchases(P, t, x, T, extra=1.0)

    @staticmethod
    def simulate(params: Mapping[str, float], purchase_effect: np.ndarray,
                 a_effect: np.ndarray, b_effect: np.ndarray, T: np.ndarray,
                 seed: int = 0) -> pd.DataFrame:
        """Draw an RFM summary from the model (see :meth:`BetaGeoCovariateModel.simulate`);
        the first dropout chance comes right after the first purchase."""
        rng = np.random.default_rng(seed)
        T = np.asarray(T, dtype="float64")
        lam = rng.gamma(params["r"], np.exp(np.asarray(purchase_effect)) / params["alpha"])
        p = rng.beta(params["a"] * np.exp(np.asarray(a_effect)),
                     params["b"] * np.exp(np.asarray(b_effect)))
        n = rng.poisson(lam * T)
        x = np.minimum(n, rng.geometric(p) - 1).astype("float64")
        tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), n - x + 1), 0.0)
        return pd.DataFrame({"frequency": x, "recency": tx, "T": T})


#: The models with covariates by name, as ``growthkit.clv.fit`` calls them.
COVARIATE_MODELS: dict[str, type[CovariateTransactionModel]] = {
    "paretonbd": ParetoNBDCovariateModel,
    "bgnbd": BetaGeoCovariateModel,
    "mbgnbd": ModifiedBetaGeoCovariateModel,
}


def fit_covariates(
    summary: pd.DataFrame,
    model: str = "paretonbd",
    covariates: pd.DataFrame | Sequence[str] | None = None,
    *,
    purchase_covariates: Sequence[str] | None = None,
    dropout_covariates: Sequence[str] | None = None,
    constrained: Sequence[str] = (),
    time_unit: str | None = None,
) -> CovariateTransactionModel:
    """Fit Pareto/NBD, BG/NBD or MBG/NBD with time-invariant customer covariates.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency``, ``recency`` and ``T``.
    model : {"paretonbd", "bgnbd", "mbgnbd"}, default "paretonbd"
        The transaction model.
    covariates, purchase_covariates, dropout_covariates, constrained, time_unit
        As in :meth:`CovariateTransactionModel.fit`.

    Returns
    -------
    CovariateTransactionModel
    """
    check_option("model", model, list(COVARIATE_MODELS))
    return COVARIATE_MODELS[model]().fit(
        summary, covariates, purchase_covariates=purchase_covariates,
        dropout_covariates=dropout_covariates, constrained=constrained, time_unit=time_unit,
    )
