"""The household list: server-side filtering, sorting and paging over a unit's households.

The browser sends AG Grid's sort and filter models; they are translated here into SQL
fragments from an allow-list of columns and operators, with every value bound as a
parameter. Nothing the browser sends is ever formatted into SQL.

A preset names the households an indicator counts (registered, not exited, monitored,
...), for the same period, so that the list's row count is the indicator's figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from access import Scope, prefix_of, raise_for_region
from queries import privacy
from queries.runner import Fragment, Warehouse

EXPORT_CAP = 100_000
PROVINCE = "610000000000"
PAGE_MAX = 500

# column -> filter kind. Only these can be filtered or sorted.
COLUMNS = {
    "household_no": "text",
    "head_name": "text",
    "members": "number",
    "household_type": "set",
    "identify_year": "number",
    "exit_year": "number",
    "main_cause": "set",
    "monitor_type": "set",
    "monitor_state": "set",
    "per_capita_income": "number",
    "is_registered": "bool",
    "relocated": "bool",
}
# Sortable columns that can be NULL: they have a separate descending position (rkd_).
NULLABLE = {"identify_year", "exit_year", "main_cause", "monitor_type", "monitor_state"}
NUMBER_OPS = {
    "equals": "=",
    "notEqual": "<>",
    "lessThan": "<",
    "lessThanOrEqual": "<=",
    "greaterThan": ">",
    "greaterThanOrEqual": ">=",
}
PRESETS = {
    "all": "true",
    "registered": "is_registered and identify_year <= $year",
    "not_exited": "is_registered and identify_year <= $year and exit_year > $year",
    "exited": "is_registered and exit_year <= $year",
    "monitored": "identify_date < $month_end",
    "unresolved": "identify_date < $month_end "
    "and (eliminate_date is null or eliminate_date >= $month_end)",
    "eliminated": "eliminate_date < $month_end",
    # 待认定: warned, neither identified nor checked and not included by the month's end.
    "pending": "warning_date < $month_end and (identify_date is null or identify_date >= $month_end) "
    "and not coalesce(check_result = 2 and check_date < $month_end, false)",
    "below_line": "household_id in (select household_id from household_below_line "
    "where year = $year)",
}
DEFAULT_SORT = Fragment("household_id")


class BadFilter(ValueError):
    """The browser sent a filter or sort this list does not offer."""


@dataclass
class ListQuery:
    """A validated list request: where and order fragments and their parameters."""

    unit: str
    preset: str = "all"
    year: int = 2026
    month: dt.date = dt.date(2026, 10, 1)
    where: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    order: Fragment = DEFAULT_SORT
    # The position column the order follows, and whether it is read backwards.
    rank: str = "household_id"
    reverse: bool = False

    def whole_table(self) -> bool:
        """Every household of the province, unfiltered: a page is a range of positions."""
        return self.unit == PROVINCE and self.preset == "all" and not self.where

    def fragments(self) -> dict[str, Fragment]:
        clauses = [PRESETS[self.preset]] + self.where
        return {"where": Fragment(" and ".join(f"({c})" for c in clauses)), "order": self.order}

    def values(self) -> dict:
        end = (pd.Timestamp(self.month) + pd.DateOffset(months=1)).date()
        out = {"unit_prefix": prefix_of(self.unit), **self.params}
        sql = self.fragments()["where"]
        if "$year" in sql:
            out["year"] = self.year
        if "$month_end" in sql:
            out["month_end"] = end
        return out


def _param(q: ListQuery, value) -> str:
    name = f"f{len(q.params)}"
    q.params[name] = value
    return f"${name}"


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(str(value))
        except ValueError:
            raise BadFilter(f"not a number: {str(value)[:20]}") from None
    return value


def _condition(q: ListQuery, column: str, model: dict) -> str:
    kind = COLUMNS[column]
    if "operator" in model and "conditions" in model:  # two conditions joined
        op = {"AND": "and", "OR": "or"}.get(str(model["operator"]).upper())
        if (
            op is None
            or not isinstance(model["conditions"], list)
            or not 1 <= len(model["conditions"]) <= 2
        ):
            raise BadFilter("malformed combined filter")
        return f" {op} ".join(f"({_condition(q, column, c)})" for c in model["conditions"])
    ftype = model.get("type")
    if kind == "text":
        value = str(model.get("filter", ""))[:64]
        if ftype == "contains":
            return f"contains({column}, {_param(q, value)})"
        if ftype == "equals":
            return f"{column} = {_param(q, value)}"
        if ftype == "startsWith":
            return f"starts_with({column}, {_param(q, value)})"
        raise BadFilter(f"text filter {str(ftype)[:20]} is not offered")
    if kind in ("number", "set"):
        if ftype == "blank":
            return f"{column} is null"
        if ftype == "notBlank":
            return f"{column} is not null"
        if ftype == "inRange":
            lo, hi = _number(model.get("filter")), _number(model.get("filterTo"))
            return f"{column} between {_param(q, lo)} and {_param(q, hi)}"
        if ftype in NUMBER_OPS:
            return f"{column} {NUMBER_OPS[ftype]} {_param(q, _number(model.get('filter')))}"
        raise BadFilter(f"number filter {str(ftype)[:20]} is not offered")
    if kind == "bool":
        value = model.get("filter")
        if value not in (True, False, "true", "false"):
            raise BadFilter("yes/no filter needs true or false")
        return f"{column} = {_param(q, value in (True, 'true'))}"
    raise BadFilter("unknown column")  # pragma: no cover


def build(
    unit: str,
    preset: str | None = None,
    year: int | None = None,
    month: dt.date | None = None,
    filter_model: dict | None = None,
    sort_model: list | None = None,
) -> ListQuery:
    """Validate a list request from the browser; BadFilter names what is wrong."""
    if preset not in PRESETS:
        preset = "all"
    q = ListQuery(unit=unit, preset=preset)
    if year is not None:
        q.year = year
    if month is not None:
        q.month = month
    if filter_model:
        if not isinstance(filter_model, dict) or len(filter_model) > len(COLUMNS):
            raise BadFilter("malformed filter")
        for column, model in filter_model.items():
            if column not in COLUMNS or not isinstance(model, dict):
                raise BadFilter(f"cannot filter on {str(column)[:40]}")
            q.where.append(_condition(q, column, model))
    if sort_model:
        # One column at a time: positions are unique, so a second key would never matter.
        if not isinstance(sort_model, list) or not isinstance(sort_model[0], dict):
            raise BadFilter("malformed sort")
        col, direction = sort_model[0].get("colId"), sort_model[0].get("sort")
        if col not in COLUMNS or direction not in ("asc", "desc"):
            raise BadFilter(f"cannot sort on {str(col)[:40]}")
        if direction == "asc":
            q.rank = f"rk_{col}"
        elif col in NULLABLE:
            q.rank = f"rkd_{col}"
        else:
            q.rank, q.reverse = f"rk_{col}", True
        q.order = Fragment(q.rank + (" desc" if q.reverse else ""))
    return q


def count(wh: Warehouse, scope: Scope, q: ListQuery) -> int:
    raise_for_region(scope, q.unit)
    df = wh.run(
        "households_count", scope, fragments={"where": q.fragments()["where"]}, **q.values()
    )
    return int(df["n"].iloc[0]) if len(df) else 0


def page(wh: Warehouse, scope: Scope, q: ListQuery, offset: int, limit: int) -> pd.DataFrame:
    """Rows ``offset``..``offset+limit`` of the list, phone numbers masked (by the
    runner, before it caches them)."""
    raise_for_region(scope, q.unit)
    offset, limit = max(0, int(offset)), max(1, min(int(limit), EXPORT_CAP))
    if q.whole_table() and q.rank != "household_id":
        # Positions are precomputed over the whole table: a page is a range of them, and
        # nothing needs sorting past the offset.
        n = count(wh, scope, q)
        lo, hi = (n - offset - limit + 1, n - offset) if q.reverse else (offset + 1, offset + limit)
        q = replace(q, where=[f"{q.rank} between $lo and $hi"], params={"lo": lo, "hi": hi})
        offset = 0
    return wh.run(
        "households_page", scope, fragments=q.fragments(), **q.values(), offset=offset, limit=limit
    )


# The masks live with the rest of privacy (the runner applies them); kept here by name
# for the callers that import them from the list.
mask_id, mask_phone = privacy.mask_id, privacy.mask_phone
