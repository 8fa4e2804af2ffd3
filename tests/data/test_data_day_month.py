"""Dates that read both day-first and month-first stop with both readings, never silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from growthkit.data import load
from growthkit.data.dates import as_date, date_readings
from growthkit.errors import GrowthkitError


def _csv(tmp_path: Path, days: list[str]) -> str:
    path = tmp_path / "orders.csv"
    rows = [f"{i},{day},10" for i, day in enumerate(days)]
    path.write_text("customer_id,order_day,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_a_csv_of_ambiguous_days_stops_with_both_readings(tmp_path: Path) -> None:
    source = _csv(tmp_path, ["01/06/2024", "03/06/2024", "02/07/2024"])
    with pytest.raises(GrowthkitError) as caught:
        load(source)
    message = str(caught.value)
    assert message.startswith("date column 'order_day' is ambiguous: '01/06/2024' reads as ")
    assert "2024-01-06 (month first) or 2024-06-01 (day first)" in message
    assert "YYYY-MM-DD" in message and "\n" not in message


@pytest.mark.parametrize(
    ("days", "first"),
    [(["13/06/2024", "01/06/2024"], "2024-06-13"),  # a day above 12 settles day-first
     (["06/13/2024", "06/01/2024"], "2024-06-13"),  # and month-first
     (["2024-06-01", "2024-01-06"], "2024-06-01")],  # ISO is never ambiguous
)
def test_dates_that_one_value_settles_are_read_in_that_order(
    tmp_path: Path, days: list[str], first: str
) -> None:
    table = load(_csv(tmp_path, days))
    assert str(table.execute()["order_day"].iloc[0])[:10] == first


def test_a_date_parameter_that_is_not_iso_shows_both_readings() -> None:
    assert date_readings("01/06/2024") == (
        " (it reads as 2024-01-06 month first or 2024-06-01 day first)"
    )
    assert date_readings("13/06/2024") == " (it reads as 2024-06-13 day first)"
    assert date_readings("2024-06-01") == ""
    with pytest.raises(GrowthkitError, match=r"month first or 2024-06-01 day first"):
        as_date("01/06/2024", "calibration_end")
