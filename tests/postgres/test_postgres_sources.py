"""A ``postgresql://`` URL a user gets wrong, on a real server: one line naming the source,
the password masked."""

from __future__ import annotations

import pytest
from postgres_support import PASSWORD

import growthkit as gk
from growthkit.errors import GrowthkitError


def test_wrong_password_is_one_masked_line(server):
    url = server.url.replace(f":{PASSWORD}@", ":not-the-password@") + "/shop?table=orders"
    with pytest.raises(GrowthkitError, match="password authentication failed") as err:
        gk.validate_orders(url, customer_col="customer", date_col="ordered_at")
    message = str(err.value)
    assert "\n" not in message and "not-the-password" not in message
    assert message.startswith(f"data='postgresql://analyst:***@127.0.0.1:{server.port}/shop")


def test_missing_table_lists_the_tables(orders_url):
    url = orders_url.replace("?table=orders", "?table=order")
    with pytest.raises(GrowthkitError, match=r"table 'order' not found .*found tables: orders"):
        gk.validate_orders(url, customer_col="customer", date_col="ordered_at")
