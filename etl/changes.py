"""The township-approved change requests (ops/changes.py) applied over the registry.

A request carries its new values and the registry's values when it was made (its
``original``), as text (domain/changes.py ``as_text``). It is applied when the warehouse
still holds the original value of each field it changes, or already holds the new one;
when the registry holds a third value, the registry was updated since the request and
wins: the request is "superseded", as it is when its household or member is no longer
held. A request is applied whole or not at all. A new member is added unless their ID
number is held (in the household: applied; in another: superseded).

``platform_changes`` keeps, per request and field, the value the registry held and the
value applied: a refresh on a copy of the warehouse skips the requests listed there, and
a registry load (a new warehouse from a delivery) applies them all again over it. The
derived columns follow: the household's members and labour, a member's age, an income
row's net and per-capita income, and the household's per-capita income of the as-of year.

Used by a registry load (before the rollups) and by the warehouse refresh.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa

from domain import changes as D
from domain.idnumber import birth_of, sex_of

HOUSEHOLD = {
    "phone": "VARCHAR",
    "housing_grade": "VARCHAR",
    "sanitary_toilet": "BOOLEAN",
    "road_access": "BOOLEAN",
}
PERSON = {
    "health": "TINYINT",
    "disability_grade": "TINYINT",
    "labour": "TINYINT",
    "medical_insurance": "BOOLEAN",
    "migrant_months": "TINYINT",
    "left_date": "DATE",
    "left_reason": "TINYINT",
}
INCOME = dict.fromkeys(D.AMOUNTS, "INTEGER")
_FIELD_COLUMNS = {
    "change_id": pa.int64(),
    "kind": pa.string(),
    "household_no": pa.string(),
    "person_key": pa.string(),
    "year": pa.int16(),
    "field": pa.string(),
    "value": pa.string(),
    "original": pa.string(),
}
_NEW_COLUMNS = {
    "change_id": pa.int64(),
    "household_no": pa.string(),
    "id_number": pa.string(),
    "name": pa.string(),
    "relation": pa.string(),
    "sex": pa.int8(),
    "birth_date": pa.date32(),
    "joined_date": pa.date32(),
    "join_reason": pa.int8(),
}
# A person's age at the as-of day, or when they left (as etl/registry.py computes it).
# Never below 0: a newborn reported after the as-of day (the refresh may lag the phone).
AGE = (
    "greatest(0, date_diff('year', birth_date, coalesce(left_date, {a})) - "
    "(strftime(coalesce(left_date, {a}), '%m%d') < strftime(birth_date, '%m%d'))::int)::smallint"
)


def _stored(field: str, value: str | None) -> str | None:
    """A value as the warehouse holds it: a disability grade of 0 is none."""
    return None if field == "disability_grade" and value == "0" else value


def _field_rows(changes: list[dict]) -> list[dict]:
    rows = []
    for c in changes:
        if c["kind"] == "member_new":
            continue
        values, original = dict(c["values"]), c["original"] or {}
        year = int(values.pop("year")) if c["kind"] == "income" else None
        for field, value in values.items():
            rows.append(
                {
                    "change_id": c["id"],
                    "kind": c["kind"],
                    "household_no": c["household_no"],
                    "person_key": c.get("person_key") or "",
                    "year": year,
                    "field": field,
                    "value": _stored(field, value),
                    "original": _stored(field, original.get(field)),
                }
            )
    return rows


def _new_rows(changes: list[dict]) -> list[dict]:
    rows = []
    for c in changes:
        if c["kind"] != "member_new":
            continue
        v = c["values"]
        rows.append(
            {
                "change_id": c["id"],
                "household_no": c["household_no"],
                "id_number": v["id_number"],
                "name": v["name"],
                "relation": v["relation"],
                "sex": sex_of(v["id_number"]),
                "birth_date": birth_of(v["id_number"]),
                "joined_date": dt.date.fromisoformat(v["joined_date"]),
                "join_reason": int(v["join_reason"]),
            }
        )
    return rows


def _arrow(rows: list[dict], columns: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({k: pa.array([r[k] for r in rows], t) for k, t in columns.items()})


def _current(table: str, fields: dict[str, str]) -> str:
    """The staged fields of one target table with the warehouse's present values."""
    cases = " ".join(f"when '{f}' then cast(t.{f} as varchar)" for f in fields)
    listed = ", ".join(f"'{f}'" for f in fields)
    joins = {
        "household": "left join household as t on t.household_id = h.household_id",
        "person": "left join person as t on t.household_id = h.household_id "
        "and t.id_number = c.person_key",
        "income": "left join income as t on t.household_id = h.household_id and t.year = c.year",
    }
    found = "t.person_id is not null" if table == "person" else "h.household_id is not null"
    return f"""
        select c.*, h.household_id, {"t.person_id" if table == "person" else "null::bigint"}
               as person_id, case c.field {cases} end as current, {found} as found
        from change_in as c
        left join household as h using (household_no)
        {joins[table]}
        where c.field in ({listed})"""


