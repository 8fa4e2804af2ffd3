"""The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987), in log space.

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: Who are they
and what will they do next? Management Science, 33(1), 1-24.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
expressions. http://brucehardie.com/notes/009/
Takahasi, H. & Mori, M. (1974). Double exponential formulas for numerical integration.
Publications of the Research Institute for Mathematical Sciences, 9(3), 721-741.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from growthkit.clv.base import TransactionModel
from growthkit.clv.optimize import bridge_integer
from growthkit.clv.rows import Rows, group

__all__ = ["ParetoNBDModel"]


def log_A0(params: np.ndarray, x: Any, tx: Any, T: Any) -> np.ndarray:
    """log A₀ of Fader & Hardie (2005, note 009, eqs. 19-20).

    A₀ = (r+s+x) ∫ from t_x to T of (α+y)^-(r+x) (β+y)^-(s+1) dy, a difference of two terms
    ₂F₁(A, B; A+1; z_y)/(m+y)^A with A = r+s+x, m = max(α, β), z_y = |α-β|/(m+y) and B = s+1
    (α ≥ β) or r+x (α < β). lifetimes evaluates that ₂F₁ directly; its B grows with x when
    α < β and it overflows for heavy buyers. Euler's transformation gives
    ₂F₁(A, B; A+1; z) = (1-z)^(1-B) ₂F₁(1, A+1-B; A+1; z), whose series has terms below 1 and
    which is taken in logs, so the difference is formed as log(e^u₁ - e^u₂) = u₁ + log(1-e^(u₂-u₁)).

    That ₂F₁'s C - A - B is s (α ≥ β) or r + x - 1 (α < β): an integer when s or r is one
    (s = 1, say), where scipy's ₂F₁ is inf or inaccurate for z > 0.9 (α and β far apart).
    There each term is interpolated in s or r across the integer by :func:`bridge_integer`.
    """
    r, alpha, s, beta = params
    x = np.asarray(x, dtype="float64")

    def u_at(y: np.ndarray, r_: float, s_: float) -> np.ndarray:
        A = r_ + s_ + x
        if alpha >= beta:
            big, small, other = alpha, beta, r_ + x  # B = s + 1, A + 1 - B = r + x
            one_minus_b = -s_
        else:
            big, small, other = beta, alpha, s_ + 1.0  # B = r + x, A + 1 - B = s + 1
            one_minus_b = 1.0 - r_ - x
        log_big = np.log(big + y)
        z = (big - small) / (big + y)
        return (
            one_minus_b * (np.log(small + y) - log_big)
            + np.log(hyp2f1(1.0, other, A + 1.0, z))
            - A * log_big
        )

    def u(y: Any) -> np.ndarray:
        y = np.asarray(y, dtype="float64")
        if alpha >= beta:
            return bridge_integer(lambda s_: u_at(y, r, s_), s)
        return bridge_integer(lambda r_: u_at(y, r_, s), r)

    u_tx, u_T = u(tx), u(T)
    with np.errstate(divide="ignore"):
        return u_tx + np.log1p(-np.exp(np.minimum(u_T - u_tx, 0.0)))


#: Step of the exp-sinh rule in :func:`log_tail`. At 1/12 the log-tail and its four
#: derivatives agree with mpmath to about 1e-12 relative over parameters from CDNOW's to the
#: extremes the robustness tests use (x = 5,000, α/β = 10⁴, r + s = 0.1); at 1/8 to 1e-9, at
#: 1/16 to 1e-14 with a third more nodes.
_TAIL_STEP = 1.0 / 12.0
#: Lowest node of the rule: δ = c·exp(π/2·sinh(-4)) = c·2e-19, where the rest is below 1e-17.
_TAIL_START = -4.0
#: The rule reaches δ/c = e^(4 + 40/(r+s) + log((max(α, β) + y)/c)), where the power-law tail
#: is below e^-40 of the integral, but at most e^600 (no overflow).
_TAIL_MAX_LOG = 600.0


def log_tail(
    alpha: float, beta: float, p: np.ndarray, q: float, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log G and its gradient, for G(y) = ∫ from y to ∞ of (α+t)^-p (β+t)^-q dt.

    The Pareto/NBD likelihood needs G with p = r + x and q = s + 1: note 009's
    s/(r+s+x)·A₀ is s·[G(t_x) - G(T)]. G is a ₂F₁ (``log_A0``), but scipy has no derivative of
    ₂F₁ in its parameters, which the gradient in r and s needs. So G is computed here as the
    integral it is, with the exp-sinh rule of Takahasi & Mori (1974): δ = t - y =
    c·exp(π/2·sinh τ) on a grid of τ with step :data:`_TAIL_STEP`, where c = 1/(p/(α+y) +
    q/(β+y)) is the length over which the integrand first falls by e. The integrand is
    analytic off the negative real axis and falls like a power for large δ, the case that rule
    is made for; its error falls like exp(-c'/step) for any parameters, integer or not, α equal
    to β or not, so nothing needs bridging. The same nodes integrate the derivatives, which
    are integrals of the same kind (no differencing):

        ∂G/∂α = -p ∫ f/(α+t),  ∂G/∂β = -q ∫ f/(β+t),
        ∂G/∂p = -∫ f log(α+t), ∂G/∂q = -∫ f log(β+t).

    Parameters
    ----------
    alpha, beta, q : float
        α, β > 0 and q > 0, with p + q > 1 so that G is finite.
    p, y : numpy.ndarray
        One (p, y) per point, y ≥ 0.

    Returns
    -------
    log_g : numpy.ndarray
        log G at each point.
    grad : numpy.ndarray
        Shape (points, 4): ∂ log G / ∂(α, β, p, q).
    """
    ay, by = alpha + y, beta + y
    c = 1.0 / (p / ay + q / by)
    log_c = np.log(c)
    reach = 4.0 + 40.0 / float((p + q - 1.0).min())
    reach += float(np.max(np.log(np.maximum(ay, by)) - log_c))
    last = np.arcsinh(min(reach, _TAIL_MAX_LOG) * 2.0 / np.pi)
    tau = np.arange(_TAIL_START, last + _TAIL_STEP, _TAIL_STEP)
    stretch = np.exp(np.pi / 2.0 * np.sinh(tau))  # δ / c at the nodes
    weight = _TAIL_STEP * np.pi / 2.0 * np.cosh(tau) * stretch
    delta = c[:, None] * stretch
    log_a = np.log1p(delta / ay[:, None])  # log((α+t)/(α+y))
    log_b = np.log1p(delta / by[:, None])
    with np.errstate(under="ignore"):  # far nodes weigh nothing
        f = np.exp(-p[:, None] * log_a - q * log_b) * weight
        total = f.sum(axis=1)
        grad = np.column_stack([
            -p * (f / (ay[:, None] + delta)).sum(axis=1) / total,
            -q * (f / (by[:, None] + delta)).sum(axis=1) / total,
            -np.log(ay) - (f * log_a).sum(axis=1) / total,
            -np.log(by) - (f * log_b).sum(axis=1) / total,
        ])
    log_g = -p * np.log(ay) - q * np.log(by) + log_c + np.log(total)
    return log_g, grad


