"""``analyze``: the whole subscriptions report as one result object the notebook reads from."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from growthkit.data import DataQuality, Orders, redact, validate_orders
from growthkit.data.dates import as_date
from growthkit.errors import GrowthkitError
from growthkit.formatting import package_versions
from growthkit.i18n import Language, check_currency, get_language
from growthkit.notes import Note, note_dicts, note_texts
from growthkit.result import ReportAnalysis, records, summary_in
from growthkit.samples import sample_parameters
from growthkit.subscriptions import display, messages, narrative, tables
from growthkit.subscriptions.crc import CRC, crc_from_spend, split_spend
from growthkit.subscriptions.engagement import (
    DEFAULT_STEPS,
    MAU_WINDOW_DAYS,
    dau_mau,
    funnel,
    parse_steps,
    validate_events,
)
from growthkit.subscriptions.labels import DOMAIN, words
from growthkit.subscriptions.migration import plan_migration
from growthkit.subscriptions.mrr import (
    MonthRange,
    compute_cube,
    month_key_of,
    month_label,
    months_without_payers,
    movements_from_cube,
)
from growthkit.subscriptions.nps import nps as nps_of
from growthkit.subscriptions.periods import (
    GRACE_DAYS,
    billing_rules,
    month_end_snapshots,
    service_periods,
)
from growthkit.subscriptions.rates import (
    cac_payback,
    losses_by_plan,
    ltv,
    monthly_rates,
    payback_curve,
    period_rates,
    yearly_retention,
)
from growthkit.subscriptions.retention import (
    ALL,
    SBGFit,
    cohort_revenue,
    fit_groups,
    sbg_table,
    survival_counts,
    unfitted_note,
)
from growthkit.subscriptions.settings import SubscriptionsSettings
from growthkit.subscriptions.snapshot import snapshot_counts, snapshot_fits, snapshot_value

__all__ = ["WINDOW_MONTHS", "SnapshotAnalysis", "SubscriptionsAnalysis", "analyze"]

#: The headline rates are over the last this many complete months.
WINDOW_MONTHS = 12
#: Coverage of the retention model's intervals.
LEVEL = 0.9
#: Trial and paid steps of the funnel, for the trial → paid conversion.
TRIAL_STEP, PAID_STEP = "trial_start", "paid"


@dataclass(frozen=True, repr=False, eq=False)  # ReportAnalysis's repr; no DataFrame ==
class SubscriptionsAnalysis(ReportAnalysis):
    """The subscriptions report's numbers: MRR movements, churn, value, retention, funnel.

    Made by :func:`analyze`. Tables hold unformatted numbers; the ``*_table`` methods format
    them for reading and the ``*_markdown`` methods give the sentences of each section.

    Attributes
    ----------
    movements : pandas.DataFrame
        :func:`growthkit.subscriptions.mrr_movements`: one row per complete month from the
        second month of data.
    first_month : dict
        The first month's ``month``, ``mrr`` and ``customers`` (no opening balance).
    months : MonthRange
        The months observed and how the range ends.
    rates : pandas.DataFrame
        :func:`growthkit.subscriptions.monthly_rates`.
    window : dict
        :func:`growthkit.subscriptions.period_rates` over the last :data:`WINDOW_MONTHS`
        months, with ``first``, ``last``, ``months`` and the movements summed.
    value : dict
        ``arpa``, ``gross_margin``, ``churn``, ``ltv``, ``cac``, ``ltv_cac``,
        ``cac_payback_months``.
    payback : pandas.DataFrame
        :func:`growthkit.subscriptions.payback_curve` (cumulative margin per acquired
        customer by months since the first payment).
    sbg_fits : list of SBGFit
        The retention model per starting plan (one fit over everyone without a plan column).
    sbg_overall : SBGFit
        The retention model over every customer.
    sbg_cohorts : list of SBGFit
        The retention model per acquisition quarter.
    migration : pandas.DataFrame or None
        Month-to-month moves between plans (:func:`growthkit.subscriptions.plan_migration`).
    funnel : pandas.DataFrame or None
        :func:`growthkit.subscriptions.funnel`, overall rows then per channel.
    activity : pandas.DataFrame or None
        :func:`growthkit.subscriptions.dau_mau` (daily).
    nps : dict or None
        :func:`growthkit.subscriptions.nps`.
    overview : dict
        Charges, customers, first and last day, revenue, zero-amount charges and refunds.
    billing : dict
        Customers per rule their service periods came from
        (:data:`growthkit.subscriptions.periods.RULES`).
    crc : CRC or None
        The customer retention cost over the window, overall and by acquisition channel
        (:func:`growthkit.subscriptions.crc.crc_table`), from ``spend_data``.
    data_quality : DataQuality or None
        What the validation pass found in the charges (JSON via ``to_dict()``).
    settings : SubscriptionsSettings
        The parameters as resolved (sample defaults filled in).
    parameters : dict
        ``settings.to_json()`` with the sources display-safe and ``language`` the locale id.
    notes : tuple of Note
        One note per skipped section or caveat (code, English template, arguments): the JSON
        ``notes`` (English text) and ``notes_detail``; the sections show them in the report's
        language.
    lang : Language
        The report's language: words, number formats and digits of every reader-facing text.
    """

    movements: pd.DataFrame
    first_month: dict[str, Any]
    months: MonthRange
    rates: pd.DataFrame
    window: dict[str, Any]
    value: dict[str, Any]
    payback: pd.DataFrame
    sbg_fits: list[SBGFit]
    sbg_overall: SBGFit
    sbg_cohorts: list[SBGFit]
    migration: pd.DataFrame | None
    funnel: pd.DataFrame | None
    activity: pd.DataFrame | None
    nps: dict[str, Any] | None
    overview: dict[str, Any]
    data_quality: DataQuality | None
    billing: dict[str, int] = field(default_factory=dict)
    crc: CRC | None = None
    settings: SubscriptionsSettings = field(default_factory=SubscriptionsSettings)
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    lang: Language = field(default_factory=words)

    # ------------------------------------------------------------------ derived numbers

    @property
    def currency(self) -> str:
        """The ISO 4217 code money is shown in."""
        return self.settings.currency

    @property
    def level(self) -> float:
        """Coverage of the retention model's intervals."""
        return LEVEL

    @property
    def discount_rate(self) -> float:
        """The monthly discount rate from ``annual_discount_rate``."""
        return (1 + self.settings.annual_discount_rate) ** (1 / 12) - 1

    def sbg_table(self) -> pd.DataFrame:
        """Unformatted retention-model rows per plan (see :func:`retention.sbg_table`)."""
        return sbg_table(self.sbg_fits, self.discount_rate, LEVEL)

    def sbg_cohort_table(self) -> pd.DataFrame:
        """Unformatted retention-model rows per acquisition quarter."""
        return sbg_table(self.sbg_cohorts, self.discount_rate, LEVEL)

    def funnel_overall(self) -> pd.DataFrame | None:
        """The funnel's overall rows (no channel)."""
        if self.funnel is None:
            return None
        return self.funnel[self.funnel["channel"].isna()].reset_index(drop=True)

    def trial_conversion(self) -> dict[str, Any] | None:
        """Trial → paid conversion overall and by channel, from the funnel; None without it."""
        f = self.funnel
        if f is None or not {TRIAL_STEP, PAID_STEP} <= set(f["step"]):
            return None
        trial_at = int(f.loc[f["step"] == TRIAL_STEP, "position"].iloc[0])
        paid_at = int(f.loc[f["step"] == PAID_STEP, "position"].iloc[0])
        if paid_at <= trial_at:
            return None
        out: dict[str, Any] = {"by_channel": {}}
        for channel, rows in f.groupby(f["channel"].fillna(""), sort=False):
            people = rows.set_index("step")["people"]
            trials, paid = int(people[TRIAL_STEP]), int(people[PAID_STEP])
            entry = {"trials": trials, "paid": paid,
                     "conversion": paid / trials if trials else math.nan}
            if channel == "":
                out |= entry
            else:
                out["by_channel"][channel] = entry
        return out

    def stickiness(self) -> float | None:
        """Mean DAU/MAU over the last :data:`MAU_WINDOW_DAYS` days; None without events."""
        a = self.activity
        if a is None or a.empty:
            return None
        return float(np.nanmean(a["dau_mau"].tail(MAU_WINDOW_DAYS)))

    def stickiness_monthly(self) -> pd.DataFrame | None:
        """Mean DAU, MAU and DAU/MAU per calendar month."""
        a = self.activity
        if a is None or a.empty:
            return None
        month = pd.to_datetime(a["day"]).dt.strftime("%Y-%m")
        out = a.groupby(month)[["dau", "mau", "dau_mau"]].mean().reset_index()
        return out.rename(columns={"day": "month"})

    # ------------------------------------------------------------------ the report's shape

    def summary(self, format: str = "markdown") -> str:
        """The paragraph at the top: MRR and its movements, churn, plans, value, funnel, NPS.

        Parameters
        ----------
        format : {"markdown", "text"}, default "markdown"
            As the report shows it, or plain text to paste into a chat or a dashboard.
        """
        return summary_in(narrative.summary_markdown(self), format, self.lang.rtl)

    def metrics(self) -> dict[str, Any]:
        """The JSON metrics of the report: JSON-safe, NaN as None.

        Returns
        -------
        dict
            ``mrr_movements`` (one row per month from the second month: ``month``, ``start``,
            ``new``, ``expansion``, ``contraction``, ``churn``, ``reactivation``, ``end`` and
            customer counts); ``churn`` (``logo``, ``gross_revenue``, ``net_revenue``,
            ``reactivation_rate``, ``includes_reactivation``, the ``window`` and ``monthly``
            rates); ``nrr``, ``grr``, ``quick_ratio`` (monthly, over the window); ``sbg``
            (per plan: ``alpha``, ``beta`` and projections); ``nps`` (``score``, ``ci_low``,
            ``ci_high``, ``n``, ...); ``dau_mau``; ``funnel`` (overall rows); and ``mrr``,
            ``arpa``, ``ltv``, ``sbg_overall``, ``sbg_cohorts``, ``migration``,
            ``trial_conversion``, ``funnel_by_channel``, ``first_month``, ``months``,
            ``headline``, ``summary``, ``notes``, ``parameters``, ``versions`` and
            ``data_quality``. Sections skipped for want of input are null.
        """
        w = self.window
        last = self.movements.iloc[-1]
        f = self.funnel
        return {
            "mrr_movements": records(self.movements),
            "first_month": dict(self.first_month),
            "months": {
                "first": month_label(self.months.first),
                "last": month_label(self.months.last),
                "observed": self.months.months,
                "last_charge_day": self.overview["last_day"],
                "observation_end": self.months.last_day.isoformat(),
                "partial_month_left_out": (
                    month_label(self.months.partial) if self.months.partial is not None else None
                ),
                "monthly_data": self.months.monthly_data,
                "without_paid_charges": months_without_payers(self.movements),
            },
            "mrr": float(last["end"]),
            "customers": int(last["customers_end"]),
            "arpa": self.value["arpa"],
            "churn": {
                "period": "month",
                "window": {"first": w["first"], "last": w["last"], "months": w["months"]},
                "logo": w["logo_churn"],
                "gross_revenue": w["gross_revenue_churn"],
                "net_revenue": w["net_revenue_churn"],
                "reactivation_rate": w["reactivation_rate"],
                "includes_reactivation": self.settings.include_reactivation,
                "monthly": records(self.rates),
            },
            "nrr": w["nrr"],
            "grr": w["grr"],
            "quick_ratio": w["quick_ratio"],
            "nrr_12m": w["yearly"]["nrr"],
            "grr_12m": w["yearly"]["grr"],
            "yearly_retention": {**w["yearly"], "month": w["last"],
                                 "base_month": month_label(month_key_of(w["last"]) - 12)},
            "quick_ratio_definitions": {
                "with_reactivation": w["quick_ratio_with_reactivation"],
                "without_reactivation": w["quick_ratio_without_reactivation"],
                "headline": ("with_reactivation" if self.settings.include_reactivation
                             else "without_reactivation"),
            },
            "paying_customers": self.overview.get("paying_customers"),
            "mrr_lost_by_plan": records(w["losses_by_plan"]),
            "ltv": dict(self.value),
            "crc": _crc_json(self.crc),
            "sbg": _sbg_json(self.sbg_table()),
            "sbg_overall": _sbg_json(sbg_table([self.sbg_overall], self.discount_rate, LEVEL))
            .get(ALL),
            "sbg_cohorts": _sbg_json(self.sbg_cohort_table()),
            "migration": records(self.migration),
            "nps": dict(self.nps) if self.nps is not None else None,
            "dau_mau": self.stickiness(),
            "dau_mau_window_days": MAU_WINDOW_DAYS,
            "dau_mau_monthly": records(self.stickiness_monthly()),
            "funnel": records(self.funnel_overall()),
            "funnel_by_channel": (
                records(f[f["channel"].notna()].reset_index(drop=True)) if f is not None else None
            ),
            "trial_conversion": self.trial_conversion(),
            "billing_intervals": dict(self.billing),
            "headline": narrative.headline(self),
            "summary": self.summary(format="text"),
            "summary_markdown": self.summary(),
            "notes": note_texts(self.notes),
            "notes_detail": note_dicts(self.notes),
            "parameters": dict(self.parameters),
            "versions": package_versions(),
            "data_quality": self.data_quality.to_dict() if self.data_quality else None,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The movements, the churn rates, value and retention by plan, formatted."""
        return {
            self.lang.gettext("MRR movements"): self.movements_table(),
            self.lang.gettext("Churn and retention"): self.rates_summary_table(),
            self.lang.gettext("Customer value"): self.value_table(),
            self.lang.gettext("Retention by plan (sBG)"): self.sbg_plan_table(),
        }

    # ------------------------------------------------------------------ sections

    def data_markdown(self) -> str:
        """What went in, how months are counted, and the data-quality findings."""
        return display.data_markdown(self)

    def overview_table(self) -> pd.DataFrame:
        """Charges, customers, dates and months observed, formatted."""
        return tables.overview_table(self)

    def movements_markdown(self) -> str:
        """The first month without opening balance, and months without paid charges."""
        return display.movements_markdown(self)

    def movements_table(self) -> pd.DataFrame:
        """The MRR movements, month by month, formatted (money in the currency)."""
        return tables.movements_table(self.movements, self.currency, self.lang)

    def rates_markdown(self) -> str:
        """How the rates are made (window, reactivation) and what they say."""
        return display.rates_markdown(self)

    def rates_summary_table(self) -> pd.DataFrame:
        """The rates over the window, formatted."""
        return tables.rates_summary_table(self)

    def rates_table(self) -> pd.DataFrame:
        """The rates month by month, formatted."""
        return tables.rates_table(self.rates, self.currency, self.lang)

    def value_markdown(self) -> str:
        """ARPA, LTV, LTV:CAC and payback in words, or why they are missing."""
        return display.value_markdown(self)

    def value_table(self) -> pd.DataFrame:
        """ARPA, margin, churn, LTV, CAC, LTV:CAC and payback, formatted."""
        return tables.value_table(self.value, self.currency, self.lang)

    def sbg_markdown(self) -> str:
        """What the retention model says about the plans, and groups it could not fit."""
        return display.sbg_markdown(self)

    def sbg_plan_table(self) -> pd.DataFrame:
        """Retention model per plan, formatted."""
        return tables.sbg_display(self.sbg_table(), self.lang.gettext("Plan"), self.lang,
                                     level=LEVEL)

    def sbg_cohorts_table(self) -> pd.DataFrame:
        """Retention model per acquisition quarter, formatted."""
        return tables.sbg_display(self.sbg_cohort_table(), self.lang.gettext("Acquired"),
                                     self.lang, level=LEVEL, quarters=True)

    def migration_markdown(self) -> str:
        """Moves between plans in words, or the note that the section is skipped."""
        return display.migration_markdown(self)

    def migration_table(self) -> pd.DataFrame | None:
        """From × to counts with row shares; None without a plan column."""
        return tables.migration_table(self.migration, self.lang)

    def funnel_markdown(self) -> str:
        """The funnel and trial conversion in words, or the note that they are skipped."""
        return display.funnel_markdown(self)

    def funnel_table(self) -> pd.DataFrame | None:
        """People per funnel step, with conversion, formatted; None without events."""
        return tables.funnel_table(self.funnel, self.lang)

    def trial_table(self) -> pd.DataFrame | None:
        """Trial → paid conversion by channel, formatted; None without it."""
        return tables.trial_table(self.trial_conversion(), self.lang)

    def crc_markdown(self) -> str:
        """The customer retention cost against ARPA and CAC, or the skipped note."""
        return display.crc_markdown(self)

    def crc_table(self) -> pd.DataFrame | None:
        """CRC, ARPA and CAC by acquisition channel, formatted; None without spend_data."""
        return tables.crc_display(self)

    def nps_markdown(self) -> str:
        """NPS with its interval and the method named, or the note that it is skipped."""
        return display.nps_markdown(self.nps, self.lang)

    def nps_table(self) -> pd.DataFrame | None:
        """Promoters, passives and detractors, formatted; None without survey data."""
        return tables.nps_table(self.nps, self.lang)

    def engagement_markdown(self) -> str:
        """DAU/MAU in words with the window stated, or the note that it is skipped."""
        return display.engagement_markdown(self)


def _sbg_json(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out = {}
    for row in records(table) or []:
        name = str(row.pop("group"))
        out[name] = row
    return out


@dataclass(frozen=True, repr=False, eq=False)
class SnapshotAnalysis(ReportAnalysis):
    """The subscriptions report on a customer snapshot (one row per customer).

    Made by :func:`analyze` with ``tenure_col`` and ``churned_col``. Retention by plan from
    censored lifetimes (sBG), churn, ARPA and LTV by plan; the sections that need charges over
    time (movements, rates, payback, migration) are skipped with one note, and their
    attributes and tables are None, so the notebook's cells skip them.

    Attributes
    ----------
    customers : int
    sbg_fits : list of SBGFit
        Per plan (one over everyone without a plan column).
    sbg_overall : SBGFit
    by_plan : pandas.DataFrame
        :func:`growthkit.subscriptions.snapshot.snapshot_value` per plan, then over everyone.
    settings, parameters, notes, lang
        As :class:`SubscriptionsAnalysis`.
    """

    customers: int
    sbg_fits: list[SBGFit]
    sbg_overall: SBGFit
    by_plan: pd.DataFrame
    settings: SubscriptionsSettings = field(default_factory=SubscriptionsSettings)
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    lang: Language = field(default_factory=words)
    movements = None
    rates = None
    migration = None
    funnel = None
    activity = None
    nps = None
    data_quality = None

    @property
    def currency(self) -> str:
        """The ISO 4217 code money is shown in."""
        return self.settings.currency

    @property
    def discount_rate(self) -> float:
        """The monthly discount rate from ``annual_discount_rate``."""
        return (1 + self.settings.annual_discount_rate) ** (1 / 12) - 1

    @property
    def level(self) -> float:
        """Coverage of the retention model's intervals."""
        return LEVEL

    def sbg_table(self) -> pd.DataFrame:
        """Unformatted retention-model rows per plan."""
        return sbg_table(self.sbg_fits, self.discount_rate, LEVEL)

    def summary(self, format: str = "markdown") -> str:
        """Retention and value by plan, and why the movement sections are skipped.

        Parameters
        ----------
        format : {"markdown", "text"}, default "markdown"
            As the report shows it, or plain text to paste into a chat or a dashboard.
        """
        return summary_in(display.snapshot_summary(self), format, self.lang.rtl)

    def metrics(self) -> dict[str, Any]:
        """The JSON: the keys of :meth:`SubscriptionsAnalysis.metrics` (null where the
        snapshot cannot say) and ``snapshot`` (per plan: customers, churned, churn, ARPA, LTV,
        LTV:CAC, discounted lifetime, DERL of an active customer)."""
        return {
            "mrr_movements": None, "first_month": None, "months": None, "mrr": None,
            "customers": self.customers, "arpa": None, "churn": None, "nrr": None,
            "grr": None, "quick_ratio": None, "ltv": None,
            "sbg": _sbg_json(self.sbg_table()),
            "sbg_overall": _sbg_json(sbg_table([self.sbg_overall], self.discount_rate, LEVEL))
            .get(ALL),
            "sbg_cohorts": None, "migration": None, "nps": None, "dau_mau": None,
            "dau_mau_window_days": MAU_WINDOW_DAYS, "dau_mau_monthly": None, "funnel": None,
            "funnel_by_channel": None, "trial_conversion": None, "billing_intervals": None,
            "nrr_12m": None, "grr_12m": None, "yearly_retention": None,
            "quick_ratio_definitions": None, "paying_customers": None,
            "mrr_lost_by_plan": None, "crc": None,
            "snapshot": {r.pop("group"): r for r in records(self.by_plan) or []},
            "headline": display.snapshot_headline(self),
            "summary": self.summary(format="text"),
            "summary_markdown": self.summary(),
            "notes": note_texts(self.notes),
            "notes_detail": note_dicts(self.notes),
            "parameters": dict(self.parameters),
            "versions": package_versions(),
            "data_quality": None,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """Value and retention by plan, formatted."""
        return {
            self.lang.gettext("Customer value"): self.value_table(),
            self.lang.gettext("Retention by plan (sBG)"): self.sbg_plan_table(),
        }

    def data_markdown(self) -> str:
        """What went in."""
        return display.snapshot_data_markdown(self)

    def overview_table(self) -> None:
        """No charges: no overview table."""
        return None

    def movements_markdown(self) -> str:
        """The one note saying why the movement sections are skipped."""
        return " ".join(notes_of(self, ("snapshot_movements_skipped",)))

    def rates_markdown(self) -> str:
        """Skipped (see :meth:`movements_markdown`)."""
        return ""

    def value_markdown(self) -> str:
        """Churn, ARPA and LTV by plan, how they are made, and skipped parts."""
        return display.snapshot_value_markdown(self)

    def sbg_markdown(self) -> str:
        """What the retention model says about the plans."""
        return display.sbg_markdown(self)

    def sbg_plan_table(self) -> pd.DataFrame:
        """Retention model per plan, formatted."""
        return tables.sbg_display(self.sbg_table(), self.lang.gettext("Plan"), self.lang,
                                  level=LEVEL)

    def migration_markdown(self) -> str:
        """Skipped."""
        return ""

    def funnel_markdown(self) -> str:
        """Skipped."""
        return ""

    def nps_markdown(self) -> str:
        """Skipped."""
        return ""

    def engagement_markdown(self) -> str:
        """Skipped."""
        return ""

    def trial_conversion(self) -> None:
        """No funnel on a snapshot."""
        return None

    def stickiness(self) -> None:
        """No events on a snapshot."""
        return None

    def value_table(self) -> pd.DataFrame:
        """Churn, ARPA, LTV and lifetimes by plan, formatted."""
        return tables.snapshot_value_table(self.by_plan, self.currency, self.lang)

    def movements_table(self) -> None:
        """Skipped."""
        return None

    def rates_summary_table(self) -> None:
        """Skipped."""
        return None

    def rates_table(self) -> None:
        """Skipped."""
        return None

    def sbg_cohorts_table(self) -> None:
        """No acquisition dates in a snapshot."""
        return None


def notes_of(a: ReportAnalysis, codes: tuple[str, ...]) -> list[str]:
    """The notes of ``a`` with one of ``codes``, in its language, for Markdown."""
    return [n.text(a.lang, markdown=True) for n in a.notes if n.code in codes]


# ----------------------------------------------------------------------------- analyze


@dataclass(frozen=True)
class _Run:
    """What the resolve step hands to the compute step."""

    settings: SubscriptionsSettings
    lang: Language
    steps: tuple[str, ...]
    notes: list[Note]


def _resolve(data: object, settings: SubscriptionsSettings) -> _Run:
    """Sample defaults filled in, the language, the currency and the default notes."""
    defaults = sample_parameters(data)
    optional = ("plan_col", "months_covered_col", "events_data", "nps_data", "gross_margin",
                "cac", "spend_data")
    filled = {k: defaults[k] for k in optional
              if getattr(settings, k) is None and defaults.get(k) is not None}
    notes: list[Note] = []
    if settings.gross_margin is None and "gross_margin" not in filled:
        filled["gross_margin"] = 1.0
        notes.append(messages.fixed(messages.MARGIN_DEFAULT))
    lang = get_language(settings.language, digits=settings.digits, domain=DOMAIN)
    filled["currency"] = check_currency(settings.currency)
    settings = settings.replace(**filled)
    steps = parse_steps(settings.funnel_steps)
    return _Run(settings, lang, steps, notes)


def _value(window: dict[str, Any], curve: pd.DataFrame, margin: float,
           cac_value: float | None) -> dict[str, Any]:
    """LTV from the window, payback from the acquisition cohorts."""
    value = {
        "arpa": window["arpa"],
        "gross_margin": margin,
        "churn": window["logo_churn"],
        "ltv": ltv(window["arpa"], margin, window["logo_churn"]),
        "cac": cac_value,
        "ltv_cac": math.nan,
        "cac_payback_months": None,
        "payback_months_observed": int(curve["period"].max()) if len(curve) else 0,
    }
    if cac_value is not None:
        value["ltv_cac"] = value["ltv"] / cac_value if cac_value > 0 else math.nan
        value["cac_payback_months"] = cac_payback(curve, cac_value) if len(curve) else None
    return value


def _crc_json(crc: CRC | None) -> dict[str, Any] | None:
    """The customer retention cost for the JSON: window, overall row, rows by channel."""
    if crc is None:
        return None
    rows = records(crc.table)
    return {"first": month_label(crc.first), "last": month_label(crc.last),
            "retention_by_channel": crc.retention_by_channel, "source": crc.source,
            "overall": rows[-1], "by_channel": rows[:-1]}


def _window(movements: pd.DataFrame, include_reactivation: bool) -> dict[str, Any]:
    """The rates over the last :data:`WINDOW_MONTHS` months, with the movements summed, and
    the quick ratio by both definitions (reactivation counted as a gain, and not)."""
    recent = movements.tail(WINDOW_MONTHS)
    both = {
        f"quick_ratio_{'with' if flag else 'without'}_reactivation":
            period_rates(recent, flag)["quick_ratio"]
        for flag in (True, False)
    }
    return period_rates(recent, include_reactivation) | both | {
        "includes_reactivation": include_reactivation,
        "first": recent["month"].iloc[0], "last": recent["month"].iloc[-1],
        "months": len(recent),
        **{k: float(recent[k].sum()) for k in
           ("start", "new", "expansion", "reactivation", "contraction", "churn")},
    }


def _retention(cube: pd.DataFrame, months: MonthRange, by_plan: bool
               ) -> tuple[list[SBGFit], list[SBGFit], list[SBGFit], list[Note]]:
    """The sBG fits by plan, over everyone and by acquisition quarter, and the unfitted notes."""
    overall = fit_groups(survival_counts(cube, months, None))
    by = fit_groups(survival_counts(cube, months, "plan")) if by_plan else overall
    cohorts = fit_groups(survival_counts(cube, months, "quarter"))
    if not overall:
        empty = pd.DataFrame({"period": [], "survival": [], "starters": []})
        overall = [SBGFit(ALL, None, 0, empty, "no_starters")]
    notes = [unfitted_note(f, by_plan) for f in by + overall if f.model is None]
    return by, overall, cohorts, notes


def _engagement(run: _Run, timezone: str, events: Orders | None = None
                ) -> tuple[Any, Any, list[Note]]:
    """The funnel and the daily activity from the events, with their notes."""
    s = run.settings
    if s.events_data is None:
        return None, None, [messages.fixed(messages.EVENTS_SKIPPED)]
    notes: list[Note] = []
    funnel_rows = None
    events = events or validate_events(s.events_data, timezone)
    if len(run.steps) >= 2:
        funnel_rows = funnel(events, run.steps, s.funnel_window_days, True, timezone)
        if "channel" not in events.table.columns:
            notes.append(messages.fixed(messages.NO_CHANNEL))
        missing = funnel_rows.loc[funnel_rows["channel"].isna()
                                  & (funnel_rows["with_event"] == 0), "step"].tolist()
        notes += [messages.step_missing(step) for step in missing]
    else:
        notes.append(messages.fixed(messages.FUNNEL_SKIPPED))
    # Activity is its own definition: the funnel_steps given never change DAU/MAU.
    activity = dau_mau(events, DEFAULT_STEPS, MAU_WINDOW_DAYS, timezone,
                       activity_events=s.activity_events)
    future = events.quality.future_orders if events.quality is not None else 0
    if future:
        notes.append(messages.future_events(future, events.quality.today))
    if activity.empty:
        notes.append(messages.fixed(messages.NO_ACTIVITY))
        activity = None
    return funnel_rows, activity, notes


def _compute(data: object, run: _Run) -> dict[str, Any]:
    """Every number of the report, and the notes the computations return."""
    s = run.settings
    keep = [c for c in dict.fromkeys([s.plan_col, s.months_covered_col, s.period_end_col])
            if c]
    orders = validate_orders(data, s.customer_col, s.date_col, s.amount_col, s.timezone,
                             keep=keep)
    periods = service_periods(orders, period_end_col=s.period_end_col,
                              months_covered_col=s.months_covered_col, plan_col=s.plan_col,
                              grace_days=s.grace_days)
    check = s.months_covered_col is not None or s.period_end_col is not None
    cm = month_end_snapshots(periods, s.plan_col is not None, orders.last_day.day == 1, check)
    cube, months = compute_cube(orders, s.months_covered_col, s.plan_col, cm=cm,
                                period_end_col=s.period_end_col,
                                observation_end=as_date(s.observation_end, "observation_end"))
    movements, first = movements_from_cube(cube, months)
    window = _window(movements, s.include_reactivation)
    window["yearly"] = yearly_retention(cm, months.last)
    window["losses_by_plan"] = losses_by_plan(cube, month_key_of(window["first"]),
                                              month_key_of(window["last"]))
    curve = payback_curve(cohort_revenue(cube, months), s.gross_margin)
    notes = list(run.notes)
    if s.cac is None:
        notes.append(messages.fixed(messages.CAC_SKIPPED))
    by_plan, overall, cohorts, sbg_notes = _retention(cube, months, s.plan_col is not None)
    notes += sbg_notes
    migration = None
    if s.plan_col is None:
        notes.append(messages.fixed(messages.PLANS_SKIPPED))
    else:
        migration = plan_migration(cm, months)
    billing, paying = billing_rules(periods)
    if s.months_covered_col is None and s.period_end_col is None:
        notes.append(messages.intervals_inferred(billing))
    events = (validate_events(s.events_data, s.timezone) if s.events_data is not None
              else None)
    funnel_rows, activity, engagement_notes = _engagement(run, s.timezone, events)
    crc = None
    if s.spend_data is None:
        notes.append(messages.fixed(messages.CRC_SKIPPED))
    else:
        acquisition, retention = split_spend(s.spend_data, s.timezone)
        if retention.empty:
            notes.append(messages.fixed(messages.CRC_NO_RETENTION))
        else:
            has_channel = events is not None and "channel" in events.table.columns
            crc = crc_from_spend(cm, month_key_of(window["first"]),
                                 month_key_of(window["last"]), acquisition, retention,
                                 events.table if has_channel else None, redact(s.spend_data))
            if not crc.retention_by_channel:
                notes.append(messages.fixed(messages.CRC_BLENDED))
    notes += engagement_notes
    nps = None
    if s.nps_data is None:
        notes.append(messages.fixed(messages.NPS_SKIPPED))
    else:
        nps = nps_of(s.nps_data)
        if nps["duplicates"]:
            notes.append(messages.nps_duplicates(nps["duplicates"], nps["key"]))
    notes = messages.month_notes(
        first["month"], month_label(months.first + 1), months.last_day,
        month_label(months.partial) if months.partial is not None else None,
        months.monthly_data, month_label(months.last), months_without_payers(movements),
    ) + notes
    overview = _overview(orders) | {"paying_customers": paying}
    return {
        "overview": overview, "movements": movements, "first_month": first, "months": months,
        "rates": monthly_rates(movements, s.include_reactivation), "window": window,
        "value": _value(window, curve, s.gross_margin, s.cac), "payback": curve,
        "sbg_fits": by_plan, "sbg_overall": overall[0], "sbg_cohorts": cohorts,
        "migration": migration, "funnel": funnel_rows, "activity": activity, "nps": nps,
        "billing": billing, "crc": crc, "notes": tuple(notes), "orders": orders,
    }


def _parameters(data: object, run: _Run) -> dict[str, Any]:
    """The JSON ``parameters``: the settings as resolved, sources display-safe."""
    out = {"data": redact(data), **run.settings.to_json()}
    out["events_data"] = _source(run.settings.events_data)
    out["nps_data"] = _source(run.settings.nps_data)
    out["funnel_steps"] = list(run.steps)
    out["language"], out["digits"] = run.lang.locale_id, run.lang.digits
    return out


def _snapshot(data: object, run: _Run) -> SnapshotAnalysis:
    """The report on a customer snapshot (tenure, churned): retention and value by plan."""
    s = run.settings
    if s.tenure_col is None or s.churned_col is None:
        given, missing = ("tenure_col", "churned_col")[:: 1 if s.tenure_col else -1]
        raise GrowthkitError(
            f"{given} is set but {missing} is not; expected both for a customer snapshot "
            "(months paid and whether each customer has left)"
        )
    snap = snapshot_counts(data, s.tenure_col, s.churned_col, s.plan_col, s.amount_col)
    fits, overall = snapshot_fits(snap, s.plan_col is not None)
    discount = (1 + s.annual_discount_rate) ** (1 / 12) - 1
    value = snapshot_value(snap, fits if s.plan_col else [overall], s.gross_margin, s.cac,
                           discount)
    if s.plan_col is not None:
        value = pd.concat([value, snapshot_value(snap, [overall], s.gross_margin, s.cac,
                                                 discount)], ignore_index=True)
    notes = [messages.fixed(messages.SNAPSHOT_MOVEMENTS_SKIPPED), *run.notes]
    if s.cac is None:
        notes.append(messages.fixed(messages.CAC_SKIPPED))
    notes += [unfitted_note(f, s.plan_col is not None) for f in fits if f.model is None]
    return SnapshotAnalysis(
        customers=snap.customers, sbg_fits=fits, sbg_overall=overall, by_plan=value,
        settings=s, parameters=_parameters(data, run), notes=tuple(notes), lang=run.lang,
    )


def analyze(
    data: object,
    /,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    plan_col: str | None = None,
    months_covered_col: str | None = None,
    period_end_col: str | None = None,
    grace_days: int = GRACE_DAYS,
    observation_end: str | _dt.date | None = None,
    tenure_col: str | None = None,
    churned_col: str | None = None,
    events_data: object | None = None,
    nps_data: object | None = None,
    funnel_steps: str | Sequence[str] | None = DEFAULT_STEPS,
    funnel_window_days: int = 45,
    activity_events: str | Sequence[str] | None = None,
    gross_margin: float | None = None,
    cac: float | None = None,
    spend_data: object | None = None,
    currency: str = "USD",
    include_reactivation: bool = False,
    annual_discount_rate: float = 0.10,
    timezone: str = "UTC",
    language: str = "en",
    digits: str = "locale",
) -> SubscriptionsAnalysis | SnapshotAnalysis:
    """Run the whole subscriptions report: MRR movements, churn, value, sBG, funnel, NPS.

    The parameters are the notebook's, one to one, declared once in
    :class:`~growthkit.subscriptions.SubscriptionsSettings` (bounds and help). The charges are
    validated once (:func:`growthkit.data.validate_orders`); their customer-months are built
    once; the movements, the retention counts and the cohort revenue come from one engine
    query, the plan migration from a second.

    Parameters
    ----------
    data : source
        Charges, one row per charge: a DataFrame, file, database URL, Ibis table or
        ``"sample:subscriptions"``.
    customer_col, date_col, amount_col : str
        The columns holding the customer, the charge's date and its amount (refunds
        negative).
    plan_col : str, optional
        The plan of each charge, for retention by plan and plan migration. None uses the
        sample's on the sample; on other data the plan sections are skipped, with a note.
    months_covered_col : str, optional
        Months each charge covers (12 for yearly): its service period. None uses the sample's
        on the sample; on other data (without ``period_end_col``) each customer's billing
        interval is inferred from their charges, with a note.
    period_end_col : str, optional
        The date each charge's service period ends (exclusive); before
        ``months_covered_col``.
    grace_days : int, default 7
        A renewal this many days or fewer after the period it renews ended continues it (no
        churn and comeback).
    observation_end : date-like, optional
        The day the data were taken. A month counts as complete once it has ended on or
        before this day; None uses the last charge day (so a month whose last charge falls
        before its last day is left out).
    tenure_col, churned_col : str, optional
        ``data`` is a customer snapshot (one row per customer: months paid, whether they
        left, ``plan_col`` and the monthly charge in ``amount_col``): the report gives
        retention, churn and value by plan from censored lifetimes and skips the movement
        sections with one note (:class:`SnapshotAnalysis`).
    events_data : source, optional
        Events (``customer_id``, ``timestamp``, ``event``, optional ``channel``) for the
        funnel, trial conversion and DAU/MAU. None uses the sample's on the sample; else
        skipped, with a note.
    nps_data : source, optional
        Survey answers with a ``score`` column (0-10). None uses the sample's on the sample;
        else skipped, with a note.
    funnel_steps : str or sequence of str
        Funnel event names in order, comma-separated or a list.
    funnel_window_days : int, default 45
        Days after a step within which the next step counts.
    activity_events : str or sequence of str, optional
        The events that count as activity for DAU/MAU. None: every event except the standard
        funnel steps (visit, signup, trial_start, paid, referral), whatever ``funnel_steps``
        is.
    gross_margin : float, optional
        Share of revenue kept as profit, in (0, 1], for LTV and payback. None uses the
        sample's on the sample; on other data 1.0 (revenue, not margin), with a note.
    cac : float, optional
        Cost of acquiring one paying customer. None uses the sample's on the sample; on other
        data LTV:CAC and payback are skipped, with a note.
    spend_data : source, optional
        Marketing spend (``period``, ``spend``, optional ``channel`` and ``type``): rows typed
        ``retention`` give the customer retention cost (CRC: retention spend per retained
        customer per month), the other rows the CAC by channel (with ``events_data``'s
        channels). None uses the sample's on the sample; else skipped.
    currency : str, default "USD"
        ISO 4217 code of the amounts (USD, EUR, SAR, AED, EGP, ...); money is formatted for
        the report's language.
    include_reactivation : bool, default False
        Count reactivation as a gain in NRR, net revenue churn and the quick ratio
        (``"true"``/``"false"`` as the CLI writes them; any other text is an error).
    annual_discount_rate : float, default 0.10
        For the retention model's discounted expected lifetime (above 0).
    timezone : str, default "UTC"
        Time zone whose calendar months charges (and days events) fall in.
    language : {"en", "ar"}, default "en"
        The report's language (optionally with a region for the formats, such as ``"ar_SA"``).
    digits : {"locale", "latin", "arabic"}, default "locale"
        The digits numbers are written with.

    Returns
    -------
    SubscriptionsAnalysis

    Raises
    ------
    GrowthkitError
        A missing column or bad value (named), a bad parameter, or fewer than two complete
        months of charges.
    """
    settings = SubscriptionsSettings.from_parameters(
        customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        plan_col=plan_col, months_covered_col=months_covered_col,
        period_end_col=period_end_col, grace_days=grace_days, observation_end=observation_end,
        tenure_col=tenure_col, churned_col=churned_col, events_data=events_data,
        nps_data=nps_data, funnel_steps=funnel_steps, funnel_window_days=funnel_window_days,
        activity_events=activity_events, gross_margin=gross_margin, cac=cac,
        spend_data=spend_data, currency=currency,
        include_reactivation=include_reactivation, annual_discount_rate=annual_discount_rate,
        timezone=timezone, language=language, digits=digits,
    )
    run = _resolve(data, settings)
    if settings.tenure_col is not None or settings.churned_col is not None:
        return _snapshot(data, run)
    computed = _compute(data, run)
    orders = computed.pop("orders")
    return SubscriptionsAnalysis(
        **computed,
        data_quality=orders.quality,
        settings=run.settings,
        parameters=_parameters(data, run),
        lang=run.lang,
    )


def _source(data: object) -> str | None:
    return None if data is None else redact(data)


def _overview(orders: Orders) -> dict[str, Any]:
    q = orders.quality
    return {
        "charges": orders.orders,
        "customers": orders.customers,
        "first_day": orders.first_day.isoformat(),
        "last_day": orders.last_day.isoformat(),
        "revenue": orders.revenue,
        "zero_amount_charges": q.zero_amount_orders,
        "refunds": q.refunds,
        "refund_total": q.refund_total,
        "source": orders.source,
    }
