"""Words and formatted tables for the CLV report, written for a marketing or finance reader.

Each function takes a :class:`~growthkit.clv.analysis.CLVAnalysis`; the numbers themselves stay
unformatted on the analysis object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from growthkit.clv.segments import SEGMENTS
from growthkit.report.metrics import package_versions

if TYPE_CHECKING:
    from growthkit.clv.analysis import CLVAnalysis

AT_RISK = "High value, at risk"
_PACKAGES = ("growthkit", "lifetimes", "pandas", "numpy", "scipy", "statsmodels", "ibis-framework")


def money(value: float, currency: str) -> str:
    """``USD 1.23M``, ``USD 45.6k``, ``USD 789`` or ``USD 5.53``; a dash when undefined."""
    if not np.isfinite(value):
        return "–"
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{currency} {value / size:,.3g}{suffix}"
    return f"{currency} {value:,.2f}" if abs(value) < 100 else f"{currency} {value:,.0f}"


def _holdout_verdict(error: float) -> str:
    if error < -0.05:
        return "It **under-predicts**, so read the forecast below as conservative."
    if error > 0.05:
        return "It **over-predicts**, so read the forecast below as optimistic."
    return "It tracks what happened closely."


def summary_markdown(a: CLVAnalysis) -> str:
    """Who will buy again, what they are worth, how good the model is, and what to do."""
    s, cur, p = a.settings, a.currency, a.predictions
    n = len(p)
    total, low, high = a.intervals.total
    active = int((p["p_alive"] >= 0.5).sum())
    top = p["clv_revenue"].nlargest(max(n // 5, 1)).sum() / max(p["clv_revenue"].sum(), 1e-12)
    caveat = ""
    if a.model.name == "bgnbd":  # BG/NBD lets customers drop out only after a repeat purchase
        once = int((p["frequency"] == 0).sum())
        caveat = (f" (BG/NBD counts the {once:,} who never came back as active, buying rarely; "
                  "MBG/NBD does not)")
    lines = [
        f"**Outlook for the {s.horizon_months} months after {a.observation_end}.** Of {n:,} "
        f"customers, {active:,} ({active / n:.0%}) are probably still active{caveat}. Together "
        f"they are expected to make {p['expected_purchases'].sum():,.0f} more purchases, worth "
        f"**{money(total, cur)}** in revenue in today's money ({a.intervals.level:.0%} interval "
        f"{money(low, cur)} to {money(high, cur)}, discounted at "
        f"{s.annual_discount_rate:.0%} a year) and {money(a.intervals.total_profit[0], cur)} "
        f"in profit at a {s.gross_margin:.0%} gross margin. The top 20% of customers hold "
        f"{top:.0%} of that value; the average customer is worth "
        f"{money(p['clv_revenue'].mean(), cur)} and the median one "
        f"{money(p['clv_revenue'].median(), cur)}."
    ]
    lines.append(f"**How good is the model?** {holdout_markdown(a)}")
    if a.model.selection_reason:
        lines.append(a.model.selection_reason)
    risk = a.segments.loc[AT_RISK]
    lines.append(
        f"**Act on:** {int(risk['customers']):,} customers are *high value but at risk* (worth "
        f"{money(risk['clv_revenue'], cur)}). {SEGMENTS[AT_RISK]}"
    )
    lines.extend(f"*Caveat:* {note}" for note in a.notes)
    return "\n\n".join(lines)


def holdout_markdown(a: CLVAnalysis) -> str:
    """The holdout result in a sentence or two, or why there is none."""
    if a.holdout is None:
        return (
            "There is no holdout period (no calibration_end), so the forecast is untested; "
            "rerun with a calibration_end to check it against purchases the model did not see."
        )
    h = a.holdout
    return f"{h.sentence(a.settings.time_unit)} {_holdout_verdict(h.relative_error)}"


def overview_table(a: CLVAnalysis) -> pd.DataFrame:
    o = a.overview
    rows = {
        "Source": a.parameters["data"],
        "Customers": f"{o['customers']:,}",
        "Orders": f"{o['orders']:,}",
        "First order": o["first_date"],
        "Last order": o["last_date"],
        "Revenue": money(o["revenue"], a.currency),
        "Orders of zero value": f"{o['zero_amount_orders']:,}",
        "Customers with repeat purchases (fitting period)": (
            f"{int((a.summary['frequency'] > 0).sum()):,} of {len(a.summary):,}"
        ),
        "Models fitted on orders up to": a.parameters["calibration_end"] or a.observation_end,
        "Forecast starts after": a.observation_end,
    }
    return pd.DataFrame({"": rows})


def rfm_table(a: CLVAnalysis) -> pd.DataFrame:
    unit, s = a.settings.time_unit, a.summary
    cols = {"frequency": "Repeat purchases (frequency)",
            "recency": f"First to last purchase (recency, {unit})",
            "T": f"Customer age (T, {unit})",
            "monetary_value": f"Mean repeat spend ({a.currency}, 0 without repeats)"}
    table = s[list(cols)].describe(percentiles=[0.25, 0.5, 0.75, 0.9]).T.drop(columns="count")
    return table.rename(index=cols).round(2)


def model_table(a: CLVAnalysis) -> pd.DataFrame:
    m = a.model
    values = np.array(list(m.params.values()))
    se = np.sqrt(np.diag(m.covariance.to_numpy())) * values  # delta method from log scale
    rows = {k: {"estimate": f"{v:.4g}", "std. error": f"{e:.3g}"}
            for k, v, e in zip(m.params, values, se, strict=True)}
    rows["log-likelihood"] = {"estimate": f"{m.log_likelihood:,.2f}", "std. error": ""}
    rows["AIC"] = {"estimate": f"{m.aic:,.2f}", "std. error": ""}
    rows["customers"] = {"estimate": f"{m.n_customers:,}", "std. error": ""}
    return pd.DataFrame(rows).T.rename_axis(m.label)


def holdout_table(a: CLVAnalysis) -> pd.DataFrame | None:
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
    return pd.DataFrame({"Gamma-Gamma": rows})


def clv_table(a: CLVAnalysis) -> pd.DataFrame:
    p, t, cur = a.predictions, a.intervals, a.currency
    rows = {}
    for kind, col, (point, low, high) in (
        ("Revenue CLV", "clv_revenue", t.total), ("Profit CLV", "clv_profit", t.total_profit)
    ):
        rows[kind] = {
            "total": money(point, cur),
            f"{t.level:.0%} interval": f"{money(low, cur)} to {money(high, cur)}",
            "mean per customer": money(p[col].mean(), cur),
            "median per customer": money(p[col].median(), cur),
            "top 1% of customers from": money(p[col].quantile(0.99), cur),
        }
    return pd.DataFrame(rows).T


def segments_table(a: CLVAnalysis) -> pd.DataFrame:
    s, cur = a.segments, a.currency
    out = pd.DataFrame({
        "customers": s["customers"].map("{:,}".format),
        "share": s["share"].map("{:.1%}".format),
        "mean P(alive)": s["mean_p_alive"].map(lambda v: f"{v:.2f}" if np.isfinite(v) else "–"),
        "expected purchases": s["expected_purchases"].map("{:,.0f}".format),
        "total CLV": s["clv_revenue"].map(lambda v: money(v, cur)),
        f"{a.intervals.level:.0%} interval": [
            f"{money(lo, cur)} to {money(hi, cur)}"
            for lo, hi in zip(s["revenue_low"], s["revenue_high"], strict=True)
        ],
        "mean CLV": s["mean_clv"].map(lambda v: money(v, cur)),
        "what to do": s["action"],
    })
    return out


def run_info(a: CLVAnalysis) -> pd.DataFrame:
    rows = {f"parameter: {k}": repr(v) for k, v in a.parameters.items()}
    rows |= {f"version: {k}": v for k, v in package_versions(*_PACKAGES).items()}
    return pd.DataFrame({"value": rows})
