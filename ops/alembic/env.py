"""Alembic's environment for the operational store.

``ops.migrations`` runs it with a connection of its own (``config.attributes
["connection"]``); a maintainer's ``alembic -c ops/alembic.ini ...`` runs it on the
store of JZ_OPS_DB. ``target_metadata`` is ops/schema.py's, so that
``revision --autogenerate`` proposes what schema.py declares and the store lacks (a
proposal to read and write out literally: a revision never imports schema.py).
"""

from __future__ import annotations

from alembic import context

from ops import schema

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=schema.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    import config as settings  # the maintainer's command line: the store of JZ_OPS_DB
    from ops import db

    with db.engine(settings.load().ops_db).connect() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them on a store")
run()
