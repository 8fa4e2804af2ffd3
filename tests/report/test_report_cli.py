"""The growthkit command: list, usage errors (exit 2) and a failed run (exit 1)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from report_support import FIXTURES, SECRET, SECRET_URL, Built

from growthkit.report.cli import main


@pytest.fixture
def fixtures_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROWTHKIT_NOTEBOOKS", str(FIXTURES))


@pytest.mark.usefixtures("fixtures_env")
def test_list_prints_each_report_with_its_parameters(capsys: pytest.CaptureFixture) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "demo"
    assert lines[1].startswith('  data = "sample:cdnow"')
    assert lines[1].endswith("  # where the orders come from")
    assert lines[2:8] == [
        "  n = 3",
        "  rate = 0.5",
        '  label = "hello"',
        "  flag = False",
        "  note = None",
        '  required_column = "amount"',
    ]
    assert lines[8:] == ["minimal", '  title = "Minimal"']


@pytest.mark.usefixtures("fixtures_env")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run"], "give report names or --all"),
        (["run", "demo", "--all"], "give report names or --all"),
        (["run", "nope"], "unknown report 'nope'; available reports: demo, minimal"),
        (["run", "demo", "-p", "bogus", "1"], "demo: unknown parameter 'bogus'; demo takes: data"),
        (["run", "demo", "-p", "n"], "argument -p/--parameter: expected 2 arguments"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2_with_the_reason(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(tmp_path / "out")] if argv[0] == "run" else argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
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
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(built.out, out)
    good = {name: (out / name).read_bytes() for name in ("demo.html", "demo.json")}
    script = Path(sys.executable).parent / "growthkit"  # the console script pyproject declares
    argv = ["run", "demo", "-p", "required_column", "foo", "--data", SECRET_URL]
    proc = subprocess.run(
        [str(script), *argv, "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        env={**os.environ, "GROWTHKIT_NOTEBOOKS": str(FIXTURES)},
        check=False,
        timeout=120,
    )
    assert proc.returncode == 1
    failed = out / "demo.failed.ipynb"
    assert proc.stderr.splitlines() == [
        "error: demo: Required column 'foo' missing from orders; found columns: 'customer_id', "
        f"'amount' (failed notebook kept in {failed})"
    ]
    assert {name: (out / name).read_bytes() for name in good} == good
    kept = json.loads(failed.read_text(encoding="utf-8"))
    assert kept["metadata"]["papermill"]["parameters"]["required_column"] == "foo"
    assert SECRET not in failed.read_text(encoding="utf-8")
    assert "The last run failed" in (out / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.glob(".*")) == []  # no temporary files left behind
