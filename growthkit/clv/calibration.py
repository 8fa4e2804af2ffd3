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
    "FALLBACK_HOLDOUT_SHARES",
    "HOLDOUT_SHARE",
    "MIN_HOLDOUT_DAYS",
    "MIN_HOLDOUT_SPAN_DAYS",
    "NO_HOLDOUT_NOTES",
    "SHORTER_HOLDOUT",
    "auto_calibration_end",
    "calibration_notes",
    "check_calibration_end",
    "fallback_calibration_ends",
    "suggested_calibration_end",
]

#: ``calibration_end="auto"`` on data other than a sample: the last quarter of the data's date
#: range is held out to test the model...
HOLDOUT_SHARE = 0.25
#: ... when the data span at least half a year (so the holdout is at least 45 days); shorter
#: data are fitted whole, without a holdout.
MIN_HOLDOUT_SPAN_DAYS = 182
#: When the last 25% cannot be fitted (no model converges on the calibration period, or it
#: has too few repeat buyers), ``"auto"`` tries these shorter holdouts in turn...
FALLBACK_HOLDOUT_SHARES = (0.2, 0.15, 0.1)
#: ... as long as the holdout keeps at least this many days.
MIN_HOLDOUT_DAYS = 28
#: How ``calibration_end`` was set (``CLVAnalysis.calibration``): ``"not fitted"`` is a given
#: date on which no model converged; ``"no fitting split"`` is ``"auto"`` finding no split of
#: the dates the models can fit.
CALIBRATION_CHOICES = (
    "given", "sample", "auto", "none", "too short", "too few repeat buyers", "not fitted",
    "no fitting split",
)


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


def fallback_calibration_ends(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The calibration ends ``"auto"`` tries after the default one, shortest holdout last:
    :data:`FALLBACK_HOLDOUT_SHARES` of the date range, each holding out at least
    :data:`MIN_HOLDOUT_DAYS` days."""
    span = (last - first).days
    return [
        first + datetime.timedelta(days=round(span * (1 - share)))
        for share in FALLBACK_HOLDOUT_SHARES
        if round(span * share) >= MIN_HOLDOUT_DAYS
    ]


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
        "{last} and the forecast is untested; set calibration_end to auto (a holdout the models "
        "can fit) to check it against purchases the model did not see."
    )),
    "too short": ("no_holdout_too_short", N_(
        "No holdout (the orders span {days} days, fewer than the {minimum} a holdout needs), so "
        "the models are fitted on all orders up to {last} and the forecast is untested; set "
        "calibration_end (e.g. {suggested}) to check it against purchases the model did not "
        "see."
    )),
    "too few repeat buyers": ("no_holdout_too_few_repeat_buyers", N_(
        "No holdout (the calibration period has too few repeat purchases to fit), so the models "
        "are fitted on all orders up to {last} and the forecast is untested; the window is too "
        "short for a holdout."
    )),
    "no fitting split": ("no_holdout_no_fitting_split", N_(
        "No holdout: no split of the orders from {first} to {last} (holding out the last 25%, "
        "20%, 15% or 10% of the dates) left a calibration period any model could fit, so the "
        "models are fitted on all orders and the forecast is untested; the window is too short "
        "for a holdout."
    )),
    "not fitted": ("no_holdout_not_fitted", N_(
        "No holdout: no model converged on the orders up to calibration_end {end}, so the models "
        "are fitted on all orders up to {last} and the forecast is untested; set calibration_end "
        "to auto (a holdout the models can fit) to check it against purchases the model did not "
        "see."
    )),
}
#: ``"auto"`` held out less than the default 25% because the models could not fit that split.
SHORTER_HOLDOUT = N_(
    "The default holdout (the last 25% of the dates, from {default}) left a calibration period "
    "no model could fit; the holdout starts after {end} instead."
)


def calibration_notes(
    calibration: str,
    cal_end: datetime.date | None,
    first: datetime.date,
    last: datetime.date,
    *,
    tried: datetime.date | None = None,
) -> list[Note]:
    """The note on a missing holdout, or on a holdout shorter than the default (else empty).

    Parameters
    ----------
    calibration : str
        How the calibration end was set (:data:`CALIBRATION_CHOICES`).
    cal_end : datetime.date or None
        The calibration end used (None: no holdout).
    first, last : datetime.date
        The first order's day and the observation end.
    tried : datetime.date, optional
        The calibration end asked for (or the default one ``"auto"`` tried first).
    """
    if cal_end is not None:
        default = suggested_calibration_end(first, last)
        if calibration == "auto" and cal_end.isoformat() != default:
            return [Note("shorter_holdout", SHORTER_HOLDOUT,
                         kinds={"default": "date", "end": "date"}, default=default,
                         end=cal_end.isoformat())]
        return []
    code, message = NO_HOLDOUT_NOTES[calibration]
    args = {"first": first.isoformat(), "last": last.isoformat(),
            "suggested": suggested_calibration_end(first, last)}
    if calibration == "too short":
        args |= {"days": (last - first).days, "minimum": MIN_HOLDOUT_SPAN_DAYS}
    if calibration == "not fitted" and tried is not None:
        args["end"] = tried.isoformat()
    # The first notes kept ISO dates in their English text; the newer ones read as dates.
    kinds = {} if calibration in ("none", "too short", "too few repeat buyers") else {
        key: "date" for key in ("first", "last", "end") if key in args}
    return [Note(code, message, kinds=kinds, **args)]


def suggested_calibration_end(first: datetime.date | str, last: datetime.date | str) -> str:
    """A calibration end :data:`HOLDOUT_SHARE` of the date range before its end, as ISO text."""
    first, last = (datetime.date.fromisoformat(str(d)[:10]) for d in (first, last))
    span = (last - first).days
    return (first + datetime.timedelta(days=round(span * (1 - HOLDOUT_SHARE)))).isoformat()
