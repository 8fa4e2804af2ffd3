"""The subscriptions report's words: the summary, the section sentences and formatted tables.

Every sentence is computed from the numbers it states, and a sentence whose fact does not hold
is not shown (or says the opposite). Notes that go into the JSON are plain text; text that goes
into Markdown passes :func:`growthkit.formatting.escape` (a plan named ``<script>`` shows as
typed), and the formatted tables are DataFrames, which pandas escapes. Numbers are formatted by
:mod:`growthkit.formatting`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.formatting import escape, money, percent
from growthkit.subscriptions.engagement import MAU_WINDOW_DAYS
from growthkit.subscriptions.migration import CANCELLED, migration_matrix
from growthkit.subscriptions.mrr import MonthRange, month_label, month_name
from growthkit.subscriptions.nps import INTERVAL_METHOD

if TYPE_CHECKING:
    from growthkit.subscriptions.analysis import SubscriptionsAnalysis
    from growthkit.subscriptions.retention import SBGFit

__all__ = [
    "CAC_SKIPPED",
    "COVERED_SKIPPED",
    "EVENTS_SKIPPED",
    "FUNNEL_SKIPPED",
    "MARGIN_DEFAULT",
    "NO_ACTIVITY",
    "NO_CHANNEL",
    "NPS_SKIPPED",
    "PLANS_SKIPPED",
    "data_markdown",
    "engagement_markdown",
    "engagement_sentence",
    "funnel_markdown",
    "funnel_sentence",
    "headline",
    "migration_markdown",
    "month_notes",
    "movements_markdown",
    "movements_sentence",
    "movements_table",
    "mrr_sentence",
    "nps_markdown",
    "nps_sentence",
    "plans_sentence",
    "rates_markdown",
    "retention_sentence",
    "summary_markdown",
    "value_sentence",
]

#: Notes for sections skipped for want of an input (plain text; JSON ``notes``).
PLANS_SKIPPED = (
    "Retention by plan and plan migration are skipped: no plan column was given (set "
    "plan_col to the column naming each charge's plan)."
)
COVERED_SKIPPED = (
    "Every charge counts as one month of MRR: no months-covered column was given (set "
    "months_covered_col to spread yearly or quarterly charges over the months they cover)."
)
EVENTS_SKIPPED = (
    "The funnel, trial conversion and DAU/MAU are skipped: no events_data was given (a table "
    "of customer_id, timestamp and event, optionally channel)."
)
NPS_SKIPPED = (
    "NPS is skipped: no nps_data was given (a table of survey answers with a score column "
    "from 0 to 10)."
)
CAC_SKIPPED = (
    "LTV:CAC and CAC payback are skipped: no cac was given (set cac to the cost of "
    "acquiring one paying customer)."
)
MARGIN_DEFAULT = (
    "LTV is in revenue, not margin: no gross_margin was given, so 1.0 is used (set "
    "gross_margin to the share of revenue kept as profit)."
)
FUNNEL_SKIPPED = (
    "The funnel is skipped: funnel_steps names fewer than two steps (give the event names in "
    "funnel order, e.g. visit,signup,trial_start,paid)."
)
NO_CHANNEL = (
    "events_data has no channel column: the funnel and trial conversion are shown overall "
    "only."
)
NO_ACTIVITY = (
    "DAU/MAU is skipped: events_data has no events other than the funnel steps (activity "
    "such as a workout or a login)."
)


def _m(value: float, currency: str) -> str:
    """Money for Markdown: formatted, then escaped."""
    return escape(money(value, currency))


def _p(value: float, digits: int = 1) -> str:
    return escape(percent(value, digits))


def _count(n: int, noun: str) -> str:
    """``"1 answer"``, ``"1,234 answers"``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _score(x: float) -> str:
    """An NPS in whole points, with a decimal when it would round to a misleading 0."""
    return f"{x:.1f}" if round(x) == 0 and x != 0 else f"{round(x):d}"


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _month(label: str) -> str:
    """``"2024-11"`` -> ``"November 2024"``."""
    year, month = label.split("-")
    return month_name(int(year) * 12 + int(month) - 1)


