"""Config files read node by node, so that a refusal names the line: what the rules file
(etl/rules.py) and the data-quality checks (etl/quality.py) share. Each caller passes its
own error class; every message is one line, "<file> line <n>: <reason>"."""

from __future__ import annotations

from pathlib import Path

import yaml


def fail(node, reason: str, name: str, error: type[ValueError]):
    raise error(f"{name} line {node.start_mark.line + 1}: {reason}")


def mapping(node) -> dict:
    """key -> (key node, value node) of a YAML mapping node."""
    return {k.value: (k, v) for k, v in node.value}


def scalar(node, name: str, kind: type, what: str, error: type[ValueError]):
    """A single value of type ``kind`` (int, float or str), or ``error`` naming the line."""
    if not isinstance(node, yaml.ScalarNode):
        fail(node, f"{what} must be a single value", name, error)
    value = yaml.safe_load(node.value) if node.tag != "tag:yaml.org,2002:str" else node.value
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    fail(node, f"{what} must be {'a number' if kind in (int, float) else 'text'}", name, error)


def compose(text: str, name: str, error: type[ValueError]):
    """The document's root node, or ``error`` with the line of the YAML syntax error."""
    try:
        return yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{name}{line}: not valid YAML ({reason})") from None


def read(path: Path, error: type[ValueError], what: str) -> str:
    """The file's text (UTF-8), or ``error`` saying it is missing or not text."""
    if not path.is_file():
        raise error(f"{what} missing: {path}")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{path.name} line 1: not UTF-8 text") from None
