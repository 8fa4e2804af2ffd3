"""Everything the A/B-test report shows, computed in one call and formatted for readers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from growthkit.abtest._specs import _parse_cuped, _parse_metrics, _parse_ratios, _parse_weights
from growthkit.abtest.aggregates import _as_table
from growthkit.abtest.analysis import analyze
from growthkit.abtest.bayesian import bayesian_view
from growthkit.abtest.decision import Decision, decide
from growthkit.abtest.health import srm, srm_table
from growthkit.abtest.planning import power_table
from growthkit.abtest.sequential import DEFAULT_TAU, sequential_results
from growthkit.data import redact
from growthkit.report.metrics import package_versions

__all__ = ["Evaluation", "evaluate"]

_PACKAGES = ("growthkit", "numpy", "pandas", "scipy", "statsmodels", "ibis-framework", "duckdb")


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """Rows as plain-Python dicts, NaN and infinities as None (JSON null)."""
    if frame is None:
        return None
    clean = frame.astype(object).where(frame.notna() & ~frame.isin([np.inf, -np.inf]), None)
    return [
        {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]


def _probability(x: float) -> str:
    """``97.3%``, with ``>99.9%`` and ``<0.1%`` at the ends so no chance reads as certain."""
    if not np.isfinite(x):
        return "n/a"
    return ">99.9%" if x > 0.999 else "<0.1%" if x < 0.001 else f"{x:.1%}"


def _small_share(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return "<0.01%" if 0 < x < 0.0001 else f"{x:.2%}"


@dataclass(frozen=True)
class Evaluation:
    """The report's numbers: health, effects, power, the Bayesian view and the decision.

    Attributes
    ----------
    results : pandas.DataFrame
        Overall :func:`growthkit.abtest.analyze` output (always-valid intervals when
        ``sequential``).
    segments : pandas.DataFrame or None
        The same per segment, when a segment column was given.
    srm : dict
        :func:`growthkit.abtest.srm` of the arm sizes.
    srm_detail : pandas.DataFrame
        Observed and expected users per arm.
    power : pandas.DataFrame
        :func:`growthkit.abtest.power_table` of ``results``.
    bayesian : pandas.DataFrame
        :func:`growthkit.abtest.bayesian_view` of ``results``.
    decision : Decision
        What to do and why.
    parameters : dict
        The settings used (the data source display-safe).
    """

    results: pd.DataFrame
    segments: pd.DataFrame | None
    srm: dict[str, Any]
    srm_detail: pd.DataFrame
    power: pd.DataFrame
    bayesian: pd.DataFrame
    decision: Decision
    parameters: dict[str, Any] = field(default_factory=dict)

    def _value(self, metric_rows: pd.Series, x: float) -> str:
        if not np.isfinite(x):
            return "n/a"
        if metric_rows["method"].startswith("ztest"):
            return f"{x:.2%}"
        currency = self.parameters.get("currency")
        return f"{currency} {x:,.2f}" if currency else f"{x:,.3f}"

    def _effects(self, frame: pd.DataFrame) -> pd.DataFrame:
        level = 1 - self.parameters["alpha"]
        rows = []
        for _, r in frame.iterrows():
            row = {"Metric": r["metric"], "Arm": r["variant"]}
            if "segment" in r:
                row["Segment"] = r["segment"]
            row |= {
                "Users": f"{r['n']:,}",
                "Control users": f"{r['control_n']:,.0f}" if np.isfinite(r["control_n"]) else "0",
                "Arm mean": self._value(r, r["mean"]),
                "Control mean": self._value(r, r["control_mean"]),
                "Lift": f"{r['rel_lift']:+.1%}" if np.isfinite(r["rel_lift"]) else "n/a",
                f"{level:.0%} CI of the lift": (
                    f"{r['rel_ci_low']:+.1%} to {r['rel_ci_high']:+.1%}"
                    if np.isfinite(r["rel_ci_low"]) else "n/a"
                ),
                "p (adjusted)": f"{r['p_value_adjusted']:.3g}",
                "Method": r["method"],
            }
            rows.append(row)
        return pd.DataFrame(rows).set_index(
            ["Metric", "Arm", "Segment"] if "segment" in frame else ["Metric", "Arm"]
        )

    def results_table(self) -> pd.DataFrame:
        """The overall results, formatted for reading (rates in %, money in the currency)."""
        return self._effects(self.results)

    def segments_table(self) -> pd.DataFrame | None:
        """The per-segment results, formatted as :meth:`results_table`; None without segments."""
        return None if self.segments is None else self._effects(self.segments)

    def cuped_summary(self) -> str:
        """One sentence per CUPED-adjusted metric: how much variance the pre-period removed."""
        rows = self.results[self.results["method"].str.startswith("cuped")]
        if rows.empty:
            return "No metric was CUPED-adjusted."
        covariates = _parse_cuped(self.parameters.get("cuped"))
        return " ".join(
            f"CUPED on {r.metric} ({r.variant}, pre-period column {covariates[r.metric]!r}) "
            f"removed {r.variance_reduction:.0%} of the variance of the difference: as good as "
            f"{1 / (1 - r.variance_reduction) - 1:.0%} more users."
            for r in rows.itertuples()
            if np.isfinite(r.variance_reduction)
        )

    def srm_table(self) -> pd.DataFrame:
        """Users per arm against the planned split, formatted."""
        d = self.srm_detail
        return pd.DataFrame({
            "Users": d["users"].map("{:,}".format),
            "Share": d["share"].map("{:.2%}".format),
            "Planned share": d["expected_share"].map("{:.2%}".format),
            "Expected users": d["expected_users"].map("{:,.0f}".format),
        })

    def srm_summary(self) -> str:
        """One sentence on the SRM check."""
        s = self.srm
        verdict = (
            "**Sample ratio mismatch**: the split is broken, so no decision is given."
            if s["flag"] else "The split matches the plan (no sample ratio mismatch)."
        )
        return f"{verdict} χ² = {s['chi2']:.2f}, p = {s['p_value']:.3g} (flagged below 0.001)."

    def power_table(self) -> pd.DataFrame:
        """Power figures, formatted: what the test could detect and what it would need."""
        p = self.power
        target = f"{p['target_power'].iloc[0]:.0%}" if len(p) else ""
        lift = self.parameters["min_lift"]

        def users(x: float) -> str:
            return f"{x:,.0f}" if np.isfinite(x) else "n/a"

        return pd.DataFrame({
            "Metric": p["metric"],
            "Arm": p["variant"],
            "Control users": p["control_n"].map(users),
            "Observed lift": p["rel_lift"].map(lambda x: f"{x:+.1%}" if np.isfinite(x) else "n/a"),
            f"Detectable lift ({target} power)": p["mde_rel"].map(
                lambda x: f"{x:.1%}" if np.isfinite(x) else "n/a"
            ),
            f"Users per arm for a {lift:.0%} lift": p["n_for_min_lift"].map(users),
            "Users per arm for the observed lift": p["n_for_observed"].map(users),
        }).set_index(["Metric", "Arm"])

    def bayesian_table(self) -> pd.DataFrame:
        """Chance to beat control and expected loss of shipping, formatted."""
        b = self.bayesian
        return pd.DataFrame({
            "Metric": b["metric"],
            "Arm": b["variant"],
            "Chance to beat control": b["chance_to_beat_control"].map(_probability),
            "Expected loss if shipped (% of control)": b["rel_expected_loss"].map(_small_share),
            "Posterior": b["method"],
        }).set_index(["Metric", "Arm"])

    def to_metrics(self) -> dict[str, Any]:
        """The JSON metrics of the report: JSON-safe, NaN as None.

        Returns
        -------
        dict
            ``srm`` {chi2, p_value, flag}; ``results`` (rows as :func:`analyze` returns
            them); ``decision`` (the verdict string), ``decision_arm``, ``decision_reasons``;
            ``power``, ``bayesian`` and ``segments`` (rows); ``variance_reduction`` (CUPED,
            per metric); ``headline`` (for the landing page); ``parameters`` and ``versions``.
        """
        cuped = self.results[self.results["method"].str.startswith("cuped")]
        primary = self.results.iloc[0]
        return {
            "srm": dict(self.srm),
            "results": _records(self.results),
            "decision": self.decision.verdict,
            "decision_arm": self.decision.arm,
            "decision_reasons": list(self.decision.reasons),
            "power": _records(self.power),
            "bayesian": _records(self.bayesian),
            "segments": _records(self.segments),
            "variance_reduction": {
                f"{r.metric} ({r.variant})": float(r.variance_reduction) for r in cuped.itertuples()
            },
            "headline": {
                "Decision": self.decision.headline,
                f"{primary['metric']} lift ({primary['variant']})": (
                    f"{primary['rel_lift']:+.1%}" if np.isfinite(primary["rel_lift"]) else "n/a"
                ),
                "SRM": "failed" if self.srm["flag"] else "ok",
            },
            "parameters": dict(self.parameters),
            "versions": package_versions(*_PACKAGES),
        }


def evaluate(
    data: object,
    variant_col: str = "variant",
    control: str = "control",
    metrics: str | Sequence[str] = "converted",
    cuped: str | Mapping[str, str] | None = None,
    ratio_metrics: str | Mapping[str, Sequence[str]] | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    segment_col: str | None = None,
    expected_weights: str | Mapping[str, float] | None = None,
    sequential: bool = False,
    currency: str | None = None,
    min_lift: float = 0.05,
    tau: float = DEFAULT_TAU,
) -> Evaluation:
    """Run the whole A/B-test report: SRM, effects, segments, power, Bayes and the decision.

    Parameters
    ----------
    data, variant_col, control, metrics, cuped, ratio_metrics, alpha, correction, segment_col
        As in :func:`growthkit.abtest.analyze`; text forms (``"converted,revenue"``,
        ``"revenue:pre_revenue"``) are parsed here. The first metric is the primary (decision)
        metric, the others are guardrails.
    expected_weights : str or mapping, optional
        The planned split, ``{"control": 0.5, "treatment": 0.5}`` or ``"control:1,treatment:1"``;
        equal by default.
    sequential : bool, default False
        Report always-valid confidence sequences and p-values (for teams that peek).
    currency : str, optional
        Label for money metrics (every non-binary metric) in the formatted tables.
    min_lift : float, default 0.05
        Smallest relative lift of the primary metric worth shipping for (see
        :func:`growthkit.abtest.decide`).
    tau : float, default 5000
        Tuning parameter of the confidence sequences.

    Returns
    -------
    Evaluation

    References
    ----------
    Kohavi, R., Tang, D. & Xu, Y. (2020). Trustworthy Online Controlled Experiments. Cambridge
    University Press.
    """
    plain, ratios = _parse_metrics(metrics)
    ratios.update(_parse_ratios(ratio_metrics))
    table = _as_table(data)
    common = {
        "variant_col": variant_col, "control": control, "metrics": plain, "cuped": cuped,
        "ratio_metrics": ratios, "alpha": alpha, "correction": correction,
    }
    results = analyze(table, **common)
    segments = analyze(table, **common, segment_col=segment_col) if segment_col else None
    first = results.iloc[0]
    counts = {str(control): int(first["control_n"])}
    arms = results[results["metric"] == first["metric"]]
    counts |= {r.variant: int(r.n) for r in arms.itertuples()}
    weights = _parse_weights(expected_weights)
    if sequential:
        results = sequential_results(results, alpha, correction, tau)
        if segments is not None:
            segments = sequential_results(segments, alpha, correction, tau)
    srm_result = srm(counts, weights)
    power = power_table(results, alpha, min_lift=min_lift)
    decision = decide(results, srm_result, power, alpha=alpha, min_lift=min_lift)
    parameters = {
        "data": redact(data), "variant_col": variant_col, "control": control,
        "metrics": list(dict.fromkeys(results["metric"])), "cuped": cuped,
        "alpha": alpha, "correction": correction, "segment_col": segment_col,
        "expected_weights": weights, "sequential": sequential, "currency": currency,
        "min_lift": min_lift,
    }
    return Evaluation(
        results=results,
        segments=segments,
        srm=srm_result,
        srm_detail=srm_table(counts, weights),
        power=power,
        bayesian=bayesian_view(results),
        decision=decision,
        parameters=parameters,
    )
