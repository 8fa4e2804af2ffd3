"""The BG/BB model of Fader, Hardie & Shang (2010) for discrete purchase opportunities.

A customer can buy only at fixed occasions (an annual campaign, a yearly renewal, a weekly
delivery slot). While alive, they buy at each opportunity with probability p ~ Beta(α, β);
before each opportunity after their first purchase they die with probability θ ~ Beta(γ, δ).
A history is (x, t_x, n): x repeat transactions in n opportunities, the last at opportunity
t_x (0 when x = 0).

References
----------
Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time
noncontractual setting. Marketing Science, 29(6), 1086-1108.
Fader, P. S. & Hardie, B. G. S. (2011). Implementing the BG/BB model for customer-base
analysis in Excel. http://brucehardie.com/notes/010/
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln

from growthkit.clv.base import model_repr
from growthkit.clv.estimation import covariance_from_hessian, hessian, maximize
from growthkit.errors import GrowthkitError, NotFittedError
from growthkit.progress import step
from growthkit.validation import require_columns

__all__ = ["BGBB_COLUMNS", "MIN_BGBB_CUSTOMERS", "BetaGeoBetaBinomModel"]

#: The columns a BG/BB table needs; ``weights`` (customers sharing the row) is optional.
BGBB_COLUMNS = ("frequency", "recency", "n_periods")
#: Fewest customers (sum of weights) a BG/BB model is fitted on.
MIN_BGBB_CUSTOMERS = 20
#: Within this of γ = 1 the expected-transactions closed form (0/0 there) takes its limit.
_GAMMA_ONE = 1e-8
#: Discounted sums stop where the discount factor falls below e^-this.
_DISCOUNT_REACH = 40.0


@dataclass(frozen=True)
class BGBBRows:
    """Distinct (frequency, recency, n_periods) histories and the customers sharing each."""

    x: np.ndarray
    tx: np.ndarray
    n: np.ndarray
    weight: np.ndarray

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> BGBBRows:
        """Validate a BG/BB table and group its rows by history."""
        x, tx, n, w = _bgbb_arrays(table)
        frame = pd.DataFrame({"x": x, "tx": tx, "n": n, "w": w})
        grouped = frame.groupby(["x", "tx", "n"], sort=True)["w"].sum().reset_index()
        return cls(*(grouped[c].to_numpy(dtype="float64") for c in ("x", "tx", "n", "w")))

    @property
    def customers(self) -> float:
        """Number of customers (sum of the weights)."""
        return float(self.weight.sum())


def _whole(table: pd.DataFrame, col: str) -> np.ndarray:
    """Column ``col`` as whole, non-negative numbers, or an error naming it."""
    series = table[col]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise GrowthkitError(f"column {col!r} of the BG/BB table has dtype {series.dtype}; "
                             "expected whole numbers")
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        i = int(bad.argmax())
        raise GrowthkitError(
            f"column {col!r} of the BG/BB table has {bad.sum():,} value(s) that are not whole "
            f"numbers >= 0, e.g. {values[i]!r} in row {table.index[i]!r}; expected counts of "
            "periods"
        )
    return values


def _bgbb_arrays(table: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Validated frequency, recency, n_periods and weights of a BG/BB table."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"the BG/BB table must be a pandas DataFrame; found "
                        f"{type(table).__name__}")
    require_columns(table.columns, BGBB_COLUMNS, where="the BG/BB table")
    x, tx, n = (_whole(table, c) for c in BGBB_COLUMNS)
    if "weights" in table.columns:
        w = table["weights"].to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            i = int(bad.argmax())
            raise GrowthkitError(
                f"column 'weights' of the BG/BB table has {w[i]!r} in row {table.index[i]!r}; "
                "expected a positive number of customers"
            )
    else:
        w = np.ones_like(x)
    checks = (
        (tx > n, "'recency' is larger than 'n_periods'", "recency <= n_periods"),
        (x > tx, "'frequency' is larger than 'recency'",
         "frequency <= recency (one transaction per opportunity at most)"),
        ((x == 0) & (tx != 0), "'recency' is positive with 'frequency' 0",
         "recency 0 without repeat transactions"),
    )
    for bad, found, expected in checks:
        if bad.any():
            i = int(bad.argmax())
            raise GrowthkitError(
                f"column {found} of the BG/BB table in {bad.sum():,} row(s), e.g. row "
                f"{table.index[i]!r} (frequency {x[i]:g}, recency {tx[i]:g}, n_periods "
                f"{n[i]:g}); expected {expected}"
            )
    return x, tx, n, w


def _terms(params: np.ndarray, x: np.ndarray, tx: np.ndarray, n: np.ndarray):
    """The log-terms of FHS (2010) eq. 5 for each history, and which are present.

    Term 0 is "alive through n": B(α+x, β+n-x)/B(α,β) · B(γ, δ+n)/B(γ,δ). Term i+1
    (i = 0..n-t_x-1) is "died just after opportunity t_x+i":
    B(α+x, β+t_x-x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ).

    Returns the matrices m (β-side offset), g (0 or 1), d (δ-side offset) and the mask.
    """
    width = int((n - tx).max()) + 1
    i = np.arange(width - 1, dtype="float64")[None, :]
    m = np.column_stack([n - x, (tx - x)[:, None] + i])
    d = np.column_stack([n, tx[:, None] + i])
    g = np.zeros_like(m)
    g[:, 1:] = 1.0
    present = np.column_stack([np.ones_like(n, dtype=bool), i < (n - tx)[:, None]])
    return m, g, d, present


def _row_loglik(params: np.ndarray, x: np.ndarray, tx: np.ndarray, n: np.ndarray,
                gradient: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """log L of each history (FHS 2010 eq. 5) and its gradient in (α, β, γ, δ)."""
    alpha, beta, gamma, delta = params
    m, g, d, present = _terms(params, x, tx, n)
    xc = x[:, None]
    logs = (betaln(alpha + xc, beta + m) - betaln(alpha, beta)
            + betaln(gamma + g, delta + d) - betaln(gamma, delta))
    logs = np.where(present, logs, -np.inf)
    top = logs.max(axis=1)
    share = np.exp(logs - top[:, None])
    total = share.sum(axis=1)
    ll = top + np.log(total)
    if not gradient:
        return ll, None
    share /= total[:, None]
    ab = digamma(alpha + beta + xc + m)
    gd = digamma(gamma + g + delta + d)
    parts = [
        digamma(alpha + xc) - ab - (digamma(alpha) - digamma(alpha + beta)),
        digamma(beta + m) - ab - (digamma(beta) - digamma(alpha + beta)),
        digamma(gamma + g) - gd - (digamma(gamma) - digamma(gamma + delta)),
        digamma(delta + d) - gd - (digamma(delta) - digamma(gamma + delta)),
    ]
    grad = np.column_stack([np.where(present, share * p, 0.0).sum(axis=1) for p in parts])
    return ll, grad


class BetaGeoBetaBinomModel:
    """BG/BB: purchases at discrete opportunities with probability p ~ Beta(α, β) while
    alive; death before each opportunity with probability θ ~ Beta(γ, δ).

    Use :func:`growthkit.clv.fit` with ``model="bgbb"``, or
    ``BetaGeoBetaBinomModel().fit(table)``, on a table with ``frequency`` (repeat
    transactions), ``recency`` (the opportunity of the last one, 0 without) and ``n_periods``
    (opportunities after the first purchase), all whole numbers, and optionally ``weights``
    (customers sharing the row, as in lifetimes' donations data).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a
    discrete-time noncontractual setting. Marketing Science, 29(6), 1086-1108.
    """

    name = "bgbb"
    label = "BG/BB"
    param_names = ("alpha", "beta", "gamma", "delta")
    _more_data = "more customers or opportunities"

    def __init__(self) -> None:
        self._log_params: np.ndarray | None = None
        self._fit_data: BGBBRows | None = None
        self._covariance: np.ndarray | None = None
        self.time_unit: str | None = None

    # -- fitting ---------------------------------------------------------------------------------

    @staticmethod
    def loglik(log_params: np.ndarray, rows: BGBBRows) -> tuple[float, np.ndarray]:
        """Total log-likelihood of ``rows`` and its exact gradient in the log-parameters."""
        params = np.exp(log_params)
        ll, grad = _row_loglik(params, rows.x, rows.tx, rows.n)
        return float(rows.weight @ ll), params * (rows.weight @ grad)

    def fit(self, table: pd.DataFrame, *, time_unit: str | None = None) -> Self:
        """Fit by maximum likelihood.

        Parameters
        ----------
        table : pandas.DataFrame
            ``frequency``, ``recency``, ``n_periods`` and optionally ``weights``.
        time_unit : str, optional
            What one period is (``"years"``, ``"months"``, ``"weeks"``), recorded on the model.

        Returns
        -------
        self

        Raises
        ------
        GrowthkitError
            For missing columns, bad values or too few customers.
        ConvergenceError
            When the likelihood has no usable maximum.
        """
        rows = BGBBRows.from_table(table)
        if rows.customers < MIN_BGBB_CUSTOMERS:
            raise GrowthkitError(f"the BG/BB table has {rows.customers:g} customer(s); expected "
                                 f"at least {MIN_BGBB_CUSTOMERS}")
        if not (rows.x > 0).any():
            raise GrowthkitError("column 'frequency' of the BG/BB table is 0 for every customer; "
                                 "expected some repeat transactions")

        def loglik(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return self.loglik(theta, rows)

        with step(f"fitted {self.label}") as progress:
            progress["detail"] = f"{rows.customers:,.0f} customers, {rows.x.size:,} histories"
            theta, hess = maximize(loglik, np.zeros(4), rows.customers, self.param_names,
                                   self.label)
        self._log_params = theta
        self._fit_data = rows
        self._hessian = hess
        self._covariance = None
        self.time_unit = time_unit
        return self

    @classmethod
    def from_params(cls, params: dict[str, float], *, time_unit: str | None = None) -> Self:
        """A model with given parameters (e.g. published ones), for predictions only."""
        names = set(cls.param_names)
        if set(params) != names or not all(float(params[k]) > 0 for k in names):
            raise GrowthkitError(f"params={params!r}; expected positive values for exactly "
                                 f"{', '.join(cls.param_names)}")
        model = cls()
        model._log_params = np.log([float(params[k]) for k in cls.param_names])
        model.time_unit = time_unit
        return model

    # -- estimates -------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if self._log_params is None:
            raise NotFittedError(f"this {self.label} model is not fitted yet; call fit() first")

    def _rows(self) -> BGBBRows:
        self._check_fitted()
        if self._fit_data is None:
            raise NotFittedError(f"this {self.label} model was built from parameters, not fitted "
                                 "to data; call fit() for its likelihood and covariance")
        return self._fit_data

    @property
    def params(self) -> dict[str, float]:
        """Maximum-likelihood estimates: ``alpha``, ``beta``, ``gamma``, ``delta``."""
        self._check_fitted()
        return dict(zip(self.param_names, np.exp(self._log_params).tolist(), strict=True))

    @property
    def log_likelihood(self) -> float:
        """Total log-likelihood at the estimates, as FHS (2010) report it."""
        return self.loglik(self._log_params, self._rows())[0]

    @property
    def n_customers(self) -> int:
        """Number of customers the model was fitted on."""
        return round(self._rows().customers)

    @property
    def aic(self) -> float:
        """Akaike information criterion, 2k - 2 log-likelihood."""
        return 2 * len(self.param_names) - 2 * self.log_likelihood

    @property
    def covariance(self) -> pd.DataFrame:
        """Asymptotic covariance of the log-parameters (inverse of minus the exact-gradient
        Hessian).

        Raises
        ------
        ConvergenceError
            When the Hessian is not negative definite.
        """
        rows = self._rows()
        if self._covariance is None:
            hess = hessian(lambda t: self.loglik(t, rows), self._log_params)
            self._covariance = covariance_from_hessian(hess, self.label, self._more_data)
        names = [f"log_{p}" for p in self.param_names]
        return pd.DataFrame(self._covariance, index=names, columns=names)

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors (delta method, se(θ) = θ·se(log θ)) and the fit
        statistics, laid out as the other models' ``summary()``.

        Returns
        -------
        pandas.DataFrame
            Indexed by parameter, then ``log-likelihood``, ``AIC`` and ``customers`` (fitted
            models only); columns ``estimate`` and ``std. error``.
        """
        self._check_fitted()
        estimates = np.exp(self._log_params)
        rows = dict(zip(self.param_names, estimates, strict=True))
        errors = [np.nan] * 4
        if self._fit_data is not None:
            errors = list(np.sqrt(np.diag(self.covariance.to_numpy())) * estimates)
            rows |= {"log-likelihood": self.log_likelihood, "AIC": self.aic,
                     "customers": float(self.n_customers)}
        return pd.DataFrame(
            {"estimate": list(rows.values()),
             "std. error": errors + [np.nan] * (len(rows) - 4)},
            index=pd.Index(list(rows), name=self.label),
        )

    # -- predictions -----------------------------------------------------------------------------

    def _arrays(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._check_fitted()
        x, tx, n, _ = _bgbb_arrays(table)
        return x, tx, n

    def _history_loglik(self, x: np.ndarray, tx: np.ndarray, n: np.ndarray) -> np.ndarray:
        """log L per history, computed once per distinct (x, t_x, n)."""
        if x.size == 0:
            return np.zeros(0)
        uniques, codes = np.unique(np.column_stack([x, tx, n]), axis=0, return_inverse=True)
        ll, _ = _row_loglik(np.exp(self._log_params), *uniques.T, gradient=False)
        return ll[codes.ravel()]

    def probability_alive(self, table: pd.DataFrame, periods_ahead: int = 1) -> pd.Series:
        """P(alive at opportunity n + ``periods_ahead``) given each history (FHS 2010 eq. 11).

        The default, the next opportunity, is what the paper's Table 6 reports ("P(alive in
        2002)" for the donors observed through 2001); ``periods_ahead=0`` gives P(alive at n),
        lifetimes' ``conditional_probability_alive(0, ...)``.

        Parameters
        ----------
        table : pandas.DataFrame
            ``frequency``, ``recency`` and ``n_periods`` per customer or pattern.
        periods_ahead : int, default 1
            Opportunities after the last observed one.

        Returns
        -------
        pandas.Series
            Indexed like ``table``.
        """
        x, tx, n = self._arrays(table)
        if not (isinstance(periods_ahead, (int, np.integer)) and periods_ahead >= 0):
            raise GrowthkitError(f"periods_ahead={periods_ahead!r}; expected a whole number "
                                 ">= 0")
        alpha, beta, gamma, delta = np.exp(self._log_params)
        log_alive = (betaln(alpha + x, beta + n - x) - betaln(alpha, beta)
                     + betaln(gamma, delta + n + periods_ahead) - betaln(gamma, delta))
        return pd.Series(np.exp(log_alive - self._history_loglik(x, tx, n)),
                         index=table.index, name="p_alive")

    def _alive_sum(self, n: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Σ_{k=1}^{t} B(γ, δ+n+k)/B(γ, δ): expected opportunities alive in (n, n+t] of a
        customer alive at n, times P(alive at n) under the prior ratio, in closed form
        δ/(γ-1)·Γ(γ+δ)/Γ(1+δ)·[Γ(1+δ+n)/Γ(γ+δ+n) - Γ(1+δ+n+t)/Γ(γ+δ+n+t)] (FHS 2010
        eq. 13), with its limit δ·[ψ(1+δ+n+t) - ψ(1+δ+n)] at γ = 1."""
        _, _, gamma, delta = np.exp(self._log_params)
        n = np.asarray(n, dtype="float64")
        t = np.asarray(t, dtype="float64")
        if abs(gamma - 1.0) < _GAMMA_ONE:
            return delta * (digamma(1 + delta + n + t) - digamma(1 + delta + n))
        u1 = gammaln(1 + delta + n) - gammaln(gamma + delta + n)
        u2 = gammaln(1 + delta + n + t) - gammaln(gamma + delta + n + t)
        lead = gammaln(gamma + delta) - gammaln(1 + delta)
        return delta / (gamma - 1.0) * np.exp(lead + u1) * -np.expm1(u2 - u1)

    @staticmethod
    def _check_periods(t: Any, name: str = "t") -> np.ndarray:
        t = np.asarray(t, dtype="float64")
        if not np.all(np.isfinite(t) & (t >= 0) & (t == np.round(t))):
            raise GrowthkitError(f"{name}={t!r}; expected whole numbers of periods >= 0")
        return t

    def expected_purchases(self, table: pd.DataFrame, t: Any) -> pd.Series:
        """Expected transactions in the next ``t`` opportunities given each history,
        E[X(n, n+t) | x, t_x, n] (FHS 2010 eq. 13).

        Parameters
        ----------
        table : pandas.DataFrame
            ``frequency``, ``recency`` and ``n_periods`` per customer or pattern.
        t : int or array-like of int
            Future opportunities: one for all, or one per row.

        Returns
        -------
        pandas.Series
            Indexed like ``table``.
        """
        x, tx, n = self._arrays(table)
        t = np.broadcast_to(self._check_periods(t), x.shape)
        alpha, beta, _, _ = np.exp(self._log_params)
        log_buy = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
        values = np.exp(log_buy - self._history_loglik(x, tx, n)) * self._alive_sum(n, t)
        return pd.Series(values, index=table.index, name="expected_purchases")

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected repeat transactions in the first ``t`` opportunities after a first
        purchase, E[X(t)] (FHS 2010 eq. 9; Hardie's note 010). The first purchase itself is
        not counted.

        Parameters
        ----------
        t : int or array-like of int
            Opportunities.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        t = self._check_periods(t)
        alpha, beta, _, _ = np.exp(self._log_params)
        return alpha / (alpha + beta) * self._alive_sum(np.zeros_like(t), t)

    def discounted_expected_transactions(
        self, table: pd.DataFrame, discount_rate: float
    ) -> pd.Series:
        """DERT: the present value of each customer's future transactions, at a discount rate
        per opportunity (FHS 2010 eq. 14), a transaction at opportunity n+k discounted by
        (1+d)^k.

        Evaluated as the sum Σ_k B(γ, δ+n+k)/B(γ, δ)·(1+d)^-k (the paper's ₂F₁ series) out to
        where (1+d)^-k < e^-40, once per distinct n; multiply by the margin per transaction
        for a customer's value.

        Parameters
        ----------
        table : pandas.DataFrame
            ``frequency``, ``recency`` and ``n_periods`` per customer or pattern.
        discount_rate : float
            d > 0, per opportunity (e.g. 0.1 a year for annual opportunities).

        Returns
        -------
        pandas.Series
            Indexed like ``table``.
        """
        x, tx, n = self._arrays(table)
        d = float(discount_rate)
        if not (np.isfinite(d) and d > 0):
            raise GrowthkitError(f"discount_rate={discount_rate!r}; expected a number > 0")
        alpha, beta, gamma, delta = np.exp(self._log_params)
        k = np.arange(1.0, np.ceil(_DISCOUNT_REACH / np.log1p(d)) + 1.0)
        values, codes = np.unique(n, return_inverse=True)
        sums = np.array([
            np.exp(betaln(gamma, delta + v + k) - betaln(gamma, delta) - k * np.log1p(d)).sum()
            for v in values
        ])
        log_buy = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
        out = np.exp(log_buy - self._history_loglik(x, tx, n)) * sums[codes.ravel()]
        return pd.Series(out, index=table.index, name="dert")

    def frequency_probabilities(self, n_periods: int) -> pd.Series:
        """P(X(n) = x) for x = 0..n: the distribution of repeat transactions in n
        opportunities of a new customer (FHS 2010 eq. 7), for in-sample fit checks.

        Parameters
        ----------
        n_periods : int
            Opportunities.

        Returns
        -------
        pandas.Series
            Indexed by ``frequency`` 0..n, summing to 1.
        """
        self._check_fitted()
        n = int(self._check_periods(n_periods, "n_periods"))
        alpha, beta, gamma, delta = np.exp(self._log_params)
        x = np.arange(n + 1.0)
        log_binom = gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)
        p = np.exp(log_binom + betaln(alpha + x, beta + n - x) - betaln(alpha, beta)
                   + betaln(gamma, delta + n) - betaln(gamma, delta))
        i = np.arange(float(n))[:, None]  # died after opportunity i (i = x..n-1)
        valid = i >= x[None, :]
        with np.errstate(invalid="ignore"):
            log_c = gammaln(i + 1) - gammaln(x + 1) - gammaln(np.where(valid, i - x, 0) + 1)
            terms = np.exp(log_c + betaln(alpha + x, beta + i - x) - betaln(alpha, beta)
                           + betaln(gamma + 1, delta + i) - betaln(gamma, delta))
        p += np.where(valid, terms, 0.0).sum(axis=0)
        return pd.Series(p, index=pd.Index(x, name="frequency"), name="probability")

    def simulate_frequency(self, n_periods: Any, seed: int = 0) -> np.ndarray:
        """Repeat transactions of simulated customers with ``n_periods`` opportunities each:
        p ~ Beta(α, β), θ ~ Beta(γ, δ), alive for the opportunities before death (geometric),
        buying at each with chance p (for the period-transactions chart).

        Parameters
        ----------
        n_periods : array-like of int
            Opportunities per simulated customer.
        seed : int
            Seed of ``numpy.random.default_rng``.

        Returns
        -------
        numpy.ndarray
            Whole numbers, one per customer.
        """
        self._check_fitted()
        n = self._check_periods(n_periods, "n_periods").astype(np.int64)
        rng = np.random.default_rng(seed)
        alpha, beta, gamma, delta = np.exp(self._log_params)
        p = rng.beta(alpha, beta, size=n.shape)
        theta = rng.beta(gamma, delta, size=n.shape)
        alive = np.minimum(rng.geometric(theta) - 1, n)  # opportunities before death
        return rng.binomial(alive, p)

    def to_lifetimes(self) -> Any:
        """The same fitted model as lifetimes' ``BetaGeoBetaBinomFitter`` (``params_`` and
        ``data`` set)."""
        rows = self._rows()
        with warnings.catch_warnings():  # lifetimes sets a global warnings filter on import
            import lifetimes

        fitter = lifetimes.BetaGeoBetaBinomFitter()
        fitter.params_ = pd.Series(self.params)
        fitter.data = pd.DataFrame({"frequency": rows.x, "recency": rows.tx,
                                    "n_periods": rows.n, "weights": rows.weight})
        return fitter

    def __repr__(self) -> str:
        fitted = self._log_params is not None
        return model_repr(type(self).__name__, self.label, self.params if fitted else None,
                          self.log_likelihood if fitted and self._fit_data is not None else None)
