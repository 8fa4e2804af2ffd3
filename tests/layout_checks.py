"""Checks on a report's HTML tables: one column, one precision and one unit."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

_CONTROLS = re.compile("[\u200e\u200f\u061c\u2066-\u2069\u202a-\u202e]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫٬−", "0123456789.,-")
#: A formatted amount: optional sign and currency letters/symbols, digits with grouping and
#: decimals, then an optional unit (K, M, B, ألف, مليون, مليار) and percent sign.
_AMOUNT = re.compile(
    r"^[-+]?\s*(?P<pre>[^\d\s-]*)\s*[-+]?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?"
    r"\s*(?P<unit>K|M|B|ألف|مليون|مليار)?\s*(?P<post>%|[^\d\s]*)$"
)


def cell_format(text: str) -> tuple[str, int, str] | None:
    """(kind, decimals, unit) of a formatted number cell; None for text, ranges and bounds.

    ``kind`` is ``"money"`` (a currency sign or code around it), ``"percent"`` or ``"plain"``.
    """
    clean = _CONTROLS.sub("", text).translate(_DIGITS).replace("\u00a0", " ").strip()
    if not clean or clean[0] in "<>≤≥" or " – " in clean or " to " in clean:
        return None
    found = _AMOUNT.match(clean)
    if not found:
        return None
    post = found.group("post") or ""
    kind = "percent" if post == "%" else "money" if found.group("pre") or post else "plain"
    return kind, len(found.group("dec") or ""), found.group("unit") or ""


def table_problems(html: str) -> list[str]:
    """Columns of money or shares that mix precisions or units ("$1K" beside "$1.03K").

    A column that mixes kinds (money beside a count beside a share) lists different quantities
    row by row (a key-figures table), and a column of plain numbers may show each row's
    estimate to its own significant digits: neither is checked.
    """
    problems = []
    soup = BeautifulSoup(html, "html.parser")
    for n, table in enumerate(soup.find_all("table")):
        header = _column_names(table)
        columns: dict[int, set[tuple[str, int, str]]] = {}
        examples: dict[int, list[str]] = {}
        rows = [row.find_all(["th", "td"]) for row in table.select("tbody tr")]
        width = max([len(header), *map(len, rows)])
        for cells in rows:
            # Cells by position counted from the row's end: a row header spanning rows (a
            # segment column over its segments) is missing from the rows below its first.
            for j, cell in enumerate(cells):
                i = width - len(cells) + j
                if cell.name != "td":
                    continue
                text = cell.get_text(" ", strip=True)
                found = cell_format(text)
                if found is not None:
                    columns.setdefault(i, set()).add(found)
                    examples.setdefault(i, []).append(_CONTROLS.sub("", text))
        for i, formats in columns.items():
            kinds = {kind for kind, _, _ in formats}
            if len(formats) > 1 and len(kinds) == 1 and kinds != {"plain"}:
                name = header[i] if i < len(header) and header[i] else str(i)
                shown = ", ".join(sorted(set(examples[i]))[:6])
                problems.append(f"table {n} column {name!r} mixes formats: {shown}")
    return problems


def _column_names(table: Tag) -> list[str]:
    """The first header row's names by cell position (a cell spanning k columns counts k)."""
    rows = table.select("thead tr")
    if not rows:
        return []
    names = []
    for th in rows[0].find_all(["th", "td"]):
        span = int(th.get("colspan", 1) or 1)
        names.extend([th.get_text(" ", strip=True)] * span)
    return names
