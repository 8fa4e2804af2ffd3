"""The words of the CLV report: the summary, section sentences and formatted tables.

Written for a marketing or finance reader. Each function takes a
:class:`~growthkit.clv.analysis.CLVAnalysis`, whose numbers stay unformatted; every sentence is
built from the numbers it states. Data- and parameter-derived strings (the currency, customer
ids, the source, notes, data-quality findings) pass :func:`growthkit.formatting.escape` on their
way into Markdown; tables are DataFrames, which pandas escapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from growthkit.clv.segments import AT_RISK, SEGMENTS
from growthkit.formatting import escape, money, package_versions, percent, probability

if TYPE_CHECKING:
    from growthkit.clv.analysis import CLVAnalysis

__all__ = [
    "clv_table",
    "data_markdown",
    "example_markdown",
    "fit_table",
    "headline",
    "holdout_markdown",
    "holdout_table",
    "model_table",
    "overview_table",
    "rfm_table",
    "run_info",
    "segments_table",
    "spend_table",
    "summary_markdown",
]

#: A holdout error within this share of the actual purchases reads as "close".
CLOSE = 0.05


def _money(a: CLVAnalysis, value: float) -> str:
    """Money for Markdown: the currency escaped (the number holds no markup)."""
    return money(value, escape(a.currency))


def _holdout_verdict(error: float) -> str:
    if error < -CLOSE:
        return "It **under-predicts**, so read the forecast below as conservative."
    if error > CLOSE:
        return "It **over-predicts**, so read the forecast below as optimistic."
    return "It tracks what happened closely."


def summary_markdown(a: CLVAnalysis) -> str:
    """Who will buy again, what they are worth, how good the model is, and what to do.

    Parameters
    ----------
    a : CLVAnalysis

    Returns
    -------
    str
        Markdown paragraphs.
    """
    s, p = a.settings, a.predictions
    n = len(p)
    total, low, high = a.intervals.total
    active = int((p["p_alive"] >= 0.5).sum())
    value = p["clv_revenue"]
    top = value.nlargest(max(n // 5, 1)).sum() / max(value.sum(), 1e-12)
    caveat = ""
    once = int((p["frequency"] == 0).sum())
    if a.model.name == "bgnbd" and once:  # BG/NBD: drop-out happens only after a repeat purchase
        caveat = (f" (BG/NBD counts the {once:,} who never came back as active, buying rarely; "
                  "MBG/NBD does not)")
    lines = [
        f"**Outlook for the {s.horizon_months} months after {a.observation_end}.** Of "
        f"{n:,} customers, {active:,} ({percent(active / n, 0)}) are probably still "
        f"active{caveat}. Together they are expected to make "
        f"{p['expected_purchases'].sum():,.0f} more purchases, worth **{_money(a, total)}** in "
        f"revenue in today's money ({percent(a.intervals.level, 0)} interval "
        f"{_money(a, low)} to {_money(a, high)}, discounted at "
        f"{percent(s.annual_discount_rate, 0)} a year) and "
        f"{_money(a, a.intervals.total_profit[0])} in profit at a "
        f"{percent(s.gross_margin, 0)} gross margin. The top 20% of customers hold "
        f"{percent(top, 0)} of that value; the average customer is worth "
        f"{_money(a, value.mean())} and the median one {_money(a, value.median())}."
    ]
    lines.append(f"**How good is the model?** {holdout_markdown(a)}")
    if a.model.selection_reason:  # model names and numbers only
        lines.append(a.model.selection_reason)
    risk = a.segments.loc[AT_RISK]
    if risk["customers"]:
        lines.append(
            f"**Act on:** {int(risk['customers']):,} customers are *high value but at risk* "
            f"(worth {_money(a, risk['clv_revenue'])}). {SEGMENTS[AT_RISK]}"
        )
    else:
        lines.append("**Act on:** no customer is both high value and at risk.")
    lines.extend(f"*Caveat:* {escape(note)}" for note in a.notes)
    return "\n\n".join(lines)


def holdout_markdown(a: CLVAnalysis) -> str:
    """The holdout result in a sentence or two, or why there is none."""
    if a.holdout is None:
        return (
            "There is no holdout period (no calibration_end), so the forecast is untested; "
            "rerun with a calibration_end to check it against purchases the model did not see."
        )
    h = a.holdout  # numbers, the model's name and the time unit: nothing from the data
    return f"{h.sentence(a.settings.time_unit)} {_holdout_verdict(h.relative_error)}"


def data_markdown(a: CLVAnalysis) -> str:
    """Where the orders came from, what was left out, and what to check in the data."""
    o, q = a.overview, a.data_quality
    text = (  # the dates are ISO dates the engine computed: no markup can get in
        f"{o['orders']:,} orders of {o['customers']:,} customers from {o['first_date']} to "
        f"{o['last_date']}, read from "
        f"{escape(a.parameters['data'])} ({q.rows:,} rows)."
    )
    warnings = q.warnings()
    if not warnings:
        return f"{text} No duplicate rows, refunds, zero-value orders or out-of-range dates."
    items = "\n".join(f"- {escape(w)}" for w in warnings)
    return f"{text}\n\n**Data quality:**\n\n{items}"


def overview_table(a: CLVAnalysis) -> pd.DataFrame:
    """The data at a glance, one formatted value per row."""
    o = a.overview
    rows = {
        "Source": a.parameters["data"],
        "Customers": f"{o['customers']:,}",
        "Orders": f"{o['orders']:,}",
        "First order": o["first_date"],
        "Last order": o["last_date"],
        "Revenue": money(o["revenue"], a.currency),
        "Orders of zero value": f"{o['zero_amount_orders']:,}",
        "Orders left out (dates after today or typos)": f"{a.data_quality.excluded_orders:,}",
        "Rows repeating another row exactly": f"{a.data_quality.duplicate_rows:,}",
        "Customers with repeat purchases (fitting period)": (
            f"{int((a.rfm['frequency'] > 0).sum()):,} of {len(a.rfm):,}"
        ),
        "Models fitted on orders up to": a.calibration_end or a.observation_end,
        "Forecast starts after": a.observation_end,
    }
    return pd.DataFrame({"": rows})


def rfm_table(a: CLVAnalysis) -> pd.DataFrame:
    """How frequency, recency, T and spend are distributed over the fitted customers."""
    unit = a.settings.time_unit
    cols = {"frequency": "Repeat purchases (frequency)",
            "recency": f"First to last purchase (recency, {unit})",
            "T": f"Customer age (T, {unit})",
            "monetary_value": f"Mean repeat spend ({a.currency}, 0 without repeats)"}
    table = a.rfm[list(cols)].describe(percentiles=[0.25, 0.5, 0.75, 0.9]).T
    return table.drop(columns="count").rename(index=cols).round(2)


def fit_table(summary: pd.DataFrame) -> pd.DataFrame:
    """A fitted model's ``summary()`` formatted: estimates to 4 significant digits, standard
    errors to 3, the fit statistics with thousands separators."""
    rows = {}
    for name, (estimate, error) in summary.iterrows():
        if name == "customers":
            value = f"{estimate:,.0f}"
        elif name in ("log-likelihood", "AIC"):
            value = f"{estimate:,.2f}"
        else:
            value = f"{estimate:.4g}"
        rows[name] = {"estimate": value, "std. error": "" if np.isnan(error) else f"{error:.3g}"}
    return pd.DataFrame(rows).T.rename_axis(summary.index.name)


def model_table(a: CLVAnalysis) -> pd.DataFrame:
    """The transaction model's estimates with standard errors, log-likelihood and AIC."""
    return fit_table(a.model.summary())


