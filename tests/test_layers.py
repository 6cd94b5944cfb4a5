"""Modules import only from their own layer or the layers below it (kit → … → cli)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "cityloop"
# Wave 2 modules sit between intel and web: channels (notify, open311, iot, video) serve the modules above it.
LAYERS = ["config", "kit", "accounts", "audit", "cases", "areas", "intel", "channels", "gridwork", "services",
          "policy", "governance", "web", "app", "cli"]
# Modules that wire every module together sit at the app layer: the table registry for Alembic, the migration
# runner and the demo city (it seeds areas, cases and intel in one go).
WIRING = {"cityloop.models": "app", "cityloop.migrate": "app", "cityloop.cases.demo": "app"}
# The reaches upward, each with its reason.
ALLOWED = {
    ("cases/kpi.py", "cityloop.areas.divisions.models"): "KPIs by area join the division names in the same SQL",
    ("governance/backup/cli.py", "cityloop.migrate"): "a restore into a new database first migrates it to the "
    "backup's schema revision",
}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "cityloop" or len(parts) < 2:
        return None
    for prefix, layer in WIRING.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def violations(root: Path = SRC) -> list[str]:
    """`file:line imports module` for every import that reaches a higher layer."""
    bad: list[str] = []
    for path in sorted(root.rglob("*.py")):
        own = _layer("cityloop." + ".".join(path.relative_to(root).with_suffix("").parts))
        if own not in LAYERS:
            continue
        for line, module in _imports(path):
            other = _layer(module)
            if (path.relative_to(root).as_posix(), module) in ALLOWED:
                continue
            if other in LAYERS and LAYERS.index(other) > LAYERS.index(own):
                bad.append(f"{path.relative_to(root)}:{line} imports {module}")
    return bad


def test_no_module_imports_a_higher_layer() -> None:
    assert violations() == []


def test_the_layer_check_catches_an_upward_import(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "probe.py").write_text("from cityloop.web import pages\nfrom cityloop.kit import db\n")
    assert violations(tmp_path) == ["cases/probe.py:1 imports cityloop.web"]
