"""The chart and table checks catch what misleads a reader, and pass what does not."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from layout_checks import table_problems
from matplotlib.ticker import FuncFormatter, MaxNLocator

from growthkit.plots.checks import PROBLEMS_ENV, figure_problems, install, tick_value
from growthkit.progress import REPORT_ENV


def test_a_clean_chart_has_no_problem() -> None:
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.bar(["a", "b"], [1, 2])
    ax.set_title("Two bars")
    ax.bar_label(ax.containers[0], labels=["1", "2"])
    assert figure_problems(fig) == []
    plt.close(fig)


def test_a_value_label_over_the_title_is_found() -> None:
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.bar(["a"], [10])
    ax.set_ylim(0, 10)
    ax.set_title("Revenue by month")
    ax.annotate("$10.00 big label", (0, 10.4), ha="center", annotation_clip=False)
    assert any("overlaps text 'Revenue by month'" in p for p in figure_problems(fig))
    plt.close(fig)


def test_ticks_labelled_with_too_few_digits_are_found_and_integer_ticks_pass() -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 10], [0, 0.1])
    ax.set_xticks([0, 2.5, 5, 7.5, 10])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.set_yticks([0, 0.025, 0.05])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    found = figure_problems(fig)
    assert "tick at 2.5 is labelled '2'" in found and "tick at 7.5 is labelled '8'" in found
    assert "tick at 0.025 is labelled '2%'" in found
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yticks([0, 0.02, 0.04])
    assert figure_problems(fig) == []
    plt.close(fig)


def test_a_colour_bar_over_the_heatmap_is_found() -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    sns.heatmap(np.arange(12.0).reshape(3, 4), ax=ax, cbar=False)
    cax = fig.add_axes((0.6, 0.2, 0.05, 0.6))  # drawn over the grid's right-hand cells
    fig.colorbar(ax.collections[0], cax=cax)
    assert any("overlaps axes" in p for p in figure_problems(fig))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    sns.heatmap(np.arange(12.0).reshape(3, 4), ax=ax)  # its colour bar beside the grid
    assert figure_problems(fig) == []
    plt.close(fig)


def test_arabic_digits_and_percent_signs_are_read() -> None:
    assert tick_value("\u2068٢٫٥٪\u2069") == (2.5, 0.05, True)
    assert tick_value("1,200") == (1200.0, 0.5, False)
    assert tick_value("Jan 2024") is None


def test_a_money_column_with_mixed_units_is_found_and_a_key_figures_column_is_not() -> None:
    page = """<table><thead><tr><th></th><th>New</th><th>Value</th></tr></thead><tbody>
    <tr><th>Jan</th><td>$1K</td><td>$2.5M</td></tr>
    <tr><th>Feb</th><td>$1.03K</td><td>23,570</td></tr>
    <tr><th>Mar</th><td>$527</td><td>8.9%</td></tr></tbody></table>"""
    assert table_problems(page) == ["table 0 column 'New' mixes formats: $1.03K, $1K, $527"]
    even = page.replace("$1K", "$1,000").replace("$1.03K", "$1,030")
    assert table_problems(even) == []


def test_a_label_of_one_chart_drawn_over_another_chart_is_found() -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 4))  # fixed places: nothing moves
    left.plot([0, 1], [0, 1])
    right.plot([0, 1], [1, 0])
    assert figure_problems(fig) == []
    left.annotate("a long note that runs on", (0.9, 0.5), annotation_clip=False)
    assert "text 'a long note that runs on' lies over another chart's area" in figure_problems(fig)
    plt.close(fig)


def test_the_hook_writes_each_problem_of_a_drawn_figure_with_the_report_name(
    tmp_path, monkeypatch
) -> None:
    found = tmp_path / "charts.jsonl"
    monkeypatch.setenv(PROBLEMS_ENV, str(found))
    monkeypatch.setenv(REPORT_ENV, "clv")
    fig, ax = plt.subplots(figsize=(6, 4))
    install(fig)
    ax.plot([0, 10], [0, 1])
    ax.set_title("Ticks")
    ax.set_xticks([0, 2.5, 5])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    fig.canvas.draw()
    fig.canvas.draw()  # drawn again (savefig draws twice): each problem is written once
    lines = [json.loads(line) for line in found.read_text("utf-8").splitlines()]
    problem = "tick at 2.5 is labelled '2'"
    assert lines == [{"report": "clv", "title": ["Ticks"], "problem": problem}]
    plt.close(fig)


def test_a_column_under_a_row_header_spanning_rows_is_named_by_its_header() -> None:
    # pandas writes a two-level row index with rowspan: the rows below the first lack one th.
    page = """<table><thead><tr><th></th><th></th><th>Customers</th><th>LTV</th></tr>
    </thead><tbody>
    <tr><th rowspan="2">channel</th><th>paid</th><td>5,686</td><td>$35.72</td></tr>
    <tr><th>organic</th><td>3,120</td><td>$114</td></tr></tbody></table>"""
    assert table_problems(page) == ["table 0 column 'LTV' mixes formats: $114, $35.72"]
    assert table_problems(page.replace("$114", "$114.00")) == []
