"""The growthkit command: list, usage errors (2), a failed run or dead kernel (1), Ctrl-C (130).

Every error is one line on stderr and never a traceback; after a failure the last good HTML,
JSON and exports are byte for byte what they were, and no scratch or lock file is left.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest
from report_support import (
    FIXTURES,
    MASKED_URL,
    PROGRESS_LINE,
    SECRET,
    SECRET_URL,
    Built,
    assert_error_line,
    growthkit,
)

from growthkit.report.cli import main

PUBLISHED = ("demo.html", "demo.json", "demo-export.csv")


@pytest.fixture
def fixtures_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROWTHKIT_NOTEBOOKS", str(FIXTURES))


@pytest.fixture
def last_good(built: Built, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A copy of the session's reports, and the bytes of demo's published files."""
    out = tmp_path / "out"
    shutil.copytree(built.out, out)
    return out, _published(out)


def _published(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in PUBLISHED}


def _hidden(out: Path) -> list[str]:
    """Scratch folders and lock files a run left behind."""
    return sorted(p.name for p in out.glob(".*"))


@pytest.mark.usefixtures("fixtures_env")
def test_list_prints_each_report_with_its_parameters(capsys: pytest.CaptureFixture) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "demo"
    assert lines[1].startswith('  data = "sample:cdnow"')
    assert lines[1].endswith("  # where the orders come from")
    assert lines[2:9] == [
        "  n = 3",
        "  rate = 0.5",
        '  label = "hello"',
        "  flag = False",
        "  note = None",
        '  required_column = "amount"',
        '  period_end = "2000-01-31"',
    ]
    assert lines[9].startswith("  gate = None")
    assert lines[10:] == ["  die = False", "minimal", '  title = "Minimal"']


@pytest.mark.usefixtures("fixtures_env")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run"], "give report names or --all"),
        (["run", "demo", "--all"], "give report names or --all"),
        (["run", "nope"], "unknown report 'nope'; available reports: demo, minimal"),
        (["run", "demo", "-p", "bogus", "1"], "demo: unknown parameter 'bogus'; demo takes: data"),
        (["run", "demo", "-p", "n"], "argument -p/--parameter: expected 2 arguments"),
        (["run", "demo", "-p", "flag", "maybe"], "demo: -p flag maybe: expected true or false"),
        (["run", "demo", "-p", "rate", "five"], "demo: -p rate five: expected a number such as"),
        (["run", "demo", "-p", "n", "abc"], "demo: -p n abc: expected a whole number such as 3"),
        (["run", "demo", "-p", "period_end", "31.03.2025"], "expected a date as YYYY-MM-DD"),
        # every report and its parameters are checked before the first one runs
        (["run", "minimal", "nope"], "unknown report 'nope'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(tmp_path / "out")] if argv[0] == "run" else argv)
    assert exit_info.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("growthkit") and ": error: " in line and message in line
    assert not (tmp_path / "out").exists()


def test_run_all_without_notebooks_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROWTHKIT_NOTEBOOKS", str(tmp_path))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--all", "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert "no report notebooks found" in capsys.readouterr().err


@pytest.mark.notebooks
def test_failed_run_exits_1_with_one_line_and_keeps_the_last_good_report(
    last_good: tuple[Path, dict[str, bytes]],
) -> None:
    out, good = last_good
    # The notebook exports demo-export.csv, then fails on the column: the export must not land.
    argv = ["run", "demo", "-p", "required_column", "foo", "-p", "label", "bad run"]
    proc = growthkit(*argv, "--data", SECRET_URL, "--out", str(out), "--quiet")
    assert proc.returncode == 1
    failed = out / "demo.failed.ipynb"
    assert_error_line(
        proc.stderr,
        "error: demo: Required column 'foo' missing from orders; found columns: "
        f"'customer_id', 'amount'; failed notebook kept in {failed}",
    )
    assert PROGRESS_LINE not in proc.stderr and "running" not in proc.stderr  # --quiet
    assert _published(out) == good
    kept = json.loads(failed.read_text(encoding="utf-8"))
    assert kept["metadata"]["papermill"]["parameters"]["required_column"] == "foo"
    assert kept["metadata"]["papermill"]["parameters"]["data"] == MASKED_URL
    assert SECRET not in failed.read_text(encoding="utf-8")
    assert "The last run failed" in (out / "index.html").read_text(encoding="utf-8")
    assert _hidden(out) == []


@pytest.mark.notebooks
def test_dead_kernel_exits_1_with_one_line_and_keeps_the_last_good_report(
    last_good: tuple[Path, dict[str, bytes]],
) -> None:
    out, good = last_good
    proc = growthkit("run", "demo", "-p", "die", "true", "--data", SECRET_URL, "--out", str(out))
    assert proc.returncode == 1
    failed = out / "demo.failed.ipynb"
    # cell 6: title, parameters, injected parameters, progress, export, then the one that dies
    assert_error_line(
        proc.stderr,
        "error: demo: the kernel died (out of memory?) while running cell 6; "
        f"failed notebook kept in {failed}",
    )
    assert "Kernel died" not in proc.stderr  # nbclient's own log line, said once is enough
    assert _published(out) == good
    kept = nbformat.read(failed, as_version=4)
    assert "os.kill" in kept.cells[5].source
    assert SECRET not in failed.read_text(encoding="utf-8")
    assert _hidden(out) == []


@pytest.mark.usefixtures("fixtures_env")
def test_ctrl_c_exits_130_with_one_line_and_keeps_the_last_good_report(
    last_good: tuple[Path, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    out, good = last_good
    scratch: list[Path] = []

    def interrupted(
        input_path: str, output_path: str, parameters: dict[str, Any], **kwargs: Any
    ) -> None:
        # As far as papermill got: the notebook with its parameters saved, then Ctrl-C.
        scratch.append(Path(output_path).parent)
        cell = nbformat.v4.new_code_cell(f"parameters = {parameters!r}")
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), output_path)
        (Path(kwargs["config"]["ReportKernelManager"]["kernel_cwd"]) / "demo-export.csv").touch()
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    argv = ["run", "demo", "--data", SECRET_URL, "--out", str(out), "--quiet"]
    assert main(argv) == 130
    failed = out / "demo.failed.ipynb"
    assert capsys.readouterr().err.splitlines() == [
        f"error: demo: interrupted (Ctrl-C); failed notebook kept in {failed}"
    ]
    assert MASKED_URL in failed.read_text(encoding="utf-8")
    assert SECRET not in failed.read_text(encoding="utf-8")
    assert _published(out) == good
    assert scratch[0].parent == out and not scratch[0].exists()
    assert _hidden(out) == []


@pytest.mark.notebooks
@pytest.mark.usefixtures("fixtures_env")
def test_progress_lines_reach_the_terminal_and_never_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture
) -> None:
    # The kernel inherits the runner's stderr (file descriptor 2, which capfd captures).
    # Without PYTEST_CURRENT_TEST the kernel handles its output as it does for a user.
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    out = tmp_path / "out"
    assert main(["run", "demo", "--out", str(out)]) == 0
    err = capfd.readouterr().err.splitlines()
    assert err[0] == "demo: running ..."
    assert f"{PROGRESS_LINE} 3 customers" in err
    executed = (out / "demo.html").read_text(encoding="utf-8")
    assert PROGRESS_LINE not in executed
    assert "demo: running" not in executed


