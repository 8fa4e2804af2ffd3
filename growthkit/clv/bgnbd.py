"""The BG/NBD model of Fader, Hardie & Lee (2005), with hypergeometric terms that cannot overflow.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2008). Computing P(alive) using the BG/NBD model.
http://brucehardie.com/notes/021/
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from growthkit.clv.base import TransactionModel
from growthkit.clv.optimize import bridge, bridge_integer
from growthkit.clv.rows import Rows

__all__ = ["BetaGeoModel"]


def alive_purchases_bg(params: np.ndarray, t: Any, x: Any, T: Any, extra: float) -> np.ndarray:
    """E[Y(t) | alive at T, x] for BG/NBD (``extra=0``) and MBG/NBD (``extra=1``).

    A live customer's rate is Gamma(r+x, α+T) and their drop-out probability Beta(a, b+x+extra),
    so E[Y(t)] = (a+b+x+extra-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+extra;
    a+b+x+extra-1; z)] with z = t/(α+T+t) (FHL 2005 eq. 10; Batislam et al. 2007).

    lifetimes evaluates that ₂F₁ as printed. Its first two parameters grow with x, so it
    overflows for heavy buyers, and when a+b < 1 it turns negative for x = 0, whose logarithm
    lifetimes then takes (lifetimes issues #113, #206, #302). Euler's transformation
    ₂F₁(A, B; C; z) = (1-z)^(C-A-B) ₂F₁(C-A, C-B; C; z) gives instead

        (1-z)^(a-1) ₂F₁(a+b+extra-1-r, a-1; a+b+x+extra-1; z),

    whose first two parameters do not depend on x, whose series converges faster as x grows,
    and which is used without a logarithm. At a = 1 the expression is 0/0 with a finite limit,
    bridged by :func:`bridge`.

    Its C - A - B = x + 1 + r - a is an integer when r - a is one (r = a, say), where scipy's
    ₂F₁ is NaN or inaccurate for z > 0.9 (a long horizon against α + T); there the expression
    is interpolated in r across the integer by :func:`bridge_integer`.
    """
    r, alpha, a, b = params
    x = np.asarray(x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    t = np.asarray(t, dtype="float64")
    log_one_minus_z = np.log(alpha + T) - np.log(alpha + T + t)
    z = t / (alpha + T + t)

    def value(a_: float) -> np.ndarray:
        c = a_ + b + x + extra - 1.0

        def at(r_: float) -> np.ndarray:
            hyp = hyp2f1(a_ + b + extra - 1.0 - r_, a_ - 1.0, c, z)
            return c / (a_ - 1.0) * (1.0 - np.exp((a_ - 1.0) * log_one_minus_z) * hyp)

        return bridge_integer(at, r, anchor=a_)

    # 0/0 at a = 1, and at a + b = 1 (BG/NBD, x = 0) where the ₂F₁'s last parameter is 0.
    singular = abs(a - 1.0) < 1e-6 or abs(a + b + extra - 1.0) < 1e-6
    return bridge(value, a, singular)


#: A dropout probability below this never ends a simulated customer's purchases: Beta(a, b)
#: draws underflow to 0 when a is tiny (a fit near its boundary), where Geometric(p) fails.
NEVER_DROPS = 1e-12


def purchases_until_dropout(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Geometric(p) on 1, 2, ...: the purchase after which each customer drops out.

    A ``p`` below :data:`NEVER_DROPS` (0 by underflow at a tiny ``a``) never drops out: the
    largest int64, so the Poisson count decides. The random stream is the same as
    ``rng.geometric(p)`` when every ``p`` is above it.
    """
    p = np.asarray(p, dtype="float64")
    live = p >= NEVER_DROPS
    if live.all():
        return rng.geometric(p)
    out = np.full(p.shape, np.iinfo(np.int64).max, dtype=np.int64)
    out[live] = rng.geometric(p[live])
    return out


class BetaGeoModel(TransactionModel):
    """BG/NBD: Poisson purchases at rate λ ~ Gamma(r, α); after each repeat purchase the
    customer drops out with probability p ~ Beta(a, b).

    Use :func:`growthkit.clv.fit` with ``model="bgnbd"``, or ``BetaGeoModel().fit(summary)``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
    An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
    """

    name = "bgnbd"
    label = "BG/NBD"
    param_names = ("r", "alpha", "a", "b")
    _time_params = ("alpha",)
    _lifetimes_class = "BetaGeoFitter"

    @staticmethod
    def loglik(params: np.ndarray, rows: Rows) -> tuple[float, np.ndarray]:
        """FHL (2005) eq. 6, summed over histories with weights, and its exact gradient."""
        r, alpha, a, b = params
        xv, wx = rows.x_values, rows.x_weight
        n = wx.sum()
        # Terms in x alone, once per distinct frequency.
        ll = wx @ (gammaln(r + xv) + gammaln(b + xv) - gammaln(a + b + xv))
        ll += n * (r * np.log(alpha) - gammaln(r) + gammaln(a + b) - gammaln(b))
        g_r = wx @ digamma(r + xv) + n * (np.log(alpha) - digamma(r))
        g_alpha = n * r / alpha
        g_a = n * digamma(a + b) - wx @ digamma(a + b + xv)
        g_b = g_a + wx @ digamma(b + xv) - n * digamma(b)

        x, tx, T, w = rows.x, rows.tx, rows.T, rows.weight
        rx = r + x
        log_T, log_tx = np.log(alpha + T), np.log(alpha + tx)
        repeat = x > 0
        b_x = b + np.maximum(x, 1.0) - 1.0
        # log[(α+T)^-(r+x) + 1{x>0} a/(b+x-1) (α+t_x)^-(r+x)], with softmax weights s3, s4.
        A3 = -rx * log_T
        A4 = np.where(repeat, np.log(a) - np.log(b_x) - rx * log_tx, -np.inf)
        top = np.logaddexp(A3, A4)
        s4 = np.exp(A4 - top)
        s3 = 1.0 - s4
        ll += w @ top
        g_r += w @ -(s3 * log_T + s4 * log_tx)
        g_alpha += w @ -(rx * (s3 / (alpha + T) + s4 / (alpha + tx)))
        g_a += (w @ s4) / a
        g_b += w @ -(s4 / b_x)
        return float(ll), params * np.array([g_r, g_alpha, g_a, g_b])

    @staticmethod
    def log_odds_dead(params: np.ndarray, x: Any, tx: Any, T: Any) -> np.ndarray:
        """Fader, Hardie & Lee (2008), note 021: a/(b+x-1)·((α+T)/(α+t_x))^(r+x) for x > 0."""
        r, alpha, a, b = params
        x = np.asarray(x, dtype="float64")
        odds = (
            np.log(a)
            - np.log(b + np.maximum(x, 1.0) - 1.0)
            + (r + x) * (np.log(alpha + T) - np.log(alpha + np.asarray(tx)))
        )
        return np.where(x > 0, odds, -np.inf)

    @staticmethod
    def alive_purchases(params: np.ndarray, t: Any, x: Any, T: Any) -> np.ndarray:
        return alive_purchases_bg(params, t, x, T, extra=0.0)

    @staticmethod
    def _simulate(params: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # Purchases until the one after which the customer drops out: Geometric(p) on 1, 2, ...
        r, alpha, a, b = params
        lam = rng.gamma(r, 1.0 / alpha, T.size)
        last = purchases_until_dropout(rng.beta(a, b, T.size), rng)
        return np.minimum(rng.poisson(lam * T), last)
