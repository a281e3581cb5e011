"""Per-process handles the pages and routes share: settings, the operational store, the
warehouse. Set once by ``app.create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from config import Settings
from queries.runner import Warehouse


@dataclass
class Context:
    settings: Settings
    ops: Engine
    warehouse: Warehouse


_context: Context | None = None


def set_context(ctx: Context) -> None:
    global _context
    _context = ctx


def get() -> Context:
    if _context is None:
        raise RuntimeError("the app is not initialised (call app.create_app)")
    return _context


def settings() -> Settings:
    return get().settings


def warehouse() -> Warehouse:
    return get().warehouse


def ops() -> Engine:
    return get().ops