def test_ctrl_c_before_any_report_ran_prints_a_whole_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def ctrl_c(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # as Ctrl-C in the first second, while papermill imports

    monkeypatch.setattr("growthkit.report.cli.import_module", ctrl_c)
    assert main(["run", "demo"]) == 130
    assert capsys.readouterr().err.splitlines() == ["error: interrupted (Ctrl-C)"]


@pytest.mark.usefixtures("fixtures_env")
def test_a_reports_settings_check_parameters_before_any_kernel_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import dataclasses
    import sys
    import types

    from growthkit.settings import Interval, Settings, Text, setting

    @dataclasses.dataclass(frozen=True)
    class DemoSettings(Settings):
        report = "demo"
        n: int = setting(3, Interval(1, 10, integer=True))
        period_end: str = setting("2000-01-31", Text(what="a date such as 2025-03-31"))

    module = types.ModuleType("growthkit.demo.settings")
    module.DemoSettings = DemoSettings
    monkeypatch.setitem(sys.modules, "growthkit.demo", types.ModuleType("growthkit.demo"))
    monkeypatch.setitem(sys.modules, "growthkit.demo.settings", module)
    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    with pytest.raises(SystemExit) as caught:
        main(["run", "demo", "-p", "n", "11", "--quiet"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "growthkit run: error: demo: n=11 is out of range; expected a whole number in [1, 10]"
    ]


def _no_kernel(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("a kernel was started")


def test_a_run_inspects_its_notebook_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebooks = tmp_path / "notebooks"  # a notebook this process has not inspected yet
    notebooks.mkdir()
    shutil.copy(FIXTURES / "demo.ipynb", notebooks)
    monkeypatch.setenv("GROWTHKIT_NOTEBOOKS", str(notebooks))
    inspected: list[str] = []
    inspect = papermill.inspect_notebook

    def counted(path: str, *args: Any, **kwargs: Any) -> Any:
        inspected.append(Path(path).name)
        return inspect(path, *args, **kwargs)

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "inspect_notebook", counted)
    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    assert main(["run", "demo", "-p", "n", "4", "--out", str(tmp_path / "out"), "--quiet"]) == 130
    assert inspected.count("demo.ipynb") == 1


@pytest.mark.usefixtures("fixtures_env")
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("disk full", "No space left on device"),
        ("read-only", "Permission denied"),
    ],
)
def test_a_folder_that_cannot_be_written_stops_with_one_line_and_keeps_the_last_good_report(
    fault: str,
    reason: str,
    last_good: tuple[Path, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    import errno
    import tempfile

    out, good = last_good

    def executed(input_path: str, output_path: str, *args: Any, **kwargs: Any) -> Any:
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Demo")])

    monkeypatch.setattr(papermill, "execute_notebook", executed)
    if fault == "disk full":
        write_text = Path.write_text

        def full(self: Path, *args: Any, **kwargs: Any) -> int:
            if self.suffix == ".json":
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
            return write_text(self, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", full)
    else:
        def read_only(*args: Any, dir: str = "", **kwargs: Any) -> str:
            raise PermissionError(errno.EACCES, "Permission denied", dir)

        monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    assert main(["run", "demo", "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: demo: could not write")
    assert reason in err and "Traceback" not in err
    assert _published(out) == good
    assert _hidden(out) == []
