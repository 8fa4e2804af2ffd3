"""The ``growthkit`` command: ``growthkit run`` and ``growthkit list``.

Exit codes: 0 when every report ran; 1 when a report failed (its notebook raised or its kernel
died); 2 for a usage error (a bad option, an unknown report or parameter, a value that does not
fit its parameter); 130 on Ctrl-C. Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from growthkit import __version__
from growthkit.errors import GrowthkitError
from growthkit.report.runner import (
    ReportError,
    ReportInterrupted,
    list_reports,
    run_report,
    typed_parameters,
)

__all__ = ["main"]

_NO_REPORTS = "no report notebooks found (add notebooks/NAME.ipynb or set GROWTHKIT_NOTEBOOKS)"
_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
# papermill (and nbclient, through papermill's logger) logs a failure before raising it, e.g.
# "Kernel died while waiting for execute reply."; the command says it once, in its error line.
_SILENCE_PAPERMILL = logging.NullHandler()


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (``growthkit run: error: ...``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``growthkit`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 when a report failed, 130 on Ctrl-C. Usage errors exit with 2 (through
        :class:`SystemExit`, as argparse does).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    papermill_log = logging.getLogger("papermill")
    if _SILENCE_PAPERMILL not in papermill_log.handlers:
        papermill_log.addHandler(_SILENCE_PAPERMILL)
    try:
        if args.command == "list":
            return _list()
        return _run(args)
    except GrowthkitError as exc:  # raised before any report ran: a usage error
        args.subparser.error(str(exc))
    except ReportInterrupted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return _INTERRUPTED
    except KeyboardInterrupt:
        print("error: interrupted (Ctrl-C)", file=sys.stderr)
        return _INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="growthkit",
        description="Run growthkit's report notebooks into offline HTML and JSON.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run reports into OUT/NAME.html and OUT/NAME.json")
    run.add_argument("names", nargs="*", metavar="NAME", help="reports to run (see `list`)")
    run.add_argument("--all", action="store_true", help="run every report with its defaults")
    run.add_argument("--data", metavar="SOURCE", help="set the `data` parameter")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter; VALUE is read by the type of the parameter's default "
        "(true/false/yes/no/1/0, a whole number, a number, text or None; dates for names "
        "ending in _end or _date as YYYY-MM-DD or YYYYMMDD)",
    )
    run.add_argument("--out", default="reports", metavar="DIR", help="output folder (reports)")
    run.add_argument("--show-code", action="store_true", help="show code cells in the HTML")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    run.set_defaults(subparser=run)

    listing = commands.add_parser("list", help="list the reports and their parameters")
    listing.set_defaults(subparser=listing)
    return parser


def _run(args: argparse.Namespace) -> int:
    """Run each requested report; keep going after a failure, and say which failed."""
    if args.all == bool(args.names):
        args.subparser.error("give report names or --all (one of the two)")
    names = list(list_reports()) if args.all else args.names
    if not names:
        args.subparser.error(_NO_REPORTS)
    texts = dict(args.parameter)
    if args.data is not None:
        texts["data"] = args.data
    # Every report's parameters are checked before the first one runs.
    typed = {name: typed_parameters(name, texts) for name in names}
    start, failed = time.perf_counter(), 0
    for name in names:
        try:
            result = run_report(
                name,
                typed[name],
                out_dir=args.out,
                show_code=args.show_code,
                progress=not args.quiet,
            )
        except ReportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{name}: {result.html_path} {result.json_path} ({result.seconds:.1f} s)")
    done = f"{len(names) - failed} of {len(names)} reports written"
    index = Path(args.out) / "index.html"
    print(f"{done}; index {index}; {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


def _list() -> int:
    """Print each report and its parameters with their defaults and help comments."""
    reports = list_reports()
    if not reports:
        print(_NO_REPORTS, file=sys.stderr)
    for name, parameters in reports.items():
        print(name)
        for parameter in parameters.values():
            line = f"  {parameter['name']} = {parameter['default']}"
            if parameter["help"]:
                line = f"{line:<40}  # {parameter['help']}"
            print(line)
    return 0
