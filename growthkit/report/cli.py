"""The ``growthkit`` command: ``growthkit run`` and ``growthkit list``.

Exit codes: 0 when every report ran; 1 when a report failed (its notebook raised or its kernel
died); 2 for a usage error (a bad option, an unknown report or parameter, a value that does not
fit its parameter); 130 on Ctrl-C. Every error is one line on stderr, never a traceback.

Start-up is kept short: the runner (papermill, nbformat) is imported only once the arguments
are parsed, nbconvert and the data layer only when a report runs, and two optional modules that
jsonschema and papermill probe for at import, for features the command never uses, stay
unimported (:data:`UNUSED_PROBES`). Several reports run side by side, one process and one
kernel each (``--jobs``).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from growthkit import __version__
from growthkit.errors import GrowthkitError
from growthkit.progress import REPORT_ENV

__all__ = ["INTERRUPTED", "TERMINATED", "UNUSED_PROBES", "main"]

#: Optional modules that libraries the runner imports look for when imported, each for a feature
#: the command never uses, and that are kept out of the command's process: ``rfc3987_syntax``
#: (jsonschema's ``iri`` format checks, installed with JupyterLab) compiles about 35 Earley
#: grammars on import, about 1 s, while nbformat validates notebooks against draft-4 schemas
#: without formats; ``pyarrow.fs`` (papermill's ``hdfs://`` paths) imports pyarrow and numpy,
#: while the runner gives papermill local paths. Each library falls back as when the module is
#: not installed; other code can still import the module afterwards.
UNUSED_PROBES = ("rfc3987_syntax", "pyarrow.fs")
#: What a report run imports besides the runner, loaded once before reports run side by side so
#: that each forked process finds them loaded. Only modules that start no threads: a process is
#: forked while it has one thread (numpy's BLAS starts its threads on import, so the data layer
#: is imported by each process).
_RUN_MODULES = ("growthkit.i18n.notebook", "growthkit.report.html", "growthkit.report.index")
_NO_REPORTS = "no report notebooks found (add notebooks/NAME.ipynb or set GROWTHKIT_NOTEBOOKS)"
_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
#: The error line's text when Ctrl-C or SIGTERM stops the command outside a report's run.
INTERRUPTED = "interrupted (Ctrl-C)"
TERMINATED = "terminated (SIGTERM)"
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
    with _terminate_as_interrupt():
        parser = _parser()
        args = parser.parse_args(argv)
        papermill_log = logging.getLogger("papermill")
        if _SILENCE_PAPERMILL not in papermill_log.handlers:
            papermill_log.addHandler(_SILENCE_PAPERMILL)
        try:
            runner = _runner()
            if args.command == "list":
                return _list(runner)
            return _run(args, runner)
        except GrowthkitError as exc:  # raised before any report ran: a usage error
            args.subparser.error(str(exc))
        except KeyboardInterrupt as exc:  # ReportInterrupted carries its own line
            print(f"error: {_interruption(exc)}", file=sys.stderr)
            return _INTERRUPTED


def _interruption(exc: KeyboardInterrupt) -> str:
    """The line for an interruption: the runner's own, else what stopped the command."""
    return str(exc) or INTERRUPTED


def _terminated(signum: int, frame: object) -> NoReturn:
    """SIGTERM handler: stop as Ctrl-C does (outputs kept, scratch and lock removed)."""
    raise KeyboardInterrupt(TERMINATED)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Handle SIGTERM as Ctrl-C in the block (main thread only; the old handler put back)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
    run.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="reports run at the same time, each in its own process and kernel "
        "(default: one per CPU; 1 runs them one after another)",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    run.set_defaults(subparser=run)

    listing = commands.add_parser("list", help="list the reports and their parameters")
    listing.set_defaults(subparser=listing)
    return parser


def _jobs(text: str) -> int:
    """``--jobs``: a whole number of at least 1."""
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return jobs


