"""Built-in sample data sets, addressed as ``"sample:NAME"`` by :func:`growthkit.data.load`.

Each sample is a function returning a pandas DataFrame. The CDNOW data are the real files that
the lifetimes package ships; the others are generated from seeded, documented processes.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from growthkit.errors import GrowthkitError
from growthkit.samples.cdnow import cdnow_master, cdnow_sample

__all__ = ["SAMPLES", "SAMPLE_PARAMETERS", "load_sample", "sample_parameters"]


def _experiment() -> pd.DataFrame:
    from growthkit.samples.experiment import make_experiment

    return make_experiment()


def _subscriptions() -> pd.DataFrame:
    from growthkit.samples.subscriptions import subscription_charges

    return subscription_charges()


def _subscriptions_events() -> pd.DataFrame:
    from growthkit.samples.subscriptions import subscription_events

    return subscription_events()


def _subscriptions_nps() -> pd.DataFrame:
    from growthkit.samples.subscriptions import subscription_nps

    return subscription_nps()


def _donations() -> pd.DataFrame:
    from growthkit.samples.donations import donation_orders

    return donation_orders()


def _shop() -> pd.DataFrame:
    from growthkit.samples.shop import shop_orders

    return shop_orders()


def _shop_spend() -> pd.DataFrame:
    from growthkit.samples.shop import shop_spend

    return shop_spend()


SAMPLES: dict[str, tuple[Callable[[], pd.DataFrame], str]] = {
    "cdnow": (cdnow_master, "CDNOW master: 23,570 customers, 69,659 orders, 1997-01 to 1998-06"),
    "cdnow-2357": (cdnow_sample, "CDNOW sample of Fader, Hardie & Lee (2005): 2,357 customers"),
    "experiment": (_experiment, "A seeded A/B test with known true effects"),
    "subscriptions": (
        _subscriptions,
        "A seeded fitness-coaching subscription business: trials, plans, charges, 2023-2025",
    ),
    "subscriptions-events": (
        _subscriptions_events,
        "Funnel and daily activity events of sample:subscriptions",
    ),
    "subscriptions-nps": (_subscriptions_nps, "NPS survey answers of sample:subscriptions"),
    "shop": (_shop, "A seeded online shop: 2 years of orders of 20,000 customers, by channel"),
    "shop-spend": (_shop_spend, "The shop's monthly marketing spend per channel"),
    "donations": (
        _donations,
        "11,104 supporters' yearly donations 1995-2001 (Fader, Hardie & Shang 2010; amounts "
        "simulated), for model bgbb",
    ),
}


#: Report parameters that describe a sample's own columns and dates. They apply only when that
#: sample is the data: a report on the user's data never inherits a sample's column names.
SAMPLE_PARAMETERS: dict[str, dict[str, object]] = {
    "cdnow": {"calibration_end": "1997-09-30"},
    "cdnow-2357": {"calibration_end": "1997-09-30"},
    "donations": {"calibration_end": "1998-12-31"},
    "experiment": {
        "metrics": "converted,revenue,revenue/sessions",
        "cuped": "revenue:pre_revenue",
        "segment_col": "device",
    },
    "subscriptions": {
        "plan_col": "plan",
        "months_covered_col": "months_covered",
        "events_data": "sample:subscriptions-events",
        "nps_data": "sample:subscriptions-nps",
        "gross_margin": 0.8,
        "cac": 36.93,
    },
    "shop": {
        "margin_col": "margin",
        "spend_data": "sample:shop-spend",
        "segment_col": "channel,category,first_order",
        "data_starts_at_launch": True,
    },
}


def sample_parameters(data: object) -> dict[str, object]:
    """The parameters that describe ``data`` when it is a built-in sample, else ``{}``.

    Parameters
    ----------
    data : object
        A report's ``data`` parameter (``"sample:experiment"``, a path, a DataFrame, ...).

    Returns
    -------
    dict
        Parameter name -> value, e.g. ``{"segment_col": "device", ...}`` for
        ``"sample:experiment"``. A report uses them only for parameters left at ``None``.
    """
    if isinstance(data, str) and data.startswith("sample:"):
        return dict(SAMPLE_PARAMETERS.get(data.removeprefix("sample:"), {}))
    return {}


def load_sample(name: str) -> pd.DataFrame:
    """Return the built-in sample ``name`` as a DataFrame.

    Parameters
    ----------
    name : str
        One of the keys of :data:`SAMPLES`.

    Returns
    -------
    pandas.DataFrame
        The sample, one row per order (CDNOW) or per user (experiment).
    """
    if name not in SAMPLES:
        raise GrowthkitError(
            f"sample {name!r} does not exist; expected one of "
            f"{', '.join('sample:' + k for k in SAMPLES)}"
        )
    return SAMPLES[name][0]()
