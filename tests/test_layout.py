"""The project's layering, read from the source with ``ast`` (no Django, no database).

Dependencies run one way. Project packages, lowest layer first::

    newsroom (infrastructure) <- photos <- articles (domain, queries) <- public (reader views)
    comments, newsletter, narration, live: on top of newsroom, photos and articles
    public also shows live coverage (live's models and services)

``bench`` (benchmark tooling) may import any project package, and so may the entry points
(``ENTRY_POINTS``): management commands (``<app>/management/commands/*.py``, run by
``manage.py``). Django loads them by name and nothing below them imports them: only
``bench`` and other entry points may import an entry point. The root URLconf names the
apps' URL modules as strings (``include("public.urls")``), so it imports none of them.

Three rules, each its own test:

- no import cycle between project modules (module-level imports; imports under
  ``if TYPE_CHECKING:`` never run, so they do not count);
- no import of a project module inside a function or method body (a lazy import that
  dodges a cycle or a layer), except where ``FUNCTION_IMPORTS_ALLOWED`` says why;
- every import, wherever it is (module level, function body, ``if TYPE_CHECKING:``),
  follows the layer order above.

And nothing outside a ``migrations`` folder imports a migration.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "newsroom",
    "photos",
    "embeds",
    "articles",
    "public",
    "comments",
    "newsletter",
    "narration",
    "live",
    "imports",
    "bench",
)
SKIPPED_DIRS = frozenset({"migrations", "tests", ".venv", "static", "__pycache__"})
_DOMAIN = frozenset({"newsroom", "photos", "embeds", "articles"})
# Which other project packages each package may import.
ALLOWED_LAYERS: dict[str, frozenset[str]] = {
    "newsroom": frozenset(),
    "photos": frozenset({"newsroom"}),
    "embeds": frozenset({"newsroom", "photos"}),
    "articles": frozenset({"newsroom", "photos", "embeds"}),
    "public": _DOMAIN | {"live"},
    "comments": _DOMAIN,
    "newsletter": _DOMAIN,
    "narration": _DOMAIN,
    "live": _DOMAIN,
    "imports": _DOMAIN,
    "bench": frozenset(PACKAGES),
}
# Entry points (module name globs): run by Django or ``manage.py``, never imported by the
# layers. They may import any project package; only bench and other entry points import them.
ENTRY_POINTS = (
    # Management commands: ``manage.py <name>`` loads them by name.
    "*.management.commands.*",
)
# (file glob, function qualname glob) -> why a project import in that body is acceptable.
FUNCTION_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {
    ("*/apps.py", "*Config.ready"): (
        "AppConfig.ready() is Django's documented place to import signal handlers."
    ),
}


@dataclass(frozen=True)
class Import:
    path: Path  # the importing file
    line: int
    importer: str  # dotted module name of the importing file
    target: str  # dotted name of the imported project module
    function: str | None  # qualname of the enclosing function, None at module level
    type_checking: bool  # under ``if TYPE_CHECKING:``

    def where(self, root: Path) -> str:
        return f"{self.path.relative_to(root)}:{self.line}"


@dataclass
class Project:
    root: Path
    modules: dict[str, Path] = field(default_factory=dict)  # name -> file
    packages: set[str] = field(default_factory=set)  # names whose file is an __init__.py
    imports: list[Import] = field(default_factory=list)


# Reading the source -----------------------------------------------------------------


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _python_files(root: Path, package: str) -> Iterable[Path]:
    base = root / package
    for path in sorted(base.rglob("*.py")):
        if not SKIPPED_DIRS.intersection(path.relative_to(base).parts[:-1]):
            yield path


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportVisitor(ast.NodeVisitor):
    """Collect every import with where it is: function (qualname) and TYPE_CHECKING."""

    def __init__(self, project: Project, path: Path, module: str, roots: frozenset[str]):
        self.project, self.path, self.module, self.roots = project, path, module, roots
        self.scopes: list[str] = []  # class and function names, outermost first
        self.function_depth = 0
        self.type_checking = 0
        is_package = path.name == "__init__.py"
        self.package = module if is_package else module.rpartition(".")[0]

    # Scopes
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scopes.append(node.name)
        self.generic_visit(node)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(node.name)
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self.type_checking += 1
        for statement in node.body:
            self.visit(statement)
        self.type_checking -= 1
        for statement in node.orelse:  # the ``else`` of TYPE_CHECKING does run
            self.visit(statement)

    # Imports
    def _add(self, node: ast.AST, target: str | None) -> None:
        if target is None:
            return
        self.project.imports.append(
            Import(
                path=self.path,
                line=node.lineno,
                importer=self.module,
                target=target,
                function=".".join(self.scopes) if self.function_depth else None,
                type_checking=bool(self.type_checking),
            )
        )

    def _project_module(self, name: str) -> str | None:
        """Return the deepest project module ``name`` names (``a.b.Thing`` -> ``a.b``)."""
        parts = name.split(".")
        if parts[0] not in self.roots:
            return None
        if "migrations" in parts:  # never read, but importing one is a problem of its own
            return name
        for end in range(len(parts), 0, -1):
            if (candidate := ".".join(parts[:end])) in self.project.modules:
                return candidate
        return parts[0]

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, self._project_module(alias.name))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            package = self.package.split(".")
            if node.level - 1:
                package = package[: -(node.level - 1)]
            base = ".".join([*package, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            if submodule in self.project.modules:  # ``from pkg import submodule``
                self._add(node, submodule)
            else:
                self._add(node, self._project_module(base))

    def visit_Call(self, node: ast.Call) -> None:
        """``importlib.import_module("pkg.mod")`` and ``__import__``: imports all the same."""
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if (
            name in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            self._add(node, self._project_module(node.args[0].value))
        self.generic_visit(node)


def collect(root: Path, packages: Iterable[str] = PACKAGES) -> Project:
    """Read every module of ``packages`` under ``root`` and the project imports it makes."""
    packages = tuple(packages)
    project = Project(root)
    for package in packages:
        for path in _python_files(root, package):
            name = _module_name(root, path)
            project.modules[name] = path
            if path.name == "__init__.py":
                project.packages.add(name)
    for name, path in project.modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        _ImportVisitor(project, path, name, frozenset(packages)).visit(tree)
    return project


# The rules ----------------------------------------------------------------------------


def import_cycles(project: Project) -> list[str]:
    """Return one message per strongly connected component (size > 1) of module imports."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in project.imports:
        runs_on_import = imp.function is None and not imp.type_checking
        if runs_on_import and imp.target != imp.importer and imp.target in project.modules:
            edges.setdefault(imp.importer, {}).setdefault(imp.target, imp)

    # Tarjan's algorithm, iterative (no recursion limit on a deep chain).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(project.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, {}))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges.get(successor, {})))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    messages = []
    for component in components:
        members = set(component)
        lines = [
            f"  {imp.where(project.root)}: {imp.importer} imports {imp.target}"
            for module in component
            for target, imp in sorted(edges.get(module, {}).items())
            if target in members
        ]
        messages.append(f"import cycle between {', '.join(component)}:\n" + "\n".join(lines))
    return messages


