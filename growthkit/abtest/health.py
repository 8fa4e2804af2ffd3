"""Experiment health: the sample-ratio-mismatch (SRM) check."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from growthkit.errors import GrowthkitError

__all__ = ["SRM_THRESHOLD", "srm", "srm_table"]

#: SRM is flagged below this p-value, as in Fabijan et al. (2019) and most experiment platforms.
SRM_THRESHOLD = 0.001


def _expected_shares(
    counts: Mapping[str, float], weights: Mapping[str, float] | None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    arms = [str(a) for a in counts]
    observed = np.asarray(list(counts.values()), dtype=float)
    if len(arms) < 2:
        raise GrowthkitError(f"srm: found {len(arms)} arm(s); expected counts for at least 2 arms")
    if (observed < 0).any() or observed.sum() == 0:
        raise GrowthkitError(f"srm: counts {dict(counts)} must be ≥ 0 with a positive total")
    if weights is None:
        return arms, observed, np.full(len(arms), 1 / len(arms))
    weights = {str(k): v for k, v in weights.items()}
    if set(weights) != set(arms):
        raise GrowthkitError(
            f"expected_weights names arms {sorted(weights)}; expected the arms in the data: "
            f"{sorted(arms)}"
        )
    share = np.asarray([float(weights[a]) for a in arms])
    if (share <= 0).any():
        raise GrowthkitError(f"expected_weights {weights} must all be positive")
    return arms, observed, share / share.sum()


def srm(
    counts: Mapping[str, float],
    weights: Mapping[str, float] | None = None,
    threshold: float = SRM_THRESHOLD,
) -> dict[str, float | bool]:
    """Chi-square goodness-of-fit test of the arm sizes against the planned split.

    A sample ratio mismatch means the assignment or the logging is broken (bots filtered in
    one arm only, a redirect that loses users, ...), so every effect estimate is suspect.

    Parameters
    ----------
    counts : mapping of str to int
        Units per arm, e.g. ``{"control": 9904, "treatment": 10096}``.
    weights : mapping of str to float, optional
        The planned split per arm (any positive numbers, normalised); equal by default.
    threshold : float, default 0.001
        Flag the experiment when the p-value is below this.

    Returns
    -------
    dict
        ``chi2`` (the statistic), ``p_value`` and ``flag`` (True when SRM is detected).

    References
    ----------
    Fabijan, A., Gupchup, J., Gupta, S., Omhover, J., Qin, W., Vermeer, L. & Dmitriev, P.
    (2019). Diagnosing sample ratio mismatch in online controlled experiments. KDD '19.
    """
    _, observed, share = _expected_shares(counts, weights)
    chi2, p_value = stats.chisquare(observed, observed.sum() * share)
    return {"chi2": float(chi2), "p_value": float(p_value), "flag": bool(p_value < threshold)}


def srm_table(
    counts: Mapping[str, float], weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Observed against expected units per arm, for the report.

    Parameters
    ----------
    counts, weights
        As in :func:`srm`.

    Returns
    -------
    pandas.DataFrame
        Indexed by arm with ``users``, ``share``, ``expected_share`` and ``expected_users``.
    """
    arms, observed, share = _expected_shares(counts, weights)
    return pd.DataFrame(
        {
            "users": observed.astype("int64"),
            "share": observed / observed.sum(),
            "expected_share": share,
            "expected_users": observed.sum() * share,
        },
        index=pd.Index(arms, name="arm"),
    )