# ----------------------------------------------------------------------------- notes


def months_without_payers(movements: pd.DataFrame) -> list[str]:
    """Months in the movements with no paying customer at all."""
    return movements.loc[movements["customers_end"] == 0, "month"].tolist()


def month_notes(months: MonthRange, first: dict[str, Any], movements: pd.DataFrame) -> list[str]:
    """Plain-text notes on the months: the first, the partial last, months without payers."""
    notes = [
        f"The first month of data ({first['month']}) has no opening balance, so the "
        f"movements start in {month_label(months.first + 1)}; customers already paying in "
        f"{first['month']} joined at an unknown time and are left out of the retention "
        "model and the CAC payback."
    ]
    if months.partial is not None:
        notes.append(
            f"Charges run to {months.last_day.isoformat()}: {month_name(months.partial)} is not "
            "over in the data, so it is left out (customers not yet billed in it would read as "
            "churned); a month counts once it has ended on or before the last charge day."
        )
    elif months.monthly_data:
        notes.append(
            "Every paid charge is dated on the first of its month (monthly data), so each "
            f"month counts as complete, through {month_label(months.last)}."
        )
    empty = months_without_payers(movements)
    if empty:
        shown = ", ".join(empty[:3]) + (f" and {len(empty) - 3} more" if len(empty) > 3 else "")
        notes.append(
            f"{shown}: no paid charge at all. Every customer paying the month before reads as "
            "churned, and those who pay again as reactivated; check that the data are complete."
        )
    return notes


def unfitted_note(fit: SBGFit, by_plan: bool) -> str:
    """Why a group has no retention model."""
    what = f"plan {fit.name}" if by_plan else fit.name
    return f"The retention model (sBG) is not fitted for {what}: {fit.reason}."


def step_missing_note(step: str) -> str:
    """A funnel step with no event of its name at all."""
    return (
        f"No event in events_data is named {step!r}, so that funnel step shows 0 people; check "
        "the name in funnel_steps."
    )


# ----------------------------------------------------------------------------- sentences


def mrr_sentence(movements: pd.DataFrame, first: dict[str, Any], currency: str) -> str:
    """MRR in the last month, its customers and ARPA, and the change on a year (or the first
    month) before."""
    last = movements.iloc[-1]
    text = (
        f"MRR was **{_m(last['end'], currency)}** in {escape(_month(last['month']))}, from "
        f"{_count(int(last['customers_end']), 'paying customer')}"
    )
    if last["customers_end"]:
        text += f" ({_m(last['end'] / last['customers_end'], currency)} each)"
    if len(movements) >= 12:
        before = movements.iloc[-12]
        ref, ref_mrr = before["month"], float(before["start"])
    else:
        ref, ref_mrr = first["month"], float(first["mrr"])
    # The row 12 back starts at the end of the month 12 months before the last.
    if len(movements) >= 12:
        year, month = map(int, ref.split("-"))
        ref = month_label(year * 12 + month - 2)
    change = last["end"] / ref_mrr - 1 if ref_mrr else math.nan
    if not ref_mrr:
        text += f", up from nothing in {escape(_month(ref))}."
    elif abs(change) < 0.0005:
        text += f", unchanged from {escape(_month(ref))}."
    else:
        word = "up" if change > 0 else "down"
        text += f", {word} {_p(abs(change))} on {escape(_month(ref))}."
    return text


