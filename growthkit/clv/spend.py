"""The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for
customer base analysis. Journal of Marketing Research, 42(4), 415-430.
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import digamma, gammaln

from growthkit.clv.mle import MaximumLikelihoodModel
from growthkit.clv.optimize import WARM_START_ROWS, FitSample, maximize, sample_stride
from growthkit.clv.rows import MIN_CUSTOMERS, checked_column, customer_label
from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.i18n import N_
from growthkit.notes import Note
from growthkit.progress import step
from growthkit.validation import require_columns

__all__ = ["GammaGammaModel", "SpendCorrelationWarning", "correlation_note", "fit_spend"]

#: |Pearson r| between frequency and spend above which the independence assumption is doubtful.
CORRELATION_LIMIT = 0.3


class SpendCorrelationWarning(UserWarning):
    """Spend per purchase is correlated with purchase frequency, which Gamma-Gamma assumes not."""


@dataclass(frozen=True)
class _SpendData:
    """Repeat buyers' frequency ``x`` and mean spend ``m``, with what the likelihood needs of
    them precomputed: the distinct frequencies and their counts (the Gamma-function terms depend
    on x alone), each customer's total repeat spend ``y = x·m``, and the sums that do not depend
    on the parameters."""

    x: np.ndarray
    m: np.ndarray
    x_values: np.ndarray
    x_counts: np.ndarray
    y: np.ndarray
    sum_x_log_m: float
    sum_log_m: float
    sum_x_log_x: float

    @classmethod
    def of(cls, x: np.ndarray, m: np.ndarray) -> _SpendData:
        values, counts = np.unique(x, return_counts=True)
        log_m = np.log(m)
        return cls(x, m, values, counts.astype("float64"), x * m, float(x @ log_m),
                   float(log_m.sum()), float(x @ np.log(x)))


def _loglik(params: np.ndarray, data: _SpendData) -> tuple[float, np.ndarray]:
    """Note 025 eq. 1a, the density of a customer's mean spend m over x purchases, and its
    gradient in log-parameters: Γ(px+q)/(Γ(px)Γ(q)) · γ^q m^(px-1) x^(px) / (γ + mx)^(px+q).

    Summed over customers: the Gamma-function terms once per distinct x (weighted by its count)
    and the terms in log m and log x from sums computed once, so each evaluation takes one
    logarithm and one division per customer, for log(γ + mx) and its derivative.
    """
    p, q, gamma = params
    xv, c, x = data.x_values, data.x_counts, data.x
    n = float(x.size)
    pxv = p * xv
    log_yg = np.log(data.y + gamma)
    sum_log_yg, sum_x_log_yg = float(log_yg.sum()), float(x @ log_yg)
    ll = (
        c @ (gammaln(pxv + q) - gammaln(pxv)) + n * (q * np.log(gamma) - gammaln(q))
        + p * data.sum_x_log_m - data.sum_log_m + p * data.sum_x_log_x
        - p * sum_x_log_yg - q * sum_log_yg
    )
    psi = digamma(pxv + q)
    inv_yg = 1.0 / (data.y + gamma)
    g_p = (c * xv) @ (psi - digamma(pxv)) + data.sum_x_log_m + data.sum_x_log_x - sum_x_log_yg
    g_q = c @ psi - n * digamma(q) + n * np.log(gamma) - sum_log_yg
    g_gamma = n * q / gamma - p * float(x @ inv_yg) - q * float(inv_yg.sum())
    return float(ll), params * np.array([g_p, g_q, g_gamma])


class GammaGammaModel(MaximumLikelihoodModel):
    """Gamma-Gamma: each purchase of a customer is Gamma(p, ν) and ν ~ Gamma(q, γ) across
    customers, so a customer's expected spend per purchase shrinks their observed mean towards
    the population mean pγ/(q-1).

    Use :func:`fit_spend`. Parameters ``p, q, gamma`` (lifetimes calls gamma ``v``).

    Attributes
    ----------
    excluded_customers : int
        Customers of the summary left out of the fit: one-time buyers and repeat buyers whose
        mean repeat spend is not positive.
    excluded_one_time : int
        Of those, the customers without repeat purchases.
    correlation : float
        Pearson correlation between frequency and mean spend over the fitted customers.
    correlation_p_value : float
        Its two-sided p-value.
    correlation_warning : bool
        True when ``|correlation| > 0.3``, the threshold Fader & Hardie's note suggests.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
    http://brucehardie.com/notes/025/
    """

    name = "gamma_gamma"
    label = "Gamma-Gamma"
    param_names = ("p", "q", "gamma")
    _more_data = "more repeat buyers"

    def __init__(self) -> None:
        super().__init__()
        self._fit_data: _SpendData | None = None
        self.excluded_customers = 0
        self.excluded_one_time = 0
        self.correlation = float("nan")
        self.correlation_p_value = float("nan")
        self.correlation_warning = False

    def fit(self, summary: pd.DataFrame) -> Self:
        """Fit on the repeat buyers with a positive mean repeat spend.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency`` and ``monetary_value`` (mean spend of the repeat purchases) per
            customer, as :func:`growthkit.rfm_summary` returns with ``amount_col``.

        Returns
        -------
        self

        Warns
        -----
        SpendCorrelationWarning
            When frequency and spend correlate with ``|r| > 0.3``.

        Raises
        ------
        GrowthkitError
            For a missing column, bad values or fewer than 20 usable customers.
        ConvergenceError
            When the likelihood has no maximum with a finite mean spend (q <= 1).
        """
        x, m = spend_arrays(summary)
        used = (x > 0) & (m > 0)
        if used.sum() < MIN_CUSTOMERS:
            raise GrowthkitError(
                f"only {used.sum()} customer(s) have repeat purchases with positive spend; "
                f"expected at least {MIN_CUSTOMERS} to fit the Gamma-Gamma spend model"
            )
        data = _SpendData.of(x[used], m[used])
        n = float(used.sum())
        # Optimise with money in units of the mean spend (γ is a money scale), as lifetimes'
        # start of exp(0.1) for every parameter suits spends near 1; then move γ back.
        scale = float(data.m.mean())
        scaled = _SpendData.of(data.x, data.m / scale)
        with step(f"fitted {self.label}") as progress:
            progress["detail"] = f"{n:,.0f} repeat buyers"
            sample = None
            if n > WARM_START_ROWS:  # start from every k-th repeat buyer's fit
                k = sample_stride(int(n))
                part = _SpendData.of(scaled.x[::k], scaled.m[::k])
                sample = FitSample(lambda lp: _loglik(np.exp(lp), part), float(part.x.size))
            log_params = maximize(
                lambda lp: _loglik(np.exp(lp), scaled), np.full(3, 0.1), n, self.param_names,
                self.label, sample,
            )
        log_params[2] += np.log(scale)
        if np.exp(log_params[1]) <= 1.0:
            raise ConvergenceError(
                f"Gamma-Gamma fit gave q = {np.exp(log_params[1]):.3g} <= 1, so the mean spend "
                "per purchase is infinite; expected less extreme spend (check for outliers)"
            )
        self._log_params = log_params
        self._fit_data = data
        self._covariance = None
        self.excluded_customers = int(x.size - n)
        self.excluded_one_time = int((x == 0).sum())
        result = stats.pearsonr(data.x, data.m) if np.ptp(data.x) and np.ptp(data.m) else None
        self.correlation = float(result.statistic) if result else float("nan")
        self.correlation_p_value = float(result.pvalue) if result else float("nan")
        self.correlation_warning = bool(abs(self.correlation) > CORRELATION_LIMIT)
        if self.correlation_warning:
            _warn_correlated(self, stacklevel=3)
        return self

    @classmethod
    def from_params(cls, params: dict[str, float]) -> Self:
        """A spend model with given ``p``, ``q`` and ``gamma`` (q > 1), for predictions only."""
        model = cls._with_params(params)
        if float(params["q"]) <= 1:
            raise GrowthkitError(f"q={params['q']!r}; expected q > 1 for a finite mean spend")
        return model

    def _data_loglik(self, params: np.ndarray) -> float:
        """Total log-likelihood of the fitted customers' mean spends (note 025's -4055.92 on
        the CDNOW sample)."""
        return _loglik(params, self._fit_data)[0]

    @property
    def n_customers(self) -> int:
        """Number of customers the model was fitted on."""
        self._check_data()
        return int(self._fit_data.x.size)

    @property
    def population_mean(self) -> float:
        """Mean spend per purchase across customers, pγ/(q-1)."""
        p, q, gamma = self._params
        return float(p * gamma / (q - 1.0))

    def draw_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Parameter draws from the asymptotic sampling distribution, keeping q > 1."""
        draws = super().draw_params(n, rng)
        return draws[draws[:, 1] > 1.0]

    @staticmethod
    def _expected_spend(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Note 025 eq. 5: E[spend | x, m] = (pγ + p·x·m) / (px + q - 1)."""
        p, q, gamma = params
        return p * (gamma + x * np.maximum(m, 0.0)) / (p * x + q - 1.0)

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected spend per future purchase of each customer.

        A weighted mean of the customer's own mean spend and the population mean, the weight
        growing with their number of repeat purchases; customers without repeat purchases get
        the population mean. A non-positive mean spend counts as 0.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency`` and ``monetary_value`` per customer.

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        self._check_fitted()
        x, m = spend_arrays(summary)
        values = self._expected_spend(self._params, x, m)
        return pd.Series(values, index=summary.index, name="expected_spend")

    def __repr__(self) -> str:
        if self._log_params is None:
            return "<GammaGammaModel: not fitted>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        fitted = f"; {self.n_customers:,} customers" if self._fit_data is not None else ""
        return f"<GammaGammaModel: {params}{fitted}>"


#: The note (and warning) when frequency and spend correlate.
CORRELATION_MESSAGE = N_(
    "frequency and spend per purchase are correlated (r = {r}, above {limit}); the "
    "Gamma-Gamma model assumes they are independent, so spend predictions are biased"
)


def correlation_note(model: GammaGammaModel) -> Note | None:
    """The ``spend_correlation`` note when a fitted model's frequency-spend correlation is
    above :data:`CORRELATION_LIMIT` (None otherwise)."""
    if not model.correlation_warning:
        return None
    return Note("spend_correlation", CORRELATION_MESSAGE, r=f"{model.correlation:.2f}",
                limit=f"{CORRELATION_LIMIT}")


def _warn_correlated(model: GammaGammaModel, stacklevel: int) -> None:
    note = correlation_note(model)
    if note is not None:
        warnings.warn(str(note), SpendCorrelationWarning, stacklevel=stacklevel)


def spend_arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``frequency`` (validated) and ``monetary_value`` (finite, any sign) as arrays."""
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"the summary must be a pandas DataFrame; found {type(summary).__name__}")
    require_columns(summary.columns, ["frequency", "monetary_value"], where="the summary")
    x = checked_column(summary, "frequency", "summary")
    m = summary["monetary_value"].to_numpy(dtype="float64", na_value=np.nan)
    if not np.isfinite(m).all():
        i = int((~np.isfinite(m)).argmax())
        raise GrowthkitError(
            f"column 'monetary_value' of the summary has a missing or infinite value for "
            f"customer {customer_label(summary, i)}; expected finite numbers (0 without repeats)"
        )
    return x, m


def fit_spend(summary: pd.DataFrame) -> GammaGammaModel:
    """Fit the Gamma-Gamma spend model.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``frequency`` and ``monetary_value`` per customer (:func:`growthkit.rfm_summary` with
        ``amount_col``). Only repeat buyers with a positive mean repeat spend are used; the
        others are counted in ``excluded_customers``.

    Returns
    -------
    GammaGammaModel

    Warns
    -----
    SpendCorrelationWarning
        When frequency and spend correlate with ``|r| > 0.3``.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
    http://brucehardie.com/notes/025/
    """
    model = GammaGammaModel()
    with warnings.catch_warnings():  # warn once, pointing at the caller of fit_spend
        warnings.simplefilter("ignore", SpendCorrelationWarning)
        model.fit(summary)
    _warn_correlated(model, stacklevel=3)
    return model
