"""The words of the CLV report: the summary and the section sentences.

Written for a marketing or finance reader, in the report's language
(:attr:`CLVAnalysis.lang <growthkit.clv.analysis.CLVAnalysis>`: words from the ``clv`` gettext
catalog, numbers, money and dates from Babel). Each function takes a
:class:`~growthkit.clv.analysis.CLVAnalysis`, whose numbers stay unformatted; every sentence
that states a fact is built from the number it states, or not shown. Data-derived strings (the
source, customer ids) pass ``lang.data`` on their way into Markdown (escaped and
bidi-isolated) and ``lang.isolate`` into table cells; tables are DataFrames of formatted
text, which pandas escapes.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.clv import display, tables
from growthkit.clv.calibration import MIN_HOLDOUT_SPAN_DAYS
from growthkit.clv.display import (
    MODEL_WORDS,
    cell_money,
    has_margin,
    markdown_money,
    money_range,
    unit_word,
)
from growthkit.clv.segments import AT_RISK, SEGMENTS

if TYPE_CHECKING:
    from growthkit.clv.analysis import CLVAnalysis

__all__ = [
    "CLOSE",
    "bought_once_markdown",
    "caveats",
    "clv_markdown",
    "data_markdown",
    "example_markdown",
    "headline",
    "holdout_markdown",
    "holdout_section",
    "quality_findings",
    "rfm_markdown",
    "segments_markdown",
    "selection_markdown",
    "summary_markdown",
    "tracking_markdown",
]

#: A holdout error within this share of the actual purchases reads as "close".
CLOSE = 0.05

# -- the summary ---------------------------------------------------------------------------------


def summary_markdown(a: CLVAnalysis) -> str:
    """Who will buy again, what they are worth, how good the model is, and what to do.

    Without a forecast (no transaction model converged) it says so, with why.

    Parameters
    ----------
    a : CLVAnalysis

    Returns
    -------
    str
        Markdown paragraphs.
    """
    _ = a.lang.gettext
    if a.predictions is None:
        lines = [_("**No forecast.**") + " " + " ".join(findings(a, ("no_model",)))]
        once = bought_once_markdown(a)
        if once:
            lines.append(once)
        lines.append(_("**How good is the model?**") + " " + holdout_markdown(a))
        lines.extend(findings(a, FINDINGS, caveat=True))
        return "\n\n".join(lines)
    lines = [outlook_markdown(a) if a.intervals is not None else purchases_markdown(a)]
    once = bought_once_markdown(a)
    if once:
        lines.append(once)
    lines.append(_("**How good is the model?**") + " " + holdout_markdown(a))
    choice = selection_markdown(a)
    if choice:
        lines.append(choice)
    lines.append(act_on_markdown(a))
    lines.extend(caveats(a))
    lines.extend(findings(a, (*FINDINGS, "no_amounts", "spend_not_fitted"), caveat=True))
    return "\n\n".join(lines)


#: Notes the summary states as caveats (the others have their own sentences).
FINDINGS = (
    "fit_boundary", "fit_failed", "model_fallback", "all_alive", "no_intervals",
    "shorter_holdout",
)


def findings(a: CLVAnalysis, codes: tuple[str, ...], *, caveat: bool = False) -> list[str]:
    """The notes with these codes, in the report's language, as Markdown (one line each)."""
    texts = [note.text(a.lang, markdown=True) for note in a.notes if note.code in codes]
    if not caveat:
        return texts
    return [a.lang.gettext("*Caveat:* {note}").format(note=text) for text in texts]


