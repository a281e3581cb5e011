"""The web layer: Flask Blueprints (the routes) and the request's plumbing (``context``,
``gate``, ``headers``). Workflows are services'; a route reads the request, calls one
service and answers."""

from __future__ import annotations

from flask import Flask


def register(server: Flask) -> None:
    """Register the blueprints of web/ on ``server``: the login gate first (its hook runs
    before every other), then the routes; and start the in-process schedule with each
    process's first request. (web/wall.py's fence and the API register after this.)"""
    from services import schedule
    from web import (
        account,
        audit,
        auth,
        cases,
        changes,
        context,
        exports,
        feedback,
        field,
        imports,
        registry,
    )

    modules = (auth, account, exports, imports, registry, audit, cases, field, feedback, changes)
    for module in modules:
        server.register_blueprint(module.bp)

    @server.before_request
    def start_schedule():
        schedule.ensure_started(context.ops(), context.settings().tick_seconds)