def _allowed_in_function(
    project: Project, imp: Import, allowed: Mapping[tuple[str, str], str]
) -> bool:
    path = imp.path.relative_to(project.root).as_posix()
    return any(
        fnmatch.fnmatch(path, file_glob) and fnmatch.fnmatchcase(imp.function or "", name_glob)
        for file_glob, name_glob in allowed
    )


def function_imports(
    project: Project, allowed: Mapping[tuple[str, str], str] = FUNCTION_IMPORTS_ALLOWED
) -> list[str]:
    """Return one message per project import inside a function body that is not allowed."""
    messages = [
        f"{imp.where(project.root)}: {imp.importer} imports {imp.target} inside "
        f"{imp.function}() (move it to the top of the module; break a cycle by moving "
        "the shared code into the lower module)"
        for imp in project.imports
        if imp.function is not None
        and not imp.type_checking
        and not _allowed_in_function(project, imp, allowed)
    ]
    return list(dict.fromkeys(messages))  # ``from m import a, b``: one message


def _is_entry_point(module: str, entry_points: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(module, pattern) for pattern in entry_points)


def layer_violations(
    project: Project,
    allowed: Mapping[str, frozenset[str]] = ALLOWED_LAYERS,
    entry_points: Iterable[str] = ENTRY_POINTS,
) -> list[str]:
    """Return one message per import, anywhere (even TYPE_CHECKING), against the layers."""
    messages = []
    for imp in project.imports:
        source, target = imp.importer.split(".")[0], imp.target.split(".")[0]
        where = f"{imp.where(project.root)}: {imp.importer} imports {imp.target}"
        from_entry_point = _is_entry_point(imp.importer, entry_points)
        may_import_anything = allowed.get(source, frozenset()) >= set(allowed)  # bench
        if _is_entry_point(imp.target, entry_points):
            if not (from_entry_point or may_import_anything):
                messages.append(f"{where}: {imp.target} is an entry point, not a library")
        elif (
            source != target
            and target not in allowed.get(source, frozenset())
            and not from_entry_point  # entry points may import any project package
        ):
            may = ", ".join(sorted(allowed.get(source, ()))) or "no other project package"
            messages.append(f"{where}: {source} may import {may}")
    return list(dict.fromkeys(messages))


