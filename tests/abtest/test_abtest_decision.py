"""The decision rules and their reasons (growthkit.abtest.decision)."""

from __future__ import annotations

import pandas as pd
import pytest

from growthkit.abtest import VERDICTS, analyze_summary, decide, power_table, sample_size, srm
from growthkit.abtest.narrative import decision_markdown, reason_text
from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates


def _conv(metric: str, c: int, t: int, n: int = 10_000) -> list[dict]:
    return [{"metric": metric, "variant": arm, "n": n, "conversions": k, "method": "ztest"}
            for arm, k in (("control", c), ("treatment", t))]


def _mean(metric: str, c: float, t: float, sd: float = 20.0, n: int = 1000) -> list[dict]:
    """A continuous metric with means c (control) and t and standard deviation sd in both."""
    return [{"metric": metric, "variant": arm, "n": n, "sum": m * n, "method": "welch",
             "sum_sq": (n - 1) * sd**2 + n * m**2} for arm, m in (("control", c), ("treatment", t))]


def _ratio(metric: str, n: int = 10_000, den: float = 0.0) -> list[dict]:
    """A ratio metric whose denominator sums to ``den`` in both arms (0: no ratio exists)."""
    return [{"metric": metric, "variant": arm, "n": n, "method": "delta", "sum": 500.0,
             "sum_sq": 2000.0, "x_sum": den, "x_sum_sq": den, "xy_sum": 0.0}
            for arm in ("control", "treatment")]


def _reasons(d) -> tuple[str, ...]:
    """The reasons as a reader sees them (the names' bidi isolates are invisible)."""
    return tuple(strip_isolates(reason_text(r)) for r in d.reasons)


def _decide(rows: list[dict], counts=(10_000, 10_000)):
    res = analyze_summary(rows, control="control")
    health = srm({"control": counts[0], "treatment": counts[1]})
    return decide(res, health, power_table(res))


def test_decision_ships_a_clear_winner():
    d = _decide(_conv("conv", 1000, 1200))
    assert (d.verdict, d.arm) == ("ship", "treatment")
    assert "improves conv by +20.0%" in _reasons(d)[0]
    assert strip_isolates(decision_markdown(d)).startswith(r"**Ship treatment\.**")
    assert d.codes == ("improves",) and d.headline == "Ship treatment."
    assert d.reasons[0].args["effect"]["rel_lift"] == pytest.approx(0.2)


def test_decision_refuses_on_srm():
    d = _decide(_conv("conv", 1000, 1200), counts=(10_000, 10_500))
    assert d.verdict == "no decision" and d.arm is None
    assert "Sample ratio mismatch" in _reasons(d)[0] and d.codes == ("srm_mismatch",)


def test_decision_blocks_a_winner_with_a_guardrail_regression():
    d = _decide(_conv("conv", 1000, 1200) + _conv("retained", 5000, 4700))
    assert d.verdict == "don't ship"
    assert "guardrail retained regresses" in _reasons(d)[0]


def test_decision_keeps_running_when_underpowered():
    d = _decide(_conv("conv", 100, 104, n=1000))
    assert d.verdict == "keep running"
    assert "Too little power" in _reasons(d)[0] and d.codes == ("too_little_power",)
    assert f"{sample_size(0.1, 0.05, relative=True):,}" in _reasons(d)[0]


def test_decision_does_not_ship_a_well_powered_null_or_a_loser():
    assert _decide(_conv("conv", 30_000, 30_050, n=300_000)).verdict == "don't ship"
    loser = _decide(_conv("conv", 1200, 1000))
    assert loser.verdict == "don't ship" and "makes conv worse" in _reasons(loser)[0]


def test_a_guardrail_that_cannot_be_evaluated_blocks_ship():
    # revenue/sessions with no sessions at all: the ratio, its p-value and interval are NaN.
    # Before, a NaN p-value was "not significantly worse" and the treatment shipped.
    d = _decide(_conv("conv", 1000, 1200) + _ratio("revenue/sessions"))
    assert d.verdict == "no decision" and d.arm is None
    assert _reasons(d)[0].startswith("treatment improves conv by +20.0%")
    assert "guardrail revenue/sessions cannot be evaluated" in _reasons(d)[0]
    assert "its denominator sums to 0 in both arms" in _reasons(d)[0]


def test_the_same_guardrail_with_sessions_does_not_block():
    # Control for the test above: with a denominator the guardrail is testable and flat.
    d = _decide(_conv("conv", 1000, 1200) + _ratio("revenue/sessions", den=20_000.0))
    assert (d.verdict, d.arm) == ("ship", "treatment")
    assert _reasons(d)[-1] == "No guardrail (revenue/sessions) is significantly worse in treatment."


def test_a_regression_outranks_a_guardrail_without_a_test():
    d = _decide(_conv("conv", 1000, 1200) + _conv("retained", 5000, 4700) + _ratio("rps"))
    assert d.verdict == "don't ship"
    assert any("guardrail retained regresses" in r for r in _reasons(d))
    assert any("guardrail rps cannot be evaluated" in r for r in _reasons(d))


@pytest.mark.parametrize(("conversions", "why"), [
    (0, "no user converted in either arm"),
    (10_000, "every user converted in both arms"),
])
def test_a_primary_metric_without_a_test_gives_no_decision(conversions, why):
    d = _decide(_conv("conv", conversions, conversions) + _conv("retained", 5000, 5100))
    assert d.verdict == "no decision" and d.arm is None
    assert _reasons(d) == (f"conv cannot be tested for treatment: {why}, so it gives no basis "
                         "for a decision.",)


def test_a_less_negative_profit_is_an_improvement():
    # Mean profit −50 in the control, −45 in the treatment (sd 20, 1,000 users each): the
    # treatment loses less. Lift = (−45 − (−50))/|−50| = +10%. Before, the lift was computed
    # as −45/−50 − 1 = −10% and the reason read "makes profit worse".
    d = _decide(_mean("profit", -50.0, -45.0))
    assert (d.verdict, d.arm) == ("ship", "treatment")
    assert _reasons(d)[0].startswith("treatment improves profit by +10.0% (95% CI +")
    worse = _decide(_mean("profit", -50.0, -55.0))
    assert worse.verdict == "don't ship"
    assert _reasons(worse)[0].startswith("treatment makes profit worse: -10.0% (95% CI -")


def test_a_zero_baseline_reads_as_an_absolute_difference():
    d = _decide(_mean("refunds", 0.0, 3.0, sd=10.0))
    assert d.verdict == "ship"
    assert _reasons(d)[0].startswith("treatment improves refunds by an absolute +3.00 (95% CI +")


def test_every_verdict_is_listed_and_segmented_results_are_refused():
    assert set(VERDICTS) == {"ship", "don't ship", "keep running", "no decision"}
    seg = analyze_summary(
        pd.DataFrame(_conv("conv", 1000, 1200)).assign(segment="x"), control="control"
    )
    with pytest.raises(GrowthkitError, match="segmented"):
        decide(seg, srm({"control": 1, "treatment": 1}), power_table(seg))
