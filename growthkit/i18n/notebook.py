"""A report notebook's Markdown cells in the report's language."""

from __future__ import annotations

from typing import Any

from growthkit.i18n.language import Language

__all__ = ["notebook_title", "translate_markdown"]


def translate_markdown(notebook: Any, language: Language) -> int:
    """Replace each Markdown cell's text by its translation in ``language``'s catalog.

    A cell is one message (see :mod:`growthkit.i18n.extract`); a cell the catalog does not
    know, such as one an analyst added, stays as written.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        Changed in place.
    language : Language
        The report language, with the report's domain.

    Returns
    -------
    int
        How many cells were translated.
    """
    translated = 0
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        text = source.strip()
        if not text:
            continue
        words = language.gettext(text)
        if words != text:
            cell.source = words
            translated += 1
    return translated


def notebook_title(notebook: Any) -> str | None:
    """The text of the first Markdown level-1 heading (the browser tab's title), if any."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None