def outlook_markdown(a: CLVAnalysis) -> str:
    """The forecast in a paragraph: who is active, purchases and value, with the interval."""
    lang, s, p = a.lang, a.settings, a.predictions
    _ = lang.gettext
    n = len(p)
    total, low, high = a.intervals.total
    repeat = p["frequency"] > 0
    active = int((repeat & (p["p_alive"] >= 0.5)).sum())
    value = p["clv_revenue"]
    top = value.nlargest(max(n // 5, 1)).sum() / max(value.sum(), 1e-12)
    values = dict(
        months=lang.number(s.horizon_months), date=lang.date(a.observation_end),
        n=lang.number(n), repeat=lang.number(int(repeat.sum())), active=lang.number(active),
        share=lang.percent(active / max(int(repeat.sum()), 1), 0),
        purchases=lang.number(p["expected_purchases"].sum()), total=markdown_money(a, total),
        level=lang.percent(a.intervals.level, 0), range=money_range(a, low, high, markdown=True),
        rate=lang.percent(s.annual_discount_rate, 0),
    )
    if a.intervals.has_bounds:
        outlook = _(
            "**Outlook for the {months} months after {date}.** Of {n} customers, {repeat} have "
            "bought more than once, and {active} of those ({share}) are probably still active. "
            "All customers together are expected to make {purchases} more purchases, worth "
            "**{total}** in revenue in today's money ({level} interval {range}, discounted at "
            "{rate} a year)."
        ).format(**values)
    else:
        outlook = _(
            "**Outlook for the {months} months after {date}.** Of {n} customers, {repeat} have "
            "bought more than once, and {active} of those ({share}) are probably still active. "
            "All customers together are expected to make {purchases} more purchases, worth "
            "**{total}** in revenue in today's money (discounted at {rate} a year)."
        ).format(**values)
    if has_margin(a):
        outlook += " " + _("At a {margin} gross margin that is {profit} in profit.").format(
            margin=lang.percent(s.margin, 0),
            profit=markdown_money(a, a.intervals.total_profit[0]),
        )
    else:
        outlook += " " + _(
            "These are revenue figures: for profit, rerun with your gross margin, e.g. "
            "`-p gross_margin 0.3`."
        )
    return outlook + " " + _(
        "The top 20% of customers hold {top} of that value; the average customer is worth "
        "{mean} and the median one {median}."
    ).format(top=lang.percent(top, 0), mean=markdown_money(a, value.mean()),
             median=markdown_money(a, value.median()))


def purchases_markdown(a: CLVAnalysis) -> str:
    """The forecast of a purchase log without amounts: who is active, expected purchases."""
    lang, p = a.lang, a.predictions
    repeat = p["frequency"] > 0
    active = int((repeat & (p["p_alive"] >= 0.5)).sum())
    return lang.gettext(
        "**Outlook for the {months} months after {date}.** Of {n} customers, {repeat} have "
        "bought more than once, and {active} of those ({share}) are probably still active. "
        "All customers together are expected to make {purchases} more purchases."
    ).format(
        months=lang.number(a.settings.horizon_months), date=lang.date(a.observation_end),
        n=lang.number(len(p)), repeat=lang.number(int(repeat.sum())),
        active=lang.number(active), share=lang.percent(active / max(int(repeat.sum()), 1), 0),
        purchases=lang.number(p["expected_purchases"].sum()),
    )


def act_on_markdown(a: CLVAnalysis) -> str:
    """The segment to act on first: high value but at risk."""
    lang = a.lang
    _ = lang.gettext
    risk = a.segments.loc[AT_RISK]
    if risk["customers"] and a.intervals is None:  # value tiers by expected purchases
        return _(
            "**Act on:** {n} customers are *high value but at risk* (the most expected "
            "purchases, yet probably lapsing). {action}"
        ).format(n=lang.number(int(risk["customers"])), action=_(SEGMENTS[AT_RISK]))
    if risk["customers"]:
        return _(
            "**Act on:** {n} customers are *high value but at risk* (worth {value}). {action}"
        ).format(n=lang.number(int(risk["customers"])),
                 value=markdown_money(a, risk["clv_revenue"]), action=_(SEGMENTS[AT_RISK]))
    return _("**Act on:** no customer is both high value and at risk.")


def skipped_markdown(a: CLVAnalysis) -> str:
    """A section that needs the forecast, when there is none."""
    return a.lang.gettext(
        "Skipped: no transaction model converged, so there is no forecast (see the summary)."
    )


def bought_once_markdown(a: CLVAnalysis) -> str:
    """How many customers bought once, and what the model assumes about them ("" if none)."""
    lang = a.lang
    p = a.current if a.predictions is None else a.predictions
    _ = lang.gettext
    once = int((p["frequency"] == 0).sum())
    if not once:
        return ""
    head = _(
        "**Bought once:** {once} customers ({share}) have bought only once so far."
    ).format(once=lang.number(once), share=lang.percent(once / len(p), 0))
    if a.model is None:
        return head
    if a.model.name == "bgnbd":
        words = _(
            "BG/NBD assumes customers can stop buying only right after a purchase, so it "
            "treats everyone who bought once as still a customer, however long ago that "
            "purchase was; what they are worth below rests on that assumption. They form "
            "their own segment, *bought once*."
        )
    else:
        words = _(
            "The model lets customers stop buying at any time, so the longer ago their one "
            "purchase was, the less likely they are to be still active. They form their own "
            "segment, *bought once*."
        )
    return f"{head} {words}"


def selection_markdown(a: CLVAnalysis) -> str:
    """Why ``model="auto"`` chose the model, from the candidates' fit statistics ("" if not)."""
    table = None if a.model is None else a.model.candidates
    if table is None or table.empty:
        return ""
    lang = a.lang
    _ = lang.gettext
    by_holdout = "holdout_mae" in table.columns
    column = "holdout_mae" if by_holdout else "aic"

    def stat(value: float) -> str:
        return lang.number(value, 4) if by_holdout else lang.number(value, 1)

    best, others = table.iloc[0], table.iloc[1:]
    versus = lang.join(
        [f"{_(MODEL_WORDS[name])} {stat(r[column])}" for name, r in others.iterrows()]
    )
    if by_holdout and versus:
        text = _("{model} was chosen for the lowest holdout error per customer: {value}, "
                 "against {others}.")
    elif by_holdout:
        text = _("{model} was chosen for the lowest holdout error per customer: {value}.")
    elif versus:
        text = _("{model} was chosen for the lowest AIC (the best fit for its size): {value}, "
                 "against {others}.")
    else:
        text = _("{model} was chosen for the lowest AIC (the best fit for its size): {value}.")
    return text.format(model=_(MODEL_WORDS[table.index[0]]), value=stat(best[column]),
                       others=versus)


def caveats(a: CLVAnalysis) -> list[str]:
    """Caveats the numbers raise, one Markdown line each."""
    g = a.spend_model
    if g is not None and g.correlation_warning:
        return [a.lang.gettext(
            "*Caveat:* among repeat buyers, spend per purchase and the number of purchases "
            "are correlated ({corr}); the spend model assumes they are not, so read the value "
            "of frequent buyers with care."
        ).format(corr=a.lang.number(g.correlation, 2))]
    return []


def holdout_markdown(a: CLVAnalysis) -> str:
    """The holdout result in a sentence or two, or why there is none."""
    lang = a.lang
    _ = lang.gettext
    h = a.holdout
    if h is None:
        return _no_holdout(a)
    error = h.relative_error
    if abs(error) < CLOSE:
        verdict = _("It tracks what happened closely.")
    elif error < 0:
        verdict = _("It **under-predicts** by {error}, so read the forecast below as "
                    "conservative.").format(error=lang.percent(-error, 0))
    else:
        verdict = _("It **over-predicts** by {error}, so read the forecast below as "
                    "optimistic.").format(error=lang.percent(error, 0))
    how = {
        "sample": _("(the sample's own calibration end)"),
        "auto": _("(growthkit holds out the last 25% of the data's dates by default)"),
    }.get(a.calibration, "")
    text = _(
        "Fitted on the orders up to {end} {how} and asked to predict the next {duration} "
        "{unit}, {model} expected {predicted} repeat purchases; {actual} happened. {verdict} "
        "Per customer it is off by {mae} purchases on average."
    ).format(
        end=lang.date(a.calibration_end), how=how, duration=lang.number(h.duration, 0),
        unit=unit_word(a), model=_(MODEL_WORDS[a.calibration_model.name]),
        predicted=lang.number(h.predicted_purchases), actual=lang.number(h.actual_purchases),
        verdict=verdict, mae=lang.number(h.mae, 2),
    ).replace("  ", " ")
    end = lang.date(a.observation_end)
    if a.model is None:
        return text + " " + _(
            "No model converged on all orders up to {end}, so this report makes no forecast."
        ).format(end=end)
    if a.model.name != a.calibration_model.name:
        return text + " " + _(
            "The forecast in this report uses {model} fitted on all orders up to {end}: the "
            "model tested here did not converge on them."
        ).format(model=_(MODEL_WORDS[a.model.name]), end=end)
    return text + " " + _(
        "The forecast in this report uses the same model fitted again on all orders up to "
        "{end}, so it starts from everything we know."
    ).format(end=end)


def _no_holdout(a: CLVAnalysis) -> str:
    lang = a.lang
    _ = lang.gettext
    first, last = a.overview["first_date"], a.observation_end
    days = (pd.Timestamp(last) - pd.Timestamp(first)).days
    if a.calibration == "too short":
        why = _(
            "The orders span only {days} days, too few to hold some back as a test "
            "(growthkit holds out the last 25% of the dates when the data span at least "
            "{minimum} days), so the forecast is untested."
        ).format(days=lang.number(days), minimum=lang.number(MIN_HOLDOUT_SPAN_DAYS))
    elif a.calibration == "too few repeat buyers":
        why = _(
            "Holding out the last 25% of the dates would leave too few repeat purchases to fit "
            "the model, so it was fitted on all orders and the forecast is untested."
        )
    elif a.calibration in ("no fitting split", "not fitted"):
        code = {"no fitting split": "no_holdout_no_fitting_split",
                "not fitted": "no_holdout_not_fitted"}[a.calibration]
        why = " ".join(findings(a, (code,)))
    else:
        why = _(
            "There is no holdout check (calibration_end is None), so the forecast is untested."
        )
    if a.calibration not in ("none", "not fitted"):
        return why  # the window is too short for a holdout: no command would help
    # "auto" picks a holdout the models can fit, or says why there is none: a command that
    # works on any data (a date could leave a period no model fits).
    return why + " " + _(
        "To test it on purchases the model did not see, rerun with "
        "`-p calibration_end auto`: growthkit then holds out the last 25% of the dates, or a "
        "shorter period the models can fit, or says why none fits."
    )


# -- the sections --------------------------------------------------------------------------------


def data_markdown(a: CLVAnalysis) -> str:
    """Where the orders came from, what was left out, and what to check in the data."""
    lang = a.lang
    _ = lang.gettext
    o, q = a.overview, a.data_quality
    values = dict(orders=lang.number(o["orders"]), customers=lang.number(o["customers"]),
                  first=lang.date(o["first_date"]), last=lang.date(o["last_date"]),
                  source=lang.data(a.parameters["data"]), rows=lang.number(q.rows))
    lines = q.row_unit == "line"
    if lines:
        text = _(
            "{orders} orders ({lines} lines) of {customers} customers from {first} to {last}, "
            "read from {source} ({rows} rows)."
        ).format(lines=lang.number(o.get("lines", o["orders"])), **values)
    else:
        text = _(
            "{orders} orders of {customers} customers from {first} to {last}, read from "
            "{source} ({rows} rows)."
        ).format(**values)
    found = quality_findings(a)
    if not found:
        return text + " " + (_(
            "No duplicate lines, returns, zero-value lines or out-of-range dates."
        ) if lines else _(
            "No duplicate rows, refunds, zero-value orders or out-of-range dates."
        ))
    items = "\n".join(f"- {line}" for line in found)
    heading = _("**Data quality:**")
    return f"{text}\n\n{heading}\n\n{items}"


def quality_findings(a: CLVAnalysis) -> list[str]:
    """One sentence per data-quality finding (Markdown; empty when the data are clean).

    Rows that are lines of orders (``order_col``), or rows without a customer, are described
    by the data layer's sentences (:meth:`growthkit.data.DataQuality.warnings`), which count
    lines as lines and name the rows left out for having no customer.
    """
    lang, q = a.lang, a.data_quality
    _ = lang.gettext
    if q.row_unit == "line" or q.rows_without_customer:
        return q.warnings(lang)
    example = lang.data(q.excluded_example)
    out = []
    if q.future_orders:
        out.append(_(
            "{n} orders are dated after today ({today}), e.g. {example}; they were left out."
        ).format(n=lang.number(q.future_orders), today=lang.date(q.today), example=example))
    if q.stray_orders:
        out.append(_(
            "{n} orders are dated more than a year after 99% of the orders, e.g. {example}, "
            "most likely typos; they were left out."
        ).format(n=lang.number(q.stray_orders), example=example))
    if q.duplicate_rows:
        out.append(_(
            "{n} rows repeat another row exactly ({share} of rows); they were kept. If they "
            "are double-loaded data, remove them: they inflate purchases and value."
        ).format(n=lang.number(q.duplicate_rows), share=lang.percent(q.duplicate_rows / q.rows)))
    if q.refunds:
        out.append(_(
            "{n} orders have a negative amount (refunds, {total} in total); each nets against "
            "the purchases of its customer's day, and a day of refunds only is not counted as "
            "a purchase."
        ).format(n=lang.number(q.refunds), total=markdown_money(a, q.refund_total)))
    if q.zero_amount_orders:
        out.append(_("{n} orders have an amount of 0; they count as purchases.").format(
            n=lang.number(q.zero_amount_orders)))
    return out


def rfm_markdown(a: CLVAnalysis) -> str:
    """How many customers never came back, in a sentence computed from the fitted data."""
    lang = a.lang
    _ = lang.gettext
    frequency = a.current["frequency"]
    n, once = len(frequency), int((frequency == 0).sum())
    share = once / max(n, 1)
    if once == 0:
        return _("Every customer came back at least once after their first purchase.")
    values = {"once": lang.number(once), "n": lang.number(n), "share": lang.percent(share, 0)}
    if share > 0.5:
        text = _("Most customers never came back: {once} of {n} ({share}) bought only once.")
    elif once * 2 == n:
        text = _("Half of the customers never came back: {once} of {n} bought only once.")
    else:
        text = _("Most customers came back: only {once} of {n} ({share}) bought only once.")
    return text.format(**values) + " " + _(
        "The models are built for this mix of one-time and repeat buyers."
    )


def tracking_markdown(a: CLVAnalysis) -> str:
    """What the tracking chart compares: with a holdout, the model's out-of-sample period."""
    if a.tracking is None:
        return skipped_markdown(a)
    _ = a.lang.gettext
    if a.calibration_end is None:
        return _(
            "Tracking: cumulative repeat purchases of the customers over time, against what the "
            "model expects. The model saw all of these purchases, so this shows the fit, not a "
            "test."
        )
    return _(
        "Tracking: cumulative repeat purchases of the customers acquired by {end}, against "
        "what the model fitted on orders up to {end} expects. After the dotted line the model "
        "saw no data, so the gap there is an honest test."
    ).format(end=a.lang.date(a.calibration_end))


def holdout_section(a: CLVAnalysis) -> str:
    """Section 5: what the holdout test is and how it went (with the table's caption), or
    why there is none."""
    _ = a.lang.gettext
    if a.holdout is None:
        return holdout_markdown(a)
    return "\n\n".join([
        _("The real test: the model is fitted on the orders up to the calibration end only and "
          "asked to predict each customer's purchases in the period after it."),
        holdout_markdown(a),
        _("The table and the chart show purchases per customer in the holdout, grouped by how "
          "many repeat purchases customers made in the calibration period."),
    ])


def clv_markdown(a: CLVAnalysis) -> str:
    """What the CLV amounts are: revenue only, or profit too at the gross margin."""
    if a.predictions is None:
        return skipped_markdown(a)
    if a.intervals is None:
        return " ".join(findings(a, ("no_amounts", "spend_not_fitted")))
    _ = a.lang.gettext
    if has_margin(a):
        return _("*Profit CLV* is revenue CLV times the gross margin ({margin}).").format(
            margin=a.lang.percent(a.settings.margin, 0))
    return _(
        "The amounts are revenue: no gross margin was given. For profit, rerun with your "
        "margin, e.g. `-p gross_margin 0.3`."
    )


def segments_markdown(a: CLVAnalysis) -> str:
    """Where the per-customer segments are (the file), or that none was written."""
    if a.predictions is None:
        return skipped_markdown(a)
    _ = a.lang.gettext
    path = a.parameters.get("segments_csv")
    if path is None:
        return _("The per-customer segments were not exported (`segments_csv` is None).")
    return _(
        "The segment of every customer is in the file {file} next to this report (parameter "
        "`segments_csv`), one row per customer."
    ).format(file=a.lang.data(path))


def example_markdown(a: CLVAnalysis) -> str:
    """The customer the P(alive) history chart follows, in a sentence or two."""
    if a.predictions is None:
        return skipped_markdown(a)
    lang = a.lang
    _ = lang.gettext
    customer = a.example_customer()
    row = a.predictions.loc[customer]
    who = lang.data(customer)
    if row["segment"] == AT_RISK:
        intro = _("Customer **{who}** is the most valuable of the *high value, at risk* "
                  "customers")
    else:
        intro = _("No customer is both high value and at risk; customer **{who}** is the most "
                  "valuable one")
    if row["frequency"] > 0:
        history = _(
            "{n} repeat purchases, the last {ago} {unit} before the forecast starts"
        ).format(n=lang.number(row["frequency"]), ago=lang.number(row["T"] - row["recency"], 1),
                 unit=unit_word(a))
        shape = _("P(alive) jumps at each purchase and fades during the silences in between.")
    else:
        history = _("no repeat purchase since the first, {ago} {unit} before").format(
            ago=lang.number(row["T"], 1), unit=unit_word(a))
        shape = ""
    if a.intervals is None:  # no amounts: value is expected purchases
        text = _("{intro}: {history}. P(alive) is now {p} and the expected purchases {value}."
                 ).format(intro=intro.format(who=who), history=history,
                          p=lang.probability(row["p_alive"]),
                          value=lang.number(row["expected_purchases"], 1))
        return f"{text} {shape}".strip()
    text = _("{intro}: {history}. P(alive) is now {p} and the expected CLV {value}.").format(
        intro=intro.format(who=who), history=history, p=lang.probability(row["p_alive"]),
        value=markdown_money(a, row["clv_revenue"]))
    return f"{text} {shape}".strip()


def headline(a: CLVAnalysis) -> dict[str, str]:
    """The landing page's key figures, formatted (plain text, for JSON)."""
    lang = a.lang
    _ = lang.gettext
    out = {}
    if a.intervals is not None:
        months = lang.number(a.settings.horizon_months)
        out[_("CLV, next {months} months").format(months=months)] = cell_money(
            a, a.intervals.total[0])
    out[_("Customers")] = lang.number(len(a.current))
    if a.holdout is not None:  # two labelled values, never "a / b" (read either way in RTL)
        out[_("Holdout purchases predicted")] = lang.number(a.holdout.predicted_purchases)
        out[_("Holdout purchases that happened")] = lang.number(a.holdout.actual_purchases)
    return out


#: Names that moved to :mod:`growthkit.clv.tables` and :mod:`growthkit.clv.display`.
_MOVED = {
    **{name: tables for name in (
        "clv_table", "full_table", "holdout_table", "model_table", "overview_table",
        "rfm_table", "run_info", "segments_table", "spend_table", "tables",
    )},
    **{name: display for name in ("MODEL_WORDS", "UNIT_WORDS", "fit_table")},
}


def __getattr__(name: str) -> Any:
    """Deprecated: the tables live in :mod:`growthkit.clv.tables` (FutureWarning)."""
    if name in _MOVED:
        module = _MOVED[name]
        warnings.warn(
            f"growthkit.clv.narrative.{name} is deprecated; use {module.__name__}.{name}",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
