"""run_report: HTML + JSON, parameter typing, offline HTML, credential masking, the index page."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError
from report_support import FIXTURES, MASKED_URL, SECRET, Built

import growthkit
from growthkit.errors import GrowthkitError
from growthkit.report import RunResult, run_report
from growthkit.report.runner import _absolute_source, _one_line

REPORT_KEYS = {"report", "growthkit_version", "generated_at", "parameters", "metrics"}


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
def test_parameters_are_typed_like_papermill_p_and_defaults_are_recorded(built: Built) -> None:
    doc = _doc(built.out / "demo.json")
    types = {"n": "int", "rate": "float", "label": "str", "flag": "bool", "note": "NoneType"}
    assert doc["metrics"]["types"] == types
    assert doc["parameters"] == {
        "data": MASKED_URL,
        "n": 5,
        "rate": 0.25,
        "label": "hello world",
        "flag": True,
        "note": None,
        "required_column": "amount",
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
    assert "_require_columns" not in html
    assert 'jp-InputArea-prompt">In' not in html
    assert "NoneType" not in html  # only in record()'s output, which the HTML drops
    assert "<strong>demo</strong> report" in html


@pytest.mark.notebooks
def test_credentials_never_reach_html_json_or_index(built: Built) -> None:
    for path in built.out.iterdir():
        assert SECRET not in path.read_text(encoding="utf-8"), path.name
    html = (built.out / "demo.html").read_text(encoding="utf-8")
    assert f"source: {MASKED_URL}" in html
    assert repr(MASKED_URL) in html  # the parameters table in the header


@pytest.mark.notebooks
def test_notebook_exports_land_next_to_the_html(built: Built) -> None:
    assert (built.out / "demo-export.csv").read_text(encoding="utf-8") == "n,rate\n"


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
    result = run_report(
        "demo",
        {"n": 2},
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
    assert 0 < result.seconds < 120
    assert not (out / "demo.failed.ipynb").exists()
    html = result.html_path.read_text(encoding="utf-8")
    assert "_require_columns" in html
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
        "data, n, rate, label, flag, note, required_column"
    )
    with pytest.raises(GrowthkitError, match=f"^{re.escape(expected)}$"):
        run_report("demo", {"bogus": 1}, out_dir=tmp_path / "out", notebooks_dir=FIXTURES)
    assert not (tmp_path / "out").exists()


def test_unknown_report_lists_the_reports(tmp_path: Path) -> None:
    with pytest.raises(
        GrowthkitError, match=r"^unknown report 'nope'; available reports: demo, minimal$"
    ):
        run_report("nope", out_dir=tmp_path / "out", notebooks_dir=FIXTURES)


def test_missing_notebooks_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(GrowthkitError, match=r"notebooks folder '.*absent' does not exist"):
        run_report("demo", out_dir=tmp_path / "out", notebooks_dir=tmp_path / "absent")


def test_relative_data_paths_are_made_absolute_for_the_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text("customer_id,date\n", encoding="utf-8")
    assert _absolute_source("orders.csv") == str(tmp_path / "orders.csv")
    assert _absolute_source(Path("orders.csv")) == str(tmp_path / "orders.csv")
    assert _absolute_source("*.csv") == str(tmp_path / "*.csv")
    (tmp_path / "shop.duckdb").write_bytes(b"")
    expected = f"duckdb://{tmp_path / 'shop.duckdb'}?table=orders"
    assert _absolute_source("duckdb://shop.duckdb?table=orders") == expected
    for untouched in ("sample:cdnow", "missing.csv", "duckdb:///orders.csv?table=t", 3):
        assert _absolute_source(untouched) == untouched


def test_failure_message_is_one_line_and_names_foreign_exceptions() -> None:
    def error(ename: str, evalue: str) -> PapermillExecutionError:
        return PapermillExecutionError(3, 3, "", ename, evalue, [])

    own = error("GrowthkitError", "Required column 'x' missing\n  from orders")
    assert _one_line(own) == "Required column 'x' missing from orders"
    assert _one_line(error("ZeroDivisionError", "division by zero")) == (
        "ZeroDivisionError: division by zero"
    )