@dataclass(frozen=True)
class _TailPoints:
    """The distinct (x, y) at which G is needed, y being t_x or T, and where each row's are.

    A history's G(t_x) depends on (x, t_x) and G(T) on (x, T), far fewer pairs than histories
    (200,000 simulated customers: 97,516 histories, 7,668 pairs).
    """

    x: np.ndarray
    y: np.ndarray
    at_tx: np.ndarray
    at_T: np.ndarray

    @classmethod
    def of(cls, rows: Rows) -> _TailPoints:
        n = rows.x.size
        x, y = np.concatenate([rows.x, rows.x]), np.concatenate([rows.tx, rows.T])
        codes, first = group(x, y)
        return cls(x[first], y[first], codes[:n], codes[n:])


#: The points of the last few ``Rows`` seen: a fit evaluates the likelihood many times on one.
_POINTS_CACHE: dict[int, tuple[Rows, _TailPoints]] = {}


def _tail_points(rows: Rows) -> _TailPoints:
    hit = _POINTS_CACHE.get(id(rows))
    if hit is not None and hit[0] is rows:
        return hit[1]
    points = _TailPoints.of(rows)
    if len(_POINTS_CACHE) >= 2:
        _POINTS_CACHE.pop(next(iter(_POINTS_CACHE)))
    _POINTS_CACHE[id(rows)] = (rows, points)
    return points


