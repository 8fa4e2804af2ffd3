"""Executed notebook -> one self-contained HTML file, with nbconvert doing the work.

The template extends nbconvert's ``lab`` template and only empties the blocks that would load
require.js, MathJax, Mermaid or widget scripts from a CDN, and adds a short header. Figures are
already base64 ``data:`` URIs in the notebook and Markdown images are embedded, so the report
opens offline.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from jinja2 import DictLoader
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbformat import NotebookNode

from growthkit.report.metrics import METRICS_TAG

__all__ = ["notebook_to_html"]

_TEMPLATE_FILE = "growthkit_report.html.j2"
_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}
<style type="text/css">
.gk-header { margin: 1rem auto 0; padding: 0.5rem 1rem; max-width: 72rem;
  font-family: var(--jp-ui-font-family); font-size: 0.85rem;
  color: var(--jp-ui-font-color2); border-bottom: 1px solid var(--jp-border-color2); }
.gk-header table { border-collapse: collapse; margin: 0.25rem 0; }
.gk-header th, .gk-header td { padding-block: 0.1rem; padding-inline: 0 0.75rem;
  text-align: start; }
html[dir="rtl"] .jp-RenderedHTMLCommon :is(th, td, p, li, h1, h2, h3, h4, h5, h6) {
  text-align: start; }
.jp-RenderedHTMLCommon :is(code, kbd, samp) { unicode-bidi: isolate; direction: ltr; }
html[dir="rtl"] .jp-RenderedHTMLCommon :is(ul, ol) { padding-left: 0; padding-right: 2em; }
html[dir="rtl"] .jp-RenderedHTMLCommon blockquote { border-left: none;
  border-right: 5px solid var(--jp-border-color2); }
.jp-RenderedHTMLCommon td { white-space: normal; }
</style>
{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
{%- set gk = resources.growthkit %}
<header class="gk-header">
<p>{{ gk.line | e }}</p>
{%- if gk.parameters %}
<details><summary>{{ gk.parameters_label | e }}</summary>
<table>
{%- for name, value in gk.parameters.items() %}
<tr><th scope="row"><code>{{ name | e }}</code></th>
<td dir="auto"><code>{{ value | e }}</code></td></tr>
{%- endfor %}
</table>
</details>
{%- endif %}
</header>
{%- endblock body_header -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
alt="{{ output.metadata.get('growthkit', {}).get('alt', '') | escape_html }}">
</div>
{%- endblock data_png %}
"""


def notebook_to_html(
    nb: NotebookNode, header: dict[str, Any], *, show_code: bool = False, notebook_dir: str = ""
) -> str:
    """Export an executed notebook as offline HTML for readers who never see code.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook, with credentials already masked.
    header : dict
        ``title`` (the browser tab), ``line`` (report, time and version, in the report's
        language), ``parameters_label``, ``parameters`` (name -> display string), ``lang`` and
        ``dir`` (``<html lang dir>``).
    show_code : bool, default False
        Show code cells and their prompts; by default only narrative and outputs are shown.
    notebook_dir : str, default ""
        The folder Markdown image paths are relative to (the source notebook's folder).

    Returns
    -------
    str
        The HTML document.
    """
    exporter = HTMLExporter(
        template_name="lab",
        template_file=_TEMPLATE_FILE,
        extra_loaders=[DictLoader({_TEMPLATE_FILE: _TEMPLATE})],
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=not show_code,
        embed_images=True,
        language_code=header["lang"],
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_single_output_tags={METRICS_TAG}), enabled=True
    )
    nb = describe_images(nb)
    nb.metadata["title"] = header["title"]
    body, _ = exporter.from_notebook_node(
        nb,
        resources={
            "metadata": {"name": header["title"], "path": notebook_dir},
            "growthkit": header,
        },
    )
    opening = f'<html lang="{header["lang"]}">'
    return body.replace(opening, f'<html lang="{header["lang"]}" dir="{header["dir"]}">', 1)


def describe_images(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` in which every chart carries alt text for screen readers.

    A chart's description is the Markdown cell that introduces it (its last paragraph, without
    markup), which the report notebooks write for that purpose; the chart itself keeps its title
    and labels.

    Parameters
    ----------
    nb : NotebookNode

    Returns
    -------
    NotebookNode
    """
    nb = copy.deepcopy(nb)
    described = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            described = _plain(cell.source)
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                output.setdefault("metadata", {}).setdefault("growthkit", {})["alt"] = described
    return nb


def _plain(markdown: str) -> str:
    """The last paragraph of some Markdown as plain text (headings' ``#`` and emphasis off)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", markdown.strip()) if p.strip()]
    text = " ".join(paragraphs[-1].split()) if paragraphs else ""
    return re.sub(r"[#*_`]+", "", text).strip()
