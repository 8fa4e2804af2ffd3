"""The cohort report's notes: a code, an English template and its arguments (no sentences).

Computing code returns these :class:`~growthkit.notes.Note` s; the narrative renders them in
the report's language (``note.text(lang, markdown=True)``) and the JSON carries the English
text (``notes``) and the codes with their arguments (``notes_detail``).
"""

from __future__ import annotations

from growthkit.i18n import N_
from growthkit.notes import Note

__all__ = [
    "MODEL_NAMES",
    "NO_BACKTEST",
    "NO_CAC",
    "NO_MARGIN",
    "NO_SEGMENTS",
    "PLURALS",
    "backtest_failed",
    "folded",
    "left_censored",
    "missing",
    "no_backtest",
    "no_projection",
    "plural_note",
    "segments_not_projected",
    "too_little_evidence",
    "unassigned",
]

#: Note when neither gross_margin nor margin_col is given on the user's data.
NO_MARGIN = N_(
    "No margin was given (gross_margin or margin_col), so margin is the whole revenue (100%) "
    "and payback and LTV:CAC are overstated; set gross_margin (e.g. 0.4) or margin_col."
)
#: Note when neither spend_data nor cac is given on the user's data.
NO_CAC = N_(
    "Payback and LTV:CAC are skipped: no acquisition cost was given (set spend_data to a table "
    "of period, channel and spend, or cac to one cost per customer)."
)
#: Note when no segment column is given on the user's data.
NO_SEGMENTS = N_(
    "The segment breakdown is skipped: no segment column was given (set segment_col to "
    "columns such as channel, first product category or a discounted-first-order flag, "
    "comma-separated)."
)
#: Note when the data are too short for a backtest, per period.
NO_BACKTEST = {
    "month": N_(
        "The data are too short to backtest the projection (it needs at least four complete "
        "months after the first cohort's), so the projection has no interval."
    ),
    "week": N_(
        "The data are too short to backtest the projection (it needs at least four complete "
        "weeks after the first cohort's), so the projection has no interval."
    ),
}
#: Note on the left-censored first cohort, per period.
LEFT_CENSORED = {
    "month": N_(
        "The first cohort, {cohort}, is everyone who bought in the data's first month, "
        "including customers acquired before the data start: it is flagged and left out of "
        "averages, headlines and the projection's fit (set data_starts_at_launch to true if "
        "the data begin with the business)."
    ),
    "week": N_(
        "The first cohort, {cohort}, is everyone who bought in the data's first week, "
        "including customers acquired before the data start: it is flagged and left out of "
        "averages, headlines and the projection's fit (set data_starts_at_launch to true if "
        "the data begin with the business)."
    ),
}
_FOLDED = N_(
    "Segment column {column} has more than {limit} values: the {shown} with most customers "
    "are shown and the rest are folded into one value, (other)."
)
_REFUND_ONLY = N_(
    "Refunds of {amount} come from customers with no purchase in the data; they belong to no "
    "cohort and are left out."
)
_EARLY_REFUND = N_(
    "Refunds of {amount} are dated before their customer's first purchase; they belong to no "
    "cohort's period and are left out."
)


def missing(code: str) -> Note:
    """One of the skipped-section notes: ``no_margin``, ``no_cac`` or ``no_segments``."""
    message = {"no_margin": NO_MARGIN, "no_cac": NO_CAC, "no_segments": NO_SEGMENTS}[code]
    return Note(code, message)


def left_censored(cohort: str, period: str) -> Note:
    """The first cohort holds customers acquired before the data start."""
    return Note("left_censored_cohort", LEFT_CENSORED[period], cohort=cohort)


def too_little_evidence(found: dict[str, int]) -> Note:
    """Too few customers or periods to project (``found``: :func:`projection.evidence`)."""
    return plural_note("no_projection_evidence", found["customers"], **{
        k: v for k, v in found.items() if k != "customers"})


