"""The layers only look down: an AST scan of every import (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_domain_imports_no_qt_sql_or_other_layers() -> None:
    forbidden = ("PyQt6", "sqlalchemy", "alembic", "requests", "app.store", "app.services",
                 "app.forms", "app.ui", "app.sync", "app.print_templates")
    for path in _files("app/domain"):
        bad = [n for n in _imports(path) if n.startswith(forbidden)]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_only_forms_and_ui_import_qt() -> None:
    for path in _files("app") + _files("server"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("app/forms/", "app/ui/", "app/main.py", "app/selftest.py")):
            continue
        bad = [n for n in _imports(path) if n.startswith("PyQt6")]
        assert not bad, f"{relative} imports {bad}"


def test_lower_layers_never_import_the_services_or_the_ui() -> None:
    for package in ("app/store", "app/print_templates", "app/signing"):
        for path in _files(package):
            bad = [n for n in _imports(path)
                   if n.startswith(("app.services", "app.forms", "app.ui", "app.sync"))]
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
