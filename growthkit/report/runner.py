"""Run a report: papermill executes ``notebooks/NAME.ipynb``, nbconvert writes the HTML.

The runner only adds what papermill and nbconvert do not do: it checks the report and parameter
names, masks credentials, writes ``NAME.html`` and ``NAME.json`` atomically (so a failed run
leaves the last good report in place), keeps a failed notebook for debugging and rebuilds the
landing page.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError
from papermill.translators import PythonTranslator

from growthkit import __version__, errors
from growthkit.data import redact
from growthkit.errors import GrowthkitError
from growthkit.report._atomic import _write_atomic
from growthkit.report.html import notebook_to_html
from growthkit.report.index import write_index
from growthkit.report.metrics import metrics_from_notebook

__all__ = ["ReportError", "RunResult", "list_reports", "run_report"]

_KERNEL = "python3"


class ReportError(GrowthkitError):
    """A report's notebook failed while running; the message is one line.

    Attributes
    ----------
    notebook_path : Path
        The executed notebook kept for debugging (``OUT/NAME.failed.ipynb``).
    """

    def __init__(self, message: str, notebook_path: Path) -> None:
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
        ``notebooks/`` folder next to the ``growthkit`` package.

    Returns
    -------
    dict
        Report name -> parameter name -> ``{"name", "inferred_type_name", "default", "help"}``
        (from :func:`papermill.inspect_notebook`; ``default`` is the source text).
    """
    return {
        name: papermill.inspect_notebook(str(path))
        for name, path in _notebooks(notebooks_dir).items()
    }


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

    The kernel runs in ``out_dir``, so files a notebook exports (such as a CSV of segments) land
    next to the HTML. Relative paths in ``data`` are made absolute first. ``NAME.json`` holds
    ``report``, ``growthkit_version``, ``generated_at`` (UTC), ``parameters`` (every parameter,
    defaults included, credentials masked) and ``metrics``. ``index.html`` is rebuilt after
    every run, failed or not.

    Parameters
    ----------
    name : str
        The report: ``notebooks_dir/NAME.ipynb``.
    parameters : dict, optional
        Values for the notebook's parameters cell, typed (use papermill's ``-p`` typing for text).
    data : str or path, optional
        Sets the ``data`` parameter: any source :func:`growthkit.data.load` accepts as text.
    out_dir : str or Path, default "reports"
        Where the HTML, JSON and ``index.html`` go; created when missing.
    show_code : bool, default False
        Show the code cells in the HTML.
    notebooks_dir : str or Path, optional
        Where the report notebooks live (see :func:`list_reports`).
    progress : bool, default True
        Show papermill's progress bar on stderr.

    Returns
    -------
    RunResult

    Raises
    ------
    GrowthkitError
        For an unknown report or parameter, listing the valid ones.
    ReportError
        When the notebook fails. The message names the problem in one line (e.g. the missing
        column) and where the failed notebook was kept; the last good HTML and JSON stay as
        they were.
    """
    start = time.perf_counter()
    notebook = _notebook(name, notebooks_dir)
    given, effective = _parameters(name, notebook, parameters, data)
    masks = {value: redact(value) for value in effective.values() if isinstance(value, str)}
    masks = {raw: safe for raw, safe in masks.items() if raw != safe}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nb = _execute(name, notebook, given, out, masks, progress=progress)

    doc = {
        "report": name,
        "growthkit_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": effective,
        "metrics": metrics_from_notebook(nb),
    }
    report_json = _mask(json.dumps(doc, indent=2, ensure_ascii=False), masks, json_text=True)
    doc = json.loads(report_json)
    header = {
        "report": name,
        "generated_at": doc["generated_at"],
        "version": doc["growthkit_version"],
        "parameters": {key: repr(value) for key, value in doc["parameters"].items()},
    }
    masked_nb = nbformat.reads(_mask(nbformat.writes(nb), masks, json_text=True), as_version=4)
    html = notebook_to_html(
        masked_nb, header, show_code=show_code, notebook_dir=str(notebook.parent)
    )
    html_path, json_path = out / f"{name}.html", out / f"{name}.json"
    _write_atomic(html_path, html)
    _write_atomic(json_path, report_json + "\n")
    (out / f"{name}.failed.ipynb").unlink(missing_ok=True)
    write_index(out)
    return RunResult(html_path, json_path, doc["metrics"], time.perf_counter() - start)


def _parameters(
    name: str, notebook: Path, parameters: dict[str, Any] | None, data: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values to inject, checked against the notebook, and every parameter's value."""
    declared = papermill.inspect_notebook(str(notebook))
    given = dict(parameters or {})
    if data is not None:
        given["data"] = data
    for key in given:
        if key not in declared:
            raise GrowthkitError(
                f"{name}: unknown parameter {key!r}; {name} takes: {', '.join(declared) or 'none'}"
            )
    if "data" in given:
        given["data"] = _absolute_source(given["data"])
    return given, {key: _literal(info["default"]) for key, info in declared.items()} | given


