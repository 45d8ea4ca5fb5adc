"""The import graph of promptbot: cycles, upward imports and stale imports.

    python -m promptbot.devtools.imports          # prints what breaks the rules; exit 1 if anything does

The graph is read from the source with :mod:`ast` (nothing is imported), over every
module under ``promptbot/`` and the top-level folders mapped into it
(:data:`promptbot.MAPPED_FOLDERS`: ``nodes/`` -> ``promptbot.nodes`` and so on).

What counts as an import of module ``M`` by module ``I``:

- every ``import`` and ``from ... import`` statement, at module level (also inside
  ``if``/``try``/class bodies) AND inside functions: a function-level import is a
  dependency too, only a deferred one;
- ``from P import name`` counts as importing ``P.name`` when that is a module, else ``P``;
- for a module-level import, also the packages that Python runs on the way
  (importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__``), except the
  packages that contain ``I`` (those already run before ``I`` does): at import
  time a cycle through a package's ``__init__`` fails with "partially initialized
  module". A function-level import runs later, when every package is loaded, so it
  counts as an import of the module it names only;
- not counted: ``importlib.import_module`` with a computed name (the CLI's command
  table and the bench registry load their modules that way, from the top down).

Three rules, all reported:

1. **No cycles**: no strongly connected component of more than one module.
2. **No upward imports**: a core module (anything outside ``promptbot.cli``,
   ``promptbot.nodes``, ``promptbot.bench`` and ``promptbot.__main__``) never imports
   those layers. The CLI, the nodes and the benchmarks sit on top of the core.
3. **No stale imports**: every ``promptbot`` module that an import names exists
   (an importer left behind by a move fails here before it fails at run time).
"""
from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import promptbot

PACKAGE = "promptbot"
#: Layers above the core: entry points that may import the core, never the reverse.
TOP_LAYERS = ("promptbot.cli", "promptbot.nodes", "promptbot.bench", "promptbot.__main__")


@dataclass(frozen=True)
class Import:
    source: str          # importing module
    target: str          # imported promptbot module
    path: Path
    line: int
    deferred: bool       # inside a function (runs when the function is called)

    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Report:
    modules: dict[str, Path]
    imports: list[Import]
    cycles: list[list[str]]          # each sorted; components of more than one module
    violations: list[Import]         # core -> top layer
    unresolved: list[Import]         # imports of promptbot modules that do not exist

    @property
    def ok(self) -> bool:
        return not self.cycles and not self.violations and not self.unresolved


def source_root() -> Path:
    """The folder that holds ``promptbot/`` (the repository root in a source tree)."""
    return Path(promptbot.__file__).resolve().parent.parent


def _module_name(rel: Path, prefix: str) -> tuple[str, bool]:
    parts = list(rel.with_suffix("").parts)
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts = parts[:-1]
    return ".".join([prefix, *parts]), is_pkg


