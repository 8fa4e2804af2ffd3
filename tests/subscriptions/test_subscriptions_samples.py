"""The seeded subscription business behind ``sample:subscriptions`` and its companions."""

from __future__ import annotations

import pandas as pd
import pytest

from growthkit import samples
from growthkit.samples.subscriptions import (
    END,
    PRICES,
    acquisition_costs,
    make_subscription_world,
    subscription_charges,
    subscription_events,
    subscription_nps,
)


def test_the_world_is_the_same_for_the_same_seed():
    fresh = make_subscription_world.__wrapped__()  # not the cached copy
    pd.testing.assert_frame_equal(fresh["charges"], subscription_charges())
    other = make_subscription_world.__wrapped__(seed=1)
    assert len(other["charges"]) != len(fresh["charges"])


def test_the_samples_are_registered_with_parameters_naming_real_columns():
    for name in ("subscriptions", "subscriptions-events", "subscriptions-nps"):
        assert name in samples.SAMPLES
    params = samples.sample_parameters("sample:subscriptions")
    columns = set(samples.load_sample("subscriptions").columns)
    assert {params["plan_col"], params["months_covered_col"]} <= columns
    for key in ("events_data", "nps_data"):
        assert params[key].removeprefix("sample:") in samples.SAMPLES
    assert samples.sample_parameters("/data/invoices.csv") == {}


def test_the_cac_parameter_is_the_blended_cac_of_the_simulated_channels():
    costs = acquisition_costs()
    blended = costs.loc["all", "spend"] / costs.loc["all", "new_paying"]
    assert samples.SAMPLE_PARAMETERS["subscriptions"]["cac"] == pytest.approx(blended, abs=0.005)
    assert costs.loc["paid_social", "cac"] > costs.loc["organic", "cac"]


def test_the_charges_hold_what_the_report_needs():
    c = subscription_charges()
    assert set(c["plan"]) == {"trial", "light", "full"}
    assert set(c["months_covered"]) == {1, 12}
    assert set(c["item"]) == {"trial", "subscription", "coaching add-on", "win-back offer",
                              "refund"}
    assert (c.loc[c["item"] == "trial", "amount"] == 0).all()
    assert (c.loc[c["item"] == "refund", "amount"] < 0).all()
    monthly = c[(c["item"] == "subscription") & (c["months_covered"] == 1)]
    assert set(monthly["amount"]) == set(PRICES.values())
    assert c["date"].max().date() == END and c["date"].min().date().isoformat() == "2023-01-01"


def test_events_and_answers_match_the_charges():
    c, e, n = subscription_charges(), subscription_events(), subscription_nps()
    assert set(e["event"].astype(str)) == {"visit", "signup", "trial_start", "paid", "referral",
                                           "workout"}
    paying = c.loc[c["item"] == "subscription", "customer_id"].nunique()
    assert (e["event"] == "paid").sum() == paying
    assert set(n["customer_id"]) <= set(c["customer_id"])
    assert n["score"].between(0, 10).all()
    assert e["timestamp"].max().date() <= END
