"""No import cycle among the extension's modules (pure: reads the source with ast).

Only module-level imports count: an import inside a function runs when the function is
called, after every module has loaded, so it cannot leave a half-initialised module behind.
A cycle at module level makes the import order decide whether a name exists yet, and makes
"which module owns this" unanswerable for a reader.
"""
from __future__ import annotations

import ast
import pathlib

import pytest

import ckanext.provincial

pytestmark = pytest.mark.unit

PACKAGE = "ckanext.provincial"
ROOT = pathlib.Path(ckanext.provincial.__file__).parent


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def _modules() -> dict[str, pathlib.Path]:
    return {
        _module_name(path): path
        for path in ROOT.rglob("*.py")
        if "node_modules" not in path.parts
    }


def _top_level_imports(tree: ast.Module):
    """Import nodes that run when the module loads (not inside def; `if TYPE_CHECKING` skipped)."""
    def walk(nodes):
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node
            elif isinstance(node, ast.If):
                test = node.test
                name = getattr(test, "id", None) or getattr(test, "attr", None)
                if name != "TYPE_CHECKING":
                    yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, ast.Try):
                yield from walk(node.body)
                for handler in node.handlers:
                    yield from walk(handler.body)
                yield from walk(node.orelse)
                yield from walk(node.finalbody)
            elif isinstance(node, (ast.With,)):
                yield from walk(node.body)
    yield from walk(tree.body)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _all_imports(tree: ast.Module):
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def import_graph(deferred: bool = False) -> dict[str, set[str]]:
    """Module -> the extension's modules it imports; with ``deferred``, imports inside functions too.

    A package's own ``__init__`` collecting its submodules inside a function (``get_actions``,
    ``get_helpers``: CKAN's registration) is left out of the deferred graph: that is the
    package's index, not a dependency that runs at import time.
    """
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        for node in (_all_imports(tree) if deferred else _top_level_imports(tree)):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(name, is_package, node)
                for alias in node.names:
                    # `from pkg import module` imports the submodule; `from mod import name` the module
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                # importing a.b.c also runs a/__init__ and a/b/__init__
                parts = target.split(".")
                for i in range(len(parts), 0, -1):
                    candidate = ".".join(parts[:i])
                    if candidate in modules and candidate != name:
                        if deferred and is_package and candidate.startswith(name + "."):
                            continue
                        graph[name].add(candidate)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_scan_sees_a_cycle_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert find_cycles(graph) == [["a", "b", "c"]]


def test_the_scan_follows_the_package_imports_and_leaves_out_function_level_ones():
    graph = import_graph()
    deferred = import_graph(deferred=True)

    # dcat/profiles.py imports the catalogue type and the DCAT terms at module level
    assert {f"{PACKAGE}.catalogue_identity", f"{PACKAGE}.dcat.terms"} <= graph[f"{PACKAGE}.dcat.profiles"]
    # validators/schema.py reads the national rules inside a function: deferred only
    assert f"{PACKAGE}.national_rules" not in graph[f"{PACKAGE}.validators.schema"]
    assert f"{PACKAGE}.national_rules" in deferred[f"{PACKAGE}.validators.schema"]
    # actions/__init__ collecting its modules in get_actions() is registration, not a dependency
    assert f"{PACKAGE}.actions.dcat" not in deferred[f"{PACKAGE}.actions"]


def test_no_module_level_import_cycle_in_the_extension():
    cycles = find_cycles(import_graph())

    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_cycle_hidden_behind_an_import_inside_a_function():
    """Moving one side of a cycle into a function keeps the modules tangled: end it with a leaf module."""
    cycles = find_cycles(import_graph(deferred=True))

    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)
