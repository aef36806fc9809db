"""The import graph of cmmc_analysis has no cycle.

The graph is built from the source (the AST of every module), so that imports inside
functions count too: a function-level import only hides a cycle until the function
runs. Imports under ``if TYPE_CHECKING:`` never run and are left out. An import of a
package (``from ..claims import load_claims``) is an edge to the package's
``__init__``; ``from . import name`` is an edge to the submodule ``name`` when there is
one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cmmc_analysis

PACKAGE = Path(cmmc_analysis.__file__).parent
ROOT = "cmmc_analysis"

#: Edges of cycles that another change is removing. Each must name who removes it;
#: an edge listed here that no longer exists fails the test, so the list only shrinks.
EXPECTED_TO_GO: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST):
    """Import nodes that can run (not under ``if TYPE_CHECKING:``), at any depth."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, set[str]]:
    """module -> the cmmc_analysis modules it imports (at import time or in a function)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rpartition(".")[0]
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                if node.level:
                    base = here.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [
                    f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module
                    for a in node.names
                ]
            for target in targets:
                while target and target not in modules:  # `import a.b.c` of a name
                    target = target.rpartition(".")[0]
                if target.startswith(ROOT) and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    # cli imports its commands inside the functions that run them
    assert "cmmc_analysis.clean.pipeline" in graph["cmmc_analysis.cli"]
    assert "cmmc_analysis.schema.codebook" in graph["cmmc_analysis.codebook"]
    # under `if TYPE_CHECKING:` only: not an edge
    assert "cmmc_analysis.codebook" not in graph["cmmc_analysis.schema.claims"]


def test_find_cycle_finds_a_known_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    graph = import_graph()
    for source, target in EXPECTED_TO_GO:
        assert target in graph.get(source, ()), f"{source} -> {target} is gone: unlist it"
        graph[source].discard(target)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
