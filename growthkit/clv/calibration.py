"""The calibration period of the CLV report: the default holdout, and dates that fit the data.

With ``calibration_end="auto"`` (the default) a built-in sample uses its own date; other data
hold out the last :data:`HOLDOUT_SHARE` of their date range when they span at least
:data:`MIN_HOLDOUT_SPAN_DAYS` days, and are fitted whole otherwise.
"""

from __future__ import annotations

import datetime

from growthkit.errors import GrowthkitError
from growthkit.i18n import N_
from growthkit.notes import Note

__all__ = [
    "CALIBRATION_CHOICES",
    "HOLDOUT_SHARE",
    "MIN_HOLDOUT_SPAN_DAYS",
    "NO_HOLDOUT_NOTES",
    "auto_calibration_end",
    "calibration_notes",
    "check_calibration_end",
    "suggested_calibration_end",
]

#: ``calibration_end="auto"`` on data other than a sample: the last quarter of the data's date
#: range is held out to test the model...
HOLDOUT_SHARE = 0.25
#: ... when the data span at least half a year (so the holdout is at least 45 days); shorter
#: data are fitted whole, without a holdout.
MIN_HOLDOUT_SPAN_DAYS = 182
#: How ``calibration_end`` was set (``CLVAnalysis.calibration``).
CALIBRATION_CHOICES = ("given", "sample", "auto", "none", "too short", "too few repeat buyers")


def auto_calibration_end(
    sample_end: datetime.date | None, first: datetime.date, last: datetime.date
) -> tuple[datetime.date | None, str]:
    """``calibration_end="auto"``: the sample's own, else the last quarter of the date range.

    Returns
    -------
    (datetime.date or None, str)
        The calibration end, and how it was chosen: ``"sample"``, ``"auto"`` or
        ``"too short"`` (None: no holdout).
    """
    if sample_end is not None and first <= sample_end < last:
        return sample_end, "sample"
    span = (last - first).days
    if span < MIN_HOLDOUT_SPAN_DAYS:
        return None, "too short"
    return first + datetime.timedelta(days=round(span * (1 - HOLDOUT_SHARE))), "auto"


def check_calibration_end(
    cal_end: datetime.date | None, first: datetime.date, last: datetime.date
) -> None:
    """Raise unless a given ``calibration_end`` leaves a calibration and a holdout period.

    Raises
    ------
    GrowthkitError
        Giving the data's date range and the ``"auto"`` and None options.
    """
    if cal_end is None or first <= cal_end < last:
        return
    raise GrowthkitError(
        f"calibration_end={cal_end.isoformat()} is outside the data: its orders run from "
        f"{first.isoformat()} to {last.isoformat()}; expected a day from {first.isoformat()} "
        f"to before {last.isoformat()}, 'auto' (the last {HOLDOUT_SHARE:.0%} held out) or None "
        "(no holdout)"
    )


#: Why there is no holdout, by how ``calibration_end`` was set: the note's code and template.
NO_HOLDOUT_NOTES = {
    "none": ("no_holdout", N_(
        "No holdout (calibration_end is None), so the models are fitted on all orders up to "
        "{last} and the forecast is untested; set calibration_end (e.g. {suggested}) to check "
        "it against purchases the model did not see."
    )),
    "too short": ("no_holdout_too_short", N_(
        "No holdout (the orders span {days} days, fewer than the {minimum} a holdout needs), so "
        "the models are fitted on all orders up to {last} and the forecast is untested; set "
        "calibration_end (e.g. {suggested}) to check it against purchases the model did not "
        "see."
    )),
    "too few repeat buyers": ("no_holdout_too_few_repeat_buyers", N_(
        "No holdout (the calibration period has too few repeat purchases to fit), so the models "
        "are fitted on all orders up to {last} and the forecast is untested; set calibration_end "
        "(e.g. {suggested}) to check it against purchases the model did not see."
    )),
}


def calibration_notes(
    calibration: str, cal_end: datetime.date | None, first: datetime.date, last: datetime.date
) -> list[Note]:
    """The note on a missing holdout (empty with a holdout)."""
    if cal_end is not None:
        return []
    code, message = NO_HOLDOUT_NOTES[calibration]
    args = {"last": last.isoformat(), "suggested": suggested_calibration_end(first, last)}
    if calibration == "too short":
        args |= {"days": (last - first).days, "minimum": MIN_HOLDOUT_SPAN_DAYS}
    return [Note(code, message, **args)]


def suggested_calibration_end(first: datetime.date | str, last: datetime.date | str) -> str:
    """A calibration end :data:`HOLDOUT_SHARE` of the date range before its end, as ISO text."""
    first, last = (datetime.date.fromisoformat(str(d)[:10]) for d in (first, last))
    span = (last - first).days
    return (first + datetime.timedelta(days=round(span * (1 - HOLDOUT_SHARE)))).isoformat()