def holdout_table(a: CLVAnalysis) -> pd.DataFrame | None:
    """Holdout purchases by calibration frequency, with a total row (None without holdout)."""
    if a.holdout is None:
        return None
    h = a.holdout
    table = h.by_frequency.copy()
    table.loc["all"] = [h.customers, h.actual_purchases / h.customers,
                        h.predicted_purchases / h.customers, h.actual_purchases,
                        h.predicted_purchases]
    table["customers"] = table["customers"].astype(int)
    return table.round(3).rename(columns={
        "actual": "actual per customer", "predicted": "predicted per customer",
        "actual_total": "actual total", "predicted_total": "predicted total"})


def spend_table(a: CLVAnalysis) -> pd.DataFrame:
    """The spend model's estimates and the checks of its assumptions."""
    g = a.spend_model
    flag = " (above 0.3: the model's assumption is doubtful)" if g.correlation_warning else " (ok)"
    rows = {
        **{k: f"{v:.4g}" for k, v in g.params.items()},
        "log-likelihood": f"{g.log_likelihood:,.2f}",
        "customers fitted": f"{g.n_customers:,}",
        "customers excluded": f"{g.excluded_customers:,} ({g.excluded_one_time:,} without "
        "repeat purchases)",
        "mean spend per purchase": money(g.population_mean, a.currency),
        "frequency-spend correlation": f"{g.correlation:.3f}{flag}",
    }
    return pd.DataFrame({g.label: rows})


