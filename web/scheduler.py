"""Moved to services/schedule.py; this name stays only until app.py calls
``web.register`` (which starts the schedule itself)."""

from services.schedule import ensure_started

__all__ = ["ensure_started"]
