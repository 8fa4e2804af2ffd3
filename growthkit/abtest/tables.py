"""The A/B-test report's tables, formatted for reading in the report's language.

Headers are translated; cells are text: rates in %, money in the report's currency and locale,
p-values as ``< 0.001`` or three decimals, tests named in words, ``n/a`` where there is no test.
Arm, metric and segment names are bidi-isolated (pandas escapes the HTML). The unformatted
numbers stay on :class:`growthkit.abtest.ABTestAnalysis` and in the JSON and CSV.
"""

from __future__ import annotations

import pandas as pd

from growthkit.abtest.display import (
    ci_text,
    interval_name,
    lift_text,
    method_name,
    posterior_name,
    value_text,
)
from growthkit.i18n import Language, isolate
from growthkit.numeric import finite

__all__ = ["bayesian_table", "effects_table", "power_table", "srm_table"]


def _names(values: pd.Series) -> list[str]:
    return [isolate(v) for v in values]


def _users(x: float, lang: Language) -> str:
    return lang.number(x) if finite(x) else lang.gettext("n/a")


def effects_table(
    frame: pd.DataFrame, alpha: float, lang: Language, currency: str | None = None,
    sequential: bool = False,
) -> pd.DataFrame:
    """Results rows formatted for reading: rates in %, money in the currency, n/a for no test.

    Every amount has the currency's own decimals (``$1,034.18`` beside ``$0.70``), so a column
    keeps one precision however the metrics and segments differ in scale.
    """
    level = interval_name(alpha, sequential, lang)
    metric, arm, segment = lang.gettext("Metric"), lang.gettext("Arm"), lang.gettext("Segment")
    rows = []
    for _, r in frame.iterrows():
        row = {metric: isolate(r["metric"]), arm: isolate(r["variant"])}
        if "segment" in r:
            row[segment] = isolate(r["segment"])
        row |= {
            lang.gettext("Users"): lang.number(r["n"]),
            lang.gettext("Control users"): lang.number(r["control_n"] if finite(r["control_n"])
                                                       else 0),
            lang.gettext("Arm mean"): value_text(r, r["mean"], lang, currency, compact=False),
            lang.gettext("Control mean"): value_text(r, r["control_mean"], lang, currency,
                                                     compact=False),
            lang.gettext("Lift"): lift_text(r, lang, currency, compact=False),
            lang.gettext("{level} of the lift").format(level=level):
                ci_text(r, lang, currency, compact=False),
            lang.gettext("p (adjusted)"): lang.pvalue(r["p_value_adjusted"]),
            lang.gettext("Test"): method_name(r["method"], lang),
        }
        rows.append(row)
    keys = [metric, arm, segment] if "segment" in frame else [metric, arm]
    return pd.DataFrame(rows).set_index(keys)


def srm_table(detail: pd.DataFrame, lang: Language) -> pd.DataFrame:
    """Users per arm against the planned split, formatted."""
    return pd.DataFrame(
        {
            lang.gettext("Users"): [lang.number(x) for x in detail["users"]],
            lang.gettext("Share"): [lang.percent(x, 2) for x in detail["share"]],
            lang.gettext("Planned share"): [lang.percent(x, 2) for x in detail["expected_share"]],
            lang.gettext("Expected users"): [lang.number(x) for x in detail["expected_users"]],
        },
        index=pd.Index(_names(detail.index.to_series()), name=lang.gettext("Arm")),
    )


def power_table(power: pd.DataFrame, min_lift: float, lang: Language) -> pd.DataFrame:
    """Power figures, formatted: what the test could detect and what it would need."""
    target = lang.percent(power["target_power"].iloc[0], 0) if len(power) else ""
    metric, arm = lang.gettext("Metric"), lang.gettext("Arm")
    return pd.DataFrame({
        metric: _names(power["metric"]),
        arm: _names(power["variant"]),
        lang.gettext("Control users"): [_users(x, lang) for x in power["control_n"]],
        lang.gettext("Observed lift"): [lang.percent(x, signed=True) for x in power["rel_lift"]],
        lang.gettext("Detectable lift ({power} power)").format(power=target):
            [lang.percent(x) for x in power["mde_rel"]],
        lang.gettext("Users per arm for a {lift} lift").format(lift=lang.percent(min_lift, 0)):
            [_users(x, lang) for x in power["n_for_min_lift"]],
        lang.gettext("Users per arm for the observed lift"):
            [_users(x, lang) for x in power["n_for_observed"]],
    }).set_index([metric, arm])


def bayesian_table(bayes: pd.DataFrame, lang: Language) -> pd.DataFrame:
    """Chance to beat control and expected loss of shipping, formatted."""
    metric, arm = lang.gettext("Metric"), lang.gettext("Arm")
    return pd.DataFrame({
        metric: _names(bayes["metric"]),
        arm: _names(bayes["variant"]),
        lang.gettext("Chance to beat control"):
            [lang.probability(x) for x in bayes["chance_to_beat_control"]],
        lang.gettext("Expected loss if shipped (% of control)"):
            [lang.small_share(x) for x in bayes["rel_expected_loss"]],
        lang.gettext("Posterior"): [posterior_name(m, lang) for m in bayes["method"]],
    }).set_index([metric, arm])
