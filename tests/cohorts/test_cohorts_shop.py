"""growthkit.samples.shop: the seeded shop behind sample:shop and sample:shop-spend."""

from __future__ import annotations

import pandas as pd
import pytest

from growthkit.cohorts.tables import ranked_values
from growthkit.samples import load_sample, sample_parameters
from growthkit.samples.shop import CHANNELS, END, START, make_shop, shop_orders


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    a_orders, a_spend = make_shop(seed=3, n_customers=600)
    b_orders, b_spend = make_shop(seed=3, n_customers=600)
    pd.testing.assert_frame_equal(a_orders, b_orders)
    pd.testing.assert_frame_equal(a_spend, b_spend)
    assert not make_shop(seed=4, n_customers=600)[0]["amount"].equals(a_orders["amount"])


def test_the_sample_is_two_years_of_orders_of_twenty_thousand_customers():
    orders = load_sample("shop")
    assert orders["customer_id"].nunique() == 20_000
    assert orders["date"].min().date() >= START and orders["date"].max().date() <= END
    assert orders["date"].is_monotonic_increasing  # written in date order
    assert set(orders.columns) == {"customer_id", "date", "amount", "category", "margin",
                                   "channel", "first_order"}
    refunds = orders[orders["amount"] < 0]
    assert 0.02 < len(refunds) / len(orders) < 0.08
    # a refund reverses its order's margin (positive only for a discounted electronics order,
    # sold at a loss)
    assert (refunds["margin"] <= 0).mean() > 0.95 and refunds["margin"].sum() < 0
    assert orders.groupby("customer_id")["channel"].nunique().max() == 1
    assert shop_orders() is not shop_orders()  # a copy each time: callers may change it


def test_spend_is_monthly_per_paid_channel_and_organic_costs_nothing():
    spend = load_sample("shop-spend")
    assert list(spend.columns) == ["period", "channel", "spend"]
    assert spend["period"].min() == "2023-01" and spend["period"].max() == "2024-12"
    assert "organic" not in set(spend["channel"])
    orders = load_sample("shop")
    first = orders.groupby("customer_id").agg(month=("date", "min"), channel=("channel", "first"))
    new = first.groupby("channel").size()
    for channel, total in spend.groupby("channel")["spend"].sum().items():
        assert total / new[channel] == pytest.approx(CHANNELS[channel]["cac"], rel=0.05)


def test_discount_acquired_customers_repeat_less_in_every_channel():
    orders = load_sample("shop")
    buys = orders[orders["amount"] >= 0]
    per = buys.groupby("customer_id").agg(orders=("amount", "size"),
                                          channel=("channel", "first"),
                                          offer=("first_order", "first"))
    repeats = (per["orders"] - 1).groupby([per["channel"], per["offer"]]).mean().unstack()
    assert (repeats["discounted"] < 0.8 * repeats["full price"]).all()


def test_referral_customers_pay_back_fastest_in_the_sample_report(sample):
    ranked, free = ranked_values(sample, "channel")
    assert ranked.index[0] == "referral" and free == ["organic"]
    assert ranked.loc["referral", "payback_period"] < ranked.loc["email", "payback_period"]


def test_the_samples_defaults_name_its_columns():
    params = sample_parameters("sample:shop")
    columns = set(load_sample("shop").columns)
    assert params["margin_col"] in columns
    assert set(params["segment_col"].split(",")) == {"channel", "category", "first_order"}
    assert set(params["segment_col"].split(",")) <= columns
    assert params["spend_data"] == "sample:shop-spend"
