"""The CLV report's section "What drives value" (issue 20, section 3): covariates from a
per-customer source and from each customer's first order, multipliers in words with the right
signs, the likelihood-ratio test, the holdout comparison and new-customer CLV by profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.clv import analyze
from growthkit.clv.drivers import first_order_values
from growthkit.data import validate_orders
from growthkit.errors import GrowthkitError
from growthkit.samples.simulate import BTYDWorld, simulate_btyd_orders


@pytest.fixture(scope="module")
def two_channels() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders of 900 organic customers and 500 referred ones who buy 3x as often (BG/NBD
    alpha 10 against 10/3), the same dropout; later orders come through any channel."""
    organic = simulate_btyd_orders(900, BTYDWorld(), seed=1)
    referral = simulate_btyd_orders(500, BTYDWorld(alpha=10 / 3), seed=2)
    referral["customer_id"] += 10_000
    orders = pd.concat([organic, referral], ignore_index=True)
    channel = pd.Series("organic", index=orders["customer_id"].unique())
    channel[channel.index >= 10_000] = "referral"
    rng = np.random.default_rng(3)
    orders["channel"] = rng.choice(["organic", "referral", "email"], len(orders))
    first = orders.groupby("customer_id")["date"].transform("min") == orders["date"]
    orders.loc[first, "channel"] = channel[orders.loc[first, "customer_id"]].to_numpy()
    covs = pd.DataFrame({"customer_id": channel.index, "channel": channel.to_numpy(),
                         "noise": rng.normal(size=len(channel))})
    return orders, covs


@pytest.fixture(scope="module")
def analysis(two_channels):
    orders, covs = two_channels
    return analyze(orders, covariates_data=covs, n_draws=20)


def test_a_covariate_that_raises_purchases_reads_more_often(analysis):
    d = analysis.drivers
    row = d.effects.set_index("column").loc["channel[referral]"]
    assert row["reference"] == "organic"
    assert 2.0 < row["purchase"] < 4.5 and row["purchase_low"] > 1.0  # simulated: 3x
    text = analysis.drivers_markdown()
    assert "Customers with ⁨channel⁩ ⁨referral⁩ buy more often (" in text
    assert "than those with ⁨channel⁩ ⁨organic⁩" in text
    # The dropout multiplier was not simulated: its interval includes 1.
    assert row["dropout_low"] < 1.0 < row["dropout_high"]
    assert "likelihood-ratio test: χ²" in text and "clearly better" in text


def test_the_signs_follow_the_estimate_both_ways(analysis):
    from growthkit.clv.drivers_text import effect_sentence

    row = analysis.drivers.effects.iloc[0].copy()
    row[["purchase", "purchase_low", "purchase_high"]] = [0.5, 0.4, 0.6]
    row[["dropout", "dropout_low", "dropout_high"]] = [1.8, 1.5, 2.1]
    text = effect_sentence(analysis, row)
    assert "buy less often (0.50× as often, 0.40×–0.60×)" in text
    assert "drop out faster (1.80× as fast, 1.50×–2.10×)" in text
    row[["dropout", "dropout_low", "dropout_high"]] = [0.6, 0.5, 0.7]
    assert "drop out more slowly (0.60× as fast" in effect_sentence(analysis, row)


def test_covariates_are_kept_only_where_they_lower_the_holdout_error(analysis):
    d = analysis.drivers
    mae = d.holdout_mae
    assert d.covariates == ("channel", "noise")
    assert d.kept == tuple(c for c in d.covariates if mae["alone"][c] < mae["without"])
    text = analysis.drivers_markdown()
    assert "purchases per customer on average, against" in text
    if not d.kept:  # a short holdout: each customer's own history already tells most
        assert "No covariate lowers the error on its own, so none is kept" in text
        assert "drivers_none_help" in [n["code"] for n in analysis.metrics()["notes_detail"]]
    # Profiles: the channel's levels, the numeric noise (1,400 values) at its median; a
    # referred customer is worth more.
    table = d.new_customers.set_index("channel")
    assert set(table.index) == {"organic", "referral"} and table["customers"].sum() == 1400
    assert table.loc["referral", "expected_purchases"] > 1.5 * table.loc["organic",
                                                                      "expected_purchases"]
    assert (table["cac_ceiling"] == table["clv_with_first"]).all()  # no margin given
    assert "noise" not in d.held or "at its median" in text


