"""The package's layering: what may import what.

The data layer (records, store, search, client, metrics, labeling, ...) sits under the
notebook widgets and knows nothing of them; packages do not import one another in a
circle; a name with a leading underscore stays inside the module or package that owns
it; only ``search/`` (and the store that owns the index) speaks to tantivy, never the
widgets. Each rule is checked on the import statements of every module (parsed with
``ast``, lazy imports in functions included), and a failure lists the offending imports
by module, so the fix is plain.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import rubrix_widgets

PACKAGE = "rubrix_widgets"
ROOT = Path(rubrix_widgets.__file__).parent
# The notebook side: the widgets, the page's kernel-side state, and the two entry points
# that open them. Everything else in the package is the data layer.
UI = (
    "rubrix_widgets.widgets",
    "rubrix_widgets.page_state",
    "rubrix_widgets.home",
    "rubrix_widgets.show",
)
FRONT_DOOR = PACKAGE  # rubrix_widgets/__init__.py exposes both sides (rb.log and rb.show)
INDEX_OWNERS = ("rubrix_widgets.search", "rubrix_widgets.store")


@dataclass(frozen=True)
class Import:
    """One imported name, resolved to its full dotted path, and where it is imported."""

    importer: str
    target: str  # the module imported from (a rubrix_widgets module, or an external one)
    path: str  # target plus the imported name when that is not itself a module
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.path}"


def module_name(file: Path) -> str:
    parts = list(file.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(f): f for f in sorted(ROOT.rglob("*.py")) if "__pycache__" not in f.parts}


def is_package(name: str) -> bool:
    return name in modules() and modules()[name].name == "__init__.py"


@cache
def imports() -> tuple[Import, ...]:
    """Every import of every module, resolved; attribute reads of a private name of an
    imported rubrix_widgets module (``client._helper``) count as importing it."""
    found = []
    for name, file in modules().items():
        here = name if is_package(name) else name.rpartition(".")[0]
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
        bound: dict[str, str] = {}  # local name -> rubrix_widgets module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.append(Import(name, alias.name, alias.name, node.lineno))
                    if alias.name in modules():
                        bound[alias.asname or alias.name] = alias.name
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in modules():  # a submodule: import of the module itself
                        found.append(Import(name, full, full, node.lineno))
                        bound[alias.asname or alias.name] = full
                    else:
                        found.append(Import(name, source, full, node.lineno))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and _private(node.attr)
            ):
                target = bound[node.value.id]
                found.append(Import(name, target, f"{target}.{node.attr}", node.lineno))
    return tuple(found)


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def inside(name: str, owners: tuple[str, ...] | str) -> bool:
    owners = (owners,) if isinstance(owners, str) else owners
    return any(name == o or name.startswith(o + ".") for o in owners)


def unit(name: str) -> str:
    """The package a module belongs to for layering: a subpackage of rubrix_widgets as a
    whole, or a module directly in rubrix_widgets on its own."""
    parts = name.split(".")
    if len(parts) > 1 and is_package(".".join(parts[:2])):
        return ".".join(parts[:2])
    return name


def internal(imp: Import) -> bool:
    return inside(imp.target, PACKAGE)


# -- the rules ------------------------------------------------------------------------------
def cycles() -> list[list[str]]:
    """Groups of packages that import one another in a circle (strongly connected)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports():
        if internal(imp) and unit(imp.importer) != unit(imp.target):
            graph[unit(imp.importer)].add(unit(imp.target))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def cycle_edges(group: list[str]) -> list[str]:
    return sorted(
        {
            str(imp)
            for imp in imports()
            if internal(imp)
            and unit(imp.importer) in group
            and unit(imp.target) in group
            and unit(imp.importer) != unit(imp.target)
        }
    )


def private_owner(path: str) -> str | None:
    """Who owns the first private name of ``path`` (``a.b._c.d`` -> ``a.b``), if any."""
    parts = path.split(".")
    for k, part in enumerate(parts):
        if _private(part):
            return ".".join(parts[:k])
    return None