def movements_sentence(window: dict[str, Any], currency: str) -> str:
    """Gains and losses over the window, and the quick ratio read out."""
    w = window
    span = "month" if w["months"] == 1 else f"{w['months']} months"
    text = (
        f"Over the {span} to {escape(_month(w['last']))}, new subscribers brought "
        f"{_m(w['new'], currency)} of MRR and expansion {_m(w['expansion'], currency)}, while "
        f"churn took {_m(w['churn'], currency)} and contraction "
        f"{_m(w['contraction'], currency)}"
    )
    if w["reactivation"] > 0:
        text += f"; returning customers brought back {_m(w['reactivation'], currency)}"
    text += "."
    q = w["quick_ratio"]
    if q == math.inf:
        text += " No MRR was lost."
    elif not _finite(q):
        text += " There were no gains and no losses."
    elif q >= 1:
        text += (
            f" The quick ratio is {q:.2f}: each 1.00 of MRR lost was replaced by {q:.2f} of new "
            "and expansion MRR."
        )
    else:
        text += (
            f" The quick ratio is {q:.2f}: more MRR was lost than new subscribers and "
            "expansion brought in."
        )
    return text


def retention_sentence(window: dict[str, Any], include_reactivation: bool) -> str:
    """Logo churn, gross revenue churn and NRR over the window, with what NRR means."""
    w = window
    if not _finite(w["nrr"]):
        return ""
    react = "included" if include_reactivation else "not included"
    text = (
        f"On average {_p(w['logo_churn'])} of paying customers left each month (logo churn) and "
        f"gross revenue churn was {_p(w['gross_revenue_churn'])} a month; customers paying at "
        f"the start of a month kept {_p(w['nrr'])} of their MRR by its end (NRR, reactivation "
        f"{react})"
    )
    if w["nrr"] > 1:
        text += ": expansion more than made up for churn and contraction."
    elif w["nrr"] == 1:
        text += ": expansion exactly made up for churn and contraction."
    else:
        text += ": expansion did not make up for churn and contraction."
    return text


def _interval(row: pd.Series, key: str) -> str:
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    if _finite(low) and _finite(high):
        return f"{_p(low, 0)} to {_p(high, 0)}"
    return ""


def plans_sentence(table: pd.DataFrame) -> str:
    """Which plan keeps subscribers longest, by the projected 12-month survival.

    The plans are called different only when their 90% intervals do not overlap.
    """
    fitted = table[table["survival_12"].notna()] if "survival_12" in table else table.iloc[0:0]
    if fitted.empty:
        return ""
    fitted = fitted.sort_values("survival_12", ascending=False)
    best = fitted.iloc[0]
    if len(fitted) == 1:
        span = _interval(best, "survival_12")
        return (
            f"The retention model projects {_p(best['survival_12'], 0)} of new subscribers "
            "still paying 12 months after their first payment"
            + (f" (90% interval {span})." if span else ".")
        )
    worst = fitted.iloc[-1]
    apart = (_finite(best["survival_12_low"]) and _finite(worst["survival_12_high"])
             and best["survival_12_low"] > worst["survival_12_high"])
    b, w = escape(best["group"]), escape(worst["group"])
    if apart:
        span = _interval(best, "survival_12")
        return (
            f"Subscribers who start on {b} stay longest: the retention model projects "
            f"{_p(best['survival_12'], 0)} of them still paying after 12 months (90% interval "
            f"{span}), against {_p(worst['survival_12'], 0)} of those who start on {w}."
        )
    return (
        f"The plans keep subscribers about alike: after 12 months the retention model projects "
        f"{_p(best['survival_12'], 0)} still paying on {b} and {_p(worst['survival_12'], 0)} "
        f"on {w}, with overlapping 90% intervals."
    )


def value_sentence(value: dict[str, Any], currency: str) -> str:
    """LTV against CAC, and the payback."""
    v = value
    if not _finite(v["ltv"]):
        return (
            "No paying customer left in the window, so lifetime value has no finite estimate "
            "yet."
        )
    margin = (
        f"at {_p(v['gross_margin'], 0)} gross margin" if v["gross_margin"] < 1 else "in revenue"
    )
    text = f"A customer is worth {_m(v['ltv'], currency)} over their lifetime (LTV {margin})"
    if v["cac"] is None:
        return text + "."
    text += f" against a CAC of {_m(v['cac'], currency)}"
    ratio = v["ltv_cac"]
    if _finite(ratio):
        if ratio >= 1:
            text += f": LTV:CAC is {ratio:.1f}"
        else:
            text += f": LTV:CAC is {ratio:.1f}, so a customer costs more to win than they bring"
    payback = v["cac_payback_months"]
    if payback is not None:
        text += (
            f", and the margin of an average new customer repays it in month {payback} after "
            "the first payment."
        )
    else:
        text += (
            f", and the margin of an average new customer has not repaid it within the "
            f"{v['payback_months_observed'] + 1} months observed."
        )
    return text