def migration_imports(project: Project) -> list[str]:
    """Return one message per import of a migration module (from outside migrations)."""
    messages = [
        f"{imp.where(project.root)}: {imp.importer} imports the migration {imp.target} "
        "(import live code, or copy what it needs)"
        for imp in project.imports
        if ".migrations." in f".{imp.target}."
    ]
    return list(dict.fromkeys(messages))


def _report(problems: list[str], title: str) -> str:
    return f"{title} ({len(problems)}):\n" + "\n".join(problems)


# The tests ----------------------------------------------------------------------------

PROJECT = collect(ROOT)


def test_the_layout_checker_reads_the_project():
    assert {"newsroom.settings.base", "articles.models", "public.views"} <= set(PROJECT.modules)
    assert not any(".migrations." in f".{name}." for name in PROJECT.modules)
    assert len(PROJECT.imports) > 100


def test_project_modules_import_each_other_without_a_cycle():
    cycles = import_cycles(PROJECT)
    assert not cycles, _report(cycles, "Import cycles between project modules")


def test_no_project_module_imports_another_inside_a_function():
    problems = function_imports(PROJECT)
    assert not problems, _report(problems, "Project imports inside functions")


def test_every_import_follows_the_layer_order():
    problems = layer_violations(PROJECT)
    assert not problems, _report(problems, "Imports against the layer order")


def test_nothing_outside_migrations_imports_a_migration():
    problems = migration_imports(PROJECT)
    assert not problems, _report(problems, "Imports of migration modules")


def test_the_layout_checker_finds_cycles_lazy_imports_and_layer_breaches(tmp_path):
    """A tiny synthetic project with one of each problem: the checker must see them all."""
    files = {
        "low/__init__.py": "",
        "low/a.py": "from . import b\n",  # low.a -> low.b -> low.a: a cycle
        "low/b.py": "import low.a\n",
        "low/lazy.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from low.c import C  # never runs: neither a cycle nor a lazy import\n"
            "def load():\n"
            "    from .a import thing  # lazy\n"
            "    return thing\n"
        ),
        "low/c.py": "from low import lazy\nclass C: ...\n",
        "low/apps.py": (
            "class LowConfig:\n    def ready(self):\n        from . import lazy  # allowed\n"
        ),
        "low/migrations/__init__.py": "",
        "low/migrations/0001_initial.py": "import high\n",  # migrations are not read
        "low/loader.py": (
            "import importlib\nm = importlib.import_module('low.migrations.0001_initial')\n"
        ),
        "high/__init__.py": "",
        "high/views.py": "from low.a import b\n",
        "low/up.py": "def f():\n    import high.views  # lazy and against the layers\n",
        "low/management/__init__.py": "",
        "low/management/commands/__init__.py": "",
        "low/management/commands/go.py": "import high.views  # an entry point: allowed\n",
        "low/uses_command.py": "from low.management.commands import go\n",
    }
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    project = collect(tmp_path, ("low", "high"))
    assert "low.migrations.0001_initial" not in project.modules

    cycles = import_cycles(project)
    assert len(cycles) == 1, cycles
    assert cycles[0].startswith("import cycle between low.a, low.b:"), cycles
    assert "low/a.py:1: low.a imports low.b" in cycles[0]
    assert "low/b.py:1: low.b imports low.a" in cycles[0]

    allowed = {("*/apps.py", "*Config.ready"): "signals"}
    lazy = function_imports(project, allowed)
    assert [message.split(" (")[0] for message in lazy] == [
        "low/lazy.py:5: low.lazy imports low.a inside load()",
        "low/up.py:2: low.up imports high.views inside f()",
    ], lazy

    layers = {"low": frozenset(), "high": frozenset({"low"})}
    assert layer_violations(project, layers) == [
        "low/up.py:2: low.up imports high.views: low may import no other project package",
        "low/uses_command.py:1: low.uses_command imports low.management.commands.go: "
        "low.management.commands.go is an entry point, not a library",
    ]
    assert [m.split(" (")[0] for m in migration_imports(project)] == [
        "low/loader.py:2: low.loader imports the migration low.migrations.0001_initial"
    ]


def _constants(path: Path) -> dict[str, object]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def test_the_benchmark_names_the_search_trigger_and_index_migration_0007_makes():
    """bench/fill.py copies the two names rather than import the migration: same values."""
    migration = _constants(ROOT / "articles/migrations/0007_article_search_trigger.py")
    fill = _constants(ROOT / "bench/fill.py")
    assert fill["SEARCH_TRIGGER"] == migration["TRIGGER"]
    assert fill["SEARCH_INDEX"] == migration["INDEX"]
