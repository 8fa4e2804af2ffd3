"""Babel extraction of a report notebook's Markdown cells (the mapping in ``babel.cfg``).

Each Markdown cell is one message: the runner shows its translation in a report written in
another language (:func:`translate_notebook`). Code cells hold no reader-facing text; their
output is translated by the package.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["extract_notebook", "markdown_cells"]


def markdown_cells(notebook: dict[str, Any]) -> Iterator[tuple[int, str]]:
    """``(cell number from 1, text)`` of every non-empty Markdown cell, stripped."""
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = ("".join(source) if isinstance(source, list) else source).strip()
        if text:
            yield number, text


def extract_notebook(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method: one message per Markdown cell (the cell number as line)."""
    notebook = json.loads(fileobj.read().decode("utf-8"))
    for number, text in markdown_cells(notebook):
        yield number, None, text, [f"Markdown cell {number}"]
