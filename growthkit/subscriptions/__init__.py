"""Subscription growth: MRR movements, churn, value, sBG retention, the funnel, NPS, DAU/MAU.

The report is one call, :func:`analyze`, returning a :class:`SubscriptionsAnalysis` (summary,
JSON metrics, formatted tables and one method per section). The topics, each usable on its own:

- ``mrr``: :func:`customer_months` (MRR per customer and month, a charge covering several
  months spread over them) and :func:`mrr_movements` (new, expansion, contraction, churn and
  reactivation per month, in the engine; the balance is checked every month);
- ``rates``: :func:`revenue_churn`, :func:`retention_rates` (GRR, NRR), :func:`quick_ratio`,
  :func:`monthly_rates`, :func:`period_rates`, :func:`ltv`, :func:`payback_curve` and
  :func:`cac_payback`;
- ``sbg``: :func:`fit_sbg` and :class:`SBGModel` (Fader & Hardie 2007), and ``retention``:
  survival counts per plan and acquisition cohort from the charges;
- ``migration``: :func:`plan_migration` between plans, month to month;
- ``engagement``: :func:`funnel` (each step within a window of the one before) and
  :func:`dau_mau` (28-day MAU window);
- ``nps``: :func:`nps` and :func:`nps_from_counts` with the adjusted-Wald interval;
- ``settings``: :class:`SubscriptionsSettings`, the parameters declared once;
- ``messages``: the notes' codes and templates; ``labels``: the names every presentation
  module shares; ``narrative`` (sentences), ``display`` (section texts) and ``tables``: the
  words of the report.

Charges are aggregated in the engine through portable Ibis; only per-month results come back.
"""

from __future__ import annotations

from growthkit.subscriptions.analysis import SubscriptionsAnalysis, analyze
from growthkit.subscriptions.engagement import (
    DEFAULT_STEPS,
    MAU_WINDOW_DAYS,
    dau_mau,
    funnel,
    validate_events,
)
from growthkit.subscriptions.migration import migration_matrix, plan_migration
from growthkit.subscriptions.mrr import (
    MOVEMENTS,
    check_balance,
    customer_months,
    mrr_movements,
    observed_months,
)
from growthkit.subscriptions.nps import nps, nps_from_counts
from growthkit.subscriptions.rates import (
    cac_payback,
    ltv,
    monthly_rates,
    payback_curve,
    period_rates,
    quick_ratio,
    retention_rates,
    revenue_churn,
)
from growthkit.subscriptions.retention import survival_counts
from growthkit.subscriptions.sbg import SBGModel, fit_sbg
from growthkit.subscriptions.settings import SubscriptionsSettings

__all__ = [
    "DEFAULT_STEPS",
    "MAU_WINDOW_DAYS",
    "MOVEMENTS",
    "SBGModel",
    "SubscriptionsAnalysis",
    "SubscriptionsSettings",
    "analyze",
    "cac_payback",
    "check_balance",
    "customer_months",
    "dau_mau",
    "fit_sbg",
    "funnel",
    "ltv",
    "migration_matrix",
    "monthly_rates",
    "mrr_movements",
    "nps",
    "nps_from_counts",
    "observed_months",
    "payback_curve",
    "period_rates",
    "plan_migration",
    "quick_ratio",
    "retention_rates",
    "revenue_churn",
    "survival_counts",
    "validate_events",
]
