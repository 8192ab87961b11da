"""The shape the code keeps: data and imports flow one way, tracking → scoring."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_tracking_never_imports_scoring():
    places = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "tracking").rglob("*.py"))
        for line, module in _imports(path)
        if module == "scoring" or module.startswith("scoring.")
    ]
    assert places == []


def test_the_import_check_sees_a_function_level_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from scoring.outbox import request_recompute\n")
    assert _imports(sample) == [(2, "scoring.outbox")]
