"""What an instruction may name, checked against the warehouse: the unit it is assigned
to exists, and the households it links lie under that unit (``ops.tasks.Places``).
The API and the pages pass ``PLACES`` wherever ops.tasks asks ``region_exists``."""

from __future__ import annotations

from access import Scope
from etl.refdata import region_levels
from ops import tasks as T
from queries import api
from web import context


def region_exists(code: str) -> bool:
    return code in region_levels()


def households_in(region: str, ids: list[int]) -> set[int]:
    """Those of ``ids`` whose village lies under the unit ``region`` (the warehouse's
    household query, scoped to that unit: nothing else can be found)."""
    unit = Scope("-", "leader", region)
    return set(api.household_numbers(context.warehouse(), unit, ids))


PLACES = T.Places(region_exists, households_in)