def funnel_sentence(trial: dict[str, Any] | None) -> str:
    """Trial → paid conversion, with the best and worst channel when there are several."""
    if trial is None or not _finite(trial.get("conversion")):
        return ""
    text = f"{_p(trial['conversion'], 0)} of trials became paying customers"
    by = {k: v["conversion"] for k, v in trial["by_channel"].items()
          if _finite(v["conversion"]) and v["trials"] > 0}
    if len(by) >= 2:
        best = max(by, key=by.get)
        worst = min(by, key=by.get)
        if by[best] > by[worst]:
            text += (
                f"; {escape(best)} converted best ({_p(by[best], 0)}) and {escape(worst)} worst "
                f"({_p(by[worst], 0)})"
            )
    return text + "."


def nps_sentence(nps: dict[str, Any] | None) -> str:
    """NPS with its interval and method, and what its sign means."""
    if nps is None:
        return ""
    score = nps["score"]
    if score > 0:
        sign = "more promoters than detractors"
    elif score < 0:
        sign = "more detractors than promoters"
    else:
        sign = "as many promoters as detractors"
    return (
        f"NPS is {_score(score)} from {_count(nps['n'], 'answer')} ({nps['level']:.0%} CI "
        f"{_score(nps['ci_low'])} to {_score(nps['ci_high'])} by the {escape(nps['method'])} "
        f"method): {sign}."
    )


def engagement_sentence(stickiness: float | None) -> str:
    """DAU/MAU over the last 28 days, in days per 28."""
    if stickiness is None or not _finite(stickiness):
        return ""
    return (
        f"DAU/MAU over the last {MAU_WINDOW_DAYS} days is {_p(stickiness, 0)} ({MAU_WINDOW_DAYS}-"
        f"day MAU window): a monthly active customer is active on about "
        f"{stickiness * MAU_WINDOW_DAYS:.0f} days in {MAU_WINDOW_DAYS}."
    )


def summary_markdown(a: SubscriptionsAnalysis) -> str:
    """The paragraph at the top of the report, then the plans, value and customers."""
    cur = a.currency
    first = " ".join(s for s in (
        mrr_sentence(a.movements, a.first_month, cur),
        movements_sentence(a.window, cur),
        retention_sentence(a.window, bool(a.parameters.get("include_reactivation"))),
    ) if s)
    second = " ".join(s for s in (
        plans_sentence(a.sbg_table()),
        value_sentence(a.value, cur),
    ) if s)
    third = " ".join(s for s in (
        funnel_sentence(a.trial_conversion()),
        nps_sentence(a.nps),
        engagement_sentence(a.stickiness()),
    ) if s)
    return "\n\n".join(p for p in (first, second, third) if p)


def headline(a: SubscriptionsAnalysis) -> dict[str, str]:
    """Label -> formatted value for the landing page."""
    last = a.movements.iloc[-1]
    out = {
        f"MRR ({last['month']})": money(last["end"], a.currency),
        "NRR (monthly)": percent(a.window["nrr"]),
        "Logo churn (monthly)": percent(a.window["logo_churn"]),
    }
    if _finite(a.value["ltv_cac"]):
        out["LTV:CAC"] = f"{a.value['ltv_cac']:.1f}"
    if a.nps is not None:
        out["NPS"] = _score(a.nps["score"])
    return out


# ----------------------------------------------------------------------------- sections


