"""The committed report notebooks follow the conventions the runner and JupyterLab rely on."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_report_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"clv", "abtest"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_with_one_literal_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(c.get("outputs") or c.get("execution_count") for c in code)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    tree = ast.parse(params[0].source)
    assert all(
        isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) for node in tree.body
    ), "the parameters cell holds literal assignments only"
    assert not any(
        isinstance(node, ast.FunctionDef) for c in code for node in ast.parse(c.source).body
    )
    # papermill must read every assignment, or `growthkit run -p` would reject the parameter.
    assert len(papermill.inspect_notebook(str(path))) == len(tree.body)
