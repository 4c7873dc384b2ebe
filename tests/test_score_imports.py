"""The score stage's imports: all at module top, none back up the pipeline, and no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import safeharbor.score.run

SCORE = Path(safeharbor.score.run.__file__).parent
UPSTREAM = (
    "safeharbor.score",
    "safeharbor.link",
    "safeharbor.extract",
    "safeharbor.ingest",
    "safeharbor.storage",
)
ALLOWED = (*UPSTREAM, "safeharbor.types", "safeharbor.settings")


def _imports(path: Path) -> tuple[list[str], list[str]]:
    """(safeharbor modules imported at module level, those imported inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: list[str] = []
    nested: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("safeharbor"):
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("safeharbor")]
        else:
            continue
        (top if node in tree.body or _in_type_checking(tree, node) else nested).extend(names)
    return top, nested


def _in_type_checking(tree: ast.Module, node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test) and node in list(ast.walk(n))
        for n in tree.body
    )


def test_no_imports_inside_functions_and_only_upstream_stages() -> None:
    for path in sorted(SCORE.glob("*.py")):
        top, nested = _imports(path)
        assert not nested, f"{path.name} imports inside a function: {nested}"
        wrong = [m for m in top if not m.startswith(ALLOWED)]
        assert not wrong, f"{path.name} imports downstream modules: {wrong}"


def test_score_modules_form_no_cycle() -> None:
    graph = {
        f"safeharbor.score.{p.stem}": {m for m in _imports(p)[0] if m.startswith("safeharbor.score.")}
        for p in SCORE.glob("*.py")
    }
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        if state.get(module) == 2:
            return
        assert state.get(module) != 1, "import cycle: " + " -> ".join([*trail, module])
        state[module] = 1
        for dep in sorted(graph.get(module, ())):
            visit(dep, [*trail, module])
        state[module] = 2

    for module in sorted(graph):
        visit(module, [])