def foreign_private_imports() -> list[str]:
    """Private names imported from outside their owner (a module's private name belongs
    to that module; a private module to the package holding it, subpackages included)."""
    bad = set()
    for imp in imports():
        owner = private_owner(imp.path)
        if owner is None:
            continue
        if inside(owner, PACKAGE) and (
            imp.importer == owner or (is_package(owner) and inside(imp.importer, owner))
        ):
            continue
        bad.add(str(imp))
    return sorted(bad)


# -- tests ------------------------------------------------------------------------------------
def test_the_import_graph_sees_every_module_and_resolves_relative_imports():
    assert {"rubrix_widgets.client", "rubrix_widgets.store.dataset_store"} <= set(modules())
    edges = {(imp.importer, imp.target, imp.path) for imp in imports()}
    manifest = "rubrix_widgets.store.manifest"  # from .manifest import Manifest
    assert ("rubrix_widgets.store.dataset_store", manifest, f"{manifest}.Manifest") in edges
    store = "rubrix_widgets.store"  # from ..store import workspace as ws
    assert ("rubrix_widgets.client", f"{store}.workspace", f"{store}.workspace") in edges


def test_no_packages_import_one_another_in_a_circle():
    found = cycles()
    assert not found, "packages in an import cycle:\n" + "\n".join(
        " <-> ".join(group) + ":\n    " + "\n    ".join(cycle_edges(group)) for group in found
    )


def test_the_data_layer_imports_nothing_from_the_widgets():
    bad = sorted(
        str(imp)
        for imp in imports()
        if not inside(imp.importer, UI) and imp.importer != FRONT_DOOR and inside(imp.target, UI)
    )
    assert not bad, "the data layer imports the notebook side:\n" + "\n".join(bad)


def test_no_module_imports_a_private_name_of_another_package():
    bad = foreign_private_imports()
    assert not bad, "private names used outside their owner:\n" + "\n".join(bad)


def test_only_search_and_the_store_speak_to_tantivy_and_never_the_widgets():
    tantivy_users = sorted(
        str(imp) for imp in imports() if inside(imp.target, "tantivy") and inside(imp.importer, UI)
    )
    assert not tantivy_users, "widget code imports tantivy (use rubrix_widgets.search):\n" + (
        "\n".join(tantivy_users)
    )


def test_the_data_layer_outside_search_and_the_store_does_not_import_tantivy():
    bad = sorted(
        str(imp)
        for imp in imports()
        if inside(imp.target, "tantivy") and not inside(imp.importer, (*INDEX_OWNERS, *UI))
    )
    assert not bad, "tantivy used outside search/ and store/:\n" + "\n".join(bad)


def packages() -> list[str]:
    """The subpackages of rubrix_widgets (store, search, ..., widgets)."""
    return sorted(n for n in modules() if n != PACKAGE and is_package(n))


@pytest.mark.parametrize("name", packages())
def test_each_package_imports_on_its_own_in_a_fresh_interpreter(name):
    """Imported alone (no other test's imports around it), each package loads; a data
    layer package loads no widget module and no widget library (``rb.home`` and ``rb.show``
    are there, but load the widgets only when called)."""
    probe = (
        f"import sys, {name}\n"
        "print('\\n'.join(sorted(m for m in sys.modules "
        "if m.startswith('rubrix_widgets') or m in ('ipywidgets', 'anywidget'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"import {name} fails on its own:\n{done.stderr[-3000:]}"
    if not inside(name, UI):
        loaded = done.stdout.split()
        notebook_side = ("rubrix_widgets.widgets", "rubrix_widgets.page_state", "ipywidgets")
        widgets = [m for m in loaded if inside(m, (*notebook_side, "anywidget"))]
        assert not widgets, f"import {name} loads the notebook side: {widgets}"
