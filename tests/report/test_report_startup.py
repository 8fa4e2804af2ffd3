"""Start-up of the growthkit command and of report kernels, and reports run side by side.

What a fresh process imports is checked in ``sys.modules``, never by timing.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from report_support import FIXTURES, PROGRESS_LINE, growthkit, user_env

from growthkit import progress
from growthkit.report.cli import UNUSED_PROBES
from growthkit.report.kernel import ReportKernelManager, kernel_options

#: Loaded by a report run only: the data layer, charts, Babel, nbconvert, and what
#: jsonschema and papermill would load for features the command never uses.
RUN_ONLY = ("pandas", "numpy", "ibis", "pyarrow", "matplotlib", "babel", "nbconvert",
            "growthkit.data", "IPython", *UNUSED_PROBES)


def _fresh(code: str, notebooks: Path = FIXTURES) -> dict[str, object]:
    """Run ``code`` in a new interpreter, then report which of the modules it loaded."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"names = {list({*RUN_ONLY, 'papermill', 'jsonschema', 'growthkit.report.runner'})!r}\n"
        "print(json.dumps({name: sys.modules.get(name, 'absent') is not 'absent' "
        "and sys.modules[name] is not None for name in names} | "
        "{'marks left': [n for n, m in sys.modules.items() if m is None]}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True, text=True, env=user_env(notebooks), check=True, timeout=120,
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_command_loads_no_runner() -> None:
    loaded = _fresh("import growthkit.report.cli")
    assert not any(loaded[name] for name in (*RUN_ONLY, "papermill", "jsonschema"))
    assert not loaded["growthkit.report.runner"]


def test_list_loads_papermill_only() -> None:
    loaded = _fresh(
        "import contextlib, io\n"
        "from growthkit.report.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['list']) == 0"
    )
    assert loaded["papermill"] and loaded["jsonschema"] and loaded["growthkit.report.runner"]
    assert [name for name in RUN_ONLY if loaded[name]] == []
    # the probes were hidden only while papermill was imported: importable again afterwards
    assert not set(UNUSED_PROBES) & set(loaded["marks left"])


def test_typed_parameters_load_no_data_layer() -> None:
    loaded = _fresh(
        "from growthkit.report.runner import typed_parameters\n"
        "typed_parameters('demo', {'n': '4', 'note': 'None', 'period_end': '20250331'})"
    )
    assert not loaded["pandas"] and not loaded["growthkit.data"]


def test_report_lines_start_with_the_report_when_named(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setenv(progress.REPORT_ENV, "clv")
    try:
        progress.enable(stream)
        with progress.step("fitted BG/NBD"):
            pass
    finally:
        for handler in list(progress.LOGGER.handlers):
            progress.LOGGER.removeHandler(handler)
        progress.LOGGER.setLevel(logging.NOTSET)
    assert re.fullmatch(r"clv: fitted BG/NBD in \d+\.\d\d s\n", stream.getvalue())


@pytest.mark.notebooks
def test_report_kernel_runs_without_the_debugger(tmp_path: Path) -> None:
    options = kernel_options(str(tmp_path), {})
    km = ReportKernelManager(kernel_name="python3", config=options["config"])
    replies: list[dict[str, object]] = []

    async def run() -> None:
        await km.start_kernel(extra_arguments=options["extra_arguments"])
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            kc.kernel_info()
            replies.append((await kc.get_shell_msg(timeout=60))["content"])
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()

    asyncio.run(run())
    assert replies[0]["status"] == "ok"
    assert "debugger" not in replies[0]["supported_features"]  # ipykernel's says it has one


def _steps_notebook(folder: Path) -> None:
    """``steps.ipynb``: a report that logs one step through growthkit.progress."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Steps"),
            nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(
                "import growthkit as gk\n\ngk.progress.enable()\n"
                "with gk.progress.step('counted customers'):\n    pass\n"
                "gk.report.record({'n': n})"
            ),
        ],
        metadata={"kernelspec": {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}},
    )
    nbformat.write(nb, folder / "steps.ipynb")


@pytest.mark.notebooks
def test_reports_run_side_by_side_into_one_complete_index(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("demo", "minimal"):
        shutil.copy(FIXTURES / f"{name}.ipynb", notebooks)
    _steps_notebook(notebooks)
    names = ["demo", "minimal", "steps"]  # three reports, two at a time
    out = tmp_path / "out"
    proc = growthkit("run", "--all", "--jobs", "2", "--out", str(out), notebooks=notebooks)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    stdout = proc.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in stdout[:3]) == names
    assert stdout[3].startswith(f"3 of 3 reports written; index {out / 'index.html'};")
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in names:
        assert json.loads((out / f"{name}.json").read_text(encoding="utf-8"))["report"] == name
        assert f'href="{name}.html"' in index
    assert sorted(p.name for p in out.glob(".*")) == []  # no scratch folder or lock left
    err = proc.stderr.splitlines()
    assert any(line.startswith(PROGRESS_LINE) for line in err)  # demo logs on its own
    # growthkit's step lines say which of the reports running at once they come from
    assert any(re.fullmatch(r"steps: counted customers in \d+\.\d\d s", line) for line in err)


def test_jobs_must_be_a_whole_number_of_at_least_one(tmp_path: Path) -> None:
    proc = growthkit("run", "--all", "--jobs", "0", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "growthkit run: error: argument -j/--jobs: expected a whole number of at least 1, "
        "got '0'"
    ]
