"""Cross-checks (config/crosschecks.yaml): department records against the registry.

Evaluated by the build and by the incremental refresh of imports, after the early-warning
rules (a `warning` check reads their warnings). Writes the table `doubt`: one case per
household and check, with the members concerned and the evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import feeds as F

CHECKS_FILE = Path(__file__).resolve().parent.parent / "config" / "crosschecks.yaml"
KINDS = ("exists", "yearly_sum", "warning")
APPLIES = {
    "any": "true",
    "registered": "h.is_registered",
    "monitored": "h.monitor_type is not null",
}


class ChecksError(ValueError):
    """The checks file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Check:
    id: str
    feed: str
    kind: str
    applies: str
    zh: str
    en: str
    params: dict


def load(path: Path | None = None) -> list[Check]:
    path = path or CHECKS_FILE
    raw = {"checks": F.read_config(path, "checks", list, ChecksError)}
    from etl import rules

    feeds = F.load()
    rule_ids = {r.id for r in rules.load(rules.RULES_FILE).rules}
    out, seen = [], set()
    for i, c in enumerate(raw["checks"]):
        where = f"{path.name}: check {i + 1}"
        if not isinstance(c, dict):
            raise ChecksError(f"{where}: expected a mapping")
        for k in ("id", "feed", "kind", "zh", "en"):
            if k not in c:
                raise ChecksError(f"{where}: missing {k}")
        cid = str(c["id"])
        if not F.IDENT.fullmatch(cid) or cid in seen:
            raise ChecksError(f"{where}: id {cid!r} is malformed or used twice")
        seen.add(cid)
        if c["feed"] not in feeds:
            raise ChecksError(f"{where}: unknown feed {c['feed']!r}")
        if c["kind"] not in KINDS:
            raise ChecksError(f"{where}: unknown kind {c['kind']!r}")
        applies = c.get("applies", "any")
        if applies not in APPLIES:
            raise ChecksError(f"{where}: applies must be one of {', '.join(APPLIES)}")
        feed = feeds[c["feed"]]
        cols = {col.key for col in feed.columns}
        params = {
            k: v for k, v in c.items() if k not in ("id", "feed", "kind", "zh", "en", "applies")
        }
        for k in ("column", "year_column"):
            if k in params and params[k] not in cols:
                raise ChecksError(f"{where}: {k} {params[k]!r} is not a column of {c['feed']}")
        if c["kind"] == "yearly_sum":
            for k in ("column", "year_column", "threshold"):
                if k not in params:
                    raise ChecksError(f"{where}: a yearly_sum needs {k}")
        if c["kind"] == "warning" and params.get("rule") not in rule_ids:
            raise ChecksError(
                f"{where}: a warning check needs the id of a rule in force "
                f"(one of {', '.join(sorted(rule_ids))})"
            )
        unknown = set(params) - {"column", "values", "year_column", "threshold", "years", "rule"}
        if unknown:
            raise ChecksError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
        if "years" in params and (
            not isinstance(params["years"], int) or not 1 <= params["years"] <= 10
        ):
            raise ChecksError(f"{where}: years must be a whole number from 1 to 10")
        if "threshold" in params and not isinstance(params["threshold"], (int, float)):
            raise ChecksError(f"{where}: threshold must be a number")
        if "values" in params and (
            "column" not in params or not isinstance(params["values"], list)
        ):
            raise ChecksError(f"{where}: values need a column and a list")
        out.append(Check(cid, c["feed"], c["kind"], applies, str(c["zh"]), str(c["en"]), params))
    return out


def _sql(check: Check, table: str, feed: F.Feed, columns: list[str]) -> tuple[str, list]:
    """A check as SQL: household_id, person names, value, threshold, found_on, detail."""
    p = check.params
    applies = APPLIES[check.applies]
    if check.kind == "warning":
        return (
            f"""
            select w.household_id, null::varchar as members, w.value, w.threshold,
                   w.warned_on as found_on, w.detail
            from warning as w join household as h using (household_id)
            where w.rule_id = ? and {applies}""",
            [p["rule"]],
        )
    if check.kind == "exists":
        cond, args = "true", []
        if "values" in p:
            cond = f"d.{p['column']} in ({', '.join('?' for _ in p['values'])})"
            args = list(p["values"])
        # The evidence's date: the feed's first date (or month) column the table has.
        date_cols = [
            c.key for c in feed.columns if c.type in ("date", "month") and c.key in columns
        ]
        found = f"max(d.{date_cols[0]})" if date_cols else "null::date"
        return (
            f"""
            select p.household_id,
                   string_agg(distinct p.name, '、' order by p.name) as members,
                   count(*)::double as value, 1.0 as threshold, {found} as found_on,
                   null::varchar as detail
            from {table} as d
            join person as p using (id_number)
            join household as h on h.household_id = p.household_id
            where {cond} and {applies}
              and p.left_date is null  -- current members: not one who left the household
            group by p.household_id""",
            args,
        )
    # yearly_sum: the largest yearly sum of a member, in the last `years` years
    years = int(p.get("years", 3))
    return (
        f"""
        with y as (
            select p.household_id, p.name, p.person_id, d.{p["year_column"]} as yr,
                   sum(d.{p["column"]}) as total
            from {table} as d
            join person as p using (id_number)
            join household as h on h.household_id = p.household_id
            where d.{p["year_column"]} > year($as_of) - {years} and {applies}
              and p.left_date is null
            group by all
        )
        select household_id,
               string_agg(distinct name, '、' order by name) as members,
               max(total)::double as value, ?::double as threshold,
               make_date(max(yr)::integer, 12, 31) as found_on, null::varchar as detail
        from y where total >= ?
        group by household_id""",
        [p["threshold"], p["threshold"]],
    )


def evaluate(con: duckdb.DuckDBPyConnection, checks: list[Check], as_of) -> dict[str, int]:
    """(Re)write `doubt` and `check_set`; returns the cases per check."""
    feeds = F.load()
    con.execute("drop table if exists doubt")
    con.execute("""create table doubt (
        doubt_key varchar, check_id varchar, household_id bigint, village_code varchar,
        members varchar, value double, threshold double, found_on date, detail varchar)""")
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    counts = {}
    for check in checks:
        table = feeds[check.feed].table
        if table not in tables:
            counts[check.id] = 0
            continue
        columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        sql, args = _sql(check, table, feeds[check.feed], columns)
        sql = sql.replace("$as_of", "?")
        args = ([as_of] if "year(?)" in sql else []) + args
        con.execute(
            f"""
            insert into doubt
            select ? || ':' || r.household_id, ?, r.household_id, h.village_code, r.members,
                   r.value, r.threshold, least(r.found_on, ?::date), r.detail
            from ({sql}) as r join household as h using (household_id)""",
            [check.id, check.id, as_of, *args],
        )
        counts[check.id] = con.execute(
            "select count(*) from doubt where check_id = ?", [check.id]
        ).fetchone()[0]
    con.execute(
        "create or replace table doubt as select * from doubt order by check_id, household_id"
    )
    con.execute(
        "create or replace table check_set as select ? as checks",
        [
            json.dumps(
                [{"id": c.id, "feed": c.feed, "zh": c.zh, "en": c.en} for c in checks],
                ensure_ascii=False,
            )
        ],
    )
    return counts
