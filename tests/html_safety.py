"""A check that a report's HTML holds no live markup from hostile data (shared by the tests).

A hostile string shown as text is fine (``&lt;script&gt;`` reads as ``<script>``); what must not
happen is that it becomes a live element, an event-handler attribute or a ``javascript:`` URL.
The HTML is parsed, not grepped, so escaped text does not count as a hit.
"""

from __future__ import annotations

from html.parser import HTMLParser

#: Strings to put in every data-derived slot (ids, arm names, column names, segment values,
#: currency). Each would run ``alert`` if a report rendered it as markup.
HOSTILE = (
    '"><img src=x onerror=alert(1)>',
    "<script>alert(2)</script>",
    "[click me](javascript:alert(4))",
    "<a href='javascript:alert(5)'>x</a>",
    "*_`$x$`_*",
)


class _Live(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and value.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value[:30]}>")
        if tag == "script":
            self._script = True
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and "alert(" in data:
            self.found.append(f"<script>{data[:30]}")


def live_markup(html_text: str) -> list[str]:
    """Every live element, handler or ``javascript:`` URL in ``html_text`` (empty when safe)."""
    parser = _Live()
    parser.feed(html_text)
    parser.close()
    return parser.found


class _Visible(HTMLParser):
    """The text of a page a reader sees: everything but style and script content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html_text: str, sep: str = "") -> str:
    """The visible text of ``html_text``, pieces joined by ``sep``, whitespace collapsed."""
    parser = _Visible()
    parser.feed(html_text)
    parser.close()
    return " ".join(sep.join(parser.parts).split())


def render_markdown(markdown: str) -> tuple[str, str]:
    """The HTML nbconvert renders for ``markdown`` (as in a report), and its visible text."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    html_text = markdown2html_mistune(markdown)
    parser = _Visible()
    parser.feed(html_text)
    parser.close()
    return html_text, "".join(parser.parts).strip()
