"""The subscriptions report's notes: codes with English templates, built by the computing code.

A computing step never writes a sentence; it returns a :class:`growthkit.notes.Note` made here
(a stable ``code``, an English template marked with ``N_``, the raw arguments). The report
renders it in its language (``note.text(lang, markdown=True)``); the JSON carries the English
text (``notes``) and the code with its arguments (``notes_detail``), the same in every language.

The constants (``PLANS_SKIPPED``, ...) are the English templates of the fixed notes; each has a
code in :data:`CODES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from growthkit.i18n import N_
from growthkit.notes import Note

__all__ = [
    "CAC_SKIPPED",
    "CODES",
    "COVERED_SKIPPED",
    "CRC_BLENDED",
    "CRC_NO_RETENTION",
    "CRC_SKIPPED",
    "EVENTS_SKIPPED",
    "FUNNEL_SKIPPED",
    "MARGIN_DEFAULT",
    "NO_ACTIVITY",
    "NO_CHANNEL",
    "NO_STARTERS",
    "NPS_SKIPPED",
    "PLANS_SKIPPED",
    "SBG_REASONS",
    "SNAPSHOT_MOVEMENTS_SKIPPED",
    "fixed",
    "future_events",
    "intervals_inferred",
    "month_notes",
    "nps_duplicates",
    "sbg_not_fitted",
    "step_missing",
]

PLANS_SKIPPED = N_(
    "Retention by plan and plan migration are skipped: no plan column was given (set "
    "plan_col to the column naming each charge's plan)."
)
COVERED_SKIPPED = N_(
    "Every charge counts as one month of MRR: no months-covered column was given (set "
    "months_covered_col to spread yearly or quarterly charges over the months they cover)."
)
EVENTS_SKIPPED = N_(
    "The funnel, trial conversion and DAU/MAU are skipped: no events_data was given (a table "
    "of customer_id, timestamp and event, optionally channel)."
)
NPS_SKIPPED = N_(
    "NPS is skipped: no nps_data was given (a table of survey answers with a score column "
    "from 0 to 10)."
)
CAC_SKIPPED = N_(
    "LTV:CAC and CAC payback are skipped: no cac was given (set cac to the cost of "
    "acquiring one paying customer)."
)
MARGIN_DEFAULT = N_(
    "LTV is in revenue, not margin: no gross_margin was given, so 1.0 is used (set "
    "gross_margin to the share of revenue kept as profit)."
)
FUNNEL_SKIPPED = N_(
    "The funnel is skipped: funnel_steps names fewer than two steps (give the event names in "
    "funnel order, e.g. visit,signup,trial_start,paid)."
)
NO_CHANNEL = N_(
    "events_data has no channel column: the funnel and trial conversion are shown overall "
    "only."
)
NO_ACTIVITY = N_(
    "DAU/MAU is skipped: events_data has no events other than the funnel steps (activity "
    "such as a workout or a login)."
)
SNAPSHOT_MOVEMENTS_SKIPPED = N_(
    "The data are a customer snapshot (tenure_col and churned_col: one row per customer, no "
    "charge history), so MRR movements, churn and retention rates over time, the CAC payback, "
    "plan migration, the funnel, NPS and DAU/MAU are skipped; retention, churn and value by "
    "plan come from each customer's tenure, active customers counted as still paying."
)
#: Why the retention model over everyone has no fit when nobody started after month one.
CRC_SKIPPED = N_(
    "The customer retention cost (CRC) is skipped: no spend_data was given (a table of "
    "period, spend, channel and type, with the retention spend typed retention)."
)
CRC_NO_RETENTION = N_(
    "The customer retention cost (CRC) is skipped: spend_data has no rows typed retention "
    "(add a type column with retention on the retention spend rows)."
)
CRC_BLENDED = N_(
    "The retention spend does not name the customers' acquisition channels, so every channel "
    "shows the blended customer retention cost; CAC is by channel."
)
NO_STARTERS = N_("no customer started paying after the first month of data")

#: The code of each fixed note.
CODES = {
    PLANS_SKIPPED: "plans_skipped",
    COVERED_SKIPPED: "months_covered_skipped",
    EVENTS_SKIPPED: "events_skipped",
    NPS_SKIPPED: "nps_skipped",
    CAC_SKIPPED: "cac_skipped",
    MARGIN_DEFAULT: "gross_margin_default",
    FUNNEL_SKIPPED: "funnel_skipped",
    NO_CHANNEL: "no_channel",
    NO_ACTIVITY: "no_activity",
    SNAPSHOT_MOVEMENTS_SKIPPED: "snapshot_movements_skipped",
    CRC_SKIPPED: "crc_skipped",
    CRC_BLENDED: "crc_blended",
    CRC_NO_RETENTION: "crc_no_retention",
}


def fixed(template: str) -> Note:
    """The note of one of the fixed templates above (``fixed(PLANS_SKIPPED)``)."""
    return Note(CODES[template], template)


def month_notes(
    first: str, following: str, last_day: dt.date, partial: str | None, monthly_data: bool,
    last: str, without_payers: Sequence[str],
) -> list[Note]:
    """Notes on the months: the first (no opening balance), the partial last month or monthly
    data, and months without any paid charge (labels ``"2024-01"``)."""
    notes = [Note(
        "first_month_no_opening_balance",
        N_("The first month of data ({first}) has no opening balance, so the movements start "
           "in {next}; customers already paying in {first} joined at an unknown time and are "
           "left out of the retention model and the CAC payback."),
        kinds={"first": "month", "next": "month"}, first=first, next=following,
    )]
    if partial is not None:
        notes.append(Note(
            "partial_month_left_out",
            N_("Charges run to {day}: {month} is not over in the data, so it is left out "
               "(customers not yet billed in it would read as churned); a month counts once it "
               "has ended on or before the last charge day."),
            kinds={"day": "date", "month": "month"}, day=last_day, month=partial,
        ))
    elif monthly_data:
        notes.append(Note(
            "monthly_data",
            N_("Every paid charge is dated on the first of its month (monthly data), so each "
               "month counts as complete, through {month}."),
            kinds={"month": "month"}, month=last,
        ))
    if without_payers:
        notes.append(Note(
            "months_without_payers",
            N_("{months}: no paid charge at all. Every customer paying the month before reads "
               "as churned, and those who pay again as reactivated; check that the data are "
               "complete."),
            kinds={"months": "months"}, months=list(without_payers),
        ))
    return notes


#: Why a group has no retention model: the reason codes of :func:`sbg_not_fitted`.
SBG_REASONS = ("too_few_customers", "too_few_months", "no_starters", "not_converged")

_SBG_ALL = {
    "too_few_customers": N_(
        "The retention model (sBG) is not fitted for all customers: new subscribers: "
        "{starters}, fewer than the {least} needed."),
    "too_few_months": N_(
        "The retention model (sBG) is not fitted for all customers: months observed: "
        "{months}, fewer than the {least} needed; too early to project."),
    "no_starters": N_(
        "The retention model (sBG) is not fitted for all customers: no customer started "
        "paying after the first month of data."),
    "not_converged": N_(
        "The retention model (sBG) is not fitted for all customers: the fit did not "
        "converge."),
}
_SBG_PLAN = {
    "too_few_customers": N_(
        "The retention model (sBG) is not fitted for plan {plan}: new subscribers: "
        "{starters}, fewer than the {least} needed."),
    "too_few_months": N_(
        "The retention model (sBG) is not fitted for plan {plan}: months observed: "
        "{months}, fewer than the {least} needed; too early to project."),
    "no_starters": N_(
        "The retention model (sBG) is not fitted for plan {plan}: no customer started "
        "paying after the first month of data."),
    "not_converged": N_(
        "The retention model (sBG) is not fitted for plan {plan}: the fit did not converge."),
}


def sbg_not_fitted(
    plan: str | None, reason: str, *, starters: int, months: int, least: int,
    detail: str = "",
) -> Note:
    """``Note("sbg_not_fitted", plan=..., reason=...)``: why a group has no sBG model.

    Parameters
    ----------
    plan : str or None
        The plan; None for the fit over all customers.
    reason : str
        One of :data:`SBG_REASONS`.
    starters, months, least : int
        New subscribers, months observed, and the least the reason's rule needs.
    detail : str
        The optimiser's message when the fit did not converge (JSON only).
    """
    if reason not in SBG_REASONS:
        raise ValueError(f"reason={reason!r}; expected one of {SBG_REASONS}")
    args = {"reason": reason, "starters": starters, "months": months, "least": least}
    if detail:
        args["detail"] = detail
    if plan is None:
        return Note("sbg_not_fitted", _SBG_ALL[reason], kinds={"reason": "code"}, **args)
    return Note("sbg_not_fitted", _SBG_PLAN[reason], kinds={"reason": "code"}, plan=plan,
                **args)


def intervals_inferred(billing: dict[str, int]) -> Note:
    """No period column: each customer's billing interval was inferred (counts per rule)."""
    return Note(
        "billing_intervals_inferred",
        N_("No period column was given (period_end_col or months_covered_col), so each "
           "customer's billing interval was inferred from the gaps between their charges; the "
           "data section says how many customers each interval covered."),
        **{rule: int(n) for rule, n in billing.items()},
    )


def step_missing(step: str) -> Note:
    """A funnel step with no event of its name at all."""
    return Note(
        "funnel_step_missing",
        N_("No event in events_data is named {step}, so that funnel step shows 0 people; check "
           "the name in funnel_steps."),
        step=repr(step),
    )


def nps_duplicates(n: int, key: Sequence[str]) -> Note:
    """Survey answers that repeat an earlier one of the same respondent and survey."""
    return Note(
        "nps_duplicates",
        N_("Answers repeating another of the same respondent to the same survey (same {key}) "
           "are counted once, the latest when the answers have a time: {n} left out."),
        kinds={"key": "code"}, n=int(n), key=", ".join(key),
    )


def future_events(n: int, today: str) -> Note:
    """Events dated after today: left out of the funnel, trial conversion and DAU/MAU."""
    return Note(
        "future_events",
        N_("Events dated after today ({today}) are left out of the funnel, trial conversion "
           "and DAU/MAU: {n} in all."),
        kinds={"today": "date"}, n=int(n), today=today,
    )
