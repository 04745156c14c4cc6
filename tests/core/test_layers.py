"""The apps form layers: an app imports only apps below it, and never one of its own rank
(no cycles). `core` is the ground floor: it imports no app of ours at all. Feature apps
plug into the lower layers through registries (`core.plugins`, `events.registry`)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Lower rank = lower layer. Apps of the same rank may not import each other.
RANKS = {
    "core": 0,
    "outbox": 1,
    "municipalities": 2,
    "accounts": 3,
    # Below every feature that notifies (events, sections, discussions, moderation).
    "notifications": 3.5,
    "events": 4,
    "search": 4,
    "sections": 5,
    "broadcasts": 6,
    "trainings": 6,
    "discussions": 7,
    "moderation": 8,
    "renewals": 8,
    "portal": 99,
}
# Edges still to be removed (each names the issue that removes it).
KNOWN: set[tuple[str, str]] = set()


def _imports(app: str) -> dict[str, set[str]]:
    """{imported app: {file, ...}} for every module of `app` (migrations excluded)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in RANKS and top != app:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_installed_app_of_ours_has_a_rank():
    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    assert ours == set(RANKS)


@pytest.mark.parametrize("app", sorted(RANKS))
def test_app_imports_only_lower_layers(app):
    wrong = {
        target: files
        for target, files in _imports(app).items()
        if RANKS[target] >= RANKS[app] and (app, target) not in KNOWN
    }
    assert not wrong, f"{app} imports {sorted(wrong)} at or above its layer: {wrong}"


def test_core_imports_no_app_of_ours():
    assert _imports("core") == {}


@pytest.mark.parametrize("app", sorted(RANKS))
def test_every_module_imports(app):
    """Every module of every app imports cleanly (nothing is optional)."""
    package = importlib.import_module(app)
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
        if ".migrations" in info.name:
            continue
        importlib.import_module(info.name)
