"""The platform's monitoring cases merged over the registry's monitoring records.

A household has at most one monitoring record (docs/registry.md). A case run in the
platform (ops/cases.py) is the newest word on its household's identification: its days
replace the record's procedure days, its decision the record's outcome; a household
without a record gets one. Matched by household number, so a registry increment loaded
after the case (or a full load that numbers households afresh) counts the household once.
The registry's assistance and elimination days stay unless they are older than the case's
warning (the household fell back and was identified again).

Used by a registry load (before the rollups) and by the warehouse refresh.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

# The store's columns the merge reads, with their types.
COLUMNS: dict[str, pa.DataType] = {
    "id": pa.int64(),
    "household_no": pa.string(),
    "channel": pa.int8(),
    "state": pa.string(),
    "warned_on": pa.date32(),
    "check_date": pa.date32(),
    "consent_date": pa.date32(),
    "comparison_date": pa.date32(),
    "village_review_date": pa.date32(),
    "notice_date": pa.date32(),
    "notice_end_date": pa.date32(),
    "township_review_date": pa.date32(),
    "county_decision_date": pa.date32(),
    "monitor_type": pa.int8(),
    "risks": pa.string(),
    "exclude_reason": pa.int8(),
}
STEP_DAYS = [c for c, t in COLUMNS.items() if t == pa.date32() and c != "warned_on"]

# The record's columns as the case leaves them (``p`` the case, ``m`` the record, which
# may be absent); the derived ones (state, fast_elimination) follow from these.
_KEEP_IF_LATER = "case when m.{c} < p.warned_on then null else m.{c} end"
_VALUES = {
    "discovery": "p.channel",
    "warning_date": "p.warned_on",
    **{c: f"p.{c}" for c in STEP_DAYS},
    "identify_date": "case when p.state = 'included' then p.county_decision_date end",
    "check_result": "(case p.state when 'included' then 1 when 'not_included' then 2 end)::tinyint",
    "exclude_reason": "p.exclude_reason",
    "monitor_type": "coalesce(p.monitor_type, m.monitor_type)",
    "assist_date": _KEEP_IF_LATER.format(c="assist_date"),
    "eliminate_date": _KEEP_IF_LATER.format(c="eliminate_date"),
    "eliminate_method": "case when m.eliminate_date < p.warned_on then null "
    "else m.eliminate_method end",
    "risk_count": "case when p.risks <> '' then len(string_split(p.risks, ',')) "
    "else coalesce(m.risk_count, 0) end::tinyint",
    "main_risk": "case when p.risks <> '' then string_split(p.risks, ',')[1]::tinyint "
    "else m.main_risk end",
}


def _table(cases: list[dict]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in cases], t) for c, t in COLUMNS.items()})


def _staged(con, cases: list[dict]) -> int:
    """The newest case of each household the warehouse holds, as ``temp.platform_case``
    with the household's id and its record's (if any); how many."""
    con.register("platform_cases_in", _table(cases))
    try:
        con.execute("""
            create or replace temp table platform_case as
            select p.*, h.household_id, h.village_code, m.monitoring_id
            from platform_cases_in as p
            join household as h using (household_no)
            left join monitoring as m on m.household_id = h.household_id
            qualify row_number() over (partition by p.household_no
                                       order by p.warned_on desc, p.id desc) = 1""")
    finally:
        con.unregister("platform_cases_in")
    return con.execute("select count(*) from platform_case").fetchone()[0]


def _derived() -> str:
    """state and fast_elimination of the merged record, from its new values."""
    ident, elim = _VALUES["identify_date"], _VALUES["eliminate_date"]
    return (
        f"(case when p.state = 'not_included' then 4 when ({ident}) is null then 1 "
        f"when ({elim}) is null then 2 else 3 end)::tinyint as state, "
        f"coalesce(({_VALUES['eliminate_method']}) = 1 and ({elim}) - ({ident}) < 61, false) "
        "as fast_elimination"
    )


def _records(con) -> None:
    """The monitoring records replaced by the cases' (new ids after the registry's)."""
    values = ", ".join(f"{v} as {k}" for k, v in _VALUES.items())
    con.execute(f"""
        create or replace temp table merged_monitoring as
        select coalesce(p.monitoring_id, (select coalesce(max(monitoring_id), 0) from monitoring)
                        + row_number() over (partition by p.monitoring_id is null
                                             order by p.household_id)) as monitoring_id,
               p.household_id, p.village_code, {values}, {_derived()}
        from platform_case as p
        left join monitoring as m on m.monitoring_id = p.monitoring_id""")
    con.execute(
        "delete from monitoring where household_id in (select household_id from platform_case)"
    )
    con.execute("insert into monitoring by name select * from merged_monitoring")


def _risks(con) -> None:
    """The cases' risk types (the main one first) replace the records' where given."""
    con.execute("""
        delete from monitoring_risk where household_id in
            (select household_id from platform_case where risks <> '')""")
    con.execute("""
        insert into monitoring_risk by name
        select m.monitoring_id, m.household_id, unnest(generate_series(1, len(r)))::tinyint as seq,
               unnest(r)::tinyint as risk_type
        from (select household_id, string_split(risks, ',') as r
              from platform_case where risks <> '') as p
        join monitoring as m using (household_id)""")
    con.execute("""
        update household set monitor_type = p.monitor_type
        from platform_case as p
        where household.household_id = p.household_id and p.state = 'included'""")


def merge(con, cases: list[dict]) -> int:
    """Merge the platform's ``cases`` (rows of ops/cases.py) over the monitoring records
    of the warehouse ``con`` holds; the households merged. Keeps ``platform_cases``: the
    cases the warehouse now reflects, by id and version."""
    con.execute("drop table if exists platform_cases")
    if not cases or not _staged(con, cases):
        return 0
    _records(con)
    _risks(con)
    con.execute(
        "create table platform_cases as select id as case_id, household_id, state, "
        "?::timestamptz as merged_at from platform_case order by id",
        [dt.datetime.now(dt.UTC)],
    )
    return con.execute("select count(*) from platform_case").fetchone()[0]