def _stage(con, changes: list[dict]) -> None:
    """``temp.change_field`` (one row per request and field, with the value the warehouse
    holds), ``temp.change_new`` (new members) and ``temp.change_outcome``."""
    con.register("change_in", _arrow(_field_rows(changes), _FIELD_COLUMNS))
    con.register("change_new_in", _arrow(_new_rows(changes), _NEW_COLUMNS))
    try:
        parts = [_current("household", HOUSEHOLD), _current("person", PERSON)]
        parts.append(_current("income", INCOME))
        con.execute("create or replace temp table change_field as " + " union all ".join(parts))
        con.execute("""
            create or replace temp table change_new as
            select n.*, h.household_id, p.household_id as held_in
            from change_new_in as n
            left join household as h using (household_no)
            left join person as p on p.id_number = n.id_number""")
    finally:
        con.unregister("change_in")
        con.unregister("change_new_in")
    con.execute("""
        create or replace temp table change_outcome as
        select change_id,
               case when bool_or(not found) then 'superseded:missing'
                    when bool_or(current is distinct from original
                                 and current is distinct from value) then 'superseded:registry'
                    else 'applied' end as outcome
        from change_field group by change_id
        union all
        select change_id,
               case when household_id is null then 'superseded:missing'
                    when held_in is null or held_in = household_id then 'applied'
                    else 'superseded:registry' end
        from change_new""")


# The requests of this round that apply.
_APPLIED = "(select change_id from change_outcome where outcome = 'applied')"


def _apply_fields(con, table: str, fields: dict[str, str]) -> None:
    applied = f"change_id in {_APPLIED}"
    match = {
        "household": "t.household_id = c.household_id",
        "person": "t.person_id = c.person_id",
        "income": "t.household_id = c.household_id and t.year = c.year",
    }[table]
    if table == "income":  # a declaration for a year the registry has no row of
        con.execute(f"""
            insert into income (household_id, year, members, {", ".join(fields)})
            select distinct c.household_id, c.year, h.members, {", ".join("0" for _ in fields)}
            from change_field as c join household as h using (household_id)
            where c.field in ('wages') and c.current is null and c.original is null
              and {applied.replace("change_id", "c.change_id", 1)}""")
    for field, sql_type in fields.items():
        con.execute(f"""
            update {table} as t set {field} = cast(c.value as {sql_type})
            from change_field as c
            where {match} and c.field = '{field}' and c.{applied}""")


def _derived_people(con, as_of: dt.date) -> None:
    """The age of the members who left or joined, the members and labour of their
    households."""
    a = f"DATE '{as_of.isoformat()}'"
    con.execute(f"""
        update person set age = {AGE.format(a=a)}
        where person_id in (select person_id from change_field where field = 'left_date'
                            and change_id in {_APPLIED})
           or id_number in (select id_number from change_new where change_id in {_APPLIED})""")
    con.execute(f"""
        update household as h set members = m.members, no_labour = m.no_labour
        from (select household_id,
                     count(*) filter (where left_date is null)::tinyint as members,
                     not coalesce(bool_or(labour <= 3) filter (where left_date is null), false)
                         as no_labour
              from person group by household_id) as m
        where h.household_id = m.household_id and h.household_id in (
            select household_id from change_field where kind in ('member', 'member_left')
                and change_id in {_APPLIED}
            union select household_id from change_new where change_id in {_APPLIED})""")


def _derived_income(con, as_of: dt.date) -> None:
    """Net and per-capita income of the rows declared, and the household's per-capita
    income of the as-of year."""
    declared = f"c.kind = 'income' and c.change_id in {_APPLIED}"
    con.execute(f"""
        update income as i
        set net_income = wages + business + property + transfers - production_costs,
            per_capita = round((wages + business + property + transfers - production_costs)
                               / members, 2)::decimal(12, 2)
        where exists (select 1 from change_field as c where {declared}
                      and c.household_id = i.household_id and c.year = i.year)""")
    con.execute(f"""
        update household as h set per_capita_income = i.per_capita
        from income as i
        where i.household_id = h.household_id and i.year = {as_of.year}
          and h.household_id in (select c.household_id from change_field as c
                                 where {declared} and c.year = {as_of.year})""")


