"""The package's import graph: no cycles, and imports flow one way through the stages.

Data flows ingest -> extract -> link -> score -> serve/export, over one storage layer; so may the
imports. Every import counts — at module level and inside functions — except those under
`if TYPE_CHECKING:`, which never run. A new cycle or a wrong-way import fails here with its path.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest
from radon.complexity import cc_rank, cc_visit

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "safeharbor"

# Lower layers never import higher ones. Packages on one layer may not import each other either
# unless listed in SAME_LAYER_ALLOWED.
LAYERS: dict[str, int] = {
    "types": 0,
    "settings": 0,
    "storage": 1,
    "ingest": 2,
    "extract": 3,
    "link": 4,
    "score": 5,
    "tips": 6,
    "workspace": 7,
    "export": 8,
    "pipeline": 8,
    "store": 8,
    "demo": 8,
    "spark": 9,  # the Spark engine: runs the pipeline with another Engine; only the CLI imports it
    "web": 9,
    "cli": 10,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, this: str, is_package: bool, known: set[str]) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = this.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name == PACKAGE or name.startswith(PACKAGE + ".")}


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in (SRC / PACKAGE).rglob("*.py")}
    known = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        deps = _imports(tree, name, path.name == "__init__.py", known)
        # A module's import of its own package's __init__ is how Python imports it anyway.
        graph[name] = {d for d in deps if d != name and not name.startswith(d + ".")}
    return graph


def _layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_import_graph_has_no_cycles() -> None:
    try:
        tuple(TopologicalSorter(_graph()).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_every_top_level_module_has_a_layer() -> None:
    tops = {_layer_of(m) for m in _graph()} - {""}
    assert tops <= set(LAYERS), f"give these a layer in LAYERS: {sorted(tops - set(LAYERS))}"


def test_imports_flow_one_way_through_the_stages() -> None:
    wrong: list[str] = []
    for module, deps in sorted(_graph().items()):
        here = _layer_of(module)
        for dep in sorted(deps):
            there = _layer_of(dep)
            if not here or not there or here == there:
                continue
            if LAYERS[there] >= LAYERS[here]:
                wrong.append(f"{module} imports {dep} ({here} is below or beside {there})")
    assert not wrong, "wrong-way imports:\n" + "\n".join(wrong)


def _imports_inside_functions(tree: ast.AST) -> list[tuple[int, str]]:
    """`safeharbor` imports in a function body (outside `if TYPE_CHECKING:`), with their line."""
    found: list[tuple[int, str]] = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or "."] if isinstance(node, ast.ImportFrom) else []
            found += [(node.lineno, n) for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")]
    return found


def test_no_package_import_sits_inside_a_function() -> None:
    # Imports inside functions hide the import graph from readers and tools (and hid cycles before).
    hidden = [
        f"{path.relative_to(SRC)}:{line} imports {name}"
        for path in sorted((SRC / PACKAGE).rglob("*.py"))
        for line, name in _imports_inside_functions(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not hidden, "move these to the module top:\n" + "\n".join(hidden)


def test_no_function_outside_the_demo_generator_is_rated_e_or_f() -> None:
    # radon's cyclomatic complexity: A-C is easy to follow, D hard, E and F (above 30) not reviewable.
    complex_ = [
        f"{path.relative_to(SRC)}:{block.lineno} {block.name} {cc_rank(block.complexity)}({block.complexity})"
        for path in sorted((SRC / PACKAGE).rglob("*.py"))
        if "demo" not in path.relative_to(SRC / PACKAGE).parts
        for block in cc_visit(path.read_text(encoding="utf-8"))
        if block.complexity > 30
    ]
    assert not complex_, "split these into small named steps:\n" + "\n".join(complex_)
