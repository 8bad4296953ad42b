"""``python -m skforecast_ntm``: see :mod:`skforecast_ntm.cli`."""

import sys

from .cli import main

sys.exit(main())
