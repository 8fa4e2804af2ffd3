"""A report's Markdown as plain text, for the JSON and for pasting into chat or a dashboard.

A report's summary is Markdown: ``\\$`` and ``paid\\_search`` escapes, ``**emphasis**``, code
spans, and Unicode bidi isolates around data-derived names. Pasted into Slack or shown by a
dashboard those look broken. :func:`plain_text` parses the Markdown (with mistune, the parser
nbconvert renders the report with) and keeps the words: escapes resolved, emphasis and code
marks dropped, list items as ``- item``, paragraphs apart by a blank line. Isolates are kept
only when asked (a right-to-left language needs them to keep a Latin name in its place).
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["plain_text"]

_ISOLATES = re.compile("[\u2066-\u2069]")


def plain_text(markdown: str, *, isolates: bool = False) -> str:
    """``markdown`` as plain text.

    Parameters
    ----------
    markdown : str
        Report Markdown (paragraphs, lists, headings, emphasis, code spans, links).
    isolates : bool, default False
        Keep the bidi isolate characters (U+2066-U+2069); pass ``Language.rtl``.

    Returns
    -------
    str
        Blocks separated by a blank line, list items as ``- item``; links as their text.
    """
    import mistune

    tokens = mistune.create_markdown(renderer=None)(markdown)
    text = "\n\n".join(filter(None, (_block(token) for token in tokens)))
    return text if isolates else _ISOLATES.sub("", text)


def _block(token: dict[str, Any], depth: int = 0) -> str:
    kind = token["type"]
    if kind == "list":
        ordered = token.get("attrs", {}).get("ordered", False)
        items = []
        for number, item in enumerate(token["children"], start=1):
            mark = f"{number}." if ordered else "-"
            body = "\n".join(_block(child, depth + 1) for child in item["children"])
            items.append("  " * depth + f"{mark} {body}")
        return "\n".join(items)
    if kind in ("blank_line", "thematic_break"):
        return ""
    if kind == "block_code":
        return token.get("raw", "").rstrip("\n")
    if "children" in token:
        if kind == "block_quote":
            return "\n\n".join(_block(child, depth) for child in token["children"])
        return _inline(token["children"])
    return token.get("raw", "")


def _inline(tokens: list[dict[str, Any]]) -> str:
    parts = []
    for token in tokens:
        kind = token["type"]
        if kind == "softbreak":
            parts.append(" ")
        elif kind == "linebreak":
            parts.append("\n")
        elif "children" in token:
            parts.append(_inline(token["children"]))
        elif kind == "text":  # entities written by growthkit.escaping.escape read as characters
            parts.append(html.unescape(token.get("raw", "")))
        else:
            parts.append(token.get("raw", ""))
    return "".join(parts)