def data_markdown(a: SubscriptionsAnalysis) -> str:
    """What went in, how the months are counted, and data quality."""
    o, cur = a.overview, a.currency
    text = [
        f"{o['charges']:,} charges from {o['customers']:,} customers, "
        f"{escape(o['first_day'])} to {escape(o['last_day'])}, {_m(o['revenue'], cur)} in "
        "total; the report covers "
        f"{a.months.months} complete months, {escape(month_label(a.months.first))} to "
        f"{escape(month_label(a.months.last))}."
    ]
    for note in month_notes(a.months, a.first_month, a.movements)[1:]:
        text.append(escape(note))
    if o["zero_amount_charges"]:
        text.append(
            f"{o['zero_amount_charges']:,} charges are for 0 (trials, free months): they carry "
            "no MRR, and a customer whose month holds only such charges is not paying that "
            "month."
        )
    if o["refunds"]:
        text.append(
            f"{_count(o['refunds'], 'refund')} ({_m(abs(o['refund_total']), cur)}) net against "
            "their customer's charges of the same month; a month that nets to 0 or less carries "
            "no MRR."
        )
    dup = a.data_quality.get("duplicate_rows")
    if dup:
        text.append(
            f"{dup:,} rows repeat another row exactly; they were kept (remove them if the data "
            "were loaded twice)."
        )
    if a.data_quality.get("excluded_orders"):
        text.append(
            f"{a.data_quality['excluded_orders']:,} charges dated in the future or far after "
            "the others were left out."
        )
    return "\n\n".join(text)


def movements_markdown(a: SubscriptionsAnalysis) -> str:
    """The first month's missing opening balance, and months without paid charges."""
    f = a.first_month
    text = (
        f"The first month of data, {escape(f['month'])}, has no opening balance, so it has no "
        f"movements: it ends with {_m(f['mrr'], a.currency)} of MRR from "
        f"{_count(f['customers'], 'paying customer')}, and the table starts the month after."
    )
    empty = months_without_payers(a.movements)
    if empty:
        text += (
            f" {len(empty)} month(s) have no paid charge at all ({escape(', '.join(empty))}): "
            "every payer of the month before shows as churn."
        )
    return text


def rates_markdown(a: SubscriptionsAnalysis) -> str:
    """The window, the reactivation rule, and the retention sentence."""
    w = a.window
    include = bool(a.parameters.get("include_reactivation"))
    rule = (
        "Reactivation is counted as a gain in NRR, net revenue churn and the quick ratio "
        "(include_reactivation=True)."
        if include else
        "Reactivation is not counted in NRR, net revenue churn or the quick ratio "
        "(include_reactivation=False): those customers were not paying at the start of the "
        f"month. It is shown on its own line: {_p(w['reactivation_rate'], 2)} of the starting "
        "MRR a month."
    )
    span = (
        f"Rates are monthly, over customers paying at the start of each month, and the "
        f"figures below are over the {w['months']} months {escape(w['first'])} to "
        f"{escape(w['last'])}, each month weighted by its starting MRR."
    )
    return " ".join(s for s in (span, rule, retention_sentence(w, include)) if s)


def value_markdown(a: SubscriptionsAnalysis) -> str:
    """ARPA and the value sentence, with how each number is made."""
    v = a.value
    return (
        f"ARPA is {_m(v['arpa'], a.currency)} a month and logo churn {_p(v['churn'])} a month "
        f"(over {a.window['months']} months); LTV = ARPA × gross margin / churn. The CAC payback "
        "is the first month since the first payment in which the cumulative margin per "
        "acquired customer (churned ones included) reaches the CAC. "
        + value_sentence(v, a.currency)
    )


