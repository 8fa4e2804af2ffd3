"""The words of the CLV report's section "What drives value".

Each function takes a :class:`~growthkit.clv.analysis.CLVAnalysis` whose ``drivers``
(:class:`growthkit.clv.drivers.Drivers`) holds the numbers. Multipliers read in the report's
convention: above 1× on purchases means more purchases, above 1× on dropout a faster dropout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthkit.clv.display import MODEL_WORDS, has_margin, markdown_money
from growthkit.clv.drivers import INTERVAL_LEVEL
from growthkit.i18n import N_

if TYPE_CHECKING:
    from growthkit.clv.analysis import CLVAnalysis

__all__ = ["drivers_markdown", "effect_sentence", "effects_table", "new_customer_table"]

#: Below this p-value the likelihood-ratio test reads as "significant".
SIGNIFICANCE = 0.05

_PURCHASE = {
    True: N_("more often ({times}× as often, {low}×–{high}×)"),
    False: N_("less often ({times}× as often, {low}×–{high}×)"),
}
_DROPOUT = {
    True: N_("faster ({times}× as fast, {low}×–{high}×)"),
    False: N_("more slowly ({times}× as fast, {low}×–{high}×)"),
}


def _times(a: CLVAnalysis, value: float) -> str:
    return a.lang.number(value, 2)


def _phrase(a: CLVAnalysis, templates: dict[bool, str], row: Any, process: str) -> str:
    value = float(row[process])
    return a.lang.gettext(templates[value >= 1.0]).format(
        times=_times(a, value), low=_times(a, float(row[f"{process}_low"])),
        high=_times(a, float(row[f"{process}_high"])),
    )


def _value(a: CLVAnalysis, covariate: str, value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return a.lang.data(value, covariate)


def effect_sentence(a: CLVAnalysis, row: Any) -> str:
    """One covariate level's multipliers in words, e.g. "Customers with channel referral buy
    more often (1.90× as often, 1.60×–2.20×) and drop out more slowly (…) than those with
    channel organic."

    Parameters
    ----------
    a : CLVAnalysis
    row : pandas.Series
        A row of :attr:`Drivers.effects <growthkit.clv.drivers.Drivers>`.
    """
    _ = a.lang.gettext
    cov = row["covariate"]
    buy = _phrase(a, _PURCHASE, row, "purchase")
    drop = _phrase(a, _DROPOUT, row, "dropout")
    name = a.lang.data(cov)
    if row["level"] is not None and not (isinstance(row["level"], float)
                                         and np.isnan(row["level"])):
        level, reference = row["level"], row["reference"]
    elif cov in a.drivers.binary:
        level, reference = 1, 0
    else:
        return _("With each unit more of {covariate}, customers buy {buy} and drop out "
                 "{drop}.").format(covariate=name, buy=buy, drop=drop)
    return _("Customers with {covariate} {level} buy {buy} and drop out {drop} than those with "
             "{covariate} {reference}.").format(
        covariate=name, level=_value(a, cov, level), reference=_value(a, cov, reference),
        buy=buy, drop=drop)


def _p_text(a: CLVAnalysis, p: float) -> str:
    text = a.lang.pvalue(p)
    return text if text.lstrip("\u2066\u2067\u2068\u200e\u200f").startswith("<") else "= " + text


def _test_sentence(a: CLVAnalysis) -> str:
    _ = a.lang.gettext
    test = a.drivers.test
    args = {"chi2": a.lang.number(test.statistic, 1), "df": a.lang.number(test.df),
            "p": _p_text(a, test.p_value)}
    if test.p_value < SIGNIFICANCE:
        return _("Together the covariates describe the purchase histories clearly better than "
                 "the model without them (likelihood-ratio test: χ² {chi2} on {df} degrees of "
                 "freedom, p {p}).").format(**args)
    return _("Together the covariates do not describe the purchase histories clearly better "
             "than the model without them (likelihood-ratio test: χ² {chi2} on {df} degrees of "
             "freedom, p {p}): the differences below may be chance.").format(**args)


def _names(a: CLVAnalysis, names: Any) -> str:
    return a.lang.join([a.lang.data(n) for n in names])


def _holdout_sentence(a: CLVAnalysis) -> str:
    _ = a.lang.gettext
    d = a.drivers
    mae = d.holdout_mae
    if mae is None:
        return _("There is no holdout period to test the covariates on, so all of them are "
                 "kept.")
    unit = a.lang.number
    text = _("On the holdout period the forecast with the covariates misses by {with_} "
             "purchases per customer on average, against {without} without them.").format(
        with_=unit(mae["with"], 3), without=unit(mae["without"], 3))
    dropped = [c for c in d.covariates if c not in d.kept]
    if not d.kept:
        more = _("No covariate lowers the error on its own, so none is kept: the values by "
                 "profile below describe the past rather than a tested forecast.")
    elif not dropped:
        more = _("Each covariate lowers the error on its own, so all are kept: {kept}.").format(
            kept=_names(a, d.kept))
    else:
        more = _("Kept, as each lowers the error on its own: {kept}. Left out of the values by "
                 "profile, as they do not: {dropped}.").format(
            kept=_names(a, d.kept), dropped=_names(a, dropped))
        if "kept" in mae:
            more += " " + _("With the kept covariates only, the error is {kept_mae}.").format(
                kept_mae=unit(mae["kept"], 3))
    return text + " " + more


def drivers_markdown(a: CLVAnalysis) -> str:
    """The section's words: the multipliers, the likelihood-ratio test, the holdout comparison,
    and what the new-customer table counts."""
    _ = a.lang.gettext
    d = a.drivers
    failed = [n for n in a.notes if n.code == "drivers_not_fitted"]
    if d is None and failed:
        return failed[0].text(a.lang, markdown=True)
    asked = a.settings.covariates_data is not None or bool(a.settings.first_order_covariates)
    if d is None and asked and a.model is None:
        return _("No transaction model converged, so the covariates were not fitted either.")
    if d is None and a.settings.model == "bgbb":
        return _("BG/BB takes no covariates; run with model bgnbd, mbgnbd or paretonbd and "
                 "`-p covariates_data FILE` to see which customers buy more and stay longer.")
    if d is None:
        return _("No customer covariates were given. Pass `-p covariates_data FILE` (one row "
                 "per customer, with the customer column) or `-p first_order_covariates "
                 "channel` (a column of the orders) to see which customers buy more and stay "
                 "longer, and what a new customer of each kind is worth.")
    model = _(MODEL_WORDS.get(d.model.name, d.model.label))
    if d.model.name == "paretonbd":
        dropout = _("a dropout multiplier above 1× means customers stop buying sooner")
    else:
        dropout = _("a dropout multiplier above 1× means a higher chance of stopping after each "
                    "purchase")
    intro = _("The {model} model fitted again with each customer's {covariates}. A purchase "
              "multiplier above 1× means more purchases; {dropout}. Each multiplier is against "
              "the reference customer, with a {level} interval; an interval that includes 1× "
              "means the data cannot tell the difference from none.").format(
        model=model, covariates=_names(a, d.covariates), dropout=dropout,
        level=a.lang.percent(INTERVAL_LEVEL, 0))
    bullets = "\n".join("- " + effect_sentence(a, row) for _i, row in d.effects.iterrows())
    parts = [intro, bullets, _test_sentence(a), _holdout_sentence(a), _new_customer_words(a)]
    return "\n\n".join(parts)


def _new_customer_words(a: CLVAnalysis) -> str:
    _ = a.lang.gettext
    d = a.drivers
    spend = markdown_money(a, float(d.new_customers["first_purchase"].iloc[0]))
    text = _("The table values a customer who has just made a first purchase, by profile, over "
             "the next {months} months: repeat purchases expected, their discounted revenue, "
             "and a CAC ceiling, the first purchase ({spend}, the average spend per purchase: "
             "the spend model has no covariates) plus that revenue{margin}. Acquiring a "
             "customer of that profile for more does not pay back within the horizon.").format(
        months=a.lang.number(a.settings.horizon_months), spend=spend,
        margin=(_(", times the gross margin ({margin})").format(
            margin=a.lang.percent(a.settings.margin, 0)) if has_margin(a) else ""))
    if d.held:
        held = a.lang.join([_("{covariate} at its median {value}").format(
            covariate=a.lang.data(c), value=a.lang.significant(v)) for c, v in d.held.items()])
        text += " " + _("Numeric covariates with many values are held at their median: "
                        "{held}.").format(held=held)
    return text


def effects_table(a: CLVAnalysis) -> pd.DataFrame | None:
    """Each covariate level's multipliers with intervals and p-values (None: no covariates)."""
    d = a.drivers
    if d is None:
        return None
    lang = a.lang
    _ = lang.gettext
    rows = []
    for _i, r in d.effects.iterrows():
        if r["level"] is not None and not (isinstance(r["level"], float) and np.isnan(r["level"])):
            what = _("{level} (against {reference})").format(
                level=lang.isolate(r["level"]), reference=lang.isolate(r["reference"]))
        elif r["covariate"] in d.binary:
            what = _("{level} (against {reference})").format(level=lang.number(1),
                                                            reference=lang.number(0))
        else:
            what = _("per unit")
        row = {_("covariate"): lang.isolate(r["covariate"]), _("value"): what}
        for process, label in (("purchase", _("purchases")), ("dropout", _("dropout"))):
            row[_("{process} ×").format(process=label)] = _times(a, float(r[process]))
            low, high = float(r[f"{process}_low"]), float(r[f"{process}_high"])
            row[_("{process} interval").format(process=label)] = _("{low} to {high}").format(
                low=_times(a, low), high=_times(a, high))
            row[_("{process} p").format(process=label)] = lang.pvalue(float(r[f"{process}_p"]))
        rows.append(row)
    return pd.DataFrame(rows)


def new_customer_table(a: CLVAnalysis) -> pd.DataFrame | None:
    """A new customer's value by profile: the CAC ceiling per profile (None: no covariates)."""
    d = a.drivers
    if d is None:
        return None
    lang = a.lang
    _ = lang.gettext
    table = d.new_customers
    shown = list(d.profile_model.design.covariates)
    out = pd.DataFrame({lang.isolate(c): [lang.isolate(_plain(v)) for v in table[c]]
                        for c in shown})
    out[_("customers")] = [lang.number(v) for v in table["customers"]]
    out[_("repeat purchases expected")] = [lang.number(v, 2) for v in table["expected_purchases"]]
    out[_("their value (revenue)")] = lang.money_column(table["clv_revenue"], a.currency)
    out[_("CAC ceiling")] = lang.money_column(table["cac_ceiling"], a.currency)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

