"""The one escaping door for data-derived text: Markdown and HTML, and matplotlib text.

:func:`escape` makes a value show as typed in Markdown or HTML (a variant named ``<script>`` or
``[x](javascript:...)`` shows as text); :func:`plain_label` keeps ``$`` from starting mathtext.
``growthkit.formatting`` re-exports both (their old home).
"""

from __future__ import annotations

import html
import re

__all__ = ["escape", "plain_label"]

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


def plain_label(value: object) -> str:
    """A data-derived value for matplotlib text: ``$`` cannot start mathtext."""
    return str(value).replace("$", r"\$")
