"""The CDNOW purchase data that the lifetimes package ships.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import pandas as pd

__all__ = ["cdnow_master", "cdnow_sample"]

_COLUMNS = ["customer_id", "date", "quantity", "amount"]


def _read(filename: str, usecols: list[int], header: int | None) -> pd.DataFrame:
    # Locate lifetimes' data files without importing lifetimes (its import has side effects).
    spec = find_spec("lifetimes")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / filename
    df = pd.read_csv(path, sep=r"\s+", header=header, usecols=usecols)
    df.columns = _COLUMNS
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    df["customer_id"] = df["customer_id"].astype("int64")
    df["amount"] = df["amount"].astype("float64")
    return df


def cdnow_master() -> pd.DataFrame:
    """The full CDNOW cohort: 23,570 customers and 69,659 orders, 1997-01-01 to 1998-06-30.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``date``, ``quantity`` (CDs) and ``amount`` (USD). Some orders
        are $0.
    """
    return _read("CDNOW_master.txt", usecols=[0, 1, 2, 3], header=0)


def cdnow_sample() -> pd.DataFrame:
    """The 2,357-customer CDNOW sample used by Fader, Hardie & Lee (2005): 6,919 orders.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (the master id), ``date``, ``quantity`` and ``amount`` (USD).
    """
    return _read("CDNOW_sample.txt", usecols=[0, 2, 3, 4], header=None)
