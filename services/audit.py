"""The audit log's one door for the layers above the stores.

Every audited action is a service: pages, routes, exports and CLI commands call the
service that does the work and writes its audit entry, or (for an action that is only
a read, such as a download or a login) ``record`` here. ``ops.audit`` itself is
imported by this package only (an import-linter contract, docs/architecture.md).
"""

from __future__ import annotations

from ops.audit import MAX_ROWS, actions, recent, record, search

__all__ = ["MAX_ROWS", "actions", "recent", "record", "search"]
