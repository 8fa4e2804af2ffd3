"""The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987), in log space.

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: Who are they
and what will they do next? Management Science, 33(1), 1-24.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln, hyp2f1

from growthkit.clv._base import TransactionModel
from growthkit.clv._optimize import _bridge_integer
from growthkit.clv._summary import _Rows

__all__ = ["ParetoNBDModel"]


def _log_A0(params: np.ndarray, x: Any, tx: Any, T: Any) -> np.ndarray:
    """log A₀ of Fader & Hardie (2005, note 009, eqs. 19-20).

    A₀ = (r+s+x) ∫ from t_x to T of (α+y)^-(r+x) (β+y)^-(s+1) dy, a difference of two terms
    ₂F₁(A, B; A+1; z_y)/(m+y)^A with A = r+s+x, m = max(α, β), z_y = |α-β|/(m+y) and B = s+1
    (α ≥ β) or r+x (α < β). lifetimes evaluates that ₂F₁ directly; its B grows with x when
    α < β and it overflows for heavy buyers. Euler's transformation gives
    ₂F₁(A, B; A+1; z) = (1-z)^(1-B) ₂F₁(1, A+1-B; A+1; z), whose series has terms below 1 and
    which is taken in logs, so the difference is formed as log(e^u₁ - e^u₂) = u₁ + log(1-e^(u₂-u₁)).

    That ₂F₁'s C - A - B is s (α ≥ β) or r + x - 1 (α < β): an integer when s or r is one
    (s = 1, say), where scipy's ₂F₁ is inf or inaccurate for z > 0.9 (α and β far apart).
    There each term is interpolated in s or r across the integer by :func:`_bridge_integer`.
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
            return _bridge_integer(lambda s_: u_at(y, r, s_), s)
        return _bridge_integer(lambda r_: u_at(y, r_, s), r)

    u_tx, u_T = u(tx), u(T)
    with np.errstate(divide="ignore"):
        return u_tx + np.log1p(-np.exp(np.minimum(u_T - u_tx, 0.0)))


class ParetoNBDModel(TransactionModel):
    """Pareto/NBD: Poisson purchases at rate λ ~ Gamma(r, α) while alive; an exponential
    lifetime with rate μ ~ Gamma(s, β).

    Use :func:`growthkit.clv.fit` with ``model="paretonbd"``. The likelihood has no simple
    gradient, so BFGS uses central differences.

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
    def _loglik(params: np.ndarray, rows: _Rows) -> tuple[float, None]:
        """Note 009 eq. 18: L = Γ(r+x)α^r β^s/Γ(r) · [(α+T)^-(r+x)(β+T)^-s + s/(r+s+x)·A₀]."""
        r, alpha, s, beta = params
        xv, wx = rows.x_values, rows.x_weight
        ll = wx @ gammaln(r + xv) + wx.sum() * (r * np.log(alpha) + s * np.log(beta) - gammaln(r))
        x, tx, T, w = rows.x, rows.tx, rows.T, rows.weight
        log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        log_dead = np.log(s) - np.log(r + s + x) + _log_A0(params, x, tx, T)
        return float(ll + w @ np.logaddexp(log_alive, log_dead)), None

    @staticmethod
    def _log_odds_dead(params: np.ndarray, x: Any, tx: Any, T: Any) -> np.ndarray:
        """Note 009 eq. 37: P(alive) = 1 / (1 + s/(r+s+x)·(α+T)^(r+x)(β+T)^s·A₀)."""
        r, alpha, s, beta = params
        x = np.asarray(x, dtype="float64")
        return (
            np.log(s)
            - np.log(r + s + x)
            + (r + x) * np.log(alpha + T)
            + s * np.log(beta + T)
            + _log_A0(params, x, tx, T)
        )

    @staticmethod
    def _alive_purchases(params: np.ndarray, t: Any, x: Any, T: Any) -> np.ndarray:
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
        lifetime = rng.exponential(1.0 / rng.gamma(s, 1.0 / beta, T.size))
        return rng.poisson(lam * np.minimum(lifetime, T))
