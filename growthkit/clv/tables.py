"""The CLV report's formatted tables: text cells in the report's language.

Each function takes a :class:`~growthkit.clv.analysis.CLVAnalysis`, whose numbers stay
unformatted, and returns a DataFrame of formatted text (pandas escapes it); data-derived
strings pass ``lang.isolate``. The sentences are in :mod:`growthkit.clv.narrative`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.clv.display import (
    MODEL_WORDS,
    UNIT_WORDS,
    cell_money,
    fit_table,
    has_margin,
    money_range,
    unit_word,
)
from growthkit.clv.segments import BOUGHT_ONCE, SEGMENTS
from growthkit.clv.spend import CORRELATION_LIMIT
from growthkit.formatting import package_versions
from growthkit.i18n import Language
from growthkit.numeric import finite

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from growthkit.clv.analysis import CLVAnalysis

__all__ = [
    "clv_table",
    "full_table",
    "holdout_table",
    "model_table",
    "overview_table",
    "rfm_table",
    "run_info",
    "segments_table",
    "spend_table",
    "tables",
]


def overview_table(a: CLVAnalysis) -> pd.DataFrame:
    """The data at a glance, one formatted value per row."""
    lang, o = a.lang, a.overview
    _ = lang.gettext
    q = a.data_quality
    repeat = int((a.current["frequency"] > 0).sum())
    lines = q.row_unit == "line"  # the counts below are of rows: lines of orders then
    rows = {
        _("Source"): lang.isolate(a.parameters["data"]),
        _("Customers"): lang.number(o["customers"]),
        _("Orders"): lang.number(o["orders"]),
        **({_("Lines"): lang.number(o.get("lines", o["orders"]))} if lines else {}),
        _("First order"): lang.date(o["first_date"]),
        _("Last order"): lang.date(o["last_date"]),
        **({} if o.get("revenue") is None else {
            _("Revenue"): cell_money(a, o["revenue"]),
            (_("Lines of zero value") if lines else _("Orders of zero value")):
                lang.number(o["zero_amount_orders"]),
        }),
        (_("Lines left out (dates after today or typos)") if lines
         else _("Orders left out (dates after today or typos)")): lang.number(q.excluded_orders),
        **({(_("Lines without a customer (left out)") if lines
             else _("Rows without a customer (left out)")): lang.number(q.rows_without_customer)}
           if lines or q.rows_without_customer else {}),
        (_("Lines repeating another line of their order exactly") if lines
         else _("Rows repeating another row exactly")): lang.number(q.duplicate_rows),
        _("Customers with repeat purchases"): _("{part} of {whole}").format(
            part=lang.number(repeat), whole=lang.number(len(a.current))),
    }
    if a.calibration_end is not None:
        rows[_("Holdout check: model fitted on orders up to")] = lang.date(a.calibration_end)
    rows[_("Forecast: models fitted on orders up to")] = lang.date(a.observation_end)
    return pd.DataFrame({"": rows})


def rfm_table(a: CLVAnalysis) -> pd.DataFrame:
    """How frequency, recency, T and spend are distributed over the customers."""
    lang = a.lang
    _ = lang.gettext
    unit = unit_word(a)
    cols = {
        "frequency": _("Repeat purchases (frequency)"),
        "recency": _("First to last purchase (recency, {unit})").format(unit=unit),
        "T": _("Customer age (T, {unit})").format(unit=unit),
        "monetary_value": _("Mean repeat spend (0 without repeats)"),
    }
    cols = {k: v for k, v in cols.items() if k in a.current.columns}  # no amounts: no spend
    table = a.current[list(cols)].describe(percentiles=[0.25, 0.5, 0.75, 0.9]).T
    stats = {"mean": _("mean"), "std": _("std. deviation"), "min": _("min"),
             "25%": lang.percent(0.25, 0), "50%": _("median"), "75%": lang.percent(0.75, 0),
             "90%": lang.percent(0.9, 0), "max": _("max")}
    out = pd.DataFrame(index=[cols[c] for c in table.index])
    for stat, header in stats.items():
        values = table[stat].to_numpy()
        out[header] = [
            cell_money(a, v) if col == "monetary_value" else lang.number(v, 1)
            for col, v in zip(table.index, values, strict=True)
        ]
    return out


def model_table(a: CLVAnalysis) -> pd.DataFrame | None:
    """The forecast model's estimates with standard errors, log-likelihood and AIC."""
    if a.model is None:
        return None
    return fit_table(a.model.summary(), a.lang)