def _execute(
    name: str,
    notebook: Path,
    given: dict[str, Any],
    out: Path,
    masks: dict[str, str],
    *,
    progress: bool,
) -> nbformat.NotebookNode:
    """papermill-execute ``notebook`` in ``out``; on failure keep it masked and raise."""
    failed_path = out / f"{name}.failed.ipynb"
    fd, running = tempfile.mkstemp(dir=out.resolve(), prefix=f".{name}.", suffix=".ipynb")
    os.close(fd)
    try:
        return papermill.execute_notebook(
            str(notebook),
            running,
            given,
            kernel_name=_KERNEL,
            progress_bar=progress,
            cwd=str(out.resolve()),
            # ipykernel warns on every start that local kernel traffic is unencrypted TCP;
            # keep its errors, drop that noise from the user's terminal.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as exc:
        _write_atomic(failed_path, _mask(Path(running).read_text("utf-8"), masks, json_text=True))
        write_index(out)
        message = _mask(f"{name}: {_one_line(exc)} (failed notebook kept in {failed_path})", masks)
        raise ReportError(message, failed_path) from exc
    finally:
        Path(running).unlink(missing_ok=True)


def _notebooks(notebooks_dir: str | Path | None) -> dict[str, Path]:
    """Report name -> notebook path, in the folder chosen as :func:`list_reports` says."""
    if notebooks_dir is None:
        notebooks_dir = os.environ.get("GROWTHKIT_NOTEBOOKS") or (
            Path(__file__).resolve().parents[2] / "notebooks"
        )
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise GrowthkitError(
            f"notebooks folder {str(folder)!r} does not exist; expected a folder of NAME.ipynb "
            "(set GROWTHKIT_NOTEBOOKS or notebooks_dir)"
        )
    return {path.stem: path for path in sorted(folder.glob("*.ipynb"))}


def _notebook(name: str, notebooks_dir: str | Path | None) -> Path:
    """The notebook of report ``name``, or an error listing the reports that exist."""
    notebooks = _notebooks(notebooks_dir)
    if name not in notebooks:
        raise GrowthkitError(
            f"unknown report {name!r}; available reports: {', '.join(notebooks) or 'none'}"
        )
    return notebooks[name]


def _literal(source: str) -> Any:
    """A parameter's default from its source text (the parameters cell holds literals)."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return source


def _absolute_source(value: Any) -> Any:
    """Make a relative file path, glob or database file absolute: the kernel runs in the
    output folder. ``duckdb://shop.duckdb`` (relative, as ibis reads it) becomes
    ``duckdb:///abs/shop.duckdb``."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        return value
    if "://" not in value:
        return os.path.abspath(value) if glob.glob(value) else value
    scheme, rest = value.split("://", 1)
    path, sep, query = rest.partition("?")
    if scheme in ("duckdb", "sqlite") and path and not path.startswith("/") and Path(path).exists():
        return f"{scheme}://{os.path.abspath(path)}{sep}{query}"
    return value


def _mask(text: str, masks: dict[str, str], *, json_text: bool = False) -> str:
    """Replace every credential-bearing value in ``text`` with its redacted form.

    A value is matched as written and as papermill writes it into the injected-parameters cell
    (``unicode_escape``); with ``json_text``, both JSON-escaped, as they appear in a serialised
    notebook or report JSON.
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


def _one_line(exc: PapermillExecutionError) -> str:
    """The notebook's exception on one line; growthkit's own errors need no class name."""
    cls = getattr(errors, exc.ename, None)
    own = isinstance(cls, type) and issubclass(cls, GrowthkitError)
    text = exc.evalue if own else f"{exc.ename}: {exc.evalue}".rstrip(": ")
    return " ".join(text.split())
