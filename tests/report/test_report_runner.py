"""run_report: HTML + JSON + exports as one set, typing, offline HTML, secrets, the index page."""

from __future__ import annotations

import html as html_module
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import zipfile
from datetime import UTC, date, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

import nbformat
import pytest
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError
from report_support import (
    FIXTURES,
    GROWTHKIT,
    MASKED_URL,
    SECRET,
    Built,
    assert_error_line,
    snapshot,
    user_env,
)

import growthkit
from growthkit.errors import GrowthkitError
from growthkit.report import RunResult, list_reports, run_report
from growthkit.report import runner as runner_module
from growthkit.report.cli import main
from growthkit.report.runner import absolute_input, installed_notebooks, one_line, publish

REPORT_KEYS = {"report", "title", "growthkit_version", "generated_at", "parameters", "metrics"}


class _RemoteRefs(HTMLParser):
    """Collects every attribute that would make a browser fetch from the network."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            remote = (value or "").strip().lower().startswith(("http://", "https://", "//"))
            if name in {"src", "href", "data", "srcset"} and remote and tag != "a":
                self.found.append(f"<{tag} {name}={value}>")


def _remote_references(html: str) -> list[str]:
    """Scripts, stylesheets, fonts and images fetched from the network (links a reader
    clicks are fine), including CSS ``url(http...)``/``@import`` and JS ``import("http...")``."""
    parser = _RemoteRefs()
    parser.feed(html)
    pattern = r"url\(\s*['\"]?(?:https?:)?//|@import|import\(\s*['\"](?:https?:)?//"
    return parser.found + re.findall(pattern, html)


def _doc(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_offline_check_catches_nbconvert_default_cdn_scripts() -> None:
    # The check below must be able to fail: nbconvert's stock lab export loads require.js and
    # MathJax from cdnjs.
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# x")])
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    assert any("cdnjs.cloudflare.com" in ref for ref in _remote_references(body))


@pytest.mark.notebooks
def test_cli_run_writes_report_json_with_its_keys(built: Built) -> None:
    assert built.demo_exit == 0
    doc = _doc(built.out / "demo.json")
    assert set(doc) == REPORT_KEYS
    assert doc["report"] == "demo"
    assert doc["title"] == "Demo report"  # the notebook heading, in the report language
    assert doc["growthkit_version"] == growthkit.__version__
    generated = datetime.fromisoformat(doc["generated_at"])
    assert generated.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - generated) < timedelta(hours=1)
    first, last = built.demo_stdout.strip().splitlines()
    html, js = built.out / "demo.html", built.out / "demo.json"
    assert re.fullmatch(rf"demo: {re.escape(f'{html} {js}')} \(\d+\.\d s\)", first)
    index = re.escape(str(built.out / "index.html"))
    assert re.fullmatch(rf"1 of 1 reports written; index {index}; \d+\.\d s", last)


@pytest.mark.notebooks
def test_p_text_is_typed_by_each_default_and_defaults_are_recorded(built: Built) -> None:
    # -p n 5 -p rate 0.25 -p flag yes -p note None -p label "hello world" -p period_end 20250331
    doc = _doc(built.out / "demo.json")
    types = {
        "n": "int",
        "rate": "float",
        "label": "str",
        "flag": "bool",
        "note": "NoneType",
        "period_end": "str",
    }
    assert doc["metrics"]["types"] == types
    assert doc["parameters"] == {
        "data": MASKED_URL,
        "n": 5,
        "rate": 0.25,
        "label": "hello world",
        "flag": True,
        "note": None,
        "required_column": "amount",
        "period_end": "2025-03-31",
        "gate": None,
        "die": False,
    }


@pytest.mark.notebooks
def test_recorded_metrics_reach_the_json_as_plain_values(built: Built) -> None:
    metrics = _doc(built.out / "demo.json")["metrics"]
    assert metrics["n"] == 5
    assert metrics["rate"] == 0.25
    assert metrics["missing"] is None
    assert metrics["headline"] == {"Customers": "5", "Label": "hello world"}


@pytest.mark.notebooks
def test_html_opens_offline_with_the_figure_embedded(built: Built) -> None:
    html = (built.out / "demo.html").read_text(encoding="utf-8")
    assert _remote_references(html) == []
    assert re.search(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/]{100}', html)


@pytest.mark.notebooks
def test_html_hides_code_and_recorded_metrics_by_default(built: Built) -> None:
    html = (built.out / "demo.html").read_text(encoding="utf-8")
    assert "Demo report" in html
    assert "Prices such as $5 and $6 stay plain text." in html
    assert "source: " in html
    assert "require_columns" not in html
    assert 'jp-InputArea-prompt">In' not in html
    assert "NoneType" not in html  # only in record()'s output, which the HTML drops
    assert '<html lang="en" dir="ltr">' in html
    assert "<title>Demo report</title>" in html  # the notebook's heading, not its file name
    assert re.search(r"<p>Demo report · generated [^<]+ UTC · growthkit [^<]+</p>", html)
    # Each chart is described by the Markdown cell that introduces it.
    assert 'alt="The orders must have the column we ask for."' in html


@pytest.mark.notebooks
def test_credentials_never_reach_html_json_or_index(built: Built) -> None:
    for name, content in snapshot(built.out).items():
        assert SECRET.encode() not in content, name
    html = (built.out / "demo.html").read_text(encoding="utf-8")
    assert f"source: {MASKED_URL}" in html
    # The parameters table in the header shows values as written, without Python quotes.
    assert f"<code>{html_module.escape(MASKED_URL)}</code>" in html
    assert repr(MASKED_URL) not in html


@pytest.mark.notebooks
def test_notebook_exports_land_next_to_the_html_and_nothing_else_is_left(built: Built) -> None:
    assert (built.out / "demo-export.csv").read_text(encoding="utf-8") == "n,label\n5,hello world\n"
    assert sorted(snapshot(built.out)) == [
        "demo-export.csv",
        "demo.html",
        "demo.json",
        "index.html",
        "minimal.html",
        "minimal.json",
    ]


@pytest.mark.notebooks
def test_index_links_every_report_with_headline_numbers(built: Built) -> None:
    assert built.all_exit == 0
    html = (built.out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<h2 dir="auto"><a href="([^"]+)">', html) == ["demo.html", "minimal.html"]
    pairs = re.findall(r'<dt dir="auto">(.*?)</dt><dd dir="auto">(.*?)</dd>', html)
    assert pairs == [
        ("Customers", "5"),
        ("Label", "hello world"),
        # minimal records no headline: its top-level scalars (not bools or dicts), formatted
        ("customers", "1,234,567"),
        ("share", "0.1235"),
        ("title", "Minimal"),
    ]
    assert _remote_references(html) == []


@pytest.mark.notebooks
def test_run_report_show_code_masks_the_injected_parameters(tmp_path: Path) -> None:
    # A non-ASCII password: papermill writes it \x-escaped into the injected cell.
    url = "postgresql://analyst:pässwörd@db.example.com/shop?table=orders"
    out = tmp_path / "out"
    out.mkdir()
    (out / "demo.failed.ipynb").write_text("{}", encoding="utf-8")  # from an earlier failure
    # From Python, typed values are used as given (the text "no" stays text), and dates
    # become YYYY-MM-DD.
    given = {"n": 2, "flag": True, "label": "no", "period_end": date(2025, 3, 31)}
    result = run_report(
        "demo",
        given,
        data=url,
        out_dir=out,
        show_code=True,
        notebooks_dir=FIXTURES,
        progress=False,
    )
    assert isinstance(result, RunResult)
    assert (result.html_path, result.json_path) == (out / "demo.html", out / "demo.json")
    assert result.metrics == _doc(result.json_path)["metrics"]
    assert result.metrics["n"] == 2
    assert result.metrics["types"]["flag"] == "bool"
    parameters = _doc(result.json_path)["parameters"]
    assert (parameters["flag"], parameters["label"], parameters["period_end"]) == (
        True,
        "no",
        "2025-03-31",
    )
    assert 0 < result.seconds < 120
    assert not (out / "demo.failed.ipynb").exists()
    html = result.html_path.read_text(encoding="utf-8")
    assert "require_columns" in html
    assert 'jp-InputArea-prompt">In' in html
    assert "# Parameters" in html  # papermill's injected-parameters cell is shown ...
    assert "postgresql://analyst:***@db.example.com" in html  # ... with the URL masked
    shown_text = unescape(re.sub(r"<[^>]+>", "", html))  # pygments splits \x escapes into spans
    for text in (html, shown_text, result.json_path.read_text(encoding="utf-8")):
        assert "pässwörd" not in text
        assert r"p\xe4ssw\xf6rd" not in text
    assert _remote_references(html) == []


def test_unknown_parameter_lists_the_notebooks_parameters(tmp_path: Path) -> None:
    expected = (
        "demo: unknown parameter 'bogus'; demo takes: "
        "data, n, rate, label, flag, note, required_column, period_end, gate, die"
    )
    with pytest.raises(GrowthkitError, match=f"^{re.escape(expected)}$"):
        run_report("demo", {"bogus": 1}, out_dir=tmp_path / "out", notebooks_dir=FIXTURES)
    assert not (tmp_path / "out").exists()


def test_a_python_value_that_is_no_date_stops_before_anything_is_written(tmp_path: Path) -> None:
    expected = r"^demo: parameter period_end='March' is not ISO: expected"
    with pytest.raises(GrowthkitError, match=expected):
        run_report(
            "demo", {"period_end": "March"}, out_dir=tmp_path / "out", notebooks_dir=FIXTURES
        )
    assert not (tmp_path / "out").exists()


def test_unknown_report_lists_the_reports(tmp_path: Path) -> None:
    with pytest.raises(
        GrowthkitError, match=r"^unknown report 'nope'; available reports: demo, minimal$"
    ):
        run_report("nope", out_dir=tmp_path / "out", notebooks_dir=FIXTURES)


def test_missing_notebooks_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(GrowthkitError, match=r"notebooks folder '.*absent' does not exist"):
        run_report("demo", out_dir=tmp_path / "out", notebooks_dir=tmp_path / "absent")


def test_relative_inputs_are_made_absolute_but_not_the_reports_own_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    (tmp_path / "orders.csv").write_text("customer_id,date\n", encoding="utf-8")
    (tmp_path / "shop.duckdb").write_bytes(b"")
    (out / "clv_segments.csv").write_text("an earlier export\n", encoding="utf-8")
    assert absolute_input("data", "orders.csv", out) == str(tmp_path / "orders.csv")
    assert absolute_input("data", "*.csv", out) == str(tmp_path / "*.csv")
    assert absolute_input("baseline", Path("orders.csv"), out) == str(tmp_path / "orders.csv")
    expected = f"duckdb://{tmp_path / 'shop.duckdb'}?table=orders"
    assert absolute_input("baseline", "duckdb://shop.duckdb?table=orders", out) == expected
    # made absolute, the notebook would write the published export in place
    assert absolute_input("segments_csv", "reports/clv_segments.csv", out) == (
        "reports/clv_segments.csv"
    )
    for untouched in ("sample:cdnow", "missing.csv", "weeks", "/abs/orders.csv", 3, None, True):
        assert absolute_input("segments_csv", untouched, out) == untouched


def test_failure_message_is_one_line_and_names_foreign_exceptions() -> None:
    def error(ename: str, evalue: str) -> PapermillExecutionError:
        return PapermillExecutionError(3, 3, "", ename, evalue, [])

    own = error("GrowthkitError", "Required column 'x' missing\n  from orders")
    assert one_line(own) == "Required column 'x' missing from orders"
    assert one_line(error("ZeroDivisionError", "division by zero")) == (
        "ZeroDivisionError: division by zero"
    )


def test_ctrl_c_while_publishing_takes_effect_once_every_file_is_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    scratch = out / ".demo.run-x"
    work = scratch / "work"
    (work / "segments").mkdir(parents=True)
    for name in ("work/export.csv", "work/segments/b.csv", "demo.json", "demo.html"):
        (scratch / name).write_text(name, encoding="utf-8")
    (out / "demo.failed.ipynb").write_text("{}", encoding="utf-8")
    replace = os.replace

    def ctrl_c_then_replace(source: Path, target: Path) -> None:
        signal.raise_signal(signal.SIGINT)  # its handler runs before raise_signal returns
        replace(source, target)

    monkeypatch.setattr(os, "replace", ctrl_c_then_replace)
    # Python's own Ctrl-C handler, whatever the shell gave this process (a job started in the
    # background of a script ignores SIGINT).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            publish(scratch, work, out, "demo")
        restored = signal.getsignal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, inherited)
    monkeypatch.undo()
    assert snapshot(out) == {
        "demo.html": b"demo.html",
        "demo.json": b"demo.json",
        "export.csv": b"work/export.csv",
        "segments/b.csv": b"work/segments/b.csv",
    }
    assert restored is signal.default_int_handler


def test_report_notebooks_are_package_data_with_a_source_tree_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GROWTHKIT_NOTEBOOKS", raising=False)
    package = Path(growthkit.__file__).parent
    assert installed_notebooks() == package / "notebooks"
    assert {"clv", "abtest"} <= set(list_reports())  # the default folder, no settings needed
    monkeypatch.setattr(runner_module, "files", lambda _: tmp_path)  # installed without them
    assert installed_notebooks() == package.parent / "notebooks"


@pytest.mark.slow
def test_the_wheel_ships_the_report_notebooks(tmp_path: Path) -> None:
    repo = Path(growthkit.__file__).resolve().parents[1]
    source = tmp_path / "source"  # a copy, so the build writes nothing into the work tree
    ignore = shutil.ignore_patterns("__pycache__", "*.csv", "*.html", ".ipynb_checkpoints")
    shutil.copytree(repo / "growthkit", source / "growthkit", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, source)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    build += ["--no-index", "--quiet", "-w", str(tmp_path / "dist"), str(source)]
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("growthkit-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    notebooks = {f"growthkit/notebooks/{name}" for name in ("clv.ipynb", "abtest.ipynb")}
    assert notebooks <= shipped
    assert "growthkit/report/runner.py" in shipped


SECRET_URLS = {
    "s1": "postgresql://user:S3cretPW@host/db?table=orders",
    "s2": "duckdb://user:S3cretPW@/abs/shop.duckdb?table=orders",
    "s3": "sqlite://user:S3cretPW@/abs/x.db?table=orders",
    "s4": "postgresql://user:S3c/retPW@host/db",
    "s5": "postgresql://host/db?table=orders&token=S3cretPW",
    "s6": "snowflake://acct/db?api_key=S3cretPW",
    "s7": "mssql://host/db?pwd=S3cretPW",
    "s8": "postgresql://host/db?secret=S3cretPW",
    "s9": "trino://host/db?access_key=S3cretPW",
}


@pytest.mark.notebooks
def test_credentials_reach_the_kernel_but_no_file_terminal_or_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture
) -> None:
    # fixtures/secrets prints every parameter into the notebook and onto the terminal, exports
    # them, scans its own scratch folder (papermill's running notebook included) for the real
    # values, and with fail=True raises an error that holds the real URLs.
    monkeypatch.setenv("GROWTHKIT_NOTEBOOKS", str(FIXTURES / "secrets"))
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    out = tmp_path / "out"
    argv = ["run", "secrets", "--out", str(out), "--show-code"]
    argv += [arg for name, url in SECRET_URLS.items() for arg in ("-p", name, url)]
    assert main(argv) == 0
    metrics = _doc(out / "secrets.json")["metrics"]
    assert metrics["revealed"] == len(SECRET_URLS)  # growthkit.data.load would find each one
    assert metrics == {
        "revealed": 9,
        "leaks": [],
        "files": ["secrets-export.txt", "secrets.ipynb"],
    }
    assert main([*argv, "-p", "fail", "true"]) == 1
    printed = capfd.readouterr()
    files = snapshot(out)
    assert set(files) >= {"secrets.html", "secrets.json", "secrets.failed.ipynb", "index.html"}
    assert "secrets-export.txt" in files
    for where, text in [
        ("stdout", printed.out),
        ("stderr", printed.err),
        *((name, content.decode("utf-8", "replace")) for name, content in files.items()),
    ]:
        assert "S3cretPW" not in text and "S3c/retPW" not in text, where
    assert "postgresql://user:***@host/db?table=orders" in printed.err.splitlines()
    assert_error_line(
        printed.err,
        "error: secrets: ConnectionError: could not connect to "
        + " or ".join(_masked(url) for url in SECRET_URLS.values())
        + f"; failed notebook kept in {out / 'secrets.failed.ipynb'}",
    )
    failed = (out / "secrets.failed.ipynb").read_text(encoding="utf-8")
    assert "postgresql://user:***@host/db" in failed  # the injected-parameters cell


def _masked(url: str) -> str:
    return re.sub(r"(?<=:)S3c/?retPW(?=@)|(?<==)S3cretPW", "***", url)


@pytest.mark.notebooks
def test_two_runs_into_one_folder_take_turns_and_each_publishes_a_whole_set(
    tmp_path: Path,
) -> None:
    # Run A waits at a FIFO after its export, inside its lock; run B starts only then.
    out, gate = tmp_path / "out", tmp_path / "gate"
    os.mkfifo(gate)
    with (tmp_path / "a.err").open("w") as a_err:
        a = subprocess.Popen(
            [GROWTHKIT, "run", "demo", "-p", "label", "run A", "-p", "gate", gate, "--out", out],
            stdout=subprocess.DEVNULL,
            stderr=a_err,
            env=user_env(),
        )
    b = None
    try:
        held = _open_once_read(gate)  # returns when A's kernel opens the gate: A holds the lock
        b = subprocess.Popen(
            [GROWTHKIT, "run", "demo", "-p", "label", "run B", "--out", out],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=user_env(),
        )
        b_err = _lines(b.stderr)
        waiting = f"waiting for another run of demo in {out}"
        assert _next_line_with(b_err, waiting) == waiting
        assert not (out / "demo.json").exists()  # A is held before it publishes
        held.write("go")
        held.close()  # A goes on, publishes and unlocks; then B runs
        assert a.wait(timeout=180) == 0
        assert b.wait(timeout=180) == 0
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert "Traceback" not in (tmp_path / "a.err").read_text(encoding="utf-8")
    assert _next_line_with(b_err, "waiting") is None  # told once
    html = (out / "demo.html").read_text(encoding="utf-8")
    assert ("run B" in html, "run A" in html) == (True, False)
    assert _doc(out / "demo.json")["parameters"]["label"] == "run B"
    assert (out / "demo-export.csv").read_text(encoding="utf-8") == "n,label\n3,run B\n"
    assert sorted(p.name for p in out.iterdir()) == [
        "demo-export.csv",
        "demo.html",
        "demo.json",
        "index.html",
    ]


def _open_once_read(fifo: Path, timeout: float = 120) -> IO[str]:
    """Open ``fifo`` for writing; that returns once its reader has opened it."""
    opened: list[IO[str]] = []
    opener = threading.Thread(target=lambda: opened.append(fifo.open("w")))
    opener.start()
    opener.join(timeout)
    if opener.is_alive():  # no reader came: open one ourselves so the thread ends, then fail
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        opener.join()
        opened.pop().close()
        pytest.fail(f"nothing opened {fifo} in {timeout} s")
    return opened[0]


def _lines(stream: IO[str]) -> queue.Queue[str]:
    """The lines of ``stream`` as they come, read by a thread (None at the end)."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _next_line_with(lines: queue.Queue, text: str, timeout: float = 120) -> str | None:
    """The first line that holds ``text``, or None when the stream ended without one."""
    while (line := lines.get(timeout=timeout)) is not None:
        if text in line:
            return line
    return None


