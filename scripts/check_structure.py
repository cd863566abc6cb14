#!/usr/bin/env python3
"""Check the layout rules of a Python package (default: micro/ of this repository).

    python scripts/check_structure.py [PACKAGE_DIR] [--max-lines 400]

Fails (exit status 1) when
- a module (any .py file under PACKAGE_DIR) has more than --max-lines lines;
- the package's modules import each other in a cycle. Every import statement counts, at module
  level or inside a function. `from pkg.x import y` is an import of pkg.x (Python runs its __init__
  first) and also of pkg.x.y when y is a submodule; relative imports are resolved the same way.
  `import pkg.x.y` alone does not count as importing the package pkg.x, so a package's __init__
  importing its submodules is a cycle only with the submodules that import the package back.
Also prints how many imports sit inside functions (those of the package's own modules apart).
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

MAX_LINES = 400


@dataclass
class Import:
    target: str  # dotted module name, inside the package or not
    line: int
    in_function: bool


@dataclass
class Cycle:
    modules: list[str]  # every module of one strongly connected component of the import graph, sorted
    example: list[str]  # a shortest cycle through the first of them, which it starts and ends


@dataclass
class Report:
    oversized: dict[str, int] = field(default_factory=dict)  # relative path -> line count
    cycles: list[Cycle] = field(default_factory=list)
    function_imports: int = 0
    function_imports_internal: int = 0

    @property
    def ok(self) -> bool:
        return not self.oversized and not self.cycles


def find_modules(package_dir: Path) -> dict[str, Path]:
    """{dotted module name: file} of every .py file under package_dir (an __init__.py names its package)."""
    root = package_dir.parent
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _inside_function(tree: ast.Module) -> set[int]:
    """ids of the import nodes nested in a function or method body."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inside.update(id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
    return inside


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """The modules the file imports (see the module docstring for how names are resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    inside = _inside_function(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            # `from pkg import sub` runs pkg's __init__ first: an import of pkg, and of pkg.sub when it is one.
            targets = [base] + [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
        else:
            continue
        found.extend(Import(t, node.lineno, id(node) in inside) for t in dict.fromkeys(targets))
    return found


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(v: str) -> None:
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
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def _shortest_cycle(graph: dict[str, set[str]], start: str, members: set[str]) -> list[str]:
    """A shortest import path start -> ... -> start within one strongly connected component."""
    parents = {start: None}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while parents[path[-1]] is not None:
                        path.append(parents[path[-1]])
                    return [*reversed(path), start]
                if w not in parents:
                    parents[w] = v
                    nxt.append(w)
        frontier = nxt
    raise ValueError(f"{start} is on no cycle")


def check(package_dir: Path, max_lines: int = MAX_LINES) -> Report:
    modules = find_modules(package_dir)
    report = Report()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        lines = len(path.read_text().splitlines())
        if lines > max_lines:
            report.oversized[str(path.relative_to(package_dir.parent))] = lines
        for imp in imports_of(name, path, modules):
            internal = imp.target in modules
            if imp.in_function:
                report.function_imports += 1
                report.function_imports_internal += internal
            if internal and imp.target != name:
                graph[name].add(imp.target)
    for component in _strongly_connected(graph):
        if len(component) > 1:
            report.cycles.append(Cycle(component, _shortest_cycle(graph, component[0], set(component))))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", nargs="?", type=Path, default=Path(__file__).resolve().parents[1] / "micro")
    parser.add_argument("--max-lines", type=int, default=MAX_LINES)
    args = parser.parse_args(argv)
    report = check(args.package_dir, args.max_lines)
    for path, lines in sorted(report.oversized.items()):
        print(f"too long: {path} has {lines} lines (limit {args.max_lines})")
    for cycle in report.cycles:
        print(f"import cycle among {', '.join(cycle.modules)}: {' -> '.join(cycle.example)}")
    print(f"imports inside functions: {report.function_imports} "
          f"({report.function_imports_internal} of {args.package_dir.name} modules)")
    print("structure ok" if report.ok else "structure check FAILED")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
