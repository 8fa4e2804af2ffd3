"""One PostgreSQL server for every PostgreSQL test, started by the tests and stopped after the
last one; the same orders on PostgreSQL (a ``postgresql://`` URL) and DuckDB (a DataFrame)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from postgres_support import Server, load_orders, make_orders, postgres_server


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    with postgres_server() as running:
        yield running


@pytest.fixture(scope="session")
def orders_frame() -> pd.DataFrame:
    return make_orders()


@pytest.fixture(scope="session")
def orders_url(server, orders_frame) -> str:
    """``postgresql://analyst:PASSWORD@127.0.0.1:PORT/shop?table=orders``."""
    return load_orders(server, orders_frame)
