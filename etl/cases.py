"""The platform's monitoring cases merged over the registry's monitoring records.

A household has at most one monitoring record (docs/registry.md). A case run in the
platform (ops/cases.py) is the newest word on its household's identification: its days
replace the record's procedure days, its decision the record's outcome; a household
without a record gets one. Matched by household number, so a registry increment loaded
after the case (or a full load that numbers households afresh) counts the household once.
The registry's assistance and elimination days stay unless they are older than the case's
warning (the household fell back and was identified again); a case's own first measure
and its approved elimination replace them. The measures carried out in the platform are
added to ``measure`` with ids from ``PLATFORM_MEASURE_IDS`` on, so a second refresh
replaces rather than adds them.

Used by a registry load (before the rollups) and by the warehouse refresh.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from domain.codes import CATEGORY_CHANNEL

# The case's states in which the household is identified (included, its risk under way
# to elimination or eliminated): domain/cases.py MONITORED and "eliminated".
IDENTIFIED = ("included", "elim_notice", "elim_noticed", "elim_passed", "eliminated")
_IN = "(" + ", ".join(f"'{s}'" for s in IDENTIFIED) + ")"

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
    "assist_date": pa.date32(),
    "eliminate_date": pa.date32(),
    "elim_method": pa.int8(),
}
STEP_DAYS = [c for c, t in COLUMNS.items() if t == pa.date32() and c != "warned_on"]
STEP_DAYS = [c for c in STEP_DAYS if c not in ("assist_date", "eliminate_date")]
# The ids of the platform's measures in ``measure``: far above any registry's (the
# registry numbers its measures from 1), so a refresh knows and replaces them. The
# amount is in whole yuan there, as the registry's (rounded half to even by DuckDB).
PLATFORM_MEASURE_IDS = 1 << 40
MEASURE_COLUMNS: dict[str, pa.DataType] = {
    "household_no": pa.string(),
    "start_date": pa.date32(),
    "channel": pa.int8(),
    "category": pa.int8(),
    "amount": pa.float64(),
    "department": pa.string(),
}

# The record's columns as the case leaves them (``p`` the case, ``m`` the record, which
# may be absent); the derived ones (state, fast_elimination) follow from these.
_KEEP_IF_LATER = "case when m.{c} < p.warned_on then null else m.{c} end"
_VALUES = {
    "discovery": "p.channel",
    "warning_date": "p.warned_on",
    **{c: f"p.{c}" for c in STEP_DAYS},
    "identify_date": f"case when p.state in {_IN} then p.county_decision_date end",
    "check_result": f"(case when p.state in {_IN} then 1 when p.state = 'not_included' then 2 "
    "end)::tinyint",
    "exclude_reason": "p.exclude_reason",
    "monitor_type": "coalesce(p.monitor_type, m.monitor_type)",
    "assist_date": f"coalesce(p.assist_date, {_KEEP_IF_LATER.format(c='assist_date')})",
    "eliminate_date": "case when p.state = 'eliminated' then p.eliminate_date "
    f"when p.state in {_IN} then null else {_KEEP_IF_LATER.format(c='eliminate_date')} end",
    "eliminate_method": "case when p.state = 'eliminated' then p.elim_method "
    f"when p.state in {_IN} or m.eliminate_date < p.warned_on then null "
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
    con.execute(
        """
        update household set monitor_type = p.monitor_type
        from platform_case as p
        where household.household_id = p.household_id and p.state in """
        + _IN
    )


def _measures(con, cases: list[dict]) -> None:
    """The platform's measures carried out, in ``measure`` as monitoring measures with
    ids from ``PLATFORM_MEASURE_IDS`` on (the previous refresh's replaced; a copy a
    registry increment carried over is recognised by its id too)."""
    con.execute("delete from measure where measure_id >= ?", [PLATFORM_MEASURE_IDS])
    rows = [
        {
            "household_no": c["household_no"],
            "start_date": m["done_on"],
            "channel": CATEGORY_CHANNEL.get(m["category"]),
            "category": m["category"],
            "amount": m["amount"],
            "department": m["department"],
        }
        for c in cases
        for m in c.get("measures") or ()
    ]
    if not rows:
        return
    table = pa.table({k: pa.array([r[k] for r in rows], t) for k, t in MEASURE_COLUMNS.items()})
    con.register("platform_measures_in", table)
    try:
        con.execute(
            """
            insert into measure by name
            select ? + row_number() over (order by h.household_id, p.start_date) as measure_id,
                   h.household_id, year(p.start_date) as year, p.start_date, p.channel,
                   p.category, round(p.amount)::bigint as amount, p.department,
                   true as for_monitoring
            from platform_measures_in as p join household as h using (household_no)
            where not exists (select 1 from measure as r
                              where r.household_id = h.household_id
                                and r.category = p.category and r.start_date = p.start_date)""",
            [PLATFORM_MEASURE_IDS],
        )
    finally:
        con.unregister("platform_measures_in")


def merge(con, cases: list[dict]) -> int:
    """Merge the platform's ``cases`` (rows of ops/cases.py) over the monitoring records
    of the warehouse ``con`` holds; the households merged. Keeps ``platform_cases``: the
    cases the warehouse now reflects, by id and version."""
    con.execute("drop table if exists platform_cases")
    _measures(con, cases)
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


def as_of_after(con, cases: list[dict], as_of: dt.date, today: dt.date) -> dt.date:
    """The warehouse's as-of day once the cases are merged: the newest day the platform
    recorded (a step, a measure carried out), if later than ``as_of``, so the month's
    figures count it; never after ``today`` nor past the last year with a monitoring
    line (the rollups need one)."""
    days = [c["last_on"] for c in cases if c.get("last_on")]
    days += [m["done_on"] for c in cases for m in c.get("measures") or ()]
    newest = max(days, default=as_of)
    (last_line,) = con.execute(
        "select max(year) from lines where monitoring_line is not null"
    ).fetchone()
    cap = min(today, dt.date(last_line, 12, 31)) if last_line else today
    return max(as_of, min(newest, cap))