def _add_members(con) -> None:
    """The new members, numbered as the registry numbers people: a number the warehouse
    gave them before (``person_key``, kept from load to load) or the next one, kept
    there so that a later delivery's new people are numbered after it."""
    keys = _has(con, "person_key")
    top = "greatest((select coalesce(max(person_id), 0) from person)" + (
        ", (select coalesce(max(person_id), 0) from person_key))" if keys else ")"
    )
    known = "left join person_key as k using (id_number)" if keys else ""
    con.execute(f"""
        create or replace temp table change_people as
        select n.*, coalesce({"k.person_id" if keys else "null"},
                            {top} + row_number() over (partition by {
        "k.person_id" if keys else "null"
    } is null order by n.change_id)) as person_id
        from change_new as n join change_outcome as o using (change_id)
        {known}
        where o.outcome = 'applied' and n.held_in is null""")
    con.execute("""
        insert into person by name
        select person_id, household_id, name, id_number, relation, sex, birth_date,
               joined_date, join_reason
        from change_people""")
    if keys:
        con.execute("""
            insert into person_key by name
            select id_number, person_id from change_people
            where id_number not in (select id_number from person_key)""")


def _record(con) -> None:
    con.execute("""
        create table if not exists platform_changes (
            change_id bigint, household_id bigint, person_id bigint, kind varchar,
            field varchar, registry_value varchar, value varchar, outcome varchar,
            merged_at timestamptz)""")
    now = dt.datetime.now(dt.UTC)
    con.execute(
        """
        insert into platform_changes
        select c.change_id, c.household_id, c.person_id, c.kind, c.field, c.current,
               c.value, o.outcome, ?
        from change_field as c join change_outcome as o using (change_id)
        union all
        select n.change_id, n.household_id, p.person_id, 'member_new', 'id_number', null,
               n.id_number, o.outcome, ?
        from change_new as n join change_outcome as o using (change_id)
        left join person as p on p.id_number = n.id_number""",
        [now, now],
    )


def merge(con, changes: list[dict], as_of: dt.date) -> dict[int, str]:
    """Apply the approved ``changes`` (rows of ops/changes.py) that the warehouse ``con``
    holds has not seen yet; every request's outcome by id ("applied", or "superseded:"
    and why), those seen before included."""
    seen = _outcomes(con)
    pending = sorted((c for c in changes if c["id"] not in seen), key=lambda c: c["id"])
    while pending:
        taken, pending = _round(pending)
        _stage(con, taken)
        _apply_fields(con, "household", HOUSEHOLD)
        _apply_fields(con, "person", PERSON)
        _add_members(con)
        _derived_people(con, as_of)
        _apply_fields(con, "income", INCOME)
        _derived_income(con, as_of)
        _record(con)
    return {**seen, **_outcomes(con)}


def _keys(change: dict) -> set[tuple]:
    """What a request changes: the fields of its household, member or income year, or
    the ID number of a new member."""
    no, kind, values = change["household_no"], change["kind"], change["values"]
    if kind == "member_new":
        return {("id_number", values.get("id_number"))}
    if kind == "income":
        return {("income", no, values.get("year"))}
    who = change.get("person_key") or ""
    return {(no, who, field) for field in values}


def _round(pending: list[dict]) -> tuple[list[dict], list[dict]]:
    """The requests applied together (oldest first): each the oldest left on everything
    it changes. A later request on the same field waits for the next round, and is
    checked against what the earlier one left (a chain of changes applies in order; two
    that saw the same value: the first applies, the second is superseded)."""
    taken, rest, busy = [], [], set()
    for change in pending:
        keys = _keys(change)
        (rest if keys & busy else taken).append(change)
        busy |= keys
    return taken, rest


def _has(con, table: str) -> bool:
    """Whether the warehouse being made holds ``table`` (a load has the old one attached
    as ``o``: its tables are not this one's)."""
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'main' and table_name = ?",
            [table],
        ).fetchall()[0][0]
    )


def _outcomes(con) -> dict[int, str]:
    if not _has(con, "platform_changes"):
        return {}
    rows = con.execute("select distinct change_id, outcome from platform_changes").fetchall()
    return {int(i): o for i, o in rows}


def outcomes(path: Path) -> dict[int, str]:
    """What the warehouse at ``path`` made of the requests it has seen: id -> outcome."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return _outcomes(con)
    finally:
        con.close()
