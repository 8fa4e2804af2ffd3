"""``growthkit.subscriptions.analyze``: the report's numbers, its JSON contract, sample defaults
that apply to the sample only, and mistakes named in one line."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from conftest import small_business

from growthkit.errors import GrowthkitError
from growthkit.report.metrics import to_json
from growthkit.samples import sample_parameters
from growthkit.samples.subscriptions import subscription_charges
from growthkit.subscriptions import analyze, narrative
from growthkit.subscriptions.analysis import SubscriptionsAnalysis
from growthkit.subscriptions.messages import fixed

CONTRACT = {"mrr_movements", "churn", "nrr", "grr", "quick_ratio", "sbg", "nps", "dau_mau",
            "funnel", "headline", "parameters", "versions", "data_quality", "notes"}
ROW = {"month", "start", "new", "expansion", "contraction", "churn", "reactivation", "end"}


@pytest.fixture(scope="module")
def business():
    return small_business()


@pytest.fixture(scope="module")
def charges_only(business):
    return analyze(business["charges"])


def test_the_json_holds_the_contract_and_is_plain_json(sample_analysis):
    m = sample_analysis.metrics()
    assert set(m) >= CONTRACT
    assert set(m["mrr_movements"][0]) >= ROW
    assert set(m["nps"]) >= {"score", "ci_low", "ci_high", "n"}
    for plan in ("full", "light"):
        assert {"alpha", "beta"} <= set(m["sbg"][plan])
    json.dumps(to_json(m, "metrics"), allow_nan=False)
    assert "growthkit" in m["versions"]
    assert m["data_quality"]["rows"] == len(subscription_charges())


def test_the_sample_report_numbers(sample_analysis):
    a: SubscriptionsAnalysis = sample_analysis
    m = a.metrics()
    # December 2025 is not over on the last charge day (2025-12-16): the report stops at November.
    assert (m["months"]["first"], m["months"]["last"]) == ("2023-01", "2025-11")
    assert m["months"]["partial_month_left_out"] == "2025-12"
    assert m["mrr_movements"][0]["month"] == "2023-02"
    assert m["mrr_movements"][-1]["month"] == "2025-11"
    last = m["mrr_movements"][-1]
    assert m["mrr"] == last["end"] and m["customers"] == last["customers_end"]
    # Sample defaults were used: plans, yearly charges, events, NPS, margin and CAC.
    assert m["parameters"]["plan_col"] == "plan"
    assert m["parameters"]["months_covered_col"] == "months_covered"
    assert m["ltv"]["gross_margin"] == 0.8 and m["ltv"]["cac"] == 36.93
    # The business the sample simulates: Full keeps subscribers longer than Light, referral
    # converts trials best and paid social worst, and LTV covers CAC.
    assert m["sbg"]["full"]["survival_12"] > m["sbg"]["light"]["survival_12"]
    by = m["trial_conversion"]["by_channel"]
    assert max(by, key=lambda c: by[c]["conversion"]) == "referral"
    assert min(by, key=lambda c: by[c]["conversion"]) == "paid_social"
    assert m["ltv"]["ltv_cac"] > 1
    assert 0 < m["dau_mau"] < 1 and m["dau_mau_window_days"] == 28
    assert m["nps"]["ci_low"] < m["nps"]["score"] < m["nps"]["ci_high"]
    assert m["churn"]["includes_reactivation"] is False
    assert m["churn"]["window"] == {"first": "2024-12", "last": "2025-11", "months": 12}
    assert set(m["headline"]) >= {"MRR (Nov 2025)", "NRR (monthly)", "LTV:CAC", "NPS"}


def test_the_light_plan_recovers_the_churn_distribution_it_was_simulated_with(sample_analysis):
    # Light subscribers churn monthly with θ ~ Beta(0.9, 7) (growthkit.samples.subscriptions).
    light = next(f for f in sample_analysis.sbg_fits if f.name == "light").model
    from scipy.special import betaln

    truth = math.exp(betaln(0.9, 7.0 + 12) - betaln(0.9, 7.0))
    low, high = light.survival_interval([12], level=0.99)
    assert low[0] < truth < high[0]


def test_sample_defaults_apply_to_the_sample_only(charges_only):
    # The same charges as a DataFrame are the user's data: nothing of the sample's is used.
    a = analyze(subscription_charges())
    p = a.parameters
    assert (p["plan_col"], p["months_covered_col"], p["events_data"], p["nps_data"]) == (
        None, None, None, None
    )
    assert (p["gross_margin"], p["cac"]) == (1.0, None)
    codes = {n.code for n in a.notes}
    for code in ("plans_skipped", "billing_intervals_inferred", "events_skipped", "nps_skipped",
                 "cac_skipped", "gross_margin_default"):
        assert code in codes
    assert narrative.PLANS_SKIPPED in a.metrics()["notes"]  # the JSON notes: English text
    assert sample_parameters("sample:subscriptions")["plan_col"] == "plan"


def test_charges_alone_give_every_section_or_its_note(charges_only):
    a = charges_only
    m = a.metrics()
    assert (m["nps"], m["dau_mau"], m["funnel"], m["migration"], m["trial_conversion"]) == (
        None, None, None, None, None
    )
    assert set(m["sbg"]) == {"all customers"}
    assert math.isnan(m["ltv"]["ltv_cac"]) and m["ltv"]["cac_payback_months"] is None
    assert a.migration_table() is None and a.funnel_table() is None and a.nps_table() is None
    def shown(template: str) -> str:
        return fixed(template).text(a.lang, markdown=True)

    assert a.migration_markdown() == shown(narrative.PLANS_SKIPPED)
    assert a.nps_markdown() == shown(narrative.NPS_SKIPPED)
    assert a.funnel_markdown() == shown(narrative.EVENTS_SKIPPED)
    assert a.engagement_markdown() == shown(narrative.EVENTS_SKIPPED)
    assert "LTV:CAC" not in m["headline"] and "NPS" not in m["headline"]


def test_include_reactivation_moves_nrr_and_the_quick_ratio_not_grr(business):
    base = analyze(business["charges"])
    more = analyze(business["charges"], include_reactivation=True)
    w0, w1 = base.window, more.window
    assert w0["reactivation"] > 0
    assert w1["nrr"] == pytest.approx(w0["nrr"] + w0["reactivation"] / w0["start"])
    assert w1["grr"] == w0["grr"] and w1["quick_ratio"] > w0["quick_ratio"]
    assert "(`include_reactivation=True`)" in more.rates_markdown()
    assert "(`include_reactivation=False`)" in base.rates_markdown()


def test_events_without_a_channel_and_a_misspelt_step_are_noted(business):
    events = business["events"].drop(columns="channel")
    a = analyze(business["charges"], events_data=events,
                funnel_steps="visit,signup,trial_start,paid,refferal")
    assert "no_channel" in {n.code for n in a.notes}
    missing = [n for n in a.notes if n.code == "funnel_step_missing"]
    assert [n.args["step"] for n in missing] == ["'refferal'"]
    assert any("'refferal'" in n for n in a.metrics()["notes"])
    assert a.trial_conversion()["by_channel"] == {}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"plan_col": "tier"}, r"Required column 'tier' missing from the data"),
        ({"customer_col": "account"}, r"Required column 'account' missing"),
        ({"gross_margin": 1.5}, r"gross_margin=1\.5 is out of range; expected a number in "
                                r"\(0, 1\]"),
        ({"gross_margin": 0}, "gross_margin=0"),
        ({"cac": -3}, "cac=-3"),
        ({"cac": "cheap"}, "cac='cheap' is not a number"),
        ({"include_reactivation": "maybe"}, "include_reactivation='maybe' is not a flag"),
        ({"funnel_window_days": -1}, "funnel_window_days=-1"),
        ({"annual_discount_rate": 0}, "annual_discount_rate=0"),
        ({"timezone": "Mars/Olympus"}, "timezone='Mars/Olympus' is not a known time zone"),
        ({"amount_col": None}, "amount_col=None is not allowed"),
        ({"events_data": "sample:nope"}, "sample 'nope' does not exist"),
    ],
)
def test_mistakes_are_one_line_naming_the_parameter(business, kwargs, match):
    with pytest.raises(GrowthkitError, match=match):
        analyze(business["charges"], **kwargs)


def test_flags_from_the_api_are_typed_like_the_cli(business):
    # "False" was read as true (a non-empty string); now it is False, and "maybe" an error.
    a = analyze(business["charges"], include_reactivation="False")
    assert a.settings.include_reactivation is False
    assert a.metrics()["churn"]["includes_reactivation"] is False
    assert analyze(business["charges"], include_reactivation="true").window["nrr"] > \
        a.window["nrr"]


def test_settings_declare_the_parameters_of_analyze_once():
    import inspect

    from growthkit.subscriptions import SubscriptionsSettings

    signature = inspect.signature(analyze).parameters
    names = [n for n in signature if n != "data"]
    assert list(SubscriptionsSettings.names()) == names
    defaults = SubscriptionsSettings()
    for name in names:
        default = signature[name].default
        value = getattr(defaults, name)
        assert (list(value) if isinstance(value, tuple) else value) == (
            list(default) if isinstance(default, tuple) else default), name
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for n, p in signature.items()
               if n != "data")


def test_the_sample_states_yearly_retention_both_quick_ratios_and_paying_customers(
        sample_analysis):
    # The figures of issue 17: monthly NRR 94.7% and GRR 91.1% beside the yearly 60.9% and
    # 52.9%; quick ratio 1.23 without reactivation (the headline), 1.36 with it; 3,630 of the
    # 8,276 customer IDs ever paid.
    m = sample_analysis.metrics()
    assert m["nrr_12m"] == pytest.approx(0.609, abs=5e-4)
    assert m["grr_12m"] == pytest.approx(0.529, abs=5e-4)
    q = m["quick_ratio_definitions"]
    assert q["headline"] == "without_reactivation" and q["without_reactivation"] == m[
        "quick_ratio"]
    assert round(q["without_reactivation"], 2) == 1.23 and round(q["with_reactivation"], 2) == 1.36
    assert m["paying_customers"] == 3630
    summary = sample_analysis.summary()
    assert " each)" not in summary  # one ARPA in the summary: the window's, in the value
    assert "counting returning customers as a gain it is 1\\.36" in summary
    assert "(GRR, yearly)" in summary and "52\\.9%" in summary
    assert summary.rstrip().endswith("start there.")
    assert "What to act on: MRR rose" in summary and "Customers who started on" in summary
    assert "3,630 of them paid at least once" in sample_analysis.data_markdown()


def test_observation_end_lets_a_month_count_whose_last_charge_falls_before_its_end():
    # Issue 17: charges on the 5th through November 5: November is dropped (not over in the
    # data) unless the data were taken on November 30.
    rows = [(c, f"2024-{m:02d}-05", 10.0) for c in "abc" for m in range(1, 12)]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    plain = analyze(frame, months_covered_col=None)
    assert plain.metrics()["months"]["last"] == "2024-10"
    ended = analyze(frame, observation_end="2024-11-30")
    m = ended.metrics()["months"]
    assert (m["last"], m["observation_end"], m["last_charge_day"]) == (
        "2024-11", "2024-11-30", "2024-11-05")
    assert ended.movements.iloc[-1]["end"] == 30.0 and ended.movements.iloc[-1]["churn"] == 0
    with pytest.raises(GrowthkitError, match="observation_end"):
        analyze(frame, observation_end="soon")


def test_the_snapshot_json_has_every_key_of_the_charges_json(sample_analysis):
    from growthkit.samples.subscriptions import subscription_snapshot

    snap = analyze(subscription_snapshot(700), tenure_col="tenure", churned_col="churn",
                   plan_col="contract", amount_col="monthly_charges")
    missing = set(sample_analysis.metrics()) - set(snap.metrics())
    assert missing == set()
