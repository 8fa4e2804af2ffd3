"""The one escaping door for data-derived text: Markdown and HTML, and matplotlib text.

:func:`escape` makes a value show as typed in Markdown or HTML (a variant named ``<script>`` or
``[x](javascript:...)`` shows as text); :func:`markdown_text` turns a sentence built with it back
into plain text; :func:`plain_label` keeps ``$`` from starting mathtext.
``growthkit.formatting`` re-exports both (their old home).
"""

from __future__ import annotations

import html
import re

__all__ = ["escape", "markdown_text", "plain_label"]

# Every character CommonMark gives a meaning to, and `$` (math in Jupyter and nbconvert).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$])")


def escape(value: object) -> str:
    """Make a data-derived value safe to put into Markdown or HTML: it shows as typed.

    Markdown's special characters are backslash-escaped (no emphasis, link, image or heading
    can start inside the value), then HTML's ``& < > " '`` become entities (no tag, attribute or
    script). Line breaks become spaces, so a value cannot start a new block.

    Parameters
    ----------
    value : object
        Any value; ``str(value)`` is escaped.

    Returns
    -------
    str
    """
    text = " ".join(str(value).splitlines())
    return html.escape(_MARKDOWN.sub(r"\\\1", text), quote=True)


def markdown_text(markdown: str) -> str:
    """A sentence written in Markdown with :func:`escape`, as plain text to paste anywhere.

    The inverse of :func:`escape` for the narrative's sentences: HTML entities are decoded,
    bold markers (``**`` not escaped) are dropped and backslash escapes give their character
    back (``\\$`` -> ``$``, ``paid\\_search`` -> ``paid_search``). Inline code is kept as
    written, backticks included. Bidi isolates are left as they are.

    Parameters
    ----------
    markdown : str

    Returns
    -------
    str
    """
    text = html.unescape(markdown)
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and _MARKDOWN.fullmatch(text[i + 1]):
            out.append(text[i + 1])
            i += 2
        elif char == "`" and "`" in text[i + 1:]:  # inline code is literal, backticks kept
            end = text.index("`", i + 1) + 1
            out.append(text[i:end])
            i = end
        elif text.startswith("**", i):  # bold
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def plain_label(value: object) -> str:
    """A data-derived value for matplotlib text: ``$`` cannot start mathtext."""
    return str(value).replace("$", r"\$")
