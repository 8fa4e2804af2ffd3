"""The landing page: ``index.html`` linking every report in a folder with its headline numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime
from jinja2 import Environment

from growthkit.i18n import LANGUAGES, Language, get_language
from growthkit.report._atomic import _write_atomic
from growthkit.report.lock import report_lock

__all__ = ["write_index"]

_FALLBACK_HEADLINES = 4
#: The lock that serialises rebuilds of one folder's ``index.html`` (``OUT/.index-page.lock``).
INDEX_LOCK = "index-page"
_TEMPLATE = """\
<!DOCTYPE html>
<html lang="{{ lang.code }}" dir="{{ lang.direction }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
         background: #f6f7f9; color: #1f2328; line-height: 1.45; }
  main { max-width: 60rem; margin: 0 auto; padding: 2rem 1rem; }
  h1 { font-size: 1.6rem; margin: 0 0 0.25rem; }
  .note { color: #59636e; margin: 0 0 1.5rem; }
  article { background: #fff; border: 1px solid #d1d9e0; border-radius: 8px;
            padding: 1rem 1.25rem; margin-bottom: 1rem; }
  h2 { font-size: 1.2rem; margin: 0; }
  a { color: #0b57d0; }
  .meta { color: #59636e; font-size: 0.85rem; margin: 0.2rem 0 0.75rem; }
  .failed { color: #a40e26; font-size: 0.9rem; margin: 0 0 0.75rem; }
  dl { display: flex; flex-wrap: wrap; gap: 0.75rem 2rem; margin: 0; }
  dl div { min-width: 9rem; }
  dt { color: #59636e; font-size: 0.8rem; }
  dd { margin: 0; font-size: 1.25rem; font-weight: 600; font-variant-numeric: tabular-nums; }
  nav { float: inline-end; font-size: 0.95rem; }
</style>
</head>
<body>
<main>
{%- if others %}
<nav>{% for o in others %}<a href="{{ o.href }}" lang="{{ o.code }}" hreflang="{{ o.code }}"
dir="auto">{{ o.name }}</a>{% if not loop.last %} &middot; {% endif %}{% endfor %}</nav>
{%- endif %}
<h1>{{ title }}</h1>
<p class="note">{{ note }}</p>
{%- for r in reports %}
<article>
<h2 dir="auto"><a href="{{ r.href }}">{{ r.name }}</a></h2>
<p class="meta">{{ r.meta }}</p>
{%- if r.failed %}
<p class="failed">{{ failed_note }}
<a href="{{ r.failed }}" dir="ltr">{{ r.failed }}</a></p>
{%- endif %}
{%- if r.headline %}
<dl>
{%- for label, value in r.headline.items() %}
<div><dt dir="auto">{{ label }}</dt><dd dir="auto">{{ value }}</dd></div>
{%- endfor %}
</dl>
{%- endif %}
</article>
{%- else %}
<p>{{ empty_note }} <code dir="ltr">growthkit run NAME</code></p>
{%- endfor %}
</main>
</body>
</html>
"""


def write_index(out_dir: str | Path, *, linked: bool = True) -> Path:
    """Rebuild ``index.html`` in a report folder from the ``NAME.json`` files beside the HTML.

    Parameters
    ----------
    out_dir : str or Path
        The folder the runner writes ``NAME.html`` and ``NAME.json`` into.
    linked : bool, default True
        Also rebuild the landing page of the same reports in another language, so each links to
        the other: ``OUT/index.html`` when ``out_dir`` is ``OUT/ar``, and ``OUT/ar/index.html``
        (and other languages' folders) when it is ``OUT``.

    Returns
    -------
    Path
        The written ``index.html``. Each report shows its ``metrics["headline"]`` mapping of
        label to formatted value, or else its first few top-level numbers and strings.
    """
    out = Path(out_dir)
    with report_lock(out, INDEX_LOCK):  # two runs into one folder: each sees the other's JSON
        docs = [(path, doc) for path in sorted(out.glob("*.json")) if (doc := _report_doc(path))]
        lang = _language(docs, out)
        reports = [_entry(path, doc, lang) for path, doc in docs]
        page = Environment(autoescape=True).from_string(_TEMPLATE).render(
            reports=reports,
            lang=lang,
            title=lang.gettext("growthkit reports"),
            note=lang.ngettext(
                "{n} report; it opens offline.", "{n} reports; each opens offline.", len(reports)
            ).format(n=lang.number(len(reports))),
            failed_note=lang.gettext(
                "The last run failed; this is the previous good report. The failed notebook is:"
            ),
            empty_note=lang.gettext("No reports yet. Run:"),
            others=_other_languages(out, lang),
        )
        index = out / "index.html"
        _write_atomic(index, page)
    if linked:
        others = [out / code for code in LANGUAGES]
        if out.name in LANGUAGES:
            others.append(out.parent)
        for other in others:
            if other != out and (other / "index.html").exists():
                write_index(other, linked=False)
    return index


def _report_doc(json_path: Path) -> dict[str, Any] | None:
    """A report's JSON document, or None for a JSON file that is not a report's."""
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (json_path.with_suffix(".html").exists() and isinstance(doc, dict)
            and isinstance(doc.get("metrics"), dict)):
        return None
    return doc


def _language(docs: list[tuple[Path, dict[str, Any]]], out: Path) -> Language:
    """The page's language: its reports' (their ``language`` parameter), else the folder's."""
    codes = {
        str((doc.get("parameters") or {}).get("language") or "en")[:2] for _, doc in docs
    }
    folder = out.name if out.name in LANGUAGES else "en"
    code = codes.pop() if len(codes) == 1 else folder
    return get_language(code if code in LANGUAGES else "en")


def _other_languages(out: Path, lang: Language) -> list[dict[str, str]]:
    """Links to the same reports in other languages: ``OUT/ar/`` from ``OUT``, and back."""
    links = []
    for code in LANGUAGES:
        if code == lang.code:
            continue
        for folder, href in ((out / code, f"{code}/index.html"),
                             (out.parent, "../index.html")):
            if (folder / "index.html").exists() and (folder != out.parent
                                                     or out.name in LANGUAGES):
                name = Locale.parse(code).get_display_name(code) or code
                links.append({"code": code, "href": href, "name": name})
                break
    return links


def _entry(json_path: Path, doc: dict[str, Any], lang: Language) -> dict[str, Any]:
    """What the index shows for one report."""
    failed = json_path.with_suffix(".failed.ipynb")
    generated = doc.get("generated_at", "")
    try:
        when = format_datetime(datetime.fromisoformat(generated), "medium", tzinfo=UTC,
                               locale=lang.locale)
    except (TypeError, ValueError):
        when = generated
    return {
        "name": doc.get("title") or doc.get("report", json_path.stem),
        "href": json_path.with_suffix(".html").name,
        "meta": lang.gettext("generated {when} UTC · growthkit {version}").format(
            when=when, version=doc.get("growthkit_version", "")
        ),
        "headline": _headline(doc["metrics"]),
        "failed": failed.name if failed.exists() else None,
    }


def _headline(metrics: dict[str, Any]) -> dict[str, str]:
    """The report's own headline, else its first few top-level scalars, formatted."""
    if isinstance(metrics.get("headline"), dict):
        return {str(k): str(v) for k, v in metrics["headline"].items()}
    scalars = {
        k: _format(v)
        for k, v in metrics.items()
        if isinstance(v, int | float | str) and not isinstance(v, bool)
    }
    return dict(list(scalars.items())[:_FALLBACK_HEADLINES])


def _format(value: int | float | str) -> str:
    """Thousands separators for big numbers, four significant digits for small ones."""
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return value
