"""The layout docs/architecture.md describes, checked on the source so it stays true.

Every import counts, also those inside functions (a lazy import still ties two modules together).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vision", "exercises", "formcheck")
# What each top-level package may import of the project (besides itself).
ALLOWED = {"vision": set(), "exercises": {"vision"}, "formcheck": {"vision", "exercises"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def project_imports(name: str) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import of a project module in `name`."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                # `from pkg import module` imports a module, not a name of pkg.
                sub = f"{node.module}.{alias.name}"
                found.append((sub, []) if sub in MODULES else (node.module, [alias.name]))
    return [(mod, names) for mod, names in found if mod.split(".")[0] in PACKAGES]


def target(module: str) -> str:
    """The project module an import resolves to (`vision.pose`, or a package's __init__)."""
    while module not in MODULES and "." in module:
        module = module.rsplit(".", 1)[0]
    return module


def test_every_project_module_is_seen():
    assert {"vision.pose", "exercises.framework.analyser", "formcheck.pipeline", "formcheck.app.main"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_follow_the_reading_direction(name):
    own = name.split(".")[0]
    wrong = [mod for mod, _ in project_imports(name) if mod.split(".")[0] not in ALLOWED[own] | {own}]
    assert not wrong, f"{name} ({own}/ may import {sorted(ALLOWED[own]) or 'nothing'} of the project) imports {wrong}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_names_across_modules(name):
    private = [f"{mod}.{n}" for mod, names in project_imports(name) for n in names if n.startswith("_")]
    assert not private, f"{name} uses private names of other modules: {private}"


def foreign_private_attributes(name: str) -> list[str]:
    """`x._name` where x is not self/cls: another object's or module's private part (pipeline._record,
    analyser._ctx). Third-party modules' own private names (argparse._SubParsersAction) are theirs to keep."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    external = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.split(".")[0] not in PACKAGES
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            if isinstance(base, ast.Name) and base.id in {"self", "cls"} | external:
                continue
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_attributes_of_other_objects(name):
    found = foreign_private_attributes(name)
    assert not found, f"{name} reaches into another object's private state: {found}"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path a -> ... -> a, or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt):], node, nxt] if nxt in path else [node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, node])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [])):
            return cycle
    return None


LIBRARY = "exercises.library"


def in_library(module: str) -> bool:
    return module.startswith(LIBRARY + ".")


@pytest.mark.parametrize("name", sorted(n for n in MODULES if in_library(n)))
def test_exercise_modules_never_import_each_other(name):
    """An exercise is its module: what two share lives in exercises.helpers or the framework."""
    others = [mod for mod, _ in project_imports(name) if target(mod).startswith(LIBRARY)]
    assert not others, f"{name} imports another exercise module: {others}; move what they share to exercises.helpers"


FRAMEWORK = ("exercises.framework", "exercises.measures", "exercises.helpers")


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith(FRAMEWORK)))
def test_the_framework_never_imports_the_library(name):
    """The registry finds library modules by name (importlib), never by an import the library could not change."""
    found = [mod for mod, _ in project_imports(name) if target(mod).startswith(LIBRARY)]
    assert not found, f"{name} imports the exercise library: {found}"


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycles_among_project_modules():
    graph = {name: {target(mod) for mod, _ in project_imports(name)} - {name} for name in MODULES}
    assert find_cycle(graph) is None


# Inside exercises/, what each part may import (besides vision/): the pure measures nothing else of
# exercises/, the framework the measures, the shared helpers both, the library all three (and never
# another exercise module, above).
EXERCISE_LAYERS = {
    "exercises.measures": {"exercises.measures"},
    "exercises.framework": {"exercises.measures", "exercises.framework"},
    "exercises.helpers": {"exercises.measures", "exercises.framework"},
    "exercises.library": {"exercises.measures", "exercises.framework", "exercises.helpers", "exercises.library"},
}


def exercise_layer(module: str) -> str | None:
    return next((layer for layer in EXERCISE_LAYERS if module == layer or module.startswith(layer + ".")), None)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if exercise_layer(n)))
def test_exercise_layers_follow_the_reading_direction(name):
    own = exercise_layer(name)
    wrong = [
        mod
        for mod, _ in project_imports(name)
        if mod.startswith("exercises") and exercise_layer(target(mod)) not in EXERCISE_LAYERS[own]
    ]
    assert not wrong, f"{name} ({own} may import {sorted(EXERCISE_LAYERS[own])} of exercises/) imports {wrong}"


def test_every_exercises_module_is_in_a_layer():
    loose = [n for n in MODULES if n.startswith("exercises.") and exercise_layer(n) is None]
    assert not loose, f"modules of exercises/ outside measures/, framework/, helpers and library/: {loose}"
