"""Notebook Markdown through the catalogs: extraction and translation by cell."""

from __future__ import annotations

import io
import json

import nbformat

from growthkit.i18n import get_language
from growthkit.i18n.extract import extract_notebook
from growthkit.i18n.notebook import notebook_title, translate_markdown


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Report\n\nIntro."),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("Parameters\n"),
        nbformat.v4.new_markdown_cell("An analyst's own note."),
        nbformat.v4.new_markdown_cell("   "),
    ]
    return nb


def test_each_markdown_cell_is_one_message() -> None:
    raw = io.BytesIO(json.dumps(_notebook()).encode())
    found = list(extract_notebook(raw, {}, [], {}))
    assert [(line, text) for line, _f, text, _c in found] == [
        (1, "# Report\n\nIntro."), (3, "Parameters"), (4, "An analyst's own note.")
    ]


def test_cells_the_catalog_knows_are_translated_and_others_kept() -> None:
    nb = _notebook()
    assert translate_markdown(nb, get_language("ar")) == 1
    assert nb.cells[2].source == "المعاملات"
    assert nb.cells[3].source == "An analyst's own note."
    assert notebook_title(nb) == "Report"
    assert translate_markdown(nb, get_language("en")) == 0
