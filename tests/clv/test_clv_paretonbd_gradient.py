"""The Pareto/NBD log-likelihood's analytic gradient against an independent high-precision one.

The reference is the likelihood of Fader & Hardie (2005, note 009, eq. 18) written with
mpmath's ₂F₁ at 30 digits, G(y) = ∫ from y to ∞ of (α+t)^-p (β+t)^-q dt =
(m+y)^-A/A · ₂F₁(A, e; A+1; |α-β|/(m+y)) with A = p + q - 1, m = max(α, β) and e the exponent
of the other factor, differentiated by ``mpmath.diff`` in each log-parameter. growthkit
computes G and its derivatives with an exp-sinh rule (``paretonbd.log_tail``), so the two share
no code. The points include those where scipy's ₂F₁ needs bridging (s or r an integer with
α and β far apart), α = β exactly and within 1e-9, heavy buyers, no repeat purchases and a
purchase at T.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pandas as pd
import pytest

from growthkit.clv import ParetoNBDModel
from growthkit.clv.paretonbd import log_A0, log_tail
from growthkit.clv.rows import Rows

mp.mp.dps = 30


def _log_g_mp(alpha, beta, p, q, y, alpha_is_big: bool):
    # The branch is fixed by the caller so mpmath.diff does not cross α = β between formulas;
    # the formula is analytic in |α-β|/(m+y) through 0.
    a_ = p + q - 1
    m, small, e = (alpha, beta, q) if alpha_is_big else (beta, alpha, p)
    z = (m - small) / (m + y)
    return -a_ * mp.log(m + y) - mp.log(a_) + mp.log(mp.hyp2f1(a_, e, a_ + 1, z))


def _loglik_mp(log_params, x, tx, T, w, alpha_is_big: bool):
    r, alpha, s, beta = (mp.exp(v) for v in log_params)
    total = mp.mpf(0)
    for xi, txi, Ti, wi in zip(x, tx, T, w, strict=True):
        xi, txi, Ti = mp.mpf(xi), mp.mpf(txi), mp.mpf(Ti)
        p, q = r + xi, s + 1
        alive = (alpha + Ti) ** (-p) * (beta + Ti) ** (-s)
        dead = 0
        if txi < Ti:
            g_tx = mp.exp(_log_g_mp(alpha, beta, p, q, txi, alpha_is_big))
            g_T = mp.exp(_log_g_mp(alpha, beta, p, q, Ti, alpha_is_big))
            dead = s * (g_tx - g_T)
        total += wi * (mp.loggamma(p) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
                       + mp.log(alive + dead))
    return total


def _reference(params, x, tx, T, w):
    log_params = [mp.log(mp.mpf(v)) for v in params]
    big = params[1] >= params[3]
    value = _loglik_mp(log_params, x, tx, T, w, big)
    grad = []
    for i in range(4):
        def along(v, i=i):
            moved = list(log_params)
            moved[i] = v
            return _loglik_mp(moved, x, tx, T, w, big)
        grad.append(float(mp.diff(along, log_params[i])))
    return float(value), np.array(grad)


def _ours(params, x, tx, T, w):
    rows = Rows._build(np.asarray(x, float), np.asarray(tx, float), np.asarray(T, float),
                        np.asarray(w, float))
    with np.errstate(all="raise"):  # no overflow, invalid value or division by zero
        return ParetoNBDModel.loglik(np.asarray(params, float), rows)


# (label, (r, alpha, s, beta), [(x, t_x, T, weight), ...])
HISTORIES = [(0, 0.0, 38.86, 3.0), (1, 5.0, 38.86, 1.0), (2, 30.43, 38.86, 2.0),
             (7, 38.86, 38.86, 1.0), (3, 10.0, 20.0, 1.0)]
CASES = [
    ("CDNOW MLE", (0.5533, 10.578, 0.6062, 11.668), HISTORIES),
    ("alpha = beta exactly", (0.8, 7.0, 1.3, 7.0), HISTORIES),
    ("alpha = beta + 1e-9", (0.8, 7.0 + 1e-9, 1.3, 7.0), HISTORIES),
    ("s = 1 exactly, alpha >> beta", (0.55, 1e5, 1.0, 10.0), HISTORIES),
    ("s = 1 + 1e-9, alpha >> beta", (0.55, 1e5, 1.0 + 1e-9, 10.0), HISTORIES),
    ("s = 2 exactly, alpha >> beta", (0.55, 1e4, 2.0, 10.0), HISTORIES),
    ("r = 1 exactly, beta >> alpha", (1.0, 10.0, 0.6, 1e4), HISTORIES),
    ("r = 1 - 5e-4, beta >> alpha", (1.0 - 5e-4, 10.0, 0.6, 1e4), HISTORIES),
    ("heavy buyers, alpha < beta", (0.55, 10.0, 0.6, 1000.0), [(5000, 70.0, 78.0, 1.0),
                                                               (300, 77.0, 78.0, 1.0)]),
    ("heavy buyers, alpha > beta", (0.55, 1000.0, 0.6, 10.0), [(5000, 70.0, 78.0, 1.0),
                                                               (300, 77.0, 78.0, 1.0)]),
    ("r + s small", (0.05, 2.0, 0.08, 0.5), HISTORIES),
    ("time rescaled to T = 1", (0.94, 0.3, 2.4, 2.1), [(0, 0.0, 1.0, 5.0), (1, 0.2, 0.9, 1.0),
                                                      (12, 0.95, 1.0, 2.0)]),
]


def _random_cases(n: int, seed: int):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        params = tuple(float(v) for v in np.exp(rng.normal([-0.5, 1.0, -0.5, 1.0], 1.2)))
        T = rng.uniform(1.0, 80.0, 4)
        x = rng.integers(0, 40, 4)
        tx = np.where(x > 0, rng.uniform(0.0, 1.0, 4) * T, 0.0)
        out.append((f"random {k}", params, list(zip(x.tolist(), tx.tolist(), T.tolist(),
                                                      rng.integers(1, 5, 4).tolist(),
                                                      strict=True))))
    return out


@pytest.mark.parametrize(("label", "params", "histories"), CASES + _random_cases(12, seed=10),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_gradient_equals_high_precision_derivative(label, params, histories):
    x, tx, T, w = (list(col) for col in zip(*histories, strict=True))
    value, grad = _ours(params, x, tx, T, w)
    ref_value, ref_grad = _reference(params, x, tx, T, w)
    assert value == pytest.approx(ref_value, rel=1e-11)
    # Each component to 1e-8 of the largest, as a sum over rows may cancel to near 0.
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-8, atol=1e-8 * np.abs(ref_grad).max())


@pytest.mark.parametrize(
    ("params", "x", "y"),
    [((0.5533, 10.578, 0.6062, 11.668), 2, 30.43), ((0.55, 1e5, 1.0, 10.0), 1, 5.0),
     ((1.0, 10.0, 0.6, 1e4), 0, 0.0), ((0.55, 10.0, 0.6, 1000.0), 5000, 70.0),
     ((0.3, 7.0, 1.3, 7.0), 74, 1.0)],
)
def test_tail_and_its_derivatives_equal_mpmath(params, x, y):
    r, alpha, s, beta = params
    log_g, grad = log_tail(alpha, beta, np.array([r + x]), s + 1.0, np.array([y]))
    point = [mp.mpf(v) for v in (alpha, beta, r + x, s + 1.0)]
    big = alpha >= beta

    def log_g_at(i, v):
        moved = list(point)
        moved[i] = v
        return _log_g_mp(*moved, mp.mpf(y), big)

    assert log_g[0] == pytest.approx(float(log_g_at(0, point[0])), rel=1e-13)
    expected = [float(mp.diff(lambda v, i=i: log_g_at(i, v), point[i])) for i in range(4)]
    np.testing.assert_allclose(grad[0], expected, rtol=1e-11)


def test_likelihood_and_p_alive_use_the_same_a0():
    # P(alive) keeps scipy's ₂F₁ (``log_A0``); the likelihood uses the exp-sinh tail. Both are
    # the same A₀ = (r+s+x)(G(t_x) - G(T)).
    rng = np.random.default_rng(5)
    for _ in range(20):
        r, alpha, s, beta = np.exp(rng.normal([-0.5, 1.0, -0.5, 1.0], 1.0))
        x = rng.integers(1, 50, 30).astype(float)
        T = rng.uniform(5.0, 80.0, 30)
        tx = rng.uniform(0.0, 0.99, 30) * T
        log_g, _ = log_tail(alpha, beta, r + np.concatenate([x, x]), s + 1.0,
                             np.concatenate([tx, T]))
        a0 = (r + s + x) * (np.exp(log_g[:30]) - np.exp(log_g[30:]))
        got = log_A0(np.array([r, alpha, s, beta]), x, tx, T)
        np.testing.assert_allclose(got, np.log(a0), rtol=1e-10)


def test_fit_uses_the_analytic_gradient(cdnow):
    rows = Rows.from_arrays(*(cdnow[c].to_numpy() for c in ("frequency", "recency", "T")))
    _, grad = ParetoNBDModel.loglik(np.array([0.5533, 10.578, 0.6062, 11.668]), rows)
    # At the published MLE the gradient in the log-parameters is ~0 (it is printed to 4-5
    # digits), against ~10³ one step away.
    assert grad is not None and np.abs(grad).max() < 5.0
    _, away = ParetoNBDModel.loglik(np.array([0.6, 10.578, 0.6062, 11.668]), rows)
    assert np.abs(away).max() > 50.0


def test_one_customer_bought_at_T_has_no_dead_term():
    one = pd.DataFrame({"frequency": [3.0], "recency": [10.0], "T": [10.0]})
    rows = Rows.from_arrays(*(one[c].to_numpy() for c in ("frequency", "recency", "T")))
    r, alpha, s, beta = 0.5, 4.0, 0.7, 6.0
    value, _ = ParetoNBDModel.loglik(np.array([r, alpha, s, beta]), rows)
    from scipy.special import gammaln

    alive = gammaln(r + 3) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) \
        - (r + 3) * np.log(alpha + 10) - s * np.log(beta + 10)
    assert value == pytest.approx(alive, rel=1e-14)