@pytest.mark.notebooks
def test_sigterm_stops_a_run_as_ctrl_c_does_and_leaves_no_scratch_or_lock(
    tmp_path: Path,
) -> None:
    out, gate = tmp_path / "out", tmp_path / "gate"
    os.mkfifo(gate)
    run = subprocess.Popen(
        [GROWTHKIT, "run", "demo", "-p", "gate", gate, "--out", out, "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=user_env(),
    )
    try:
        held = _open_once_read(gate)  # the kernel waits at the gate, inside the run's lock
        assert [p.name for p in out.glob(".demo.*")] != []
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=120) == 130
        held.close()
    finally:
        if run.poll() is None:
            run.kill()
    failed = out / "demo.failed.ipynb"
    assert run.stderr.read().splitlines() == [
        f"error: demo: terminated (SIGTERM); failed notebook kept in {failed}"
    ]
    assert sorted(p.name for p in out.iterdir()) == ["demo.failed.ipynb", "index.html"]


def test_a_publish_killed_between_moves_is_completed_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("demo-export.csv", "demo.json", "demo.html"):
        (out / name).write_text(f"old {name}", encoding="utf-8")
    scratch = out / ".demo.run-x"
    work = scratch / "work"
    work.mkdir(parents=True)
    (work / "demo-export.csv").write_text("new demo-export.csv", encoding="utf-8")
    for name in ("demo.json", "demo.html"):
        (scratch / name).write_text(f"new {name}", encoding="utf-8")

    class Killed(BaseException):
        """What ``kill -9`` does to the process: nothing after the first move runs."""

    replace, moves = os.replace, []

    def killed_after_the_csv(source: Path, target: Path) -> None:
        if moves and Path(target).name.startswith("demo."):
            raise Killed
        moves.append(target)
        replace(source, target)

    monkeypatch.setattr(os, "replace", killed_after_the_csv)
    with pytest.raises(Killed):
        publish(scratch, work, out, "demo")
    monkeypatch.undo()
    # As the kill left it: the new CSV beside the old JSON and HTML, and the journal.
    assert (out / "demo-export.csv").read_text(encoding="utf-8") == "new demo-export.csv"
    assert (out / "demo.json").read_text(encoding="utf-8") == "old demo.json"
    assert (out / ".demo.publish").exists()
    # The next run, even one that fails, first completes the set the killed run began.
    with pytest.raises(GrowthkitError, match="Required column 'nope' missing"):
        run_report("demo", {"required_column": "nope"}, out_dir=out, notebooks_dir=FIXTURES,
                   progress=False)
    for name in ("demo-export.csv", "demo.json", "demo.html"):
        assert (out / name).read_text(encoding="utf-8") == f"new {name}"
    assert sorted(p.name for p in out.iterdir()) == [
        "demo-export.csv", "demo.failed.ipynb", "demo.html", "demo.json", "index.html",
    ]


