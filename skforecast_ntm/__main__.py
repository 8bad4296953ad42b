"""``python -m skforecast_ntm``: see :mod:`skforecast_ntm._cli`."""

import sys

from ._cli import main

sys.exit(main())
