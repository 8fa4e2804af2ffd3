"""The package's import graph: no cycle, and numbers never import words.

Every ``import`` in ``growthkit/`` is read with :mod:`ast`, function-level imports included.
Imports under ``if TYPE_CHECKING:`` are never executed, so they make no cycle (a narrative may
name its analysis class in a type hint), but they still count for the layer rule. A domain
module (one that computes) never imports a report's words (``narrative``, ``tables``,
``display``) or the report layer (``growthkit.report``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import growthkit

PACKAGE = Path(growthkit.__file__).resolve().parent

#: Modules that present results: they may import anything below them.
PRESENTATION = ("narrative", "tables", "display", "export", "formats", "drivers_text",
                "discrete_text")
#: Modules that assemble a report (``analyze``) or re-export a package's names.
ASSEMBLY = ("analysis", "__init__")

#: Being removed by the report-template issue; must end empty.
KNOWN_CYCLES: list[list[str]] = []
#: Being removed by the report-template issue; must end empty.
KNOWN_BACK_EDGES: list[str] = []


def module_name(path: Path) -> str:
    """``growthkit.clv.value`` for ``growthkit/clv/value.py``."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def type_checking_lines(tree: ast.AST) -> set[int]:
    """Line numbers of statements inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """The growthkit modules ``name`` imports, each with whether it runs (not TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        for target in targets:
            if target.startswith("growthkit") and target in known and target != name:
                out.append((target, node.lineno not in skip))
    return out


def graph() -> dict[str, list[tuple[str, bool]]]:
    """Module -> the growthkit modules it imports."""
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def cycles(edges: dict[str, list[tuple[str, bool]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), runtime edges."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target, runs in edges.get(node, []):
            if not runs:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def is_domain(name: str) -> bool:
    """Whether ``name`` computes (not presentation, assembly, plots, i18n or the report layer)."""
    last = name.rpartition(".")[2]
    parts = name.split(".")
    if len(parts) > 1 and parts[1] in ("report", "plots", "i18n", "notebooks"):
        return False
    if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists():
        return False  # a package's __init__: it re-exports, it does not compute
    return last not in PRESENTATION + ASSEMBLY


def is_words(name: str) -> bool:
    """Whether ``name`` is a report's words or the report layer."""
    parts = name.split(".")
    return parts[-1] in PRESENTATION or (len(parts) > 1 and parts[1] == "report")


def test_the_package_has_no_import_cycle() -> None:
    found = cycles(graph())
    assert found == KNOWN_CYCLES, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_domain_modules_never_import_words_or_the_report_layer() -> None:
    bad = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        if is_domain(name)
        for target, _ in targets
        if is_words(target)
    )
    assert bad == KNOWN_BACK_EDGES, "\n".join(bad)


def test_the_graph_sees_a_cycle_and_a_back_edge() -> None:
    """The walker itself: a two-module cycle is found, a TYPE_CHECKING edge is not a cycle."""
    edges = {
        "growthkit.a": [("growthkit.b", True)],
        "growthkit.b": [("growthkit.a", True)],
        "growthkit.c": [("growthkit.d", True)],
        "growthkit.d": [("growthkit.c", False)],
    }
    assert cycles(edges) == [["growthkit.a", "growthkit.b"]]
    assert is_domain("growthkit.clv.value") and not is_domain("growthkit.clv.narrative")
    assert is_words("growthkit.cohorts.tables") and is_words("growthkit.report.runner")