def holdout_table(a: CLVAnalysis) -> pd.DataFrame | None:
    """Holdout purchases by calibration frequency, with a total row (None without holdout)."""
    if a.holdout is None:
        return None
    lang, h = a.lang, a.holdout
    _ = lang.gettext
    table = h.by_frequency
    rows = list(table.itertuples())
    out = pd.DataFrame({
        _("customers"): [lang.number(r.customers) for r in rows] + [lang.number(h.customers)],
        _("actual per customer"): [lang.number(r.actual, 2) for r in rows]
        + [lang.number(h.actual_purchases / h.customers, 2)],
        _("predicted per customer"): [lang.number(r.predicted, 2) for r in rows]
        + [lang.number(h.predicted_purchases / h.customers, 2)],
        _("actual total"): [lang.number(r.actual_total) for r in rows]
        + [lang.number(h.actual_purchases)],
        _("predicted total"): [lang.number(r.predicted_total, 1) for r in rows]
        + [lang.number(h.predicted_purchases, 1)],
    }, index=[_label_bucket(lang, str(b)) for b in table.index] + [_("all")])
    out.index.name = _("repeat purchases in the calibration period")
    return out


def _label_bucket(lang: Language, bucket: str) -> str:
    if bucket.endswith("+"):
        return lang.gettext("{n} or more").format(n=lang.number(int(bucket[:-1])))
    return lang.number(int(bucket))


def spend_table(a: CLVAnalysis) -> pd.DataFrame | None:
    """The spend model's estimates and the checks of its assumptions."""
    if a.spend_model is None:
        return None
    lang, g = a.lang, a.spend_model
    _ = lang.gettext
    if g.correlation_warning:
        flag = _("above {limit}: the model's assumption is doubtful")
    else:
        flag = _("below {limit}: fine")
    rows = {
        **{k: lang.significant(v, 4) for k, v in g.params.items()},
        _("log-likelihood"): lang.number(g.log_likelihood, 2),
        _("customers fitted"): lang.number(g.n_customers),
        _("customers excluded"): _("{n} ({once} without repeat purchases)").format(
            n=lang.number(g.excluded_customers), once=lang.number(g.excluded_one_time)),
        _("mean spend per purchase"): cell_money(a, g.population_mean),
        _("frequency-spend correlation"): _("{corr} ({flag})").format(
            corr=lang.number(g.correlation, 3),
            flag=flag.format(limit=lang.number(CORRELATION_LIMIT, 1))),
    }
    return pd.DataFrame({_("Gamma-Gamma spend model"): rows})


def clv_table(a: CLVAnalysis) -> pd.DataFrame | None:
    """Total, mean and median CLV with the interval of the total; profit too with a margin."""
    if a.intervals is None:
        return None
    lang, p, t = a.lang, a.predictions, a.intervals
    _ = lang.gettext
    kinds = [(_("Revenue CLV"), "clv_revenue", t.total)]
    if has_margin(a):
        kinds.append((_("Profit CLV"), "clv_profit", t.total_profit))
    rows = {}
    for kind, col, (point, low, high) in kinds:
        rows[kind] = {
            _("total"): cell_money(a, point),
            _("{level} interval").format(level=lang.percent(t.level, 0)): money_range(a, low, high),
            _("mean per customer"): cell_money(a, p[col].mean()),
            _("median per customer"): cell_money(a, p[col].median()),
            _("top 1% of customers from"): cell_money(a, p[col].quantile(0.99)),
        }
    return pd.DataFrame(rows).T


