"""A BFGS stop on "precision loss": accepted only when the Newton step is negligible."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

from growthkit.clv import optimize
from growthkit.errors import ConvergenceError


def _stopped_at(x: np.ndarray, hess_inv: np.ndarray):
    """A stand-in for scipy's minimize that stops at ``x`` on precision loss."""

    def minimize(objective, x0, **_kwargs):
        return OptimizeResult(
            x=x, fun=objective(x)[0], success=False, hess_inv=hess_inv,
            message="Desired error not necessarily achieved due to precision loss.",
        )

    return minimize


def _bowl(curvature: float):
    """Log-likelihood of a bowl at 0.3 in both log-parameters, with the given curvature."""

    def loglik(x: np.ndarray):
        d = x - 0.3
        return -0.5 * curvature * float(d @ d), -curvature * d

    return loglik


@pytest.mark.parametrize(("curvature", "accepted"), [(1e4, True), (1.0, False)])
def test_a_precision_loss_stop_is_accepted_only_at_the_optimum(
    monkeypatch: pytest.MonkeyPatch, curvature: float, accepted: bool
) -> None:
    # The gradient at the stop is 1.7e-6 (above the 1e-6 tolerance) in both cases; on a steep
    # likelihood that is 1.7e-10 from the maximum, on a flat one 1.7e-6: too far.
    offset = 1.7e-6 / curvature
    x = np.full(2, 0.3 + offset)
    monkeypatch.setattr(optimize, "minimize", _stopped_at(x, np.eye(2) / curvature))
    fit = lambda: optimize.maximize(_bowl(curvature), np.zeros(2), 1.0, ("a", "b"), "Test")  # noqa: E731
    if accepted:
        assert np.allclose(fit(), x)
    else:
        with pytest.raises(ConvergenceError, match=r"precision loss\. \(largest gradient 1\.7e-06"):
            fit()
