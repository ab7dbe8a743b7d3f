"""The layers of DESIGN section 1, checked on the source: the adapters reach storage only through
the services, and no module imports (directly or around a circle) a module that imports it.

Read from the files with ``ast``, so every import counts: at module level, inside functions and
under ``if TYPE_CHECKING:``. A type-only import does not run, but it still ties the two modules
together for a reader and for mypy (a circle hidden behind ``TYPE_CHECKING`` is still a circle to
untangle); a module that needs a type from one that imports it names what it needs in a
``Protocol`` instead (``store.repositories.queue.WaveSource``). A failure names the offending
imports, type-only ones marked as such.
"""

from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path

import evoladder
from evoladder.services.read_models import ReadModels
from evoladder.services.seasons import SeasonService
from evoladder.services.wiring import Services

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


def imported(name: str, path: Path) -> Iterator[tuple[str, str]]:
    """(module imported, where) for every import of an ``evoladder`` module in ``path``; ``where``
    is the line, with "(type hints only)" for an import under ``if TYPE_CHECKING:``."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        where = f"line {node.lineno}" + (" (type hints only)" if id(node) in typing_only else "")
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, where
        else:
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                yield f"{module}.{alias.name}", where  # a submodule, or a name in ``module``
                yield module, where


def import_graph() -> dict[str, dict[str, str]]:
    """module -> {evoladder module it imports: where (see :func:`imported`)}."""
    known = modules()
    graph: dict[str, dict[str, str]] = {}
    for name, path in known.items():
        edges: dict[str, str] = {}
        for target, where in imported(name, path):
            if target in known and target != name and not name.startswith(target + "."):
                edges.setdefault(target, where)
        graph[name] = edges
    return graph


def cycles(graph: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
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
            f"{a} imports {b} ({graph[a][b]})" for a in c for b in c if b in graph[a]
        )
        for c in cycles(graph)
    ]
    assert not described, "import circles:\n" + "\n".join(described)


def test_the_adapters_import_nothing_from_storage() -> None:
    known = modules()
    found = [
        f"{name} ({where}): {target}"
        for name, path in known.items()
        if name.split(".")[1:2] and name.split(".")[1] in ADAPTERS
        for target, where in imported(name, path)
        if target == "evoladder.store" or target.startswith("evoladder.store.")
    ]
    assert not found, "adapters must reach storage through a service:\n" + "\n".join(sorted(set(found)))


def test_the_checks_see_a_circle_and_a_storage_import() -> None:
    """The checks above would fail on what they look for (so a green run means something)."""
    assert cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert "evoladder.store.uow" in graph["evoladder.services.messages"]  # absolute imports
    assert "evoladder.sandbox.players" in graph["evoladder.sandbox.population"]  # relative ones


def test_a_type_only_import_counts(tmp_path: Path) -> None:
    """An import under ``if TYPE_CHECKING:`` is an edge of the graph, marked as type-only."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from evoladder.store.uow import Database\n"
    )
    assert ("evoladder.store.uow", "line 3 (type hints only)") in list(imported("evoladder.sample", sample))


def test_every_service_takes_keyword_arguments() -> None:
    """Every class ``build_services`` builds into ``Services`` takes keywords only (CONTRIBUTING:
    the core first, then read models and the notifier, the services it calls, its options): a new
    dependency is then one keyword at the one call site, and no two arguments of one type can be
    swapped unnoticed."""
    hints = typing.get_type_hints(Services)
    built = {
        hint
        for name, hint in hints.items()
        if not name.startswith("_") and inspect.isclass(hint)
        and hint.__module__.startswith("evoladder.services.")
    }
    assert ReadModels in built and SeasonService in built  # the check sees the services
    positional = sorted(
        f"{cls.__module__}.{cls.__qualname__}({', '.join(p.name for p in params)})"
        for cls in built
        if not getattr(cls, "_is_protocol", False)
        for params in [[
            p for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]]
        if params
    )
    assert not positional, "constructors with positional parameters:\n" + "\n".join(positional)


MUTABLE_CALLS = frozenset({"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"})
CONTAINERS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)


def module_state(path: Path) -> Iterator[tuple[int, str]]:
    """(line, what) for state a module keeps: a container bound at module level that starts empty,
    is made by a constructor (``dict()``, ``defaultdict(...)``) or has a lower-case name, and a
    memoising decorator anywhere. A filled literal under an UPPER_CASE name is a constant table."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [ast.unparse(target) for target in targets]
        value = node.value
        empty = isinstance(value, ast.Dict | ast.List | ast.Set) and not (
            value.keys if isinstance(value, ast.Dict) else value.elts
        )
        made = isinstance(value, ast.Call) and ast.unparse(value.func).split(".")[-1] in MUTABLE_CALLS
        named = isinstance(value, CONTAINERS) and not all(n.lstrip("_").isupper() for n in names)
        if empty or made or named:
            yield node.lineno, ast.unparse(node)[:70]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if ast.unparse(target).split(".")[-1] in ("lru_cache", "cache"):
                    yield node.lineno, f"@{ast.unparse(decorator)} {node.name}"


def test_no_module_of_the_bot_keeps_mutable_state() -> None:
    """Memoisation belongs to the service whose version keys it (``services/renderings.py``)."""
    found = [
        f"{path.relative_to(PACKAGE)}:{line}: {what}"
        for path in sorted((PACKAGE / "bot").rglob("*.py"))
        for line, what in module_state(path)
    ]
    assert not found, "module-level state in bot/:\n" + "\n".join(found)


def test_the_state_check_sees_a_cache_and_a_registry(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from functools import lru_cache\nREGISTRY: dict[int, str] = {}\nNAMES = {'a': 'A'}\n"
        "@lru_cache(maxsize=8)\ndef f(x: int) -> int:\n    return x\nseen = {1: 2}\n"
    )
    assert [line for line, _ in module_state(sample)] == [2, 7, 5]  # REGISTRY, seen, f