@contextmanager
def _probes_hidden(names: Sequence[str]) -> Iterator[None]:
    """Make ``import NAME`` fail with ImportError in the block, for names not yet imported."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # Python's "not importable" mark
    try:
        yield
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def _runner() -> ModuleType:
    """:mod:`growthkit.report.runner`, imported with :data:`UNUSED_PROBES` left out."""
    with _probes_hidden(UNUSED_PROBES):
        import_module("papermill")  # imports nbformat, and through it jsonschema
    return import_module("growthkit.report.runner")


def _run(args: argparse.Namespace, runner: ModuleType) -> int:
    """Run each requested report; keep going after a failure, and say which failed."""
    if args.all == bool(args.names):
        args.subparser.error("give report names or --all (one of the two)")
    names = list(runner.list_reports()) if args.all else args.names
    if not names:
        args.subparser.error(_NO_REPORTS)
    twice = _first_repeated(names)
    if twice is not None:
        args.subparser.error(f"report {twice} is named twice; expected each report once")
    texts = _texts(args)
    # Every report's parameters and exports are checked before the first one runs.
    typed = {name: runner.typed_parameters(name, texts) for name in names}
    runner.check_exports(typed, args.out)
    runner.prepare_out(args.out)
    jobs = min(len(names), args.jobs or _cpus())
    start = time.perf_counter()
    if jobs > 1:
        codes = _side_by_side(names, typed, args, jobs)
    else:
        codes = {}
        for name in names:
            codes[name] = _run_one(runner, name, typed[name], args)
            if codes[name] == _INTERRUPTED:
                break
    written = sum(code == 0 for code in codes.values())
    index = Path(args.out) / "index.html"
    print(f"{written} of {len(names)} reports written; index {index}; "
          f"{time.perf_counter() - start:.1f} s")
    if _INTERRUPTED in codes.values():
        return _INTERRUPTED
    return 0 if written == len(names) else 1


def _first_repeated(items: Sequence[str]) -> str | None:
    """The first item given twice, else None."""
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def _texts(args: argparse.Namespace) -> dict[str, str]:
    """``-p`` and ``--data`` as parameter name -> text; a parameter given twice is an error."""
    pairs = [tuple(pair) for pair in args.parameter]
    if args.data is not None:
        if any(key == "data" for key, _ in pairs):
            args.subparser.error("--data and -p data both given; expected one of the two")
        pairs.append(("data", args.data))
    twice = _first_repeated([key for key, _ in pairs])
    if twice is not None:
        args.subparser.error(f"-p {twice} given twice; expected each parameter once")
    return dict(pairs)


def _run_one(
    runner: ModuleType, name: str, parameters: dict[str, Any], args: argparse.Namespace
) -> int:
    """Run one report and print its outcome; 0, 1 (failed) or 130 (interrupted)."""
    try:
        result = runner.run_report(
            name,
            parameters,
            out_dir=args.out,
            show_code=args.show_code,
            progress=not args.quiet,
        )
    except runner.ReportError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt as exc:  # ReportInterrupted carries its own line
        print(f"error: {_interruption(exc)}", file=sys.stderr, flush=True)
        return _INTERRUPTED
    print(f"{name}: {result.html_path} {result.json_path} ({result.seconds:.1f} s)", flush=True)
    return 0


def _side_by_side(
    names: list[str], typed: dict[str, dict[str, Any]], args: argparse.Namespace, jobs: int
) -> dict[str, int]:
    """Run the reports ``jobs`` at a time, each in a process of its own; name -> exit code.

    Each process runs one report as ``growthkit run NAME`` would, in the same process group, so
    Ctrl-C reaches every process and kernel and each stops as a single run does. Processes are
    forked where that is safe (Linux), after the modules a run needs are imported once. Every
    run rebuilds ``index.html`` when it ends; two rebuilds may overlap, so the index is rebuilt
    once more when all have ended, from every report then in the folder.
    """
    context = _context()
    if context.get_start_method() == "fork":
        for module in _RUN_MODULES:
            import_module(module)
    waiting, running, codes = list(names), {}, {}
    interrupted = False
    while waiting or running:
        while waiting and len(running) < jobs and not interrupted:
            name = waiting.pop(0)
            sys.stdout.flush()
            sys.stderr.flush()
            process = context.Process(
                target=_child, args=(name, typed[name], args.out, args.show_code, args.quiet),
                name=f"growthkit-{name}",
            )
            process.start()
            running[process.sentinel] = (name, process)
        try:
            for sentinel in multiprocessing.connection.wait(list(running)):
                name, process = running.pop(sentinel)
                process.join()
                codes[name] = _exit_code(name, process.exitcode)
        except KeyboardInterrupt as exc:  # Ctrl-C reached the processes too; start no more
            interrupted = True
            if str(exc) == TERMINATED:  # SIGTERM reached this process only: pass it on
                for _name, process in running.values():
                    process.terminate()
    if codes:
        import_module("growthkit.report.index").write_index(args.out)
    return codes


def _exit_code(name: str, exitcode: int | None) -> int:
    """A report process's exit code; one killed by a signal other than SIGINT failed."""
    if exitcode is None:  # not reached: the process was joined
        return 1
    if exitcode >= 0:
        return exitcode
    if -exitcode == signal.SIGINT:
        return _INTERRUPTED
    print(f"error: {name}: the report's process was killed ({signal.Signals(-exitcode).name})",
          file=sys.stderr, flush=True)
    return 1


def _child(name: str, parameters: dict[str, Any], out: str, show_code: bool, quiet: bool) -> None:
    """One report in a process of its own; its exit code says how it went."""
    os.environ[REPORT_ENV] = name  # the kernel inherits it: progress lines name the report
    signal.signal(signal.SIGTERM, _terminated)  # inherited when forked; spawned: set here
    args = argparse.Namespace(out=out, show_code=show_code, quiet=quiet)
    try:
        code = _run_one(_runner(), name, parameters, args)
    except KeyboardInterrupt:  # Ctrl-C before the run began
        code = _INTERRUPTED
    sys.exit(code)


def _context() -> Any:
    """fork on Linux (the child starts with the parent's imports), else the platform's own."""
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _cpus() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _list(runner: ModuleType) -> int:
    """Print each report and its parameters with their defaults and help comments."""
    reports = runner.list_reports()
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


if __name__ == "__main__":
    sys.exit(main())
