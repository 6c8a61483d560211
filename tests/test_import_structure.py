"""The package's import structure: no cycle among module-level imports, and no project import
inside a function except the lazy ones start-up time needs (each says why in a comment)."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "asl_runtime"
#: Where imports inside functions are the design: the CLI's subcommands and the pytest plugin
#: import on use so start-up stays short (their module docstrings say so).
LAZY_MODULES = {"testing/plugin.py"}


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        if not is_package:
            parts = parts[:-1]
        parts = parts[:len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    names = [base] + [f"{base}.{alias.name}" for alias in node.names]
    return [n for n in names if n.startswith("asl_runtime")]


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, _module_name(path), ast.parse(path.read_text())


def test_module_level_imports_have_no_cycle():
    known = {name for _, name, _ in _modules()}
    graph = {}
    for path, name, tree in _modules():
        edges = set()
        for node in tree.body:  # module level only; `if TYPE_CHECKING` blocks are not imports at run time
            if isinstance(node, ast.ImportFrom):
                edges.update(t for t in _resolve(name, node, path.name == "__init__.py") if t in known)
            elif isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name in known)
        edges.discard(name)
        # importing a.b.c runs a and a.b first; a package importing its own submodule is not a cycle
        graph[name] = {e for e in edges if not e.startswith(name + ".")}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open" and not node.startswith(nxt + "."):
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert cycles == []


def test_project_imports_inside_functions_are_only_the_lazy_ones_that_say_why():
    offenders = []
    for path, name, tree in _modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in LAZY_MODULES:
            continue
        lines = path.read_text().splitlines()
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("asl_runtime")):
                    text = lines[node.lineno - 1]
                    context = "\n".join(lines[max(0, node.lineno - 12):node.lineno])
                    if "#" not in text and "lazy" not in context.lower() and "imported" not in context.lower():
                        offenders.append(f"{relative}:{node.lineno}: {text.strip()}")
    assert offenders == []


#: DESIGN.md's layers: each may import those to its left only (errors, limits, names: anyone).
LAYERS = ["query", "definition", "engine", "integrations", "api"]


def test_each_layer_imports_only_the_layers_below_it():
    offenders = []
    for path, name, tree in _modules():
        layer = name.split(".")[1] if name.count(".") else ""
        if layer.endswith(".py") or layer not in LAYERS:
            continue
        allowed = set(LAYERS[:LAYERS.index(layer) + 1])
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for target in _resolve(name, node, path.name == "__init__.py")[:1]:
                    parts = target.split(".")
                    if len(parts) > 1 and parts[1] in LAYERS and parts[1] not in allowed:
                        offenders.append(f"{name} imports {target}")
    assert offenders == []