def segments_table(a: CLVAnalysis) -> pd.DataFrame | None:
    """Segments, their value with intervals, and what to do."""
    if a.segments is None:
        return None
    lang, s = a.lang, a.segments
    _ = lang.gettext
    columns = {  # lists, not Series: the index is translated
        _("customers"): [lang.number(v) for v in s["customers"]],
        _("share"): [lang.percent(v) for v in s["share"]],
        _("mean P(alive)"): [
            _("n/a") if name == BOUGHT_ONCE and a.model.name == "bgnbd" else lang.probability(v)
            for name, v in s["mean_p_alive"].items()
        ],
        _("expected purchases"): [lang.number(v) for v in s["expected_purchases"]],
    }
    if a.intervals is not None:  # a purchase log without amounts has no value columns
        # One unit and one precision per column (Language.money_column): "$1K" never sits
        # beside "$1.03K". The interval's bounds are each a column of their own in that sense.
        lows = lang.money_column(s["revenue_low"], a.currency)
        highs = lang.money_column(s["revenue_high"], a.currency)
        columns |= {
            _("total CLV"): lang.money_column(s["clv_revenue"], a.currency),
            _("{level} interval").format(level=lang.percent(a.intervals.level, 0)): [
                _("{low} to {high}").format(low=lo, high=hi) if finite(low) and finite(high)
                else "–"
                for lo, hi, low, high in zip(lows, highs, s["revenue_low"], s["revenue_high"],
                                             strict=True)
            ],
            _("mean CLV"): lang.money_column(s["mean_clv"], a.currency),
        }
    columns[_("what to do")] = [_(SEGMENTS[name]) for name in s.index]
    return pd.DataFrame(columns, index=pd.Index([_(name) for name in s.index], name=_("segment")))


def full_table(table: pd.DataFrame, wrap: list[str] | None = None) -> Styler:
    """``table`` as a Styler: every cell whole (no "..."), escaped, only ``wrap`` may wrap.

    Parameters
    ----------
    table : pandas.DataFrame
        Formatted text cells.
    wrap : list of str, optional
        Columns whose text may wrap (long advice); the others stay on one line.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    keep = [c for c in table.columns if c not in set(wrap or ())]
    styler = table.style.format(escape="html").format_index(escape="html", axis=0)
    styler = styler.format_index(escape="html", axis=1)
    if keep:
        styler = styler.set_properties(subset=keep, **{"white-space": "nowrap"})
    return styler.set_table_styles([{"selector": "th", "props": "text-align: start;"}])


def tables(a: CLVAnalysis) -> dict[str, pd.DataFrame]:
    """The key tables by their translated titles: CLV, segments and the model fit."""
    _ = a.lang.gettext
    if a.model is None:
        return {}
    return {
        **({} if a.intervals is None else {_("Customer lifetime value"): clv_table(a)}),
        _("Segments for action"): segments_table(a),
        _("Model fit: {model}").format(model=_(MODEL_WORDS[a.model.name])): model_table(a),
    }


def _plain(lang: Language, name: str, value: Any) -> str:
    """A parameter value as a reader reads it: no quotes, words for codes and None."""
    _ = lang.gettext
    if value is None:
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "model" and value in MODEL_WORDS:
        return _(MODEL_WORDS[value])
    if name == "time_unit" and value in UNIT_WORDS:
        return _(UNIT_WORDS[value])
    if isinstance(value, float) and math.isfinite(value):
        return lang.number(value, 2) if value != int(value) else lang.number(value)
    if isinstance(value, int):
        return str(value) if name == "seed" else lang.number(value)
    return lang.isolate(value)


def run_info(a: CLVAnalysis) -> pd.DataFrame:
    """Parameters (as resolved) and package versions, for the last cell of the report."""
    lang = a.lang
    _ = lang.gettext
    rows = {
        _("parameter: {name}").format(name=lang.isolate(k)): _plain(lang, k, v)
        for k, v in a.parameters.items()
    }
    rows |= {
        _("version: {name}").format(name=lang.isolate(k)): lang.isolate(v)
        for k, v in package_versions().items()
    }
    return pd.DataFrame({_("value"): rows})
