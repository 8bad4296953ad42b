"""Command line: ``python -m skforecast_ntm demo`` (or ``skforecast-ntm demo``)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skforecast-ntm`` command."""
    parser = argparse.ArgumentParser(
        prog="skforecast-ntm",
        description="Global probabilistic forecasting with DeepAR.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="forecast the M3 monthly panel, write P10/P50/P90 forecasts, a fan "
        "chart and backtest metrics against seasonal naive",
    )
    demo.add_argument("--output-dir", default="demo_output")
    demo.add_argument("--max-epochs", type=int, default=None,
                      help="override the training budget (epochs)")
    demo.add_argument("--n-series", type=int, default=None,
                      help="use only the first N series (smoke tests)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        run_demo(args.output_dir, max_epochs=args.max_epochs,
                 n_series=args.n_series)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