def sbg_markdown(a: SubscriptionsAnalysis) -> str:
    """What the retention model says, and the groups it could not fit."""
    text = plans_sentence(a.sbg_table())
    for f in a.sbg_fits:
        if f.model is not None and f.model.homogeneous:
            text += (
                f" Churn on {escape(f.name)} does not vary measurably from one subscriber to "
                f"the next: the model reduces to a constant {_p(f.model.mean_churn)} a month."
            )
    unfit = [f for f in a.sbg_fits if f.model is None]
    if unfit:
        text += " " + " ".join(
            escape(unfitted_note(f, a.parameters.get("plan_col") is not None)) for f in unfit
        )
    return text.strip() or "The retention model could not be fitted on these data."


def migration_markdown(a: SubscriptionsAnalysis) -> str:
    """Moves between the paid plans, or the skipped note."""
    if a.migration is None:
        return escape(PLANS_SKIPPED)
    m = a.migration
    between = m[(m["from_state"] != m["to_state"]) & (m["from_state"] != CANCELLED)
                & (m["to_state"] != CANCELLED)]
    returns = int(m.loc[m["from_state"] == CANCELLED, "customers"].sum())
    if between.empty:
        text = "No customer moved from one plan to another from one month to the next."
    else:
        top = between.sort_values("customers", ascending=False).head(3)
        moves = ", ".join(
            f"{escape(r.from_state)} → {escape(r.to_state)} {r.customers:,}"
            for r in top.itertuples()
        )
        text = (
            f"{int(between['customers'].sum()):,} month-to-month moves between plans; the most "
            f"common: {moves}."
        )
    if returns:
        text += f" {returns:,} times a customer came back after a month or more without charges."
    return text


def funnel_markdown(a: SubscriptionsAnalysis) -> str:
    """The funnel's rule and the trial conversion, or the skipped note."""
    if a.funnel is None:
        note = next((n for n in a.notes if n in (EVENTS_SKIPPED, FUNNEL_SKIPPED)), EVENTS_SKIPPED)
        return escape(note)
    overall = a.funnel_overall()
    firstn, lastn = overall.iloc[0], overall.iloc[-1]
    text = (
        f"Each step counts the people who reached it within "
        f"{a.parameters.get('funnel_window_days')} days of reaching the step before. "
        f"{_p(lastn['overall'])} of those with a {escape(firstn['step'])} reached "
        f"{escape(lastn['step'])}."
    )
    trial = funnel_sentence(a.trial_conversion())
    return f"{text} {trial}".strip()


def nps_markdown(nps: dict[str, Any] | None) -> str:
    """NPS with its interval and method, or the skipped note."""
    if nps is None:
        return escape(NPS_SKIPPED)
    return nps_sentence(nps) + (
        f" The interval is the {escape(INTERVAL_METHOD)} method: 3 is added to the answers and "
        "¾ to the promoters and detractors before the usual normal interval, which keeps its "
        "coverage honest for small surveys."
    )


def engagement_markdown(a: SubscriptionsAnalysis) -> str:
    """DAU/MAU with its window stated, or the skipped note."""
    if a.activity is None:
        note = next((n for n in a.notes if n in (EVENTS_SKIPPED, NO_ACTIVITY)), EVENTS_SKIPPED)
        return escape(note)
    return (
        f"DAU counts the customers active on a day and MAU those active in the "
        f"{MAU_WINDOW_DAYS} days ending that day; funnel steps are not activity. "
        + engagement_sentence(a.stickiness())
    )


# ----------------------------------------------------------------------------- tables


def _money_cols(currency: str) -> str:
    return f" ({currency})" if currency else ""


def _amount(x: float) -> str:
    return f"{x:,.2f}" if _finite(x) else "–"


def overview_table(a: SubscriptionsAnalysis) -> pd.DataFrame:
    """The data at a glance."""
    o, m = a.overview, a.months
    rows = {
        "Charges": f"{o['charges']:,}",
        "Customers": f"{o['customers']:,}",
        "First charge": o["first_day"],
        "Last charge": o["last_day"],
        "Complete months": f"{m.months} ({month_label(m.first)} to {month_label(m.last)})",
        "Month left out (not over)": month_label(m.partial) if m.partial is not None else "none",
        f"Revenue{_money_cols(a.currency)}": _amount(o["revenue"]),
        "Charges of 0": f"{o['zero_amount_charges']:,}",
        "Refunds": f"{o['refunds']:,}",
    }
    return pd.DataFrame({"": list(rows.values())}, index=pd.Index(list(rows), name="Data"))