def test_the_json_gains_coefficients_the_test_and_new_customer_value(analysis):
    m = analysis.metrics()
    for key in ("transaction_model", "calibration_model"):
        coefs = m[key]["coefficients"]
        assert {c["covariate"] for c in coefs} >= {"channel[referral]", "noise"}
        assert {"covariate", "process", "estimate", "std_error", "p_value",
                "multiplier"} <= set(coefs[0])
        test = m[key]["likelihood_ratio_test"]
        assert test["df"] == 6 and test["p_value"] < 0.001  # 2 columns x (purchase, a, b)
    assert m["transaction_model"]["likelihood_ratio_test"]["statistic"] > 0
    assert {p["channel"] for p in m["new_customer_value"]} == {"organic", "referral"}
    assert {"expected_purchases", "clv_revenue", "cac_ceiling", "customers"} <= set(
        m["new_customer_value"][0])
    assert m["drivers"]["covariates"] == ["channel", "noise"] and "kept" in m["drivers"]
    assert m["parameters"]["covariates_data"] == "DataFrame (1,400 rows)"


def test_first_order_covariates_come_from_each_customers_first_order(two_channels):
    orders, covs = two_channels
    valid = validate_orders(orders, amount_col="amount", keep=["channel"])
    found = first_order_values(valid.table, ["channel"])
    # Orders on the first calendar day: the smallest value among them (a stable choice).
    day = orders["date"].dt.normalize()
    firsts = orders[day == day.groupby(orders["customer_id"]).transform("min")]
    expected = firsts.groupby("customer_id")["channel"].min()
    assert found["channel"].reindex(expected.index).equals(expected)
    assert (expected != covs.set_index("customer_id")["channel"]).sum() < 30  # same-day orders
    a = analyze(orders.assign(channel=orders["channel"].replace("email", "organic")),
                first_order_covariates="channel", n_draws=20)
    assert a.drivers.covariates == ("channel",)
    assert "Customers with ⁨channel⁩ ⁨referral⁩ buy more often" in a.drivers_markdown()


def test_without_covariates_the_section_says_how_to_add_them():
    a = analyze(simulate_btyd_orders(300, seed=4), n_draws=20)
    assert a.drivers is None and a.drivers_table() is None and a.new_customer_table() is None
    assert "covariates_data" in a.drivers_markdown()
    assert "new_customer_value" not in a.metrics()


def test_bad_covariates_are_one_line_naming_the_parameter(two_channels):
    orders, covs = two_channels
    with pytest.raises(GrowthkitError, match=r"^covariates='channel' but covariates_data is None"):
        analyze(orders, covariates="channel")
    with pytest.raises(GrowthkitError, match=r"no column 'customer_id' .customer_col."):
        analyze(orders, covariates_data=covs.rename(columns={"customer_id": "id"}))
    with pytest.raises(GrowthkitError, match=r"^covariates: 'gender' is not a column"):
        analyze(orders, covariates_data=covs, covariates="gender")
    with pytest.raises(GrowthkitError, match=r"'channel' has no value in covariates_data for 1 "):
        analyze(orders, covariates_data=covs.iloc[1:])
    with pytest.raises(GrowthkitError, match="more than once"):
        analyze(orders, covariates_data=pd.concat([covs, covs.iloc[:1]]))


def test_a_covariate_model_that_does_not_converge_is_a_note(two_channels, monkeypatch):
    import growthkit.clv.analysis as analysis_module
    from growthkit.errors import ConvergenceError

    def fails(**_):
        raise ConvergenceError("BG/NBD with covariates did not converge: b ran off")

    monkeypatch.setattr(analysis_module, "explain_value", fails)
    orders, covs = two_channels
    a = analyze(orders, covariates_data=covs, n_draws=20)
    assert a.drivers is None and a.drivers_table() is None
    assert "could not be fitted (\u2068BG/NBD with covariates did not converge" in (
        a.drivers_markdown())
    m = a.metrics()
    assert "drivers_not_fitted" in [n["code"] for n in m["notes_detail"]]
    assert "coefficients" not in m["transaction_model"]


def test_customer_ids_as_text_in_the_orders_and_numbers_in_the_covariates(two_channels):
    orders, covs = two_channels
    a = analyze(orders.assign(customer_id=orders["customer_id"].astype(str)),
                covariates_data=covs[["customer_id", "channel"]], n_draws=20)
    assert a.drivers.covariates == ("channel",)
    assert set(a.drivers.new_customers["channel"]) == {"organic", "referral"}


def test_a_covariate_of_huge_scale_is_a_note_not_a_warning(two_channels, recwarn):
    orders, covs = two_channels
    a = analyze(orders, covariates_data=covs.assign(noise=covs["noise"] * 5000), n_draws=20)
    codes = [n.code for n in a.notes]
    assert "covariate_scale" in codes  # here the fit does not converge either: both say so
    note = a.notes[codes.index("covariate_scale")]
    assert note.args["covariate"] == "noise" and note.args["largest"] > 1000
    assert any("rescale it" in t for t in a.metrics()["notes"])
    assert not [w for w in recwarn if "rescale" in str(w.message)]
