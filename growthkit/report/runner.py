"""Run a report: papermill executes ``NAME.ipynb``, nbconvert writes the HTML.

The runner only adds what papermill and nbconvert do not do:

- it checks the report and parameter names and types ``-p`` text by each parameter's default
  (:mod:`growthkit.report.parameters`);
- it hides credentials from the notebook: a secret-bearing URL is injected masked, and the
  kernel finds the real one in its environment (:func:`growthkit.data.urls.conceal`);
- it runs the kernel in a private scratch folder inside the output folder, and publishes the
  HTML, the JSON and every file the notebook exported together, only when the run succeeded,
  one run of a report per folder at a time (:mod:`growthkit.report.lock`);
- it turns a failed cell, a dead kernel and Ctrl-C into one line, keeps the failed notebook for
  debugging, and rebuilds the landing page.
"""

from __future__ import annotations

import ast
import functools
import glob
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import papermill
from nbclient.exceptions import DeadKernelError
from papermill.exceptions import PapermillExecutionError
from papermill.translators import PythonTranslator

from growthkit import __version__, errors
from growthkit.errors import GrowthkitError
from growthkit.report._atomic import _write_atomic
from growthkit.report.kernel import kernel_options
from growthkit.report.lock import report_lock
from growthkit.report.metrics import metrics_from_notebook
from growthkit.report.parameters import (
    check_names,
    from_text,
    is_export_parameter,
    normalised,
)

if TYPE_CHECKING:
    from growthkit.i18n import Language

# Imported where used, so that ``growthkit list`` loads neither the data layer (pandas, Ibis),
# nor Babel, nor nbconvert: growthkit.data.urls, growthkit.i18n, growthkit.report.html and
# growthkit.report.index.

__all__ = [
    "ReportError",
    "ReportInterrupted",
    "RunResult",
    "absolute_input",
    "check_exports",
    "check_settings",
    "complete_publish",
    "installed_notebooks",
    "list_reports",
    "one_line",
    "prepare_out",
    "publish",
    "report_language",
    "report_settings",
    "run_report",
    "typed_parameters",
]

_KERNEL = "python3"
#: The landing page every run rebuilds in the output folder.
_INDEX = "index.html"
#: What a report publishes besides its exports: ``NAME`` + each of these.
_OUTPUTS = (".html", ".json", ".failed.ipynb")
#: The publish journal, ``OUT/.NAME.publish``: the moves of a run's set, written before the
#: first move and removed after the last, so a run killed midway is completed by the next.
_JOURNAL = ".{name}.publish"
_CTRL_C = "interrupted (Ctrl-C)"
#: Tells growthkit.progress in the kernel where step lines go: ``stderr`` (the terminal) or
#: ``off``.
_PROGRESS_ENV = "GROWTHKIT_PROGRESS"


class ReportError(GrowthkitError):
    """A report's notebook failed while running; the message is one line.

    Attributes
    ----------
    notebook_path : Path or None
        The executed notebook kept for debugging (``OUT/NAME.failed.ipynb``), None when the
        kernel never got to write one.
    """

    def __init__(self, message: str, notebook_path: Path | None) -> None:
        super().__init__(message)
        self.notebook_path = notebook_path


class ReportInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a report; a :class:`KeyboardInterrupt` whose message is one line.

    Attributes
    ----------
    notebook_path : Path or None
        The notebook as far as it ran (``OUT/NAME.failed.ipynb``), None when none was written.
    """

    def __init__(self, message: str, notebook_path: Path | None) -> None:
        super().__init__(message)
        self.notebook_path = notebook_path


@dataclass(frozen=True)
class RunResult:
    """What a successful :func:`run_report` wrote.

    Attributes
    ----------
    html_path, json_path : Path
        ``OUT/NAME.html`` and ``OUT/NAME.json``.
    metrics : dict
        The numbers the notebook recorded with :func:`growthkit.report.record`.
    seconds : float
        Wall time of the run, export included.
    """

    html_path: Path
    json_path: Path
    metrics: dict[str, Any]
    seconds: float


def list_reports(notebooks_dir: str | Path | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """Each report and its parameters, as papermill infers them from the parameters cell.

    Parameters
    ----------
    notebooks_dir : str or Path, optional
        Where the report notebooks live. Defaults to ``$GROWTHKIT_NOTEBOOKS``, else the
        ``notebooks`` folder installed inside the ``growthkit`` package.

    Returns
    -------
    dict
        Report name -> parameter name -> ``{"name", "inferred_type_name", "default", "help"}``
        (from :func:`papermill.inspect_notebook`; ``default`` is the source text).
    """
    return {name: _declared(path) for name, path in _notebooks(notebooks_dir).items()}


def _declared(notebook: Path) -> dict[str, dict[str, str]]:
    """:func:`papermill.inspect_notebook`, once per notebook file version in a process."""
    stat = notebook.stat()
    return _inspected(str(notebook), stat.st_mtime_ns, stat.st_size)


@functools.cache
def _inspected(path: str, mtime_ns: int, size: int) -> dict[str, dict[str, str]]:
    return papermill.inspect_notebook(path)


def typed_parameters(
    name: str, texts: Mapping[str, str], *, notebooks_dir: str | Path | None = None
) -> dict[str, Any]:
    """Type command-line values (``-p NAME VALUE``) by each parameter's default in the notebook.

    Parameters
    ----------
    name : str
        The report.
    texts : mapping of str to str
        Parameter name -> value as typed.
    notebooks_dir : str or Path, optional
        Where the report notebooks live (see :func:`list_reports`).

    Returns
    -------
    dict
        Parameter name -> typed value, for :func:`run_report` (see
        :func:`growthkit.report.parameters.from_text` for the rules).

    Raises
    ------
    GrowthkitError
        For an unknown report or parameter, or a value that does not fit its parameter, e.g.
        ``abtest: -p alpha five: expected a number such as 0.05``.
    """
    declared = _declared(_notebook(name, notebooks_dir))
    check_names(name, declared, texts)
    typed = {
        key: from_text(name, key, text, declared[key]["default"]) for key, text in texts.items()
    }
    check_settings(name, typed)
    return typed


def report_settings(name: str) -> type | None:
    """The report's :class:`growthkit.settings.Settings` class, or None when it has none.

    It is ``growthkit.NAME.settings``'s subclass of ``Settings`` whose ``report`` is ``name``
    (``CLVSettings``), imported on first use; a report without that module has none.
    """
    from growthkit.settings import Settings

    module_name = f"growthkit.{name}.settings"
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name in (f"growthkit.{name}", module_name):
            return None
        raise
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Settings) and value is not Settings
        and getattr(value, "report", "") == name
    ]
    return found[0] if found else None


def check_settings(name: str, parameters: Mapping[str, Any]) -> None:
    """Check ``parameters`` against the report's declared settings, when it declares them.

    Parameters
    ----------
    name : str
        The report.
    parameters : mapping
        Parameter name -> typed value; only these are checked.

    Raises
    ------
    GrowthkitError
        ``clv: observation_end='auto' is not valid; expected ...`` (from the report's
        :meth:`growthkit.settings.Settings.check`).
    """
    settings = report_settings(name) if parameters else None
    if settings is None:
        return
    try:
        settings.check(parameters)
    except GrowthkitError as exc:
        raise GrowthkitError(f"{name}: {exc}") from None


def check_exports(
    runs: Mapping[str, Mapping[str, Any]],
    out_dir: str | Path,
    *,
    notebooks_dir: str | Path | None = None,
) -> None:
    """Raise unless every export of ``runs`` is a file name of its own inside ``out_dir``.

    An export is the value of a parameter whose name ends in ``_csv``
    (:func:`growthkit.report.parameters.is_export_parameter`), given or by default. It must be
    a plain file name (no folder: it is published into ``out_dir`` with the report), not
    hidden, that no other output in the folder uses (a report's HTML, JSON or failed
    notebook, ``index.html``, another export, a folder) and that is not an input of the run.

    Parameters
    ----------
    runs : mapping
        Report name -> the parameters given to it (the defaults fill in the rest).
    out_dir : str or Path
        The output folder.
    notebooks_dir : str or Path, optional
        Where the report notebooks live (see :func:`list_reports`).

    Raises
    ------
    GrowthkitError
        ``clv: segments_csv='../seg.csv' is a path, not a file name inside the output folder;
        expected a file name such as 'clv_export.csv', written into the output folder``.
    """
    out = Path(out_dir)
    notebooks = _notebooks(notebooks_dir)
    reserved = {_INDEX: "the landing page"} | {
        f"{report}{ending}": f"report {report}'s output" for report in notebooks
        for ending in _OUTPUTS
    }

    def exports(report: str, given: Mapping[str, Any]) -> dict[str, Any]:
        declared = _declared(notebooks[report])
        return {
            key: given.get(key, _default(info["default"])) for key, info in declared.items()
            if is_export_parameter(key)
        }

    taken: dict[str, tuple[str, str]] = {}  # file name -> (report, parameter)
    for report, given in runs.items():
        for key, value in exports(report, given).items():
            if value is None:
                continue
            problem = _export_problem(value, reserved, out)
            if problem is not None:
                raise GrowthkitError(
                    f"{report}: {key}={value!r} {problem}; expected a file name such as "
                    f"'{report}_export.csv', written into the output folder"
                )
            _check_not_an_input(report, key, value, given, out)
            if value in taken:
                raise GrowthkitError(
                    f"{report}: {key}={value!r} is also {taken[value][0]}'s export "
                    f"{taken[value][1]}; expected a file name of its own"
                )
            taken[value] = (report, key)
    for report in notebooks.keys() - runs.keys():  # other reports' exports in the folder
        for key, value in exports(report, {}).items():
            if value in taken:
                mine, parameter = taken[value]
                raise GrowthkitError(
                    f"{mine}: {parameter}={value!r} is also {report}'s export {key}; expected "
                    "a file name of its own"
                )


def _export_problem(value: Any, reserved: Mapping[str, str], out: Path) -> str | None:
    """What is wrong with an export's file name, or None."""
    if not isinstance(value, str) or not value.strip():
        return "is not a file name"
    if value in reserved:
        return f"is {reserved[value]}"
    plain = os.path.basename(value) == value and "\\" not in value and value not in (".", "..")
    if not plain:
        return "is a path, not a file name inside the output folder"
    if value.startswith("."):
        return "is a hidden name (kept for runs' scratch and lock files)"
    try:
        folder = (out / value).is_dir()
    except OSError:  # a name too long, say: the output folder's check names it
        folder = False
    if folder:
        return "is a folder in the output folder"
    return None