class ParetoNBDModel(TransactionModel):
    """Pareto/NBD: Poisson purchases at rate λ ~ Gamma(r, α) while alive; an exponential
    lifetime with rate μ ~ Gamma(s, β).

    Use :func:`growthkit.clv.fit` with ``model="paretonbd"``. BFGS gets the exact gradient of
    the likelihood (:func:`log_tail`).

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: Who are
    they and what will they do next? Management Science, 33(1), 1-24.
    Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
    expressions. http://brucehardie.com/notes/009/
    """

    name = "paretonbd"
    label = "Pareto/NBD"
    param_names = ("r", "alpha", "s", "beta")
    _time_params = ("alpha", "beta")
    _lifetimes_class = "ParetoNBDFitter"

    @staticmethod
    def loglik(params: np.ndarray, rows: Rows) -> tuple[float, np.ndarray]:
        """Note 009 eq. 18, L = Γ(r+x)α^r β^s/Γ(r) · [(α+T)^-(r+x)(β+T)^-s + s·(G(t_x) - G(T))]
        with G of :func:`log_tail`, summed over histories with weights; and its exact gradient
        in the log-parameters.
        """
        r, alpha, s, beta = params
        xv, wx = rows.x_values, rows.x_weight
        n = wx.sum()
        ll = wx @ gammaln(r + xv) + n * (r * np.log(alpha) + s * np.log(beta) - gammaln(r))
        g_r = wx @ digamma(r + xv) + n * (np.log(alpha) - digamma(r))
        g_alpha, g_s, g_beta = n * r / alpha, n * np.log(beta), n * s / beta

        points = _tail_points(rows)
        log_g, dlog_g = log_tail(alpha, beta, r + points.x, s + 1.0, points.y)
        x, T, w = rows.x, rows.T, rows.weight
        log_aT, log_bT = np.log(alpha + T), np.log(beta + T)
        log_alive = -(r + x) * log_aT - s * log_bT
        lg_tx, lg_T = log_g[points.at_tx], log_g[points.at_T]
        gap = lg_T - lg_tx  # ≤ 0; exactly 0 for a purchase at T, whose dead term is 0
        with np.errstate(divide="ignore", under="ignore"):
            # log B, B = alive + s·G(t_x) - s·G(T); and each term over B.
            log_b = np.logaddexp(log_alive, np.log(s) + lg_tx + np.log(-np.expm1(gap)))
            alive = np.exp(log_alive - log_b)
            wu_tx = w * np.exp(np.log(s) + lg_tx - log_b)
        wu_T = wu_tx * np.exp(gap)
        # ∂ log B = alive·∂ log alive + (s·G(t_x)/B)·∂ log G(t_x) - (s·G(T)/B)·∂ log G(T),
        # plus (G(t_x) - G(T))/B for s; the G terms gathered per point first.
        size = points.x.size
        per_point = (np.bincount(points.at_tx, wu_tx, size)
                     - np.bincount(points.at_T, wu_T, size))
        d_alpha, d_beta, d_p, d_q = per_point @ dlog_g
        walive = w * alive
        g_r += d_p - walive @ log_aT
        g_alpha += d_alpha - walive @ ((r + x) / (alpha + T))
        g_s += d_q - walive @ log_bT + (wu_tx.sum() - wu_T.sum()) / s
        g_beta += d_beta - walive @ (s / (beta + T))
        ll += w @ log_b
        return float(ll), params * np.array([g_r, g_alpha, g_s, g_beta])

    @staticmethod
    def log_odds_dead(params: np.ndarray, x: Any, tx: Any, T: Any) -> np.ndarray:
        """Note 009 eq. 37: P(alive) = 1 / (1 + s/(r+s+x)·(α+T)^(r+x)(β+T)^s·A₀)."""
        r, alpha, s, beta = params
        x = np.asarray(x, dtype="float64")
        return (
            np.log(s)
            - np.log(r + s + x)
            + (r + x) * np.log(alpha + T)
            + s * np.log(beta + T)
            + log_A0(params, x, tx, T)
        )

    @staticmethod
    def alive_purchases(params: np.ndarray, t: Any, x: Any, T: Any) -> np.ndarray:
        """Note 009 eq. 41 without its P(alive) factor:
        (r+x)(β+T)/((α+T)(s-1)) · [1 - ((β+T)/(β+T+t))^(s-1)].

        The bracket over (s-1) is written with expm1/log1p, exact at and near s = 1.
        """
        r, alpha, s, beta = params
        T = np.asarray(T, dtype="float64")
        log_growth = np.log1p(np.asarray(t, dtype="float64") / (beta + T))
        per_rate = log_growth if s == 1.0 else -np.expm1(-(s - 1.0) * log_growth) / (s - 1.0)
        return (r + np.asarray(x, dtype="float64")) * (beta + T) / (alpha + T) * per_rate

    @staticmethod
    def _simulate(params: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        r, alpha, s, beta = params
        lam = rng.gamma(r, 1.0 / alpha, T.size)
        with np.errstate(divide="ignore"):  # a dropout rate that underflowed to 0 never ends
            lifetime = rng.exponential(1.0 / rng.gamma(s, 1.0 / beta, T.size))
        return rng.poisson(lam * np.minimum(lifetime, T))
