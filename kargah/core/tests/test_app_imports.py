"""No loop among the apps' modules at load time, no new pair of apps importing each other, and the pairs resolved stay one-way (issue 11, item 12)."""

from __future__ import annotations

import ast
from pathlib import Path

import kargah

ROOT = Path(kargah.__file__).parent
# Not apps: shared code every app may use, and the test helpers.
NOT_APPS = {"core", "testing", "e2e"}


def _is_test_module(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or "migrations" in parts or path.name in {"conftest.py"}


def _module_level_imports(tree: ast.Module) -> set[str]:
    """Imports executed when the module loads: top level and inside top-level if/try blocks,
    but not under `if TYPE_CHECKING:` nor inside functions (those run later, on a call)."""
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, ast.ClassDef):
                visit(node.body)

    visit(tree.body)
    return found


def _app_modules() -> dict[str, Path]:
    """Every non-test module of the apps, by dotted name."""
    modules: dict[str, Path] = {}
    for app in ROOT.iterdir():
        if not (app / "__init__.py").exists() or app.name in NOT_APPS:
            continue
        for path in app.rglob("*.py"):
            if _is_test_module(path):
                continue
            parts = path.relative_to(ROOT.parent).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def module_import_graph() -> dict[str, set[str]]:
    """Module → the app modules it imports when it loads (its own app's too, so that a loop
    through another app's internals is seen)."""
    modules = _app_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for imported in _module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                deps.add(imported)
        graph[name] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in the graph as a list of its nodes (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := walk(node)):
            return cycle
    return None


def test_the_finder_sees_a_cycle_and_its_absence() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_walker_reads_module_level_imports_only() -> None:
    source = (
        "import kargah.wallet.models\n"
        "from kargah.payments import services\n"
        "if TYPE_CHECKING:\n    from kargah.catalog.models import Offering\n"
        "def f():\n    from kargah.enrollment import services\n"
    )
    found = _module_level_imports(ast.parse(source))
    assert "kargah.wallet.models" in found and "kargah.payments" in found
    assert not any(n.startswith(("kargah.catalog", "kargah.enrollment")) for n in found)


def test_no_modules_of_the_apps_import_each_other() -> None:
    graph = module_import_graph()
    # The walk found real edges (a walker that reads nothing would pass vacuously).
    assert "kargah.wallet.services" in graph["kargah.payments.services"]
    assert "kargah.payments.services" in graph["kargah.enrollment.api"]
    # Control: one import back from payments to the enrollment API would close a loop
    # (enrollment.api → payments.services → payments.settlement → enrollment.api).
    looped = {name: set(deps) for name, deps in graph.items()}
    looped["kargah.payments.settlement"].add("kargah.enrollment.api")
    assert find_cycle(looped) is not None
    cycle = find_cycle(graph)
    assert cycle is None, f"modules import each other: {' → '.join(cycle)}"


def app_import_graph(*, models: bool) -> dict[str, set[str]]:
    """App → the other apps its (non-test) modules import, at load time or inside a function;
    with `models=False` an import of another app's `models` does not count (any app may name
    the rows it builds on; docs/architecture.md, "Which app imports which")."""
    graph: dict[str, set[str]] = {}
    for name, path in _app_modules().items():
        app = name.split(".")[1]
        deps = graph.setdefault(app, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported = [node.module]
            elif isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            else:
                continue
            for module in imported:
                parts = module.split(".")
                if parts[0] != "kargah" or len(parts) < 2 or parts[1] in NOT_APPS:
                    continue
                if parts[1] != app and (models or "models" not in parts[2:3]):
                    deps.add(parts[1])
    return graph


def mutual_pairs(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, deps in graph.items() for b in deps if a < b and a in graph.get(b, ())}


# The pairs of apps that still import each other, beyond models: each is explained in
# docs/architecture.md ("Which app imports which"). This set may only shrink.
STILL_MUTUAL = {
    ("accounts", "devicecheck"),
    ("catalog", "classroom"),
    ("catalog", "enrollment"),
    ("payments", "wallet"),
}
# Resolved (issue 11, item 12): the first app never imports the second, not even its models
# nor inside a function; what it needs done there goes through a registry or a signal.
NEVER_IMPORTS = {
    ("payments", "enrollment"),  # kargah.payments.settlement
    ("accounts", "enrollment"),  # kargah.accounts.signals.learner_link_revoked
    ("accounts", "catalog"),  # the demo command lives in catalog, which seeds both
    ("catalog", "certificates"),  # kargah.catalog.signals.offering_finished (issue 13)
}
# Resolved to models only: documents reads enrollment rows, but a review reaches enrollment
# through kargah.documents.signals.documents_reviewed.
ONLY_MODELS = {
    ("documents", "enrollment"),
    # A change records its service event through the model's manager
    # (`ServiceEvent.objects.record`); the SLA's metrics read the catalog (issue 13).
    ("catalog", "sla"),
    # Notifications are told who to write to (a User) and mask numbers with kargah.core's
    # helper; accounts sends its messages through notifications (issue 12).
    ("notifications", "accounts"),
}


def test_no_new_pair_of_apps_imports_each_other() -> None:
    graph = app_import_graph(models=False)
    # The walk found real edges, including one inside a function.
    assert "wallet" in graph["payments"] and "enrollment" in graph["catalog"]
    # Control: one import back from wallet to enrollment would make a new pair.
    looped = {app: set(deps) for app, deps in graph.items()}
    looped["wallet"].add("enrollment")
    assert ("enrollment", "wallet") in mutual_pairs(looped) - STILL_MUTUAL
    assert mutual_pairs(graph) == STILL_MUTUAL


def test_the_resolved_pairs_stay_one_way() -> None:
    every = app_import_graph(models=True)
    beyond_models = app_import_graph(models=False)
    for app, other in NEVER_IMPORTS:
        assert other not in every[app], f"{app} imports {other}"
        assert app in every[other]  # the other way is the real dependency
    for app, other in ONLY_MODELS:
        assert other in every[app] and other not in beyond_models[app], f"{app} → {other}"


def test_payments_never_imports_enrollment() -> None:
    """What a verified payment settles is registered with payments (kargah.payments.settlement),
    not imported by name, not even inside a function."""
    for name, path in _app_modules().items():
        if not name.startswith("kargah.payments"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(n.startswith("kargah.enrollment") for n in names), name