def movements_table(movements: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Movements formatted: money with two decimals, paying customers at the end."""
    c = _money_cols(currency)
    out = pd.DataFrame({"Month": movements["month"]})
    for col in ("start", "new", "expansion", "reactivation", "contraction", "churn", "end"):
        sign = "−" if col in ("contraction", "churn") else ""
        out[f"{col.capitalize()}{c}"] = [f"{sign}{_amount(x)}" if x else "0.00"
                                          for x in movements[col]]
    out["Paying customers"] = [f"{n:,}" for n in movements["customers_end"]]
    out["New / churned"] = [f"{a:,} / {b:,}" for a, b in
                            zip(movements["new_customers"], movements["churned_customers"],
                                strict=True)]
    return out.set_index("Month")


def rates_table(rates: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Monthly rates formatted as percentages."""
    out = pd.DataFrame({"Month": rates["month"]})
    names = {"logo_churn": "Logo churn", "gross_revenue_churn": "Gross revenue churn",
             "net_revenue_churn": "Net revenue churn", "reactivation_rate": "Reactivation",
             "grr": "GRR", "nrr": "NRR"}
    for col, name in names.items():
        out[name] = [percent(x) for x in rates[col]]
    out["Quick ratio"] = [f"{x:.2f}" if _finite(x) else ("∞" if x == math.inf else "n/a")
                          for x in rates["quick_ratio"]]
    out[f"ARPA{_money_cols(currency)}"] = [_amount(x) for x in rates["arpa"]]
    return out.set_index("Month")


def rates_summary_table(a: SubscriptionsAnalysis) -> pd.DataFrame:
    """The window's rates, one per row."""
    w = a.window
    q = w["quick_ratio"]
    rows = {
        "Logo churn (monthly)": percent(w["logo_churn"]),
        "Gross revenue churn (monthly)": percent(w["gross_revenue_churn"]),
        "Net revenue churn (monthly)": percent(w["net_revenue_churn"]),
        "GRR (monthly)": percent(w["grr"]),
        "NRR (monthly)": percent(w["nrr"]),
        "Reactivation (share of starting MRR)": percent(w["reactivation_rate"], 2),
        "Quick ratio": f"{q:.2f}" if _finite(q) else ("∞" if q == math.inf else "n/a"),
        "Reactivation counted as a gain": "yes" if a.parameters.get("include_reactivation")
        else "no",
    }
    title = f"{w['first']} to {w['last']}"
    return pd.DataFrame({title: list(rows.values())}, index=pd.Index(list(rows), name="Rate"))


def value_table(value: dict[str, Any], currency: str) -> pd.DataFrame:
    """ARPA, margin, churn, LTV, CAC, LTV:CAC and payback."""
    v = value
    payback = v["cac_payback_months"]
    rows = {
        "ARPA (monthly)": money(v["arpa"], currency),
        "Gross margin": percent(v["gross_margin"], 0),
        "Logo churn (monthly)": percent(v["churn"]),
        "LTV (ARPA × margin / churn)": money(v["ltv"], currency),
        "CAC": money(v["cac"], currency) if v["cac"] is not None else "not given",
        "LTV:CAC": f"{v['ltv_cac']:.2f}" if _finite(v["ltv_cac"]) else "n/a",
        "CAC payback": (f"month {payback}" if payback is not None
                        else "n/a" if v["cac"] is None else "not within the data"),
    }
    return pd.DataFrame({"": list(rows.values())}, index=pd.Index(list(rows), name="Value"))


def sbg_display(table: pd.DataFrame, label: str) -> pd.DataFrame:
    """The retention model's rows formatted for reading."""
    rows = []
    for r in table.itertuples():
        fitted = _finite(getattr(r, "alpha", math.nan))

        def share(x: float, low: float, high: float) -> str:
            if not _finite(x):
                return "n/a"
            span = f" ({percent(low, 0)}–{percent(high, 0)})" if _finite(low) else ""
            return percent(x, 0) + span

        rows.append({
            label: r.group,
            "New subscribers": f"{r.starters:,}",
            "alpha": f"{r.alpha:.3f}" if fitted else "not fitted",
            "beta": f"{r.beta:.3f}" if fitted else "",
            "Still paying at 12 months (90% interval)":
                share(r.survival_12, r.survival_12_low, r.survival_12_high),
            "At 24 months": share(r.survival_24, r.survival_24_low, r.survival_24_high),
            "Renewal rate at month 12": percent(r.retention_rate_12) if fitted else "n/a",
            "Expected paid months (discounted)":
                f"{r.discounted_lifetime:.1f}" if fitted else "n/a",
        })
    return pd.DataFrame(rows).set_index(label) if rows else pd.DataFrame()


def migration_table(moves: pd.DataFrame | None) -> pd.DataFrame | None:
    """Counts with the share of the row, cancelled → cancelled not defined."""
    if moves is None:
        return None
    m = migration_matrix(moves, ["trial"])
    out = m.astype(object).copy()
    for state in m.index:
        total = m.loc[state].sum()
        for to in m.columns:
            n = m.loc[state, to]
            if state == CANCELLED and to == CANCELLED:
                out.loc[state, to] = "–"
            elif state == CANCELLED:
                out.loc[state, to] = f"{n:,}"
            else:
                out.loc[state, to] = f"{n:,} ({n / total:.0%})" if total else "0"
    out.index.name, out.columns.name = "From (this month)", "To (next month)"
    return out


def funnel_table(funnel: pd.DataFrame | None) -> pd.DataFrame | None:
    """People per step and conversion, overall then per channel."""
    if funnel is None:
        return None
    out = pd.DataFrame({
        "Channel": funnel["channel"].fillna("all"),
        "Step": funnel["step"],
        "People": [f"{n:,}" for n in funnel["people"]],
        "From the step before": [percent(x) if i > 1 else "" for x, i in
                                 zip(funnel["conversion"], funnel["position"], strict=True)],
        "From the first step": [percent(x) for x in funnel["overall"]],
    })
    return out.set_index(["Channel", "Step"])


def trial_table(trial: dict[str, Any] | None) -> pd.DataFrame | None:
    """Trial → paid conversion overall and per channel."""
    if trial is None:
        return None
    rows = [("all", trial["trials"], trial["paid"], trial["conversion"])]
    rows += [(k, v["trials"], v["paid"], v["conversion"]) for k, v in trial["by_channel"].items()]
    return pd.DataFrame({
        "Channel": [r[0] for r in rows],
        "Trials": [f"{r[1]:,}" for r in rows],
        "Paid": [f"{r[2]:,}" for r in rows],
        "Trial → paid": [percent(r[3]) for r in rows],
    }).set_index("Channel")


def nps_table(nps: dict[str, Any] | None) -> pd.DataFrame | None:
    """Promoters, passives, detractors, NPS and its interval."""
    if nps is None:
        return None
    n = nps["n"]
    rows = {
        "Promoters (9–10)": f"{nps['promoters']:,} ({nps['promoters'] / n:.0%})",
        "Passives (7–8)": f"{nps['passives']:,} ({nps['passives'] / n:.0%})",
        "Detractors (0–6)": f"{nps['detractors']:,} ({nps['detractors'] / n:.0%})",
        "NPS": f"{nps['score']:.1f}",
        f"{nps['level']:.0%} CI ({nps['method']})": f"{nps['ci_low']:.1f} to {nps['ci_high']:.1f}",
    }
    return pd.DataFrame({"": list(rows.values())}, index=pd.Index(list(rows), name="NPS"))