def folded(column: str, limit: int) -> Note:
    """A segment column with more than ``limit`` values, the rest folded into "(other)"."""
    return Note("segment_values_folded", _FOLDED, column=column, limit=limit, shown=limit - 1)


def no_backtest(period: str) -> Note:
    """The data are too short to hold a backtest."""
    return Note("no_backtest", NO_BACKTEST[period])


def unassigned(amounts: dict[str, float], currency: str) -> list[Note]:
    """Refunds that belong to no cohort (``Cohorts.unassigned``)."""
    kinds = {"amount": f"money:{currency}"}
    out = []
    if amounts.get("refund_only_amount"):
        out.append(Note("refunds_without_purchase", _REFUND_ONLY, kinds=kinds,
                        amount=amounts["refund_only_amount"]))
    if amounts.get("early_refund_amount"):
        out.append(Note("refunds_before_first_purchase", _EARLY_REFUND, kinds=kinds,
                        amount=amounts["early_refund_amount"]))
    return out


def backtest_failed(model: str, reason: str) -> Note:
    """A projection model the backtest could not fit (``reason``: the error, in English)."""
    return Note("backtest_model_failed",
                N_("The {model} model could not be backtested: {reason}"),
                kinds={"model": "text"}, model=MODEL_NAMES.get(model, model), reason=reason)


def no_projection(reason: str) -> Note:
    """No projection (``reason``: the error, in English)."""
    return Note("no_projection", N_("No projection: {reason}"), reason=reason)


def segments_not_projected(count: int, example: str) -> Note:
    """Segment values with too little history for their own projection."""
    return plural_note("segments_not_projected", count, example=example)


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form for extraction (Babel reads ``ngettext`` calls); the
    narrative picks the form in the report's language (:func:`plural_note`)."""
    return singular, plural


#: Notes whose sentence depends on a count ``n``: code -> (singular, plural) English templates.
PLURALS: dict[str, tuple[str, str]] = {
    "segments_not_projected": ngettext(
        "No projection for {n} segment value with too little history (e.g. {example}).",
        "No projection for {n} segment values with too little history (e.g. {example}).",
    ),
    "spend_without_customers": ngettext(
        "Spend of {amount} in {n} period without new customers (e.g. {example}) is in no "
        "cohort's CAC.",
        "Spend of {amount} in {n} periods without new customers (e.g. {example}) is in no "
        "cohort's CAC.",
    ),
    "spend_duplicate_rows": ngettext(
        "{n} day and channel of spend_data has more than one row ({examples}): the rows are "
        "summed into its CAC; remove them if they repeat one another.",
        "{n} days and channels of spend_data have more than one row (e.g. {examples}): the rows "
        "are summed into their CAC; remove them if they repeat one another.",
    ),
    "no_projection_evidence": ngettext(
        "No projection: the complete cohorts hold {n} customer, observed for up to {periods} "
        "periods after acquisition; a projection needs at least {min_customers} customers and "
        "{min_periods} periods.",
        "No projection: the complete cohorts hold {n} customers, observed for up to {periods} "
        "periods after acquisition; a projection needs at least {min_customers} customers and "
        "{min_periods} periods.",
    ),
    "cohorts_without_spend": ngettext(
        "{n} cohort acquired customers with no spend recorded (e.g. {example}): its CAC is "
        "0.",
        "{n} cohorts acquired customers with no spend recorded (e.g. {example}): their CAC "
        "is 0.",
    ),
}


def plural_note(code: str, n: int, *, kinds: dict[str, str] | None = None,
                **args: object) -> Note:
    """A note of :data:`PLURALS`, its English template chosen by ``n``."""
    singular, plural = PLURALS[code]
    return Note(code, singular if n == 1 else plural, kinds=kinds, n=n, **args)


#: How the report names each projection model (translated where shown).
MODEL_NAMES = {"curve": N_("margin curve"), "bgnbd": N_("BG/NBD")}
