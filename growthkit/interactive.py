"""Tables a reader can sort and search, offline: itables (DataTables) inside the report's page.

A report keeps static tables for its key figures; a long table a reader wants to sort or search
(CLV segments, cohorts, A/B results by segment) is shown with :func:`interactive_table`. The
cells show the report's own formatted text (money, percentages and dates in the report's
language) while sorting follows the numbers behind them, so "$1.2K" sorts above "$900".

itables embeds DataTables' JavaScript and CSS in the page (``connected=False``), once per
kernel, with the first interactive table, so the HTML report opens with no network. Cells are
escaped by itables (``allow_html`` stays off): a segment named ``<script>`` shows as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from growthkit.i18n import N_, Language, as_language

__all__ = ["InteractiveTable", "interactive_table"]

#: DataTables' interface words (its own placeholders _START_, _END_, _TOTAL_, _MAX_, _MENU_).
_WORDS = {
    "search": N_("Search:"),
    "info": N_("Rows _START_ to _END_ of _TOTAL_"),
    "infoEmpty": N_("No rows"),
    "infoFiltered": N_("(filtered from _MAX_ rows)"),
    "lengthMenu": N_("Show _MENU_ rows"),
    "zeroRecords": N_("No matching rows"),
    "emptyTable": N_("No rows"),
}
_PAGES = {"first": N_("First"), "last": N_("Last"), "next": N_("Next"), "previous": N_("Previous")}
#: The page length a table opens with, and the choices offered.
PAGE_LENGTH = 10
_LENGTHS = [10, 25, 50, 100]

_FALLBACK = re.compile(r'<div id="[^"]+_fallback">.*?</div>(?=<script>)', re.S)
_LOADING = re.compile(r"Loading ITables v\S+ from .*?\(need <a [^>]*>help</a>\?\)", re.S)
_INIT_NOTE = re.compile(r'<div style="vertical-align:middle; text-align:left">\s*<noscript>'
                        r".*?</noscript>\s*</div>", re.S)

#: Whether this process has already put DataTables in a page (the kernel's first table does).
_STATE = {"bundle_shown": False}


@dataclass(frozen=True)
class InteractiveTable:
    """A formatted table shown with DataTables; ``order`` holds what each column sorts by.

    Attributes
    ----------
    shown : pandas.DataFrame
        The cells as the reader sees them (text), columns in display order.
    order : pandas.DataFrame
        For the columns of ``shown`` that sort by a number or a date, that value per row.
    language : Language
        The report's language: DataTables' words and the page direction.
    caption : str or None
        A caption under the table.
    """

    shown: pd.DataFrame
    order: pd.DataFrame = field(default_factory=pd.DataFrame)
    language: Language = field(default_factory=as_language)
    caption: str | None = None

    def frame(self) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        """The frame handed to DataTables (shown columns, then hidden sort columns) and the
        ``columnDefs`` that sort each shown column by its hidden one."""
        shown = self.shown.reset_index(drop=True)
        sort_columns = [c for c in shown.columns if c in self.order.columns]
        width = shown.shape[1]
        hidden = pd.DataFrame(
            {f"\u2195{i}": self.order[c].reset_index(drop=True) for i, c in enumerate(sort_columns)}
        )
        defs: list[dict[str, Any]] = []
        for k, column in enumerate(sort_columns):
            defs.append({"targets": list(shown.columns).index(column), "orderData": [width + k]})
        if sort_columns:
            defs.append({"targets": list(range(width, width + len(sort_columns))),
                         "visible": False, "searchable": False})
        return pd.concat([shown, hidden], axis=1), defs

    def words(self) -> dict[str, Any]:
        """DataTables' ``language`` option in the report's language."""
        words: dict[str, Any] = {k: self.language.gettext(v) for k, v in _WORDS.items()}
        words["paginate"] = {k: self.language.gettext(v) for k, v in _PAGES.items()}
        return words

    def html(self, *, with_bundle: bool) -> str:
        """The table's HTML; with DataTables' JavaScript and CSS first when ``with_bundle``."""
        from itables import options
        from itables.javascript import generate_init_offline_itables_html, to_html_datatable

        frame, defs = self.frame()
        table = to_html_datatable(
            frame,
            caption=self.caption,
            connected=False,
            showIndex=False,
            allow_html=False,
            display_logo_when_loading=False,
            columnDefs=defs,
            language=self.words(),
            pageLength=PAGE_LENGTH,
            lengthMenu=_LENGTHS,
            order=[],
        )
        # itables' static preview would show the hidden sort columns, and its loading and
        # help texts are English: the page keeps the formatted table for readers without
        # JavaScript instead.
        table = _FALLBACK.sub("", table)
        table = _LOADING.sub("", table)
        static = self.shown.to_html(escape=True, na_rep="–", border=0)
        body = (f'<div dir="{self.language.direction}" class="gk-interactive">{table}'
                f"<noscript>{static}</noscript></div>")
        if not with_bundle:
            return body
        bundle = _INIT_NOTE.sub("", generate_init_offline_itables_html(options.dt_bundle))
        return bundle + body

    def _repr_html_(self) -> str:
        html = self.html(with_bundle=not _STATE["bundle_shown"])
        _STATE["bundle_shown"] = True
        return html

    def __repr__(self) -> str:
        return self.shown.to_string(index=False)


def interactive_table(
    shown: pd.DataFrame,
    *,
    order: pd.DataFrame | None = None,
    language: Language | str | None = None,
    caption: str | None = None,
) -> InteractiveTable:
    """A table the reader can sort and search, for display in a notebook and its report.

    Parameters
    ----------
    shown : pandas.DataFrame
        The formatted table: one row per line shown, cells as text.
    order : pandas.DataFrame, optional
        Numbers or dates, row for row with ``shown``, under the names of the columns they sort
        (columns missing here sort by their text).
    language : Language or str, optional
        The report's language (``"en"`` by default).
    caption : str, optional
        A caption under the table.

    Returns
    -------
    InteractiveTable
        Displayed by Jupyter through its ``_repr_html_``.
    """
    order = pd.DataFrame() if order is None else order
    if len(order.columns) and len(order) != len(shown):
        raise ValueError(f"order has {len(order)} rows; shown has {len(shown)}")
    return InteractiveTable(shown, order, as_language(language), caption)
