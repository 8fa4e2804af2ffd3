"""Data: sources, database URLs, dates and validated orders; everything becomes an Ibis table.

- :mod:`growthkit.data.sources`: :func:`load` a DataFrame, file, glob, database URL, Ibis
  table or ``sample:NAME``;
- :mod:`growthkit.data.urls`: database URLs, ``spark:`` sources, :func:`redact` and
  credential concealment;
- :mod:`growthkit.data.spark`: a SparkSession and an Ibis connection on it, for ``spark:``
  sources (PySpark is imported only when one is used: ``pip install 'growthkit[spark]'``);
- :mod:`growthkit.data.dates`: dates to calendar days in a time zone, per expression;
- :mod:`growthkit.data.orders`: :func:`validate_orders`, one validation pass in the engine
  (orders, or lines of orders), and :func:`money_sum`, sums of money that do not depend on
  the order rows are added in.

Aggregation happens in the engine: nothing here pulls raw rows into pandas.
"""

from __future__ import annotations

from growthkit.data.dates import as_date, check_timezone, parse_dates
from growthkit.data.orders import (
    DataQuality,
    Orders,
    as_money,
    describe_orders,
    money_sum,
    orders,
    validate_orders,
)
from growthkit.data.sources import Source, engine, load
from growthkit.data.urls import redact

__all__ = [
    "DataQuality",
    "Orders",
    "Source",
    "as_date",
    "as_money",
    "check_timezone",
    "describe_orders",
    "engine",
    "load",
    "money_sum",
    "orders",
    "parse_dates",
    "redact",
    "validate_orders",
]
