"""Customer retention cost (issue 17 item 5): retention spend per retained customer per month,
against ARPA and against CAC by acquisition channel, computed by hand on a small business."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import charges

from growthkit.data import validate_orders
from growthkit.errors import GrowthkitError
from growthkit.subscriptions.crc import ALL_CHANNELS, crc_table
from growthkit.subscriptions.engagement import validate_events
from growthkit.subscriptions.mrr import customer_months

FEB, MAR = 2024 * 12 + 1, 2024 * 12 + 2


@pytest.fixture
def business():
    # a (ads) pays Jan-Mar, b (friends) Feb-Mar, c (ads) January only: over February and
    # March 4 paying customer-months, 3 retained (a twice, b in March), b won in February.
    frame = charges(*[(who, f"2024-{m:02d}-01", 10.0, 1) for who, months in
                      (("a", (1, 2, 3)), ("b", (2, 3)), ("c", (1,))) for m in months],
                    covered=True)
    orders = validate_orders(frame, amount_col="amount", keep=["months"])
    cm = customer_months(orders, months_covered_col="months")
    events = validate_events(pd.DataFrame({
        "customer_id": ["a", "b", "c", "a"], "event": ["visit"] * 4,
        "timestamp": pd.to_datetime(["2023-12-20", "2024-01-25", "2023-12-21", "2024-01-02"]),
        "channel": ["ads", "friends", "ads", "friends"],
    }))
    return cm, events.table


def _spend(retention_channels):
    rows = [("2024-02", "ads", "acquisition", 100.0), ("2024-02", "friends", "Acquisition", 50.0),
            ("2024-01", "ads", "acquisition", 999.0)]  # before the window: not counted
    rows += [(m, ch, " Retention", 30.0 / len(retention_channels))
             for m in ("2024-02", "2024-03") for ch in retention_channels]
    return pd.DataFrame(rows, columns=["period", "channel", "type", "spend"])


def test_blended_crc_against_arpa_and_cac_by_channel(business):
    cm, events = business
    crc = crc_table(cm, FEB, MAR, _spend(["email"]), events)
    t = crc.table.set_index("channel")
    assert not crc.retention_by_channel
    assert t.loc[ALL_CHANNELS, ["customer_months", "retained", "new"]].tolist() == [4, 3, 1]
    assert t.loc[ALL_CHANNELS, "crc"] == pytest.approx(60 / 3)
    assert t.loc[ALL_CHANNELS, "arpa"] == pytest.approx(10.0)
    assert t.loc[ALL_CHANNELS, "crc_arpa"] == pytest.approx(2.0)
    assert t.loc[ALL_CHANNELS, "cac"] == pytest.approx(150.0)
    assert t.loc[ALL_CHANNELS, "cac_crc"] == pytest.approx(7.5)
    # The channel is the first event's: a came from ads.
    assert t.loc["friends", ["retained", "new"]].tolist() == [1, 1]
    assert t.loc["friends", "cac"] == pytest.approx(50.0)
    assert math.isnan(t.loc["ads", "cac"])  # spend but nobody won in the window
    assert t.loc["ads", "crc"] == pytest.approx(20.0)  # blended


def test_crc_by_channel_when_the_retention_rows_name_the_channels(business):
    cm, events = business
    crc = crc_table(cm, FEB, MAR, _spend(["ads", "friends"]), events)
    t = crc.table.set_index("channel")
    assert crc.retention_by_channel
    assert t.loc["ads", "crc"] == pytest.approx(30 / 2)  # a retained in Feb and Mar
    assert t.loc["friends", "crc"] == pytest.approx(30 / 1)
    assert t.loc[ALL_CHANNELS, "crc"] == pytest.approx(60 / 3)


def test_a_spend_table_without_retention_rows_is_one_line(business):
    cm, events = business
    spend = _spend(["email"])
    with pytest.raises(GrowthkitError, match="no rows typed 'retention'"):
        crc_table(cm, FEB, MAR, spend[spend["type"] != " Retention"], events)
    with pytest.raises(GrowthkitError, match="no rows typed 'retention'"):
        crc_table(cm, FEB, MAR, spend.drop(columns="type"), events)


def test_the_sample_reports_crc_in_text_tables_and_json(sample_analysis):
    a = sample_analysis
    crc = a.metrics()["crc"]
    assert (crc["first"], crc["last"]) == ("2024-12", "2025-11")
    assert crc["overall"]["crc"] == pytest.approx(1.1572, abs=1e-4)
    assert crc["overall"]["crc_arpa"] == pytest.approx(0.1338, abs=1e-4)
    assert {r["channel"] for r in crc["by_channel"]} == {"organic", "paid_social", "referral",
                                                         "search"}
    assert "Keeping a paying customer costs \\$1\\.16 a month" in a.summary()
    assert "71\\.5 months of retention" in a.crc_markdown()
    assert len(a.crc_table()) == 5


def test_the_report_without_retention_rows_says_so_and_goes_on():
    from conftest import small_business

    from growthkit.subscriptions import analyze

    data = small_business()
    spend = pd.DataFrame({"period": ["2024-05"], "channel": ["ads"], "spend": [100.0]})
    a = analyze(data["charges"], plan_col="plan", spend_data=spend)
    assert a.crc is None and a.metrics()["crc"] is None
    assert "no rows typed retention" in a.crc_markdown()
    b = analyze(data["charges"], plan_col="plan")
    assert "no spend_data was given" in b.crc_markdown()