def _check_not_an_input(
    report: str, key: str, value: str, given: Mapping[str, Any], out: Path
) -> None:
    """Raise when the export would replace a file the run reads (``--data``, say)."""
    target = os.path.realpath(out / value)
    for name, source in given.items():
        if name == key or not isinstance(source, str | os.PathLike):
            continue
        text = os.fspath(source)
        paths = glob.glob(text) if glob.has_magic(text) else [text]
        if any(os.path.realpath(path) == target for path in paths):
            raise GrowthkitError(
                f"{report}: {key}={value!r} would replace the input {name}={text!r}; "
                "expected another file name"
            )


def run_report(
    name: str,
    parameters: dict[str, Any] | None = None,
    *,
    data: str | os.PathLike | None = None,
    out_dir: str | Path = "reports",
    show_code: bool = False,
    notebooks_dir: str | Path | None = None,
    progress: bool = True,
) -> RunResult:
    """Execute a report notebook with parameters and write ``NAME.html`` and ``NAME.json``.

    The kernel runs in a private scratch folder inside ``out_dir``, so a file the notebook
    exports by a relative path (such as a CSV of segments) is published into ``out_dir``
    together with the HTML and the JSON, and only when the run succeeded. Relative paths to
    existing files are made absolute first (those inside ``out_dir`` are taken as the report's
    own exports and left relative). ``NAME.json`` holds ``report``, ``growthkit_version``,
    ``generated_at`` (UTC), ``parameters`` (every parameter, defaults included, credentials
    masked) and ``metrics``. ``index.html`` is rebuilt after every run, failed or not. Two runs
    of one report into one folder take turns (``OUT/.NAME.lock``).

    Parameters
    ----------
    name : str
        The report: ``notebooks_dir/NAME.ipynb``.
    parameters : dict, optional
        Values for the notebook's parameters cell, used as given except that date parameters
        (names ending in ``_end`` or ``_date``) become ``"YYYY-MM-DD"``. Type command-line
        text with :func:`typed_parameters` first.
    data : str or path, optional
        Sets the ``data`` parameter: any source :func:`growthkit.data.load` accepts as text.
    out_dir : str or Path, default "reports"
        Where the HTML, JSON, exports and ``index.html`` go; created when missing.
    show_code : bool, default False
        Show the code cells in the HTML.
    notebooks_dir : str or Path, optional
        Where the report notebooks live (see :func:`list_reports`).
    progress : bool, default True
        Print ``NAME: running ...`` on stderr and let the kernel print growthkit's step lines
        (logger ``growthkit``) there; False silences both.

    Returns
    -------
    RunResult

    Raises
    ------
    GrowthkitError
        For an unknown report or parameter, listing the valid ones, or a bad date.
    ReportError
        When the notebook fails or the kernel dies. The message names the problem in one line
        (e.g. the missing column) and where the failed notebook was kept; the last good HTML,
        JSON and exports stay as they were.
    ReportInterrupted
        On Ctrl-C (a KeyboardInterrupt), with the same guarantees.
    """
    from growthkit.data.urls import credentials_env
    from growthkit.report.index import write_index

    start = time.perf_counter()
    notebook = _notebook(name, notebooks_dir)
    declared = _declared(notebook)
    given = dict(parameters or {})
    if data is not None:
        given["data"] = data
    check_names(name, declared, given)
    check_exports({name: given}, out_dir, notebooks_dir=notebooks_dir)
    check_settings(name, {key: normalised(name, key, value) for key, value in given.items()})
    report_language(name, {key: _default(info["default"]) for key, info in declared.items()}
                    | given)  # a bad language stops the run before a kernel starts
    out = Path(out_dir)
    given = {
        key: absolute_input(key, normalised(name, key, value), out) for key, value in given.items()
    }
    defaults = {key: _default(info["default"]) for key, info in declared.items()}
    effective, credentials = _concealed(name, defaults | given)
    given = {key: effective[key] for key in given}  # only masked values reach the notebook
    masks = {real: safe for safe, real in credentials.items()}
    env = credentials_env(credentials) | {_PROGRESS_ENV: "stderr" if progress else "off"}

    prepare_out(out)
    if progress:
        print(f"{name}: running ...", file=sys.stderr, flush=True)
    try:
        with report_lock(out, name, on_wait=lambda: _waiting(name, out)):
            try:
                metrics = _run(name, notebook, out, given, effective, masks, env, show_code)
            finally:
                write_index(out)
    except OSError as exc:  # a read-only folder, a full disk: the last good set stays
        where = f" {exc.filename}" if exc.filename else ""
        reason = f"could not write{where}: {exc.strerror or exc}"
        raise ReportError(_failure(name, reason, None), None) from None
    html_path, json_path = out / f"{name}.html", out / f"{name}.json"
    return RunResult(html_path, json_path, metrics, time.perf_counter() - start)


