"""DAU/MAU and the funnel (growthkit.subscriptions.engagement), against brute-force counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.errors import GrowthkitError
from growthkit.subscriptions import dau_mau, funnel
from growthkit.subscriptions.engagement import parse_steps


def _events(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "event", "channel"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


@pytest.fixture(scope="module")
def activity() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    days = pd.date_range("2024-01-01", "2024-04-30")
    rows = []
    for person in range(60):
        p = rng.uniform(0.05, 0.6)
        start, stop = rng.integers(0, 60), rng.integers(60, len(days))
        for d in days[start:stop]:
            for _ in range(rng.poisson(1.5) * (rng.random() < p)):
                rows.append((person, d + pd.Timedelta(minutes=int(rng.integers(0, 1440))),
                             "workout", "x"))
    rows += [(1000 + i, days[i], "visit", "x") for i in range(50)]  # funnel steps: not activity
    return _events(rows)


def test_dau_mau_equals_a_brute_force_count(activity):
    got = dau_mau(activity, funnel_steps="visit,signup").set_index("day")
    act = activity[activity["event"] == "workout"].assign(day=lambda f: f["timestamp"].dt.date)
    first = act["day"].min()
    assert got.index[0] == first + pd.Timedelta(days=27)  # the first day with a full window
    for day in got.index[::7]:
        window = act[(act["day"] > day - pd.Timedelta(days=28)) & (act["day"] <= day)]
        dau = act.loc[act["day"] == day, "customer_id"].nunique()
        mau = window["customer_id"].nunique()
        assert (got.loc[day, "dau"], got.loc[day, "mau"]) == (dau, mau), day
        assert got.loc[day, "dau_mau"] == pytest.approx(dau / mau)


def test_funnel_steps_are_not_activity_and_no_activity_is_an_empty_table(activity):
    with_visits = dau_mau(activity, funnel_steps=None).set_index("day")
    without = dau_mau(activity, funnel_steps="visit").set_index("day")
    both = with_visits.join(without, rsuffix="_without", how="inner")
    assert (both["mau"] >= both["mau_without"]).all() and (both["mau"] > both["mau_without"]).any()
    only_steps = activity[activity["event"] == "visit"]
    assert dau_mau(only_steps, funnel_steps="visit").empty


def test_each_step_counts_only_within_the_window_after_the_step_before():
    rows = [
        ("a", "2024-01-01", "visit", "ads"), ("a", "2024-01-02", "signup", "ads"),
        ("a", "2024-02-20", "paid", None),  # 49 days after signup: outside a 45-day window
        ("b", "2024-01-01", "visit", "ads"), ("b", "2024-01-01", "signup", None),
        ("b", "2024-01-31", "paid", None),
        ("c", "2024-01-05", "visit", "seo"), ("c", "2024-01-03", "signup", None),  # before
        ("d", "2024-01-05", "visit", "seo"), ("d", "2024-01-06", "paid", None),  # skips signup
        ("e", "2024-01-05", "signup", "seo"),  # never visited: not in the funnel
    ]
    got = funnel(_events(rows), "visit,signup,paid", window_days=45)
    overall = got[got["channel"].isna()].set_index("step")
    assert overall["people"].tolist() == [4, 2, 1]
    assert overall["conversion"].tolist() == pytest.approx([1.0, 0.5, 0.5])
    assert overall.loc["paid", "overall"] == pytest.approx(0.25)
    by = got[got["channel"].notna()].set_index(["channel", "step"])["people"]
    assert by["ads"].tolist() == [2, 2, 1] and by["seo"].tolist() == [2, 0, 0]
    assert overall["with_event"].tolist() == [4, 4, 3]
    wider = funnel(_events(rows), "visit,signup,paid", window_days=60)
    assert wider.loc[wider["channel"].isna(), "people"].tolist() == [4, 2, 2]


def test_without_a_channel_column_the_funnel_is_overall_only():
    rows = [("a", "2024-01-01", "visit", None), ("a", "2024-01-02", "signup", None)]
    frame = _events(rows).drop(columns="channel")
    got = funnel(frame, ["visit", "signup"])
    assert got["channel"].isna().all() and got["people"].tolist() == [1, 1]


def test_funnel_mistakes_are_named():
    frame = _events([("a", "2024-01-01", "page_view", None)])
    with pytest.raises(GrowthkitError, match=r"no event named 'visit' in events_data; found "
                                             r"events 'page_view'"):
        funnel(frame, "visit,signup")
    with pytest.raises(GrowthkitError, match="at least two event names"):
        funnel(frame, "visit")
    with pytest.raises(GrowthkitError, match="names a step twice"):
        parse_steps("visit,paid,visit")
    with pytest.raises(GrowthkitError, match=r"Required column 'event' missing from events_data"):
        funnel(frame.drop(columns="event"), "visit,signup")
    assert parse_steps(" visit , signup ,") == ("visit", "signup")


def test_dau_mau_does_not_depend_on_the_funnel_steps_in_the_report():
    # Issue 17: DAU/MAU changed with funnel_steps (the steps left out of the list counted as
    # activity); activity is its own parameter, activity_events.
    from conftest import small_business

    from growthkit.subscriptions import analyze

    data = small_business()
    kw = {"plan_col": "plan", "events_data": data["events"]}
    full = analyze(data["charges"], **kw)
    short = analyze(data["charges"], funnel_steps="visit,signup", **kw)
    pd.testing.assert_frame_equal(full.activity, short.activity)
    chosen = analyze(data["charges"], activity_events="workout,signup", **kw)
    assert not chosen.activity["dau"].equals(full.activity["dau"])
    assert "workout" in chosen.engagement_markdown()


def test_future_events_are_counted_out_with_a_note():
    from conftest import small_business

    from growthkit.subscriptions import analyze

    data = small_business()
    later = pd.DataFrame({"customer_id": ["c0001", "c0002"], "event": ["workout", "visit"],
                          "timestamp": pd.to_datetime(["2999-01-01", "2999-02-01"]),
                          "channel": ["ads", "ads"]})
    events = pd.concat([data["events"], later], ignore_index=True)
    a = analyze(data["charges"], plan_col="plan", events_data=events)
    notes = [n for n in a.metrics()["notes_detail"] if n["code"] == "future_events"]
    assert notes and notes[0]["args"]["n"] == 2
    assert "after today" in a.funnel_markdown()
