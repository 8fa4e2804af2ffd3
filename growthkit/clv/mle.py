"""What every growthkit model fitted by maximum likelihood shares: its estimates and their
sampling distribution."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from typing import ClassVar, Self

import numpy as np
import pandas as pd
from statsmodels.tools.numdiff import approx_hess

from growthkit.errors import ConvergenceError, GrowthkitError, NotFittedError

__all__ = ["MaximumLikelihoodModel"]


class MaximumLikelihoodModel(ABC):
    """Estimates kept as log-parameters, with their covariance from the numerical Hessian.

    Subclasses set ``name``, ``label``, ``param_names`` and ``_more_data`` (what would help
    when the Hessian is not positive definite), keep their fitting data in ``_fit_data`` and
    give :meth:`_data_loglik`.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]
    _more_data: ClassVar[str]

    def __init__(self) -> None:
        self._log_params: np.ndarray | None = None
        self._fit_data: object | None = None
        self._covariance: np.ndarray | None = None

    @abstractmethod
    def _data_loglik(self, params: np.ndarray) -> float:
        """Total log-likelihood of the fitting data at ``params`` (natural scale)."""

    @classmethod
    def _with_params(cls, params: dict[str, float]) -> Self:
        """A model holding ``params``, checked to be positive and complete, without data."""
        names = set(cls.param_names)
        if set(params) != names or not all(float(params[k]) > 0 for k in names):
            raise GrowthkitError(
                f"params={params!r}; expected positive values for exactly "
                f"{', '.join(cls.param_names)}"
            )
        model = cls()
        model._log_params = np.log([float(params[k]) for k in cls.param_names])
        return model

    @property
    def is_fitted(self) -> bool:
        """Whether the model has estimates (fitted, or built from parameters)."""
        return self._log_params is not None

    def _check_fitted(self) -> None:
        if self._log_params is None:
            raise NotFittedError(f"this {self.label} model is not fitted yet; call fit() first")

    def _check_data(self) -> None:
        self._check_fitted()
        if self._fit_data is None:
            raise NotFittedError(
                f"this {self.label} model was built from parameters, not fitted to data; call "
                "fit() for its likelihood, covariance and diagnostics"
            )

    @property
    def params(self) -> dict[str, float]:
        """Maximum-likelihood estimates, by lifetimes' names."""
        self._check_fitted()
        return dict(zip(self.param_names, np.exp(self._log_params).tolist(), strict=True))

    @property
    def _params(self) -> np.ndarray:
        self._check_fitted()
        return np.exp(self._log_params)

    @property
    def log_likelihood(self) -> float:
        """Total log-likelihood at the estimates, as the papers report it."""
        self._check_data()
        with np.errstate(all="ignore"):
            return float(self._data_loglik(self._params))

    @property
    def covariance(self) -> pd.DataFrame:
        """Asymptotic covariance of the log-parameters: the inverse Hessian of -log-likelihood.

        The Hessian is numerical (statsmodels' ``approx_hess``), in log-parameter space where the
        sampling distribution is closest to normal.

        Raises
        ------
        ConvergenceError
            When the Hessian is not positive definite, i.e. the estimate is not a proper maximum.
        """
        self._check_data()
        if self._covariance is None:

            def neg_loglik(log_params: np.ndarray) -> float:
                with np.errstate(all="ignore"):
                    return -self._data_loglik(np.exp(log_params))

            hessian = approx_hess(self._log_params, neg_loglik)
            try:
                np.linalg.cholesky(hessian)
            except np.linalg.LinAlgError:
                raise ConvergenceError(
                    f"{self.label} estimates are not a proper maximum of the likelihood (the "
                    f"Hessian is not positive definite); expected {self._more_data}"
                ) from None
            self._covariance = np.linalg.inv(hessian)
        names = [f"log_{p}" for p in self.param_names]
        return pd.DataFrame(self._covariance, index=names, columns=names)

    @property
    def aic(self) -> float:
        """Akaike information criterion, 2k - 2 log-likelihood."""
        return 2 * len(self.param_names) - 2 * self.log_likelihood

    @property
    @abstractmethod
    def n_customers(self) -> int:
        """Number of customers the model was fitted on."""

    def summary(self) -> pd.DataFrame:
        """The estimates with standard errors and the fit statistics, as statsmodels shows them.

        Standard errors come from the covariance of the log-parameters by the delta method,
        se(θ) = θ · se(log θ). A model built from parameters (not fitted) has estimates only.

        Returns
        -------
        pandas.DataFrame
            Indexed by parameter, then ``log-likelihood``, ``AIC`` and ``customers`` (fitted
            models only); columns ``estimate`` and ``std. error`` (NaN for the fit statistics,
            and for every row when the Hessian is not positive definite).
        """
        self._check_fitted()
        estimates = np.exp(self._log_params)
        errors = np.full(estimates.size, np.nan)
        rows = dict(zip(self.param_names, estimates, strict=True))
        if self._fit_data is not None:
            with contextlib.suppress(ConvergenceError):  # shown without standard errors
                errors = np.sqrt(np.diag(self.covariance.to_numpy())) * estimates
            rows |= {"log-likelihood": self.log_likelihood, "AIC": self.aic,
                     "customers": float(self.n_customers)}
        table = pd.DataFrame(
            {"estimate": list(rows.values()),
             "std. error": [*errors, *[np.nan] * (len(rows) - estimates.size)]},
            index=pd.Index(list(rows), name=self.label),
        )
        return table

    def draw_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Parameter vectors drawn from the asymptotic sampling distribution of the estimates."""
        cov = self.covariance.to_numpy()
        return np.exp(rng.multivariate_normal(self._log_params, cov, size=n))