def prepare_out(out_dir: str | Path) -> Path:
    """Create the output folder if needed; a path that cannot be one is a one-line error.

    Parameters
    ----------
    out_dir : str or Path

    Returns
    -------
    Path

    Raises
    ------
    GrowthkitError
        ``output folder 'README.md': File exists; expected a folder (created when missing)``,
        also for a path under a file, a name too long or a folder that cannot be created.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        shown = str(out) if len(str(out)) <= 80 else f"{str(out)[:50]}...{str(out)[-20:]}"
        raise GrowthkitError(
            f"output folder {shown!r}: {exc.strerror or exc}; expected a folder "
            "(created when missing) that can be written"
        ) from None
    return out


def _run(
    name: str,
    notebook: Path,
    out: Path,
    given: dict[str, Any],
    effective: dict[str, Any],
    masks: dict[str, str],
    env: dict[str, str],
    show_code: bool,
) -> dict[str, Any]:
    """Execute in a scratch folder, then publish the outputs; the caller holds the lock."""
    complete_publish(out, name)  # a set a killed run began to publish
    for stale in out.glob(f".{name}.run-*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(dir=out.resolve(), prefix=f".{name}.run-"))
    journal = out / _JOURNAL.format(name=name)
    try:
        work = scratch / "work"  # the kernel's working folder: what lands here is exported
        work.mkdir()
        running = scratch / f"{name}.ipynb"
        try:
            nb = _execute(name, notebook, running, given, work, env, masks, out)
            html, report_json, metrics = _render(name, nb, notebook, effective, masks, show_code)
        except KeyboardInterrupt as exc:
            kept = _keep_failed(running, out / f"{name}.failed.ipynb", masks)
            reason = str(exc) or _CTRL_C  # SIGTERM, handled as Ctrl-C, says so
            raise ReportInterrupted(_failure(name, reason, kept), kept) from None
        (scratch / f"{name}.json").write_text(report_json + "\n", encoding="utf-8")
        (scratch / f"{name}.html").write_text(html, encoding="utf-8")
        publish(scratch, work, out, name)
        return metrics
    finally:
        if not journal.exists():  # else the next run completes the publish from scratch
            shutil.rmtree(scratch, ignore_errors=True)


def _execute(
    name: str,
    notebook: Path,
    running: Path,
    given: dict[str, Any],
    work: Path,
    env: dict[str, str],
    masks: dict[str, str],
    out: Path,
) -> nbformat.NotebookNode:
    """papermill-execute ``notebook`` into ``running``; on failure keep it masked and raise."""
    try:
        return papermill.execute_notebook(
            str(notebook),
            str(running),
            given,
            kernel_name=_KERNEL,
            progress_bar=False,  # growthkit's own step lines instead (see kernel.py)
            **kernel_options(str(work), env),
        )
    except PapermillExecutionError as exc:
        reason = one_line(exc)
    except DeadKernelError:
        reason = f"the kernel died (out of memory?){_running_cell(running)}"
    except Exception as exc:  # the kernel could not start, or papermill could not run it
        reason = f"the kernel failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
    kept = _keep_failed(running, out / f"{name}.failed.ipynb", masks)
    raise ReportError(_mask(_failure(name, reason, kept), masks), kept) from None


def _render(
    name: str,
    nb: nbformat.NotebookNode,
    notebook: Path,
    effective: dict[str, Any],
    masks: dict[str, str],
    show_code: bool,
) -> tuple[str, str, dict[str, Any]]:
    """The HTML page, the JSON text and the metrics of an executed notebook, all masked."""
    from babel.dates import format_datetime

    from growthkit.i18n.notebook import notebook_title, translate_markdown
    from growthkit.report.html import notebook_to_html

    lang = report_language(name, effective)
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # translated below, not the run's
    translate_markdown(nb, lang)
    title = notebook_title(nb) or name
    doc = {
        "report": name,
        "title": title,
        "growthkit_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": effective,
        "metrics": metrics_from_notebook(nb),
    }
    report_json = _mask(json.dumps(doc, indent=2, ensure_ascii=False), masks, json_text=True)
    doc = json.loads(report_json)
    masked_nb = nbformat.reads(_mask(nbformat.writes(nb), masks, json_text=True), as_version=4)
    generated = format_datetime(
        datetime.fromisoformat(doc["generated_at"]), "medium", tzinfo=UTC, locale=lang.locale
    )
    header = {
        "title": title,
        "line": lang.gettext("{report} · generated {when} UTC · growthkit {version}").format(
            report=title, when=generated, version=doc["growthkit_version"]
        ),
        "parameters_label": lang.gettext("Parameters"),
        "parameters": {key: _shown(value) for key, value in doc["parameters"].items()},
        "lang": lang.code,
        "dir": lang.direction,
    }
    html = notebook_to_html(
        masked_nb, header, show_code=show_code, notebook_dir=str(notebook.parent)
    )
    return html, report_json, doc["metrics"]


def report_language(name: str, parameters: Mapping[str, Any]) -> Language:
    """The language a report is written in, from its ``language`` and ``digits`` parameters.

    Parameters
    ----------
    name : str
        The report, whose catalog (gettext domain) holds its words, when it has one.
    parameters : mapping
        The run's parameters; a notebook without ``language`` is written in English.

    Returns
    -------
    Language

    Raises
    ------
    GrowthkitError
        For a language or digits option that does not exist.
    """
    from growthkit.i18n import DOMAINS, get_language

    domain = name if name in DOMAINS else "growthkit"
    code = parameters.get("language") or "en"
    digits = parameters.get("digits") or "locale"
    return get_language(code, digits=digits, domain=domain)


def _shown(value: Any) -> str:
    """A parameter's value for readers: text as written, no Python quotes; None as a dash."""
    if value is None:
        return "–"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def publish(scratch: Path, work: Path, out: Path, name: str) -> None:
    """Move the exports, then ``NAME.json``, then ``NAME.html`` from scratch into ``out``.

    The moves are written to a journal (``OUT/.NAME.publish``) first and the journal is
    removed after the last one, so a run killed midway leaves a journal that the next run of
    the report completes (:func:`complete_publish`) before it does anything else. Each move
    is an ``os.replace`` within one file system, so a reader sees each file whole, and a
    Ctrl-C or SIGTERM in the middle waits until every file is in place.
    """
    # --out may be relative while the kernel's folder was made absolute: compare like with like
    scratch, work, out = (Path(os.path.abspath(p)) for p in (scratch, work, out))
    exports = sorted(path for path in work.rglob("*") if not path.is_dir())
    moves = [(path, out / path.relative_to(work)) for path in exports]
    moves += [(scratch / f"{name}{ending}", out / f"{name}{ending}") for ending in (".json",
                                                                                    ".html")]
    for _, target in moves:
        if target.is_dir():
            raise GrowthkitError(
                f"{name}: {target} is a folder; expected a file name free for the report's "
                "output (remove or rename the folder)"
            )
    plan = {
        "moves": [[str(src.relative_to(out)), str(dst.relative_to(out))] for src, dst in moves],
        "remove": [f"{name}.failed.ipynb"],
    }
    journal = out / _JOURNAL.format(name=name)
    with _interrupts_deferred():
        _write_atomic(journal, json.dumps(plan, indent=1))
        _complete(out, journal)


