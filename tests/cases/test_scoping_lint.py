"""Every query over Case must go through the one scoping helper (a lint in test form)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "cityloop"
HELPER = ("cases/repository.py", {"scope_filter", "scoped_cases"})
QUERY_FUNCS = {"select", "select_from", "join", "outerjoin", "query", "get", "update", "delete", "insert"}


def _mentions_case(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "Case" for n in ast.walk(node))


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(SRC).as_posix()
    found: list[str] = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        if rel == HELPER[0] and func.name in HELPER[1]:
            continue
        wrapped = _inside_scope_filter(func)
        found += [f"{rel}:{call.lineno} in {func.name}" for call in ast.walk(func)
                  if _is_case_query(call) and id(call) not in wrapped]
    return found


def _inside_scope_filter(func: ast.FunctionDef) -> set[int]:
    """Nodes that are the statement handed to scope_filter(...) — scoped by construction."""
    inside: set[int] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and _name(node) == "scope_filter" and node.args:
            inside |= {id(n) for n in ast.walk(node.args[0])}
    return inside


def _name(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _is_case_query(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    if _name(node) not in QUERY_FUNCS:
        return False
    # select(Case), select(func.count(Case.id)), session.get(Case, 1), session.query(Case)...
    return any(_mentions_case(arg) for arg in node.args)


def test_no_query_over_cases_bypasses_the_scoping_helper() -> None:
    offenders = [v for path in SRC.rglob("*.py") for v in _violations(path)]
    assert offenders == [], "use cases.repository.scoped_cases/scope_filter: " + ", ".join(offenders)


def test_the_lint_catches_a_bypass(tmp_path: Path) -> None:
    bad = SRC / "cases" / "_lint_probe.py"
    bad.write_text("from sqlalchemy import func, select\nfrom cityloop.cases.models import Case\n\n"
                   "def sneaky(session):\n    return session.scalars(select(Case))\n\n"
                   "def counting(session):\n    return session.scalar(select(func.count()).select_from(Case))\n\n"
                   "def fine(session, subject):\n"
                   "    return session.scalar(scope_filter(select(func.count()).select_from(Case), subject))\n",
                   encoding="utf-8")
    try:
        assert _violations(bad) == ["cases/_lint_probe.py:5 in sneaky", "cases/_lint_probe.py:8 in counting"]
    finally:
        bad.unlink()
