"""The layering the design promises: a Qt-free core, httpx only in the client."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is part of the test extra"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_command_line_use_never_loads_qt():
    code = (
        "import sys, runpy\n"
        "import hsexplorer.cli.main as m\n"
        "m.build_parser()\n"
        "import hsexplorer.domain.validation, hsexplorer.storage.paths\n"
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'qasync', 'shiboken6'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _oldest_supported_python() -> str | None:
    """A Python 3.11 interpreter, if this machine has one (pyenv's or the system's)."""
    candidates = [shutil.which("python3.11")]
    pyenv_root = Path.home() / ".pyenv" / "versions"
    candidates += sorted(str(p) for p in pyenv_root.glob("3.11*/bin/python3.11"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "(3, 11)":
            return candidate
    return None


def test_sources_parse_on_python_3_11():
    # We support 3.11, whose parser rejects syntax 3.12 allows (e.g. nested same-quote f-strings).
    python = _oldest_supported_python()
    if python is None:
        import pytest

        pytest.skip("no Python 3.11 interpreter on this machine")
    sources = [str(p) for folder in ("hsexplorer", "tests", "packaging") for p in (ROOT / folder).rglob("*.py")]
    code = "import sys, ast\nfor f in sys.argv[1:]:\n    ast.parse(open(f, encoding='utf-8').read(), f)\n"
    result = subprocess.run([python, "-c", code, *sources], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def _imports(module: str, path: Path, modules: set[str]) -> set[str]:
    """The hsexplorer modules `module` imports: at the top, inside functions (a function-local import
    still closes a circle) and under `if TYPE_CHECKING:` (so does one made for the type checker)."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from package import module` names the module itself
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return (found & modules) - {module}


def _module_graph() -> dict[str, set[str]]:
    paths = {}
    for path in (ROOT / "hsexplorer").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return {module: _imports(module, path, set(paths)) for module, path in paths.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or round a loop (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return circles


def test_no_import_circle():
    graph = _module_graph()
    assert "hsexplorer.services.targets" in graph["hsexplorer.cli.targets"]  # the graph sees function-local imports
    assert _circles(graph) == []


def test_the_circle_check_follows_function_local_and_type_checking_imports(tmp_path):
    modules = {"pkg.a", "pkg.b", "pkg.c"}
    a = tmp_path / "a.py"
    a.write_text("from pkg import b\n", encoding="utf-8")
    b = tmp_path / "b.py"
    b.write_text("def late():\n    import pkg.c\n", encoding="utf-8")
    c = tmp_path / "c.py"
    c.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import Thing\n", encoding="utf-8")
    graph = {name: _imports(name, path, modules) for name, path in (("pkg.a", a), ("pkg.b", b), ("pkg.c", c))}
    assert graph == {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.c"}, "pkg.c": {"pkg.a"}}
    assert _circles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    assert _circles({**graph, "pkg.c": set()}) == []
