"""The shape docs/architecture.md promises: thin callbacks, short functions, the allowed
imports between the layers (import-linter, .importlinter)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = [
    "access",
    "components",
    "domain",
    "etl",
    "exchange",
    "exports",
    "i18n",
    "ops",
    "pages",
    "queries",
    "services",
    "web",
]
TOP_MODULES = ["app.py", "config.py", "manage.py"]

CALLBACK_LINES = 20  # a callback reads its inputs, calls one function, shows the answer
FUNCTION_LINES = 60

# Longer functions, each with the reason it stays whole. A function leaves this list when
# it is split; a new long function needs a reason here, reviewed like code.
JUSTIFIED: dict[str, str] = {}


def _sources() -> list[Path]:
    files = [ROOT / m for m in TOP_MODULES if (ROOT / m).exists()]
    for pkg in CODE:
        files += sorted((ROOT / pkg).rglob("*.py"))
    return [f for f in files if "alembic" not in f.parts or "versions" not in f.parts]


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body, its docstring left out."""
    body = node.body
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        if len(body) == 1:
            return 0
        first = body[1]
    return node.end_lineno - first.lineno + 1


def _is_callback(node) -> bool:
    return any("callback" in ast.unparse(d) for d in node.decorator_list)


def _functions():
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield f"{path.relative_to(ROOT)}:{node.name}", node


def test_body_lines_leaves_out_the_docstring():
    tree = ast.parse('def f():\n    """Doc.\n\n    More."""\n    a = 1\n    return a\n')
    assert body_lines(tree.body[0]) == 2


def test_callbacks_are_thin():
    long = {
        name: body_lines(n)
        for name, n in _functions()
        if _is_callback(n) and body_lines(n) > CALLBACK_LINES
    }
    assert long == {}


def test_long_functions_are_split_or_justified():
    long = {
        name: body_lines(n)
        for name, n in _functions()
        if body_lines(n) > FUNCTION_LINES and name not in JUSTIFIED
    }
    assert long == {}


def test_justifications_name_functions_that_exist_and_are_long():
    lengths = {name: body_lines(n) for name, n in _functions()}
    stale = [name for name in JUSTIFIED if lengths.get(name, 0) <= FUNCTION_LINES]
    assert stale == []


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_imports_follow_the_layers():
    done = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-4000:]


def test_the_tree_is_formatted():
    """One layout for every file (ruff format, pyproject.toml): a diff shows what changed."""
    done = subprocess.run(
        [_tool("ruff"), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-4000:]


# Names a pure component must not use: they read the request (its language, its user's
# scope) instead of taking them as parameters.
REQUEST_NAMES = {
    "get_lang",
    "current_scope",
    "current_user",
    "can",
    "raise_for",
    "session",
    "request",
}


def test_components_take_the_language_and_scope_as_parameters():
    used = []
    for path in sorted((ROOT / "components").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                used += [
                    f"{path.name}: from {node.module} import {a.name}"
                    for a in node.names
                    if a.name in REQUEST_NAMES
                ]
    assert used == []


def _t_calls_without_lang(tree) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("t", "tn")
        ):
            positional = {"t": 2, "tn": 4}[node.func.id]
            if len(node.args) < positional and not any(k.arg == "lang" for k in node.keywords):
                lines.append(node.lineno)
    return lines


def test_t_without_lang_is_found():
    tree = ast.parse('t("a.b")\nt("a.b", lang)\nt("a.b", lang=x, n=1)\ntn("a", "b", 2)\n')
    assert _t_calls_without_lang(tree) == [1, 4]


def test_components_pass_the_language_to_every_message():
    missing = {}
    for path in sorted((ROOT / "components").rglob("*.py")):
        lines = _t_calls_without_lang(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            missing[path.name] = lines
    assert missing == {}
