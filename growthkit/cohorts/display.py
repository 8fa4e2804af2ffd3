"""The projection models in words: what the projection says and how its backtest went.

Like :mod:`growthkit.cohorts.narrative` (which uses :func:`trust_sentences` in the summary),
every sentence is built from the numbers it states, in the report's language.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from growthkit.cohorts import messages
from growthkit.cohorts.messages import NO_BACKTEST
from growthkit.cohorts.tables import md_money, model_label, units
from growthkit.formatting import escape
from growthkit.i18n import Language
from growthkit.notes import Note
from growthkit.numeric import finite

if TYPE_CHECKING:
    from growthkit.cohorts.analysis import CohortsAnalysis

__all__ = [
    "CLOSE",
    "backtest_markdown",
    "note_markdown",
    "projection_markdown",
    "trust_sentences",
]

#: A backtest bias within this share reads as "close".
CLOSE = 0.05

# A `$` that is not escaped yet (money in a note): escaped so no renderer starts math.
_DOLLAR = re.compile(r"(?<!\\)\$")


def note_markdown(lang: Language, note: Note) -> str:
    """A note as Markdown in the report's language (plural notes in the language's forms).

    The template is translated here, in the ``cohorts`` catalog (``Note.text`` looks words up
    in the shared ``growthkit`` one), then the note formats its arguments.
    """
    if note.code in messages.PLURALS:
        template = lang.ngettext(*messages.PLURALS[note.code], int(note.args["n"]))
    else:
        template = lang.gettext(note.message)
    local = Note(note.code, template, kinds=note.kinds, **note.args)
    return _DOLLAR.sub(r"\\$", local.text(lang, markdown=True))




def trust_sentences(a: CohortsAnalysis) -> str:
    L, b = a.lang, a.backtest
    if b is None:
        return L.gettext(
            "The data are too short to test the projection on periods it did not see, so it "
            "has no interval: treat it as a rough guide."
        )
    m = b.models.loc[b.chosen]
    bias = m["bias"]
    if bias > 0:
        message = L.ngettext(
            "Fitted on data up to {date} and compared with the {span} that followed, the "
            "{model} projection of cumulative margin per customer was off by **{error}** on "
            "average (size-weighted over {n} cohort), over-projecting by {bias} in total.",
            "Fitted on data up to {date} and compared with the {span} that followed, the "
            "{model} projection of cumulative margin per customer was off by **{error}** on "
            "average (size-weighted over {n} cohorts), over-projecting by {bias} in total.",
            int(m["cohorts"]))
    else:
        message = L.ngettext(
            "Fitted on data up to {date} and compared with the {span} that followed, the "
            "{model} projection of cumulative margin per customer was off by **{error}** on "
            "average (size-weighted over {n} cohort), under-projecting by {bias} in total.",
            "Fitted on data up to {date} and compared with the {span} that followed, the "
            "{model} projection of cumulative margin per customer was off by **{error}** on "
            "average (size-weighted over {n} cohorts), under-projecting by {bias} in total.",
            int(m["cohorts"]))
    parts = [message.format(
        date=L.date(b.cutoff), span=units(L, a.period, m["max_ahead"]),
        model=model_label(L, b.chosen), error=L.percent(m["mape"]),
        n=L.number(m["cohorts"]), bias=L.percent(abs(bias)),
    )]
    if finite(m["ltv_mape"]):
        parts.append(L.gettext("Its LTV over {span} was off by {error}.").format(
            span=units(L, a.period, 12), error=L.percent(m["ltv_mape"])))
    if bias > CLOSE:
        parts.append(L.gettext("Read the projections as optimistic by about that much."))
    elif bias < -CLOSE:
        parts.append(L.gettext("Read the projections as conservative by about that much."))
    elif b.tracked_closely(CLOSE):
        parts.append(L.gettext("It tracked what happened closely."))
    else:
        low, high = b.spread()
        parts.append(L.gettext(
            "Its total bias is small, but its errors are not: in {level} of the test cells the "
            "actual figure was between {low} and {high} of the projected one, so it cannot be "
            "said to have tracked closely."
        ).format(level=L.percent(b.level, 0), low=L.percent(low, 0), high=L.percent(high, 0)))
    others = b.models.drop(index=b.chosen)
    if len(others):
        versus = L.join([
            L.gettext("the {model} model's {error}").format(model=model_label(L, name),
                                                            error=L.percent(r["mape"]))
            for name, r in others.iterrows()
        ])
        parts.append(L.gettext("It was chosen for the lower backtest error (against {versus})."
                               ).format(versus=versus))
    return " ".join(parts)


def projection_markdown(a: CohortsAnalysis) -> str:
    """What the projection says, which model made it and what its interval means."""
    L, proj, p = a.lang, a.projection, a.period
    if proj is None:
        for note in a.notes:
            if note.code == "no_projection_evidence":
                return note_markdown(L, note)
        reason = L.data(a.no_projection) if a.no_projection else escape(
            L.gettext("see the notes."))
        return L.gettext("There is no projection: {reason}").format(reason=reason)
    o = a.overall
    text = L.gettext(
        "Each cohort's cumulative margin per customer, actual to {date} (solid) and projected "
        "by the {model} model to {span} (dashed)."
    ).format(date=L.date(proj.start), model=model_label(L, proj.model),
             span=units(L, p, proj.horizon))
    if finite(o["projected_ltv_12"]) and finite(o["projected_ltv_24"]):
        text += " " + L.gettext(
            "Averaged over the {n} complete cohorts, a customer is projected to bring {ltv_12} "
            "of margin in {span_12} and {ltv_24} in {span_24}."
        ).format(n=L.number(o["cohorts"]), ltv_12=md_money(a, o["projected_ltv_12"]),
                 span_12=units(L, p, 12), ltv_24=md_money(a, o["projected_ltv_24"]),
                 span_24=units(L, p, 24))
    if proj.model == "curve":
        if proj.details.get("season"):
            text += " " + L.gettext("The margin curve includes a month-of-year season.")
        else:
            text += " " + L.gettext(
                "The margin curve has no season: the data span too little time to tell one "
                "from a trend.")
    if proj.level is not None:
        text += " " + L.gettext(
            "The shaded band is a {level} interval from the backtest: the spread of actual over "
            "projected values the same number of periods ahead. Beyond the backtest's reach it "
            "is widened by the square root of the distance and is itself a projection."
        ).format(level=L.percent(proj.level, 0))
    return text


def backtest_markdown(a: CohortsAnalysis) -> str:
    """The backtest in a few sentences (or why there is none)."""
    L, b = a.lang, a.backtest
    if b is None:
        return escape(L.gettext(NO_BACKTEST[a.period]))
    if len(b.models) > 1:
        message = L.gettext(
            "The models were fitted on the data up to {date} only, then their projections were "
            "compared with what the cohorts actually earned after it.")
    else:
        message = L.gettext(
            "The model was fitted on the data up to {date} only, then its projections were "
            "compared with what the cohorts actually earned after it.")
    return message.format(date=L.date(b.cutoff)) + " " + trust_sentences(a)
