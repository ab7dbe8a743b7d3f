"""The layers of DESIGN section 1, checked on the source: the adapters reach storage only through
the services, and no module imports (directly or around a circle) a module that imports it.

Read from the files with ``ast``, so every import counts: module level, inside functions, and
under ``TYPE_CHECKING`` (a circle that only the type checker sees still ties the modules together
for a reader). A failure names the offending imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import evoladder

PACKAGE = Path(evoladder.__file__).resolve().parent
ADAPTERS = ("bot", "web")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["evoladder", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import of an ``evoladder`` module in ``path``."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                yield f"{module}.{alias.name}", node.lineno  # a submodule, or a name in ``module``
                yield module, node.lineno


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {evoladder module it imports: line}."""
    known = modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        edges: dict[str, int] = {}
        for target, line in imported(name, path):
            if target in known and target != name and not name.startswith(target + "."):
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_among_the_packages_modules() -> None:
    graph = import_graph()
    described = [
        " <-> ".join(c) + ": " + "; ".join(
            f"{a} imports {b} (line {graph[a][b]})" for a in c for b in c if b in graph[a]
        )
        for c in cycles(graph)
    ]
    assert not described, "import circles:\n" + "\n".join(described)


def test_the_adapters_import_nothing_from_storage() -> None:
    known = modules()
    found = [
        f"{name} (line {line}): {target}"
        for name, path in known.items()
        if name.split(".")[1:2] and name.split(".")[1] in ADAPTERS
        for target, line in imported(name, path)
        if target == "evoladder.store" or target.startswith("evoladder.store.")
    ]
    assert not found, "adapters must reach storage through a service:\n" + "\n".join(sorted(set(found)))


def test_the_checks_see_a_circle_and_a_storage_import() -> None:
    """The checks above would fail on what they look for (so a green run means something)."""
    assert cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert "evoladder.store.uow" in graph["evoladder.services.messages"]  # absolute imports
    assert "evoladder.sandbox.players" in graph["evoladder.sandbox.population"]  # relative ones
