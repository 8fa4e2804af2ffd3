"""Regenerate ``data/numerical_reference.json``: high-precision values for the robustness tests.

mpmath is a development dependency, so after ``make setup``::

    .venv/bin/python tests/clv/make_reference_values.py

Nothing here uses a hypergeometric function: every value comes from the integral the closed
form is derived from, evaluated by mpmath's tanh-sinh quadrature at 40 digits. That makes the
values an independent check of growthkit's transformed ₂F₁ expressions.

- BG/NBD and MBG/NBD: E[Y(t) | x, t_x, T] = P(alive) · ∫₀¹ (1/p)·(1 - ((α+T)/(α+T+pt))^(r+x))
  · Beta(p; a, b+x+k) dp, k = 0 (BG/NBD) or 1 (MBG/NBD): a live customer's rate is
  Gamma(r+x, α+T) and their drop-out probability Beta(a, b+x+k) (Fader, Hardie & Lee 2005).
- Pareto/NBD: the log-likelihood with A₀ = (r+s+x) ∫ from t_x to T of (α+y)^-(r+x) (β+y)^-(s+1)
  dy (Fader & Hardie 2005, note 009).
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath as mp

mp.mp.dps = 40

# (label, (r, alpha, a, b), x, t_x, T, t)
BG_CASES = [
    ("a+b<1, x=0 (lifetimes issue 302)", (0.11, 2.24, 0.31, 0.50), 0, 0.0, 1.0, 30.0),
    ("a+b<1, new customer", (0.11, 2.24, 0.31, 0.50), 0, 0.0, 0.0, 52.0),
    ("a+b<1, one repeat", (0.11, 2.24, 0.31, 0.50), 1, 0.5, 5.0, 10.0),
    ("CDNOW MLE, x=200", (0.242593, 4.413532, 0.792886, 2.425752), 200, 38.0, 38.857, 39.0),
    ("heavy buyer, x=10,000", (0.25, 4.4, 0.79, 2.43), 10_000, 77.0, 78.0, 52.0),
    ("days, x=100,000", (0.25, 30.0, 0.79, 2.43), 100_000, 499.0, 500.0, 365.0),
    ("a = 1 exactly", (0.3, 5.0, 1.0, 2.0), 3, 10.0, 20.0, 26.0),
    ("a + b = 1 exactly, x=0", (0.3, 5.0, 0.4, 0.6), 0, 0.0, 10.0, 52.0),
    ("long horizon", (0.242593, 4.413532, 0.792886, 2.425752), 2, 30.43, 38.86, 1e5),
    ("short horizon", (0.242593, 4.413532, 0.792886, 2.425752), 2, 30.43, 38.86, 1e-3),
    ("FHL example", (0.242593, 4.413532, 0.792886, 2.425752), 2, 30.43, 38.86, 39.0),
    # r = a: the ₂F₁'s C - A - B = x + 1 is an integer, where scipy's hyp2f1 is NaN (x = 0)
    # or loses digits for z > 0.9 (a horizon long against α + T); and the band around it.
    ("r = a exactly, x=0", (0.3, 0.1, 0.3, 4.0), 0, 0.0, 0.0, 52.0),
    ("r = a exactly, x=0, T=1", (0.3, 0.1, 0.3, 4.0), 0, 0.0, 1.0, 104.0),
    ("r = a exactly, x=2", (0.3, 0.1, 0.3, 4.0), 2, 8.0, 10.0, 520.0),
    ("r = a + 1e-12", (0.3, 0.1, 0.3 - 1e-12, 4.0), 0, 0.0, 0.0, 52.0),
    ("r = a - 1e-9", (0.3, 0.1, 0.3 + 1e-9, 4.0), 0, 0.0, 0.0, 52.0),
    ("r = a + 5e-4", (0.3005, 0.1, 0.3, 4.0), 0, 0.0, 0.0, 52.0),
    ("r = a + 2e-3", (0.302, 0.1, 0.3, 4.0), 0, 0.0, 0.0, 52.0),
    ("r = a - 1 exactly", (0.5, 0.1, 1.5, 4.0), 0, 0.0, 0.0, 52.0),
]
MBG_CASES = [
    ("x=0", (0.525, 6.183, 0.891, 1.614), 0, 0.0, 38.86, 39.0),
    ("a+b<1, x=0", (0.11, 2.24, 0.31, 0.50), 0, 0.0, 1.0, 30.0),
    ("heavy buyer, x=10,000", (0.525, 6.183, 0.891, 1.614), 10_000, 77.0, 78.0, 52.0),
    ("a = 1 exactly", (0.3, 5.0, 1.0, 2.0), 3, 10.0, 20.0, 26.0),
    ("FHL example", (0.525, 6.183, 0.891, 1.614), 2, 30.43, 38.86, 39.0),
    ("r = a exactly, x=0", (0.7, 0.1, 0.7, 2.5), 0, 0.0, 0.0, 52.0),
    ("r = a exactly, x=1", (0.7, 0.1, 0.7, 2.5), 1, 0.5, 1.0, 520.0),
    ("r = a + 1e-9, x=0", (0.7 + 1e-9, 0.1, 0.7, 2.5), 0, 0.0, 0.0, 52.0),
]
# (label, (r, alpha, s, beta), x, t_x, T)
PARETO_CASES = [
    ("CDNOW-like, x=2", (0.5533, 10.578, 0.6062, 11.668), 2, 30.43, 38.86),
    ("alpha < beta, x=5,000", (0.55, 10.0, 0.6, 1000.0), 5_000, 70.0, 78.0),
    ("alpha > beta, x=5,000", (0.55, 1000.0, 0.6, 10.0), 5_000, 70.0, 78.0),
    ("alpha = beta", (0.8, 7.0, 1.3, 7.0), 4, 12.0, 30.0),
    ("x=0", (0.5533, 10.578, 0.6062, 11.668), 0, 0.0, 38.86),
    ("bought at T", (0.5533, 10.578, 0.6062, 11.668), 3, 38.86, 38.86),
    # s = 1 (α ≥ β) or r = 1 (α < β): the ₂F₁'s C - A - B is an integer, where scipy's hyp2f1
    # is inf or NaN for z > 0.9 (α and β far apart); and the band around it.
    ("s = 1 exactly, alpha >> beta", (0.55, 1e5, 1.0, 10.0), 1, 5.0, 38.86),
    ("s = 1 exactly, alpha >> beta, x=0", (0.55, 1e4, 1.0, 10.0), 0, 0.0, 38.86),
    ("s = 1 + 1e-9", (0.55, 1e5, 1.0 + 1e-9, 10.0), 1, 5.0, 38.86),
    ("s = 1 - 5e-4", (0.55, 1e5, 1.0 - 5e-4, 10.0), 1, 5.0, 38.86),
    ("s = 2 exactly", (0.55, 1e4, 2.0, 10.0), 1, 5.0, 38.86),
    ("r = 1 exactly, beta >> alpha", (1.0, 10.0, 0.6, 1e4), 1, 5.0, 38.86),
]


def _quad(f, points):
    """mpmath quadrature over ``points`` that refuses to return an unconverged value."""
    value, error = mp.quad(f, points, error=True, maxdegree=10)
    if not error < abs(value) * mp.mpf(10) ** -15:
        raise RuntimeError(f"quadrature did not converge: {value} +- {error}")
    return value


def _beta_expectation(params, x, t_x, T, t, extra):
    r, alpha, a, b = map(mp.mpf, params)
    x, t_x, T, t = mp.mpf(x), mp.mpf(t_x), mp.mpf(T), mp.mpf(t)
    b_post = b + x + extra
    norm = mp.beta(a, b_post)

    def integrand(p):
        per_p = -mp.expm1(-(r + x) * mp.log1p(p * t / (alpha + T))) / p
        return p ** (a - 1) * (1 - p) ** (b_post - 1) * per_p / norm

    scale = a / (a + b_post)
    points = sorted({mp.mpf(0), *(scale * 2**k for k in range(-8, 9) if scale * 2**k < 1), 1})
    alive_mean = _quad(integrand, points)
    # P(alive) = 1 / (1 + odds of having dropped out); a BG/NBD customer without repeats is alive.
    ratio = ((alpha + T) / (alpha + t_x)) ** (r + x)
    odds = a / (b_post - 1) * ratio if extra or x > 0 else mp.mpf(0)
    return alive_mean / (1 + odds)


def _pareto_loglik(params, x, t_x, T):
    r, alpha, s, beta = map(mp.mpf, params)
    x, t_x, T = mp.mpf(x), mp.mpf(t_x), mp.mpf(T)

    def scaled(y):  # the integrand over (α+t_x)^-(r+x), so its values are of order 1
        return ((alpha + t_x) / (alpha + y)) ** (r + x) * (beta + y) ** (-(s + 1))

    # Heavy buyers' integrands fall steeply right after t_x: break the range geometrically.
    points = sorted({t_x, *(t_x + (T - t_x) * mp.mpf(2) ** -k for k in range(30)), T})
    integral = _quad(scaled, points) * (alpha + t_x) ** (-(r + x)) if t_x < T else 0
    a0 = (r + s + x) * integral
    alive = (alpha + T) ** (-(r + x)) * (beta + T) ** (-s)
    return (
        mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
        + mp.log(alive + s / (r + s + x) * a0)
    )


def main() -> None:
    out = {"bgnbd": [], "mbgnbd": [], "paretonbd": []}
    for key, cases, extra in (("bgnbd", BG_CASES, 0), ("mbgnbd", MBG_CASES, 1)):
        for label, params, x, t_x, T, t in cases:
            value = _beta_expectation(params, x, t_x, T, t, extra)
            out[key].append({"case": label, "params": params, "x": x, "t_x": t_x, "T": T,
                             "t": t, "expected_purchases": mp.nstr(value, 20)})
    for label, params, x, t_x, T in PARETO_CASES:
        out["paretonbd"].append({"case": label, "params": params, "x": x, "t_x": t_x, "T": T,
                                 "log_likelihood": mp.nstr(_pareto_loglik(params, x, t_x, T), 20)})
    path = Path(__file__).with_name("data") / "numerical_reference.json"
    lines = ",\n".join(
        f"  {json.dumps(key)}: [\n" + ",\n".join(f"    {json.dumps(row)}" for row in rows) + "\n  ]"
        for key, rows in out.items()
    )
    path.write_text("{\n" + lines + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