def clv_table(a: CLVAnalysis) -> pd.DataFrame:
    """Total, mean and median CLV, revenue and profit, with the interval of the total."""
    p, t, cur = a.predictions, a.intervals, a.currency
    rows = {}
    for kind, col, (point, low, high) in (
        ("Revenue CLV", "clv_revenue", t.total), ("Profit CLV", "clv_profit", t.total_profit)
    ):
        rows[kind] = {
            "total": money(point, cur),
            f"{percent(t.level, 0)} interval": f"{money(low, cur)} to {money(high, cur)}",
            "mean per customer": money(p[col].mean(), cur),
            "median per customer": money(p[col].median(), cur),
            "top 1% of customers from": money(p[col].quantile(0.99), cur),
        }
    return pd.DataFrame(rows).T


def segments_table(a: CLVAnalysis) -> pd.DataFrame:
    """Segments, their value with intervals, and what to do."""
    s, cur = a.segments, a.currency
    return pd.DataFrame({
        "customers": s["customers"].map("{:,}".format),
        "share": s["share"].map(percent),
        "mean P(alive)": s["mean_p_alive"].map(probability),
        "expected purchases": s["expected_purchases"].map("{:,.0f}".format),
        "total CLV": s["clv_revenue"].map(lambda v: money(v, cur)),
        f"{percent(a.intervals.level, 0)} interval": [
            f"{money(lo, cur)} to {money(hi, cur)}"
            for lo, hi in zip(s["revenue_low"], s["revenue_high"], strict=True)
        ],
        "mean CLV": s["mean_clv"].map(lambda v: money(v, cur)),
        "what to do": s["action"],
    })


def example_markdown(a: CLVAnalysis) -> str:
    """The customer the P(alive) history chart follows, in a sentence."""
    customer = a.example_customer()
    row = a.predictions.loc[customer]
    unit = a.settings.time_unit
    who = f"Customer **{escape(customer)}**"
    if row["segment"] == AT_RISK:
        intro = f"{who} is the most valuable of the *high value, at risk* customers"
    else:
        intro = f"No customer is both high value and at risk; {who} is the most valuable one"
    if row["frequency"] > 0:
        history = (
            f"{row['frequency']:,.0f} repeat purchase(s), the last "
            f"{row['T'] - row['recency']:,.1f} {unit} before the forecast starts"
        )
    else:
        history = f"no repeat purchase since the first, {row['T']:,.1f} {unit} before"
    return (
        f"{intro}: {history}. P(alive) is now {probability(row['p_alive'])} and the expected "
        f"CLV {_money(a, row['clv_revenue'])}."
    )


def headline(a: CLVAnalysis) -> dict[str, str]:
    """The landing page's key figures, formatted (plain text, for JSON)."""
    months = a.settings.horizon_months
    out = {
        f"CLV, next {months} months": money(a.intervals.total[0], a.currency),
        "Customers": f"{len(a.predictions):,}",
    }
    if a.holdout is not None:
        out["Holdout purchases (predicted / actual)"] = (
            f"{a.holdout.predicted_purchases:,.0f} / {a.holdout.actual_purchases:,.0f}"
        )
    return out


def run_info(a: CLVAnalysis) -> pd.DataFrame:
    """Parameters (as resolved) and package versions, for the last cell of the report."""
    rows = {f"parameter: {k}": repr(v) for k, v in a.parameters.items()}
    rows |= {f"version: {k}": v for k, v in package_versions().items()}
    return pd.DataFrame({"value": rows})
