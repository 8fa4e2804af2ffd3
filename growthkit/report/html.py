"""Executed notebook -> one self-contained HTML file, with nbconvert doing the work.

The template extends nbconvert's ``lab`` template and only empties the blocks that would load
require.js, MathJax, Mermaid or widget scripts from a CDN, and adds a short header. Figures are
already base64 ``data:`` URIs in the notebook and Markdown images are embedded, so the report
opens offline.
"""

from __future__ import annotations

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
.gk-header th, .gk-header td { padding: 0.1rem 0.75rem 0.1rem 0; text-align: start; }
</style>
{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
{%- set gk = resources.growthkit %}
<header class="gk-header" dir="auto">
<p><strong>{{ gk.report | e }}</strong> report &middot; generated {{ gk.generated_at | e }}
&middot; growthkit {{ gk.version | e }}</p>
{%- if gk.parameters %}
<details><summary>Parameters</summary>
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
        ``report``, ``generated_at``, ``version`` and ``parameters`` (name -> display string),
        shown at the top of the page.
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
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_single_output_tags={METRICS_TAG}), enabled=True
    )
    body, _ = exporter.from_notebook_node(
        nb,
        resources={
            "metadata": {"name": header["report"], "path": notebook_dir},
            "growthkit": header,
        },
    )
    return body
