"""plain_text: a report's Markdown summary as text a chat or a dashboard shows as meant."""

from __future__ import annotations

from growthkit.escaping import escape
from growthkit.plain_text import plain_text


def test_escapes_emphasis_and_code_marks_go() -> None:
    md = f"**Churn** rose to \\$5 in {escape('paid_search')}; rerun with `-p gross_margin 0.3`."
    assert plain_text(md) == "Churn rose to $5 in paid_search; rerun with -p gross_margin 0.3."


def test_blocks_lists_and_links() -> None:
    md = "First line\ngoes on.\n\n- one *a*\n- two [docs](http://x.example)\n\n1. a\n2. b"
    assert plain_text(md) == "First line goes on.\n\n- one a\n- two docs\n\n1. a\n2. b"


def test_isolates_only_when_the_language_needs_them() -> None:
    md = "القناة \u2068paid\\_search\u2069 خسرت"
    assert plain_text(md) == "القناة paid_search خسرت"
    assert plain_text(md, isolates=True) == "القناة \u2068paid_search\u2069 خسرت"


def test_text_that_looks_like_markup_in_data_stays_text() -> None:
    name = "*bold* <b>x</b> [a](b)"
    assert plain_text(f"Segment {escape(name)} grew.") == f"Segment {name} grew."


def test_a_summary_in_each_format() -> None:
    import pytest

    from growthkit.errors import GrowthkitError
    from growthkit.result import summary_in

    md = "**Keep** \u2068paid\\_search\u2069."
    assert summary_in(md, "markdown") == md
    assert summary_in(md, "text") == "Keep paid_search."
    assert summary_in(md, "text", rtl=True) == "Keep \u2068paid_search\u2069."
    with pytest.raises(GrowthkitError, match=r"^format='html' is not valid"):
        summary_in(md, "html")