def discover(root: Path | None = None) -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is_package) for promptbot/ and the mapped top-level folders."""
    root = Path(root) if root else source_root()
    trees = [(root / PACKAGE, PACKAGE)]
    trees += [(root / f, f"{PACKAGE}.{f}") for f in promptbot.MAPPED_FOLDERS if (root / f).is_dir()]
    found: dict[str, tuple[Path, bool]] = {}
    for base, prefix in trees:
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base)
            if any(p.startswith((".", "__pycache__")) for p in rel.parts[:-1]):
                continue
            name, is_pkg = _module_name(rel, prefix)
            found[name] = (path, is_pkg)
    return found


class _Collector(ast.NodeVisitor):
    def __init__(self):
        self.depth = 0
        self.found: list[tuple[str, tuple[str, ...], int, int, bool]] = []  # (module, names, level, line, deferred)

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            self.found.append((alias.name, (), 0, node.lineno, self.depth > 0))

    def visit_ImportFrom(self, node: ast.ImportFrom):
        names = tuple(a.name for a in node.names)
        self.found.append((node.module or "", names, node.level, node.lineno, self.depth > 0))


def _absolute(module: str, level: int, source: str, is_pkg: bool) -> str:
    if not level:
        return module
    base = source.split(".") if is_pkg else source.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _known(name: str, modules) -> str | None:
    """The module ``name`` is, or the innermost known package that holds it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def imports_of(source: str, path: Path, is_pkg: bool, modules) -> tuple[list[Import], list[Import]]:
    """The promptbot modules that ``source`` imports (see the module docstring for what
    counts), and its imports of promptbot modules that do not exist."""
    collector = _Collector()
    collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    own = {source, *_ancestors(source)}
    out: dict[tuple[str, bool], Import] = {}
    unresolved: list[Import] = []
    for module, names, level, line, deferred in collector.found:
        base = _absolute(module, level, source, is_pkg)
        if base.split(".")[0] != PACKAGE:
            continue
        if base not in modules:
            unresolved.append(Import(source, base, path, line, deferred))
            continue
        targets = [f"{base}.{n}" if f"{base}.{n}" in modules else base for n in names] or [base]
        for t in targets:
            t = _known(t, modules)
            if t is None:
                continue
            for target in [t] if deferred else [*_ancestors(t), t]:
                if target in own or target not in modules:
                    continue
                key = (target, deferred)
                if key not in out:
                    out[key] = Import(source, target, path, line, deferred)
    # A target imported both at module level and in a function counts once, at module level.
    eager = {t for t, d in out if not d}
    return [imp for (t, d), imp in out.items() if not (d and t in eager)], unresolved


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components of more than one node, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    n = stack.pop()
                    on_stack.discard(n)
                    comp.append(n)
                    if n == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def _in_layer(module: str, layers) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


def check(root: Path | None = None) -> Report:
    """Build the import graph of the source tree at ``root`` and apply both rules."""
    found = discover(root)
    imports: list[Import] = []
    unresolved: list[Import] = []
    for name, (path, is_pkg) in sorted(found.items()):
        edges, missing = imports_of(name, path, is_pkg, found)
        imports += edges
        unresolved += missing
    graph: dict[str, set[str]] = {name: set() for name in found}
    for imp in imports:
        graph[imp.source].add(imp.target)
    violations = [imp for imp in imports
                  if not _in_layer(imp.source, TOP_LAYERS) and _in_layer(imp.target, TOP_LAYERS)]
    return Report({n: p for n, (p, _) in found.items()}, imports, strongly_connected(graph), violations,
                  unresolved)


def cycle_edges(report: Report, cycle: list[str]) -> list[Import]:
    """The imports that hold one cycle together (edges inside the component)."""
    members = set(cycle)
    return [imp for imp in report.imports if imp.source in members and imp.target in members]


def format_report(report: Report, root: Path | None = None) -> str:
    root = Path(root) if root else source_root()

    def where(imp: Import) -> str:
        try:
            path = imp.path.relative_to(root)
        except ValueError:
            path = imp.path
        kind = "in a function" if imp.deferred else "module level"
        return f"{path}:{imp.line} ({kind})"

    deferred = sum(imp.deferred for imp in report.imports)
    lines = [f"{len(report.modules)} modules, {len(report.imports)} imports between them "
             f"({deferred} inside functions)"]
    for i, cycle in enumerate(report.cycles, 1):
        lines.append(f"cycle {i}: {' <-> '.join(cycle)}")
        lines += [f"  {imp.source} -> {imp.target}  {where(imp)}" for imp in cycle_edges(report, cycle)]
    for imp in report.violations:
        lines.append(f"upward import: {imp.source} -> {imp.target}  {where(imp)}")
    for imp in report.unresolved:
        lines.append(f"no such module: {imp.source} -> {imp.target}  {where(imp)}")
    lines.append(f"{len(report.cycles)} cycle(s), {len(report.violations)} upward import(s), "
                 f"{len(report.unresolved)} import(s) of missing modules")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=None, help="source tree (default: the one promptbot is imported from)")
    a = p.parse_args(argv)
    report = check(a.root)
    print(format_report(report, a.root))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