def complete_publish(out: str | Path, name: str) -> bool:
    """Finish publishing a set that a killed run of report ``name`` began, if there is one.

    Parameters
    ----------
    out : str or Path
        The output folder.
    name : str
        The report; call with its lock held (:func:`growthkit.report.lock.report_lock`).

    Returns
    -------
    bool
        Whether a publish was completed.
    """
    journal = Path(out) / _JOURNAL.format(name=name)
    if not journal.exists():
        return False
    with _interrupts_deferred():
        _complete(Path(out), journal)
    return True


def _complete(out: Path, journal: Path) -> None:
    """Do the journal's moves not done yet (a moved file has left scratch), then remove it."""
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
        moves, remove = plan["moves"], plan["remove"]
    except (OSError, ValueError, KeyError, TypeError):  # torn before its rename: no move made
        journal.unlink(missing_ok=True)
        return
    for source, target in moves:
        if (out / source).exists():
            (out / target).parent.mkdir(parents=True, exist_ok=True)
            os.replace(out / source, out / target)
    for leftover in remove:
        (out / leftover).unlink(missing_ok=True)
    journal.unlink()


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM, when Python handles it) until the block is done.

    Main thread only. Once the block is done, each held signal goes to the handler that was in
    place, which raises (KeyboardInterrupt for Ctrl-C).
    """
    in_main = threading.current_thread() is threading.main_thread()
    held = [
        signum for signum in (signal.SIGINT, signal.SIGTERM)
        if in_main and callable(signal.getsignal(signum))  # None or SIG_DFL: not Python's
    ]
    caught: list[int] = []
    previous = {
        signum: signal.signal(signum, lambda got, frame: caught.append(got)) for signum in held
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for signum in dict.fromkeys(caught):
        previous[signum](signum, None)


def _keep_failed(running: Path, failed: Path, masks: dict[str, str]) -> Path | None:
    """Keep the notebook as far as it ran, masked, as ``OUT/NAME.failed.ipynb``."""
    try:
        text = running.read_text("utf-8")
    except FileNotFoundError:  # the kernel never started
        return None
    _write_atomic(failed, _mask(text, masks, json_text=True))
    return failed


def _failure(name: str, reason: str, kept: Path | None) -> str:
    """``NAME: reason; failed notebook kept in PATH`` on one line."""
    where = f"; failed notebook kept in {kept}" if kept is not None else ""
    return f"{name}: {reason}{where}"


def _running_cell(running: Path) -> str:
    """`` while running cell N`` (N counts every cell from 1), from papermill's metadata."""
    try:
        nb = nbformat.read(running, as_version=4)
    except (OSError, ValueError):
        return ""
    started = [
        number
        for number, cell in enumerate(nb.cells, start=1)
        if cell.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    return f" while running cell {started[-1]}" if started else ""


def _waiting(name: str, out: Path) -> None:
    print(f"waiting for another run of {name} in {out}", file=sys.stderr, flush=True)


def _notebooks(notebooks_dir: str | Path | None) -> dict[str, Path]:
    """Report name -> notebook path, in the folder chosen as :func:`list_reports` says."""
    if notebooks_dir is None:
        notebooks_dir = os.environ.get("GROWTHKIT_NOTEBOOKS") or installed_notebooks()
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise GrowthkitError(
            f"notebooks folder {str(folder)!r} does not exist; expected a folder of NAME.ipynb "
            "(set GROWTHKIT_NOTEBOOKS or notebooks_dir)"
        )
    return {path.stem: path for path in sorted(folder.glob("*.ipynb"))}


def installed_notebooks() -> Path:
    """``growthkit/notebooks`` (package data), else ``notebooks/`` of an older source tree."""
    packaged = Path(str(files("growthkit") / "notebooks"))
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "notebooks"


def _notebook(name: str, notebooks_dir: str | Path | None) -> Path:
    """The notebook of report ``name``, or an error listing the reports that exist."""
    notebooks = _notebooks(notebooks_dir)
    if name not in notebooks:
        raise GrowthkitError(
            f"unknown report {name!r}; available reports: {', '.join(notebooks) or 'none'}"
        )
    return notebooks[name]


def _default(source: str) -> Any:
    """A parameter's default from its source text (the parameters cell holds literals)."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return source


def absolute_input(key: str, value: Any, out: Path) -> Any:
    """A relative path to an existing file, made absolute: the kernel runs in another folder.

    ``data`` goes through :func:`growthkit.data.urls.absolute_source` (files, globs,
    ``duckdb://rel.db``). Other parameters are made absolute when they name an existing file or
    folder, except inside ``out``: those are the report's own earlier exports, and made
    absolute the notebook would overwrite the published file instead of writing a new one into
    its scratch folder.
    """
    from growthkit.data.urls import absolute_source, parse_url

    if key == "data":
        return absolute_source(value)
    if is_export_parameter(key) or not isinstance(value, str | os.PathLike):
        return value
    text = os.fspath(value)
    if parse_url(text) is not None:
        return absolute_source(text)
    if os.path.isabs(text) or not os.path.exists(text):
        return text
    if Path(text).resolve().is_relative_to(out.resolve()):
        return text
    return os.path.abspath(text)


def _concealed(name: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each value with credentials masked, and ``{masked: real}`` for the kernel."""
    from growthkit.data.urls import conceal

    concealed: dict[str, Any] = {}
    credentials: dict[str, str] = {}
    for key, value in values.items():
        concealed[key], found = conceal(value)
        for safe, real in found.items():
            if credentials.get(safe, real) != real:
                raise GrowthkitError(
                    f"{name}: parameter {key} and another parameter hold different "
                    f"credentials for {safe}; expected one set of credentials per URL"
                )
            credentials[safe] = real
    return concealed, credentials


def _mask(text: str, masks: dict[str, str], *, json_text: bool = False) -> str:
    """Replace every credential-bearing value in ``text`` with its redacted form.

    A second line of defence: the notebook only ever sees masked values, but a driver's error
    message in the kernel may still echo the real URL. A value is matched as written and as
    papermill writes it into the injected-parameters cell (``unicode_escape``); with
    ``json_text``, both JSON-escaped, as they appear in a serialised notebook or report JSON.
    """
    for raw, safe in masks.items():
        for form in (str, _papermill_escaped):
            old, new = form(raw), form(safe)
            if json_text:
                old, new = _json_escaped(old), _json_escaped(new)
            text = text.replace(old, new)
    return text


def _papermill_escaped(value: str) -> str:
    """``value`` as papermill writes it between the quotes of a Python string literal."""
    return PythonTranslator.translate_escaped_str(value)[1:-1]


def _json_escaped(value: str) -> str:
    """``value`` as it appears between the quotes of a JSON string."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def one_line(exc: PapermillExecutionError) -> str:
    """The notebook's exception on one line; growthkit's own errors need no class name."""
    cls = getattr(errors, exc.ename, None)
    own = isinstance(cls, type) and issubclass(cls, GrowthkitError)
    text = exc.evalue if own else f"{exc.ename}: {exc.evalue}".rstrip(": ")
    return " ".join(text.split())
