"""The MBG/NBD model of Batislam, Denizel & Filiztekin (2007).

References
----------
Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of
models for customer base analysis. International Journal of Research in Marketing, 24(3),
201-209.
Wagner, U. & Hoppe, D. (2008). Erratum on the MBG/NBD model. International Journal of Research in
Marketing, 25(3), 225-226.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, expit, gammaln

from growthkit.clv.base import TransactionModel
from growthkit.clv.bgnbd import alive_purchases_bg, purchases_until_dropout
from growthkit.clv.rows import Rows

__all__ = ["ModifiedBetaGeoModel"]


class ModifiedBetaGeoModel(TransactionModel):
    """MBG/NBD: BG/NBD where a customer can also drop out right after the first purchase,
    so customers without repeat purchases are not assumed alive.

    Use :func:`growthkit.clv.fit` with ``model="mbgnbd"``.

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of
    models for customer base analysis. International Journal of Research in Marketing, 24(3),
    201-209.
    """

    name = "mbgnbd"
    label = "MBG/NBD"
    param_names = ("r", "alpha", "a", "b")
    _time_params = ("alpha",)
    _lifetimes_class = "ModifiedBetaGeoFitter"

    @staticmethod
    def loglik(params: np.ndarray, rows: Rows) -> tuple[float, np.ndarray]:
        """Batislam et al. (2007) eq. A2 with Wagner & Hoppe's (2008) erratum, and its gradient.

        L = B(a, b+x+1)/B(a, b) · Γ(r+x)α^r/Γ(r) · (α+T)^-(r+x)
            · [1 + a/(b+x)·((α+T)/(α+t_x))^(r+x)].
        """
        r, alpha, a, b = params
        xv, wx = rows.x_values, rows.x_weight
        n = wx.sum()
        ll = wx @ (gammaln(r + xv) + gammaln(b + xv + 1) - gammaln(a + b + xv + 1))
        ll += n * (r * np.log(alpha) - gammaln(r) + gammaln(a + b) - gammaln(b))
        g_r = wx @ digamma(r + xv) + n * (np.log(alpha) - digamma(r))
        g_alpha = n * r / alpha
        g_a = n * digamma(a + b) - wx @ digamma(a + b + xv + 1)
        g_b = g_a + wx @ digamma(b + xv + 1) - n * digamma(b)

        x, tx, T, w = rows.x, rows.tx, rows.T, rows.weight
        rx = r + x
        log_T, log_tx = np.log(alpha + T), np.log(alpha + tx)
        A4 = np.log(a) - np.log(b + x) + rx * (log_T - log_tx)
        s4 = expit(A4)
        ll += w @ (np.logaddexp(A4, 0.0) - rx * log_T)
        g_r += w @ (s4 * (log_T - log_tx) - log_T)
        g_alpha += w @ (rx * (s4 * (1.0 / (alpha + T) - 1.0 / (alpha + tx)) - 1.0 / (alpha + T)))
        g_a += (w @ s4) / a
        g_b += w @ -(s4 / (b + x))
        return float(ll), params * np.array([g_r, g_alpha, g_a, g_b])

    @staticmethod
    def log_odds_dead(params: np.ndarray, x: Any, tx: Any, T: Any) -> np.ndarray:
        """Batislam et al. (2007) appendix eq. 5: a/(b+x)·((α+T)/(α+t_x))^(r+x), any x."""
        r, alpha, a, b = params
        x = np.asarray(x, dtype="float64")
        return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))

    @staticmethod
    def alive_purchases(params: np.ndarray, t: Any, x: Any, T: Any) -> np.ndarray:
        return alive_purchases_bg(params, t, x, T, extra=1.0)

    @staticmethod
    def _simulate(params: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # Drop-out chances come at the first purchase and after each repeat purchase.
        r, alpha, a, b = params
        lam = rng.gamma(r, 1.0 / alpha, T.size)
        last = purchases_until_dropout(rng.beta(a, b, T.size), rng) - 1
        return np.minimum(rng.poisson(lam * T), last)
