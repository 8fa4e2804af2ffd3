"""The landing page: ``index.html`` linking every report in a folder with its headline numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment

from growthkit.report._atomic import _write_atomic

__all__ = ["write_index"]

_FALLBACK_HEADLINES = 4
_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>growthkit reports</title>
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
</style>
</head>
<body>
<main>
<h1>growthkit reports</h1>
<p class="note">{{ reports | length }} report{{ "" if reports | length == 1 else "s" }};
each opens offline.</p>
{%- for r in reports %}
<article>
<h2 dir="auto"><a href="{{ r.href }}">{{ r.name }}</a></h2>
<p class="meta">generated {{ r.generated_at }} &middot; growthkit {{ r.version }}</p>
{%- if r.failed %}
<p class="failed">The last run failed; this is the previous good report. The failed notebook is
<a href="{{ r.failed }}">{{ r.failed }}</a>.</p>
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
<p>No reports yet: run <code>growthkit run NAME</code>.</p>
{%- endfor %}
</main>
</body>
</html>
"""


def write_index(out_dir: str | Path) -> Path:
    """Rebuild ``index.html`` in a report folder from the ``NAME.json`` files beside the HTML.

    Parameters
    ----------
    out_dir : str or Path
        The folder the runner writes ``NAME.html`` and ``NAME.json`` into.

    Returns
    -------
    Path
        The written ``index.html``. Each report shows its ``metrics["headline"]`` mapping of
        label to formatted value, or else its first few top-level numbers and strings.
    """
    out = Path(out_dir)
    reports = [entry for path in sorted(out.glob("*.json")) if (entry := _entry(path))]
    page = Environment(autoescape=True).from_string(_TEMPLATE).render(reports=reports)
    index = out / "index.html"
    _write_atomic(index, page)
    return index


def _entry(json_path: Path) -> dict[str, Any] | None:
    """What the index shows for one report, or None for a JSON file that is not a report's."""
    html = json_path.with_suffix(".html")
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (html.exists() and isinstance(doc, dict) and isinstance(doc.get("metrics"), dict)):
        return None
    failed = json_path.with_suffix(".failed.ipynb")
    return {
        "name": doc.get("report", json_path.stem),
        "href": html.name,
        "generated_at": doc.get("generated_at", ""),
        "version": doc.get("growthkit_version", ""),
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