def test_a_folder_where_an_output_goes_stops_the_publish_before_any_move(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    scratch = out / ".demo.run-x"
    (scratch / "work").mkdir(parents=True)
    (scratch / "work" / "demo-export.csv").write_text("new", encoding="utf-8")
    for name in ("demo.json", "demo.html"):
        (scratch / name).write_text("new", encoding="utf-8")
    (out / "demo.html").mkdir()
    with pytest.raises(GrowthkitError, match=r"demo\.html is a folder"):
        publish(scratch, scratch / "work", out, "demo")
    assert sorted(p.name for p in out.iterdir()) == [".demo.run-x", "demo.html"]


@pytest.mark.notebooks
def test_sigterm_reaches_reports_run_side_by_side(tmp_path: Path) -> None:
    notebooks, out, gate = tmp_path / "notebooks", tmp_path / "out", tmp_path / "gate"
    notebooks.mkdir()
    for name in ("demo", "twin"):
        shutil.copy(FIXTURES / "demo.ipynb", notebooks / f"{name}.ipynb")
    os.mkfifo(gate)
    run = subprocess.Popen(
        [GROWTHKIT, "run", "demo", "twin", "-j", "2", "-p", "gate", gate, "--out", out,
         "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=user_env(notebooks),
    )
    try:
        held = _open_once_read(gate)  # a kernel waits at the gate
        run.send_signal(signal.SIGTERM)  # to the command only, as a supervisor sends it
        assert run.wait(timeout=120) == 130
        held.close()
    finally:
        if run.poll() is None:
            run.kill()
    assert "Traceback" not in run.stderr.read()
    assert "0 of 2 reports written" in run.stdout.read()
    assert [p.name for p in out.glob(".*")] == []


@pytest.mark.notebooks
def test_a_relative_out_folder_publishes_the_exports(tmp_path: Path) -> None:
    """``--out reports`` (relative, as the README writes it) with a report that exports."""
    run = subprocess.run(
        [GROWTHKIT, "run", "demo", "--out", "reports", "--quiet"],
        capture_output=True, text=True, cwd=tmp_path, env=user_env(), timeout=300,
    )
    assert (run.returncode, run.stderr) == (0, "")
    out = tmp_path / "reports"
    assert (out / "demo-export.csv").read_text(encoding="utf-8").startswith("n,label\n")
    assert sorted(p.name for p in out.iterdir()) == [
        "demo-export.csv", "demo.html", "demo.json", "index.html"]
