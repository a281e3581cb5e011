"""gunicorn settings: `gunicorn app:server` (or `make run`). Environment as in the README."""

import os

bind = f"{os.environ.get('JZ_HOST', '127.0.0.1')}:{os.environ.get('JZ_PORT', '8050')}"
workers = int(os.environ.get("JZ_WORKERS", "2"))
threads = int(os.environ.get("JZ_THREADS", "4"))
timeout = 120
# Build the app once in the master (migrations, demo accounts), then fork the workers.
# Each worker opens its own warehouse connection on first use.
preload_app = True
accesslog = "-"
errorlog = "-"


def post_fork(server, worker):
    """Never share a database connection pool across a fork."""
    from ops import db

    db.dispose_all()
