"""The shared base of the BG/NBD, MBG/NBD and Pareto/NBD transaction models."""

from __future__ import annotations

import warnings
from abc import abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from growthkit.clv.mle import MaximumLikelihoodModel
from growthkit.clv.optimize import WARM_START_ROWS, FitSample, maximize, sample_stride
from growthkit.clv.rows import Rows, check_fit_size, group, rfm_arrays
from growthkit.errors import NotFittedError
from growthkit.progress import step
from growthkit.units import check_time_unit

__all__ = ["TransactionModel", "model_repr"]


class TransactionModel(MaximumLikelihoodModel):
    """A buy-till-you-die model of repeat purchases, fitted by maximum likelihood.

    Subclasses give the log-likelihood, P(alive), the expected purchases of a customer who is
    alive, and a simulator. Everything else (fitting on distinct histories with weights, the
    covariance of the estimates, per-customer predictions) lives here.

    Attributes
    ----------
    name : str
        Short name: ``"bgnbd"``, ``"mbgnbd"`` or ``"paretonbd"``.
    label : str
        Display name, e.g. ``"BG/NBD"``.
    param_names : tuple of str
        Parameter names, as lifetimes spells them.
    time_unit : str or None
        Unit of recency and T in the summary it was fitted on, when known.
    selection_reason : str or None
        Set by ``fit(model="auto")``: why this model was chosen.
    candidates : pandas.DataFrame or None
        Set by ``fit(model="auto")``: every model tried, with its fit statistics.
    """

    _more_data = "more customers or purchases"
    #: Parameters measured in units of time, which move with a change of time scale.
    _time_params: ClassVar[tuple[str, ...]]
    #: The lifetimes class of the same model, for :meth:`to_lifetimes`.
    _lifetimes_class: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        self._fit_data: Rows | None = None
        self.time_unit: str | None = None
        self.selection_reason: str | None = None
        self.candidates: pd.DataFrame | None = None

    # -- the model: implemented by each subclass ----------------------------------------------

    @staticmethod
    @abstractmethod
    def loglik(params: np.ndarray, rows: Rows) -> tuple[float, np.ndarray | None]:
        """Total log-likelihood of the histories and its gradient in log-parameters."""

    @staticmethod
    @abstractmethod
    def log_odds_dead(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray):
        """log(P(dead) / P(alive)) at T for each history; -inf when surely alive."""

    @staticmethod
    @abstractmethod
    def alive_purchases(params: np.ndarray, t: Any, x: Any, T: Any) -> np.ndarray:
        """Expected purchases in (T, T+t] of a customer alive at T after x repeat purchases."""

    @staticmethod
    @abstractmethod
    def _simulate(params: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Repeat purchases in (0, T] of new customers drawn from the model."""

    # -- fitting ---------------------------------------------------------------------------------

    def fit(self, summary: pd.DataFrame, *, time_unit: str | None = None) -> Self:
        """Fit the model by maximum likelihood.

        Customers with the same (frequency, recency, T) share a likelihood, so each distinct
        history is evaluated once and weighted by its count. Time is rescaled so the longest T
        is 1 while optimising, as lifetimes does; the estimates are reported on the original
        scale.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with ``frequency``, ``recency`` and ``T``
            (:func:`growthkit.rfm_summary`).
        time_unit : {"days", "weeks", "months"}, optional
            Unit of recency and T, used to turn a CLV horizon in months into model time.

        Returns
        -------
        self

        Raises
        ------
        GrowthkitError
            For a summary with missing columns, bad values or too few customers.
        ConvergenceError
            When the likelihood has no usable maximum.
        """
        if time_unit is not None:
            check_time_unit(time_unit)
        x, tx, T = rfm_arrays(summary)
        check_fit_size(x, T, self.label)
        rows = Rows.from_arrays(x, tx, T)
        scale = float(T.max())
        scaled = rows.rescaled(1.0 / scale)
        shift = np.array([np.log(scale) * (p in self._time_params) for p in self.param_names])

        def loglik(log_params: np.ndarray) -> tuple[float, np.ndarray | None]:
            return self.loglik(np.exp(log_params), scaled)

        # lifetimes starts every parameter at exp(0.1) on the rescaled time axis.
        start = np.full(len(self.param_names), 0.1)
        with step(f"fitted {self.label}") as progress:
            progress["detail"] = (
                f"{rows.customers:,.0f} customers, {rows.x.size:,} distinct histories"
            )
            log_params = maximize(loglik, start, rows.customers, self.param_names, self.label,
                                   self._sample(x, tx, T, rows, scale))
        self._log_params = log_params + shift
        self._fit_data = rows
        self._covariance = None
        self.time_unit = time_unit
        return self

    def _sample(
        self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, rows: Rows, scale: float
    ) -> FitSample | None:
        """Every k-th customer's likelihood, for a fit on many distinct histories to start
        from (see :data:`growthkit.clv.optimize.WARM_START_ROWS`); None for a small fit or a
        sample without repeat purchases."""
        if rows.x.size <= WARM_START_ROWS:
            return None
        k = sample_stride(x.size)
        if not (x[::k] > 0).any():
            return None
        sample = Rows.from_arrays(x[::k], tx[::k], T[::k]).rescaled(1.0 / scale)

        def loglik(log_params: np.ndarray) -> tuple[float, np.ndarray | None]:
            return self.loglik(np.exp(log_params), sample)

        return FitSample(loglik, sample.customers)

    @classmethod
    def from_params(cls, params: dict[str, float], *, time_unit: str | None = None) -> Self:
        """A model with given parameters, e.g. published ones, for predictions only.

        Parameters
        ----------
        params : dict
            Every parameter in :attr:`param_names`, positive.
        time_unit : {"days", "weeks", "months"}, optional
            Unit the time parameters are in.

        Returns
        -------
        TransactionModel
            Without data: the log-likelihood, covariance and diagnostics need :meth:`fit`.
        """
        model = cls._with_params(params)
        model.time_unit = time_unit
        return model

    @property
    def _rows(self) -> Rows:
        """The distinct histories and their counts the model was fitted on."""
        self._check_data()
        return self._fit_data

    def _data_loglik(self, params: np.ndarray) -> float:
        return self.loglik(params, self._fit_data)[0]

    @property
    def n_customers(self) -> int:
        """Number of customers the model was fitted on."""
        self._check_data()
        return int(self._rows.customers)

    # -- predictions -----------------------------------------------------------------------------

    def p_alive(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray):
        with np.errstate(over="ignore", divide="ignore"):
            return 1.0 / (1.0 + np.exp(self.log_odds_dead(params, x, tx, T)))

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive): the probability that each customer is still active at the end of T.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency``, ``recency`` and ``T`` per customer.

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        self._check_fitted()
        x, tx, T = rfm_arrays(summary)
        return pd.Series(self.p_alive(self._params, x, tx, T), index=summary.index,
                         name="p_alive")

    def expected_purchases(self, summary: pd.DataFrame, t: Any) -> pd.Series:
        """Expected repeat purchases of each customer in the next ``t`` units of time.

        The conditional expectation E[Y(t) | x, t_x, T] = P(alive) × E[Y(t) | alive, x, T];
        the second factor depends on (x, T, t) only and is computed once per distinct triple.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency``, ``recency`` and ``T`` per customer.
        t : float or array-like
            Horizon in the summary's time unit: one for all, or one per customer.

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        self._check_fitted()
        x, tx, T = rfm_arrays(summary)
        t = np.broadcast_to(np.asarray(t, dtype="float64"), x.shape)
        codes, first = group(x, T, t)
        alive = self.alive_purchases(self._params, t[first], x[first], T[first])
        values = self.p_alive(self._params, x, tx, T) * alive[codes]
        return pd.Series(values, index=summary.index, name="expected_purchases")

    def p_alive_matrix(
        self, *, max_frequency: int | None = None, max_recency: int | None = None
    ) -> pd.DataFrame:
        """P(alive) for every (frequency, recency) history of a customer observed for
        ``max_recency`` units of time (T), as in lifetimes' matrix plots.

        Parameters
        ----------
        max_frequency, max_recency : int, optional
            The grid: frequencies 0..max_frequency and recencies 0..max_recency. By default the
            99th percentile of the fitted customers' frequency (at least 5) and their longest T,
            rounded up; a model built from parameters needs both.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``recency``, one column per ``frequency``; NaN where no history exists
            (a positive recency without repeat purchases).
        """
        x, tx, T = self._grid(max_frequency, max_recency)
        values = self.p_alive(self._params, x, tx, np.full(x.shape, T))
        return self._matrix(values, x, tx)

    def expected_purchases_matrix(
        self, t: float, *, max_frequency: int | None = None, max_recency: int | None = None
    ) -> pd.DataFrame:
        """Expected purchases in the next ``t`` units for every (frequency, recency) history
        of a customer observed for ``max_recency`` units (T).

        Parameters
        ----------
        t : float
            Horizon, in the model's time unit.
        max_frequency, max_recency : int, optional
            As in :meth:`p_alive_matrix`.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``recency``, one column per ``frequency``; NaN where no history exists.
        """
        x, tx, T = self._grid(max_frequency, max_recency)
        grid = pd.DataFrame({"frequency": x.ravel(), "recency": tx.ravel(), "T": T})
        values = self.expected_purchases(grid, t).to_numpy().reshape(x.shape)
        return self._matrix(values, x, tx)

    def _grid(
        self, max_frequency: int | None, max_recency: int | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Frequency and recency grids (recency 0 without repeats) and the T they share."""
        self._check_fitted()
        if self._fit_data is None and (max_frequency is None or max_recency is None):
            raise NotFittedError(
                f"this {self.label} model was built from parameters, so there are no fitted "
                "customers to size the grid; expected max_frequency and max_recency"
            )
        if max_frequency is None:
            rows = self._rows
            order = np.argsort(rows.x)
            cum = np.cumsum(rows.weight[order]) / rows.weight.sum()
            max_frequency = max(int(rows.x[order][np.searchsorted(cum, 0.99)]), 5)
        if max_recency is None:
            max_recency = int(np.ceil(self._rows.T.max()))
        x, tx = np.meshgrid(np.arange(max_frequency + 1.0), np.arange(max_recency + 1.0))
        return x, np.where(x == 0, 0.0, tx), float(max_recency)

    @staticmethod
    def _matrix(values: np.ndarray, x: np.ndarray, tx: np.ndarray) -> pd.DataFrame:
        values = np.where((x == 0) & (np.arange(tx.shape[0])[:, None] > 0), np.nan, values)
        return pd.DataFrame(
            values,
            index=pd.Index(np.arange(tx.shape[0], dtype="float64"), name="recency"),
            columns=pd.Index(x[0], name="frequency"),
        )

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a customer who has just made a first purchase.

        Parameters
        ----------
        t : float or array-like
            Time since the first purchase, in the summary's time unit.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        t = np.asarray(t, dtype="float64")
        zero = np.zeros_like(t)
        p = self.p_alive(self._params, zero, zero, zero)
        return p * self.alive_purchases(self._params, t, zero, zero)

    def simulate_frequency(self, T: Any, seed: int = 0) -> np.ndarray:
        """Draw repeat purchases in (0, T] for new customers with observation times ``T``.

        Parameters
        ----------
        T : array-like
            Observation time of each simulated customer.
        seed : int
            Seed of ``numpy.random.default_rng``.

        Returns
        -------
        numpy.ndarray
            Integer counts, one per element of ``T``.
        """
        self._check_fitted()
        T = np.asarray(T, dtype="float64")
        return self._simulate(self._params, T, np.random.default_rng(seed))

    def to_lifetimes(self) -> Any:
        """The same fitted model as a lifetimes fitter, for lifetimes' own methods and plots.

        Returns
        -------
        lifetimes fitter
            A ``BetaGeoFitter``, ``ModifiedBetaGeoFitter`` or ``ParetoNBDFitter`` whose
            ``params_`` and ``data`` (the distinct histories with their weights) are set.
        """
        self._check_data()
        with warnings.catch_warnings():  # lifetimes sets a global warnings filter on import
            import lifetimes

        fitter = getattr(lifetimes, self._lifetimes_class)()
        fitter.params_ = pd.Series(self.params)
        rows = self._rows
        fitter.data = pd.DataFrame(
            {"frequency": rows.x, "recency": rows.tx, "T": rows.T, "weights": rows.weight}
        )
        fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time
        return fitter

    def __repr__(self) -> str:
        fitted = self._log_params is not None
        return model_repr(type(self).__name__, self.label, self.params if fitted else None,
                          self.log_likelihood if fitted and self._fit_data is not None else None)


def model_repr(name: str, label: str, params: dict[str, float] | None,
               log_likelihood: float | None) -> str:
    """``<BetaGeoModel BG/NBD: r=0.243, ...; LL -9,582.43>``, or ``<...: not fitted>``: the repr
    of every transaction model (``params`` None when not fitted, ``log_likelihood`` None when
    its parameters were given rather than fitted)."""
    if params is None:
        return f"<{name}: not fitted>"
    text = ", ".join(f"{k}={v:.4g}" for k, v in params.items())
    fit = f"; LL {log_likelihood:,.2f}" if log_likelihood is not None else ""
    return f"<{name} {label}: {text}{fit}>"
