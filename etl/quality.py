"""Data-quality checks (config/quality.yaml): rows that load but break a policy rule, the
national system's 疑点数据.

Evaluated by the build and the registry load after the cross-checks (``evaluate``). Each
check is one SELECT over the warehouse returning the offending households (and members);
the results replace the tables ``quality_check`` (one row per check, with its count, or
why it could not be evaluated), ``quality_issue`` (one row per flagged household, or
member) and ``quality_rollup`` (issues by unit at every level and check, for the page).
Docs: docs/quality.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from etl import yamlconf
from etl.feeds import IDENT
from etl.rules import RulesError

QUALITY_FILE = Path(__file__).resolve().parent.parent / "config" / "quality.yaml"
KINDS = ("sql",)
SEVERITIES = (1, 2, 3)
CHECK_KEYS = {"id", "zh", "en", "severity", "kind", "description", "sql", "needs"}
REQUIRED = ("id", "zh", "en", "severity", "kind", "description", "sql")
ID = re.compile(r"Q\d{2,3}")
NEED = re.compile(rf"{IDENT.pattern}(\.{IDENT.pattern})?")
# What a check's SQL returns; household_id and detail are required.
COLUMNS = {
    "household_id": "bigint",
    "person_id": "bigint",
    "detail": "varchar",
    "detail_en": "varchar",
    "value": "double",
}


class QualityError(RulesError):
    """The checks file cannot be used; the message names the line and the reason. (A
    RulesError: the commands that report a bad rules file in one line report this too.)"""


@dataclass(frozen=True)
class Check:
    id: str
    zh: str
    en: str
    severity: int
    kind: str
    description_zh: str
    description_en: str
    sql: str
    needs: tuple[str, ...]
    line: int


def _fail(node, reason: str, name: str):
    yamlconf.fail(node, reason, name, QualityError)


def _text(node, name: str, what: str) -> str:
    value = yamlconf.scalar(node, name, str, what, QualityError).strip()
    if not value:
        _fail(node, f"{what} is empty", name)
    return value


def parse(text: str, name: str = "quality.yaml") -> list[Check]:
    """The checks of a checks file, or QualityError with the line of the first problem."""
    root = yamlconf.compose(text, name, QualityError)
    if not isinstance(root, yaml.MappingNode):
        raise QualityError(f"{name} line 1: the file must be a mapping with version and checks")
    top = yamlconf.mapping(root)
    for key in ("version", "checks"):
        if key not in top:
            raise QualityError(f"{name} line 1: `{key}` is missing")
    unknown = sorted(set(top) - {"version", "checks"})
    if unknown:
        _fail(top[unknown[0]][0], f"unknown key `{unknown[0]}`", name)
    yamlconf.scalar(top["version"][1], name, int, "version", QualityError)
    node = top["checks"][1]
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        _fail(node, "checks must be a non-empty list", name)
    checks, seen = [], set()
    for item in node.value:
        check = _check(item, name)
        if check.id in seen:
            _fail(item, f"check id `{check.id}` is used twice", name)
        seen.add(check.id)
        checks.append(check)
    return checks


def _check(node, name: str) -> Check:
    if not isinstance(node, yaml.MappingNode):
        _fail(node, "each check must be a mapping", name)
    m = yamlconf.mapping(node)
    missing = [k for k in REQUIRED if k not in m]
    if missing:
        _fail(node, f"check is missing `{missing[0]}`", name)
    extra = sorted(set(m) - CHECK_KEYS)
    if extra:
        _fail(m[extra[0]][0], f"unknown key `{extra[0]}`", name)
    cid = _text(m["id"][1], name, "id")
    if not ID.fullmatch(cid):
        _fail(m["id"][1], "id must be Q and two or three digits (Q01)", name)
    severity = yamlconf.scalar(m["severity"][1], name, int, "severity", QualityError)
    if severity not in SEVERITIES:
        _fail(m["severity"][1], "severity must be 1, 2 or 3", name)
    kind = _text(m["kind"][1], name, "kind")
    if kind not in KINDS:
        _fail(m["kind"][1], f"unknown kind `{kind}` (known: {', '.join(KINDS)})", name)
    desc = m["description"][1]
    if not isinstance(desc, yaml.MappingNode) or set(yamlconf.mapping(desc)) != {"zh", "en"}:
        _fail(desc, "description must have zh and en", name)
    dm = yamlconf.mapping(desc)
    needs: list[str] = []
    if "needs" in m:
        nn = m["needs"][1]
        if not isinstance(nn, yaml.SequenceNode):
            _fail(nn, "needs must be a list of table or table.column names", name)
        for n in nn.value:
            need = _text(n, name, "needs")
            if not NEED.fullmatch(need):
                _fail(n, f"`{need}` is not a table or table.column name", name)
            needs.append(need)
    sql_node = m["sql"][1]
    sql = _text(sql_node, name, "sql")
    _one_select(sql, sql_node, name)
    return Check(
        cid,
        _text(m["zh"][1], name, "zh"),
        _text(m["en"][1], name, "en"),
        severity,
        kind,
        _text(dm["zh"][1], name, "description.zh"),
        _text(dm["en"][1], name, "description.en"),
        sql,
        tuple(needs),
        node.start_mark.line + 1,
    )


def _one_select(sql: str, node, name: str) -> None:
    """A check's SQL is read, never run, here: it must be exactly one SELECT (nothing
    that writes), whatever the warehouse."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        _fail(node, f"sql does not parse ({str(exc).splitlines()[0][:120]})", name)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        _fail(node, "sql must be exactly one SELECT statement", name)


def load(path: Path | None = None) -> list[Check]:
    """The checks in force (config/quality.yaml unless ``path``), checked line by line."""
    path = path or QUALITY_FILE
    return parse(yamlconf.read(path, QualityError, "quality checks file"), path.name)


# ------------------------------------------------------------------ evaluation
def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """table -> its columns, for the tables and views of the warehouse."""
    out: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main'"
    ).fetchall():
        out.setdefault(table, set()).add(column)
    return out


def missing_needs(check: Check, columns: dict[str, set[str]]) -> list[str]:
    """What the check needs that the warehouse lacks (table, or table.column)."""
    out = []
    for need in check.needs:
        table, _, column = need.partition(".")
        if table not in columns or (column and column not in columns[table]):
            out.append(need)
    return out


def not_evaluable(missing: list[str]) -> str:
    """Why a check was skipped: "not evaluable: column monitoring.notice_end_date missing"."""
    kind = (
        "column"
        if all("." in m for m in missing)
        else "table"
        if not any("." in m for m in missing)
        else "table or column"
    )
    return f"not evaluable: {kind}{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing"


def _returns(con, check: Check) -> list[str]:
    """The columns the check's SQL returns. A table or column it reads that the
    warehouse lacks and ``needs`` does not name is an error in the checks file: the load
    stops (and the warehouse stays as it was) rather than report a wrong zero. (DuckDB
    aborts the caller's transaction on a failed statement, so it cannot be skipped.)"""
    try:
        described = con.execute(f"describe ({check.sql})").fetchall()
    except duckdb.Error as exc:
        raise QualityError(
            f"check {check.id} (line {check.line}) cannot run: "
            f"{str(exc).splitlines()[0][:300]} (a table or column the "
            "warehouse may lack belongs in its `needs`)"
        ) from None
    names = [r[0] for r in described]
    for required in ("household_id", "detail"):
        if required not in names:
            raise QualityError(
                f"check {check.id} (line {check.line}): its sql returns no `{required}` column"
            )
    return names


def evaluate(con: duckdb.DuckDBPyConnection, checks: list[Check], as_of: dt.date) -> dict[str, int]:
    """(Re)write quality_check, quality_issue and quality_rollup; returns the issues per
    evaluable check. Runs on the caller's writable connection (inside its transaction,
    if any); a check that cannot be evaluated here is recorded as such, not as zero."""
    con.execute("set variable as_of = ?::date", [as_of])
    columns = _columns(con)
    con.execute("""create or replace table quality_issue (
        issue_key varchar, check_id varchar, household_id bigint, person_id bigint,
        village_code varchar, township_code varchar, county_code varchar, city_code varchar,
        detail varchar, detail_en varchar, value double)""")
    con.execute("""create or replace temp table quality_result (
        id varchar, evaluable boolean, missing varchar, reason varchar, count bigint)""")
    counts: dict[str, int] = {}
    for check in checks:
        missing = missing_needs(check, columns)
        if missing:
            con.execute(
                "insert into quality_result values (?, false, ?, ?, null)",
                [check.id, ", ".join(missing), not_evaluable(missing)],
            )
            continue
        n = _insert_issues(con, check)
        counts[check.id] = n
        con.execute("insert into quality_result values (?, true, null, null, ?)", [check.id, n])
    con.execute(
        "create or replace table quality_issue as select * from quality_issue "
        "order by check_id, household_id, person_id nulls first"
    )
    _write_quality_check(con, checks)
    _rollup(con)
    con.execute("drop table quality_meta")
    con.execute("drop table quality_result")
    return counts


def _insert_issues(con: duckdb.DuckDBPyConnection, check: Check) -> int:
    """Run one evaluable check into quality_issue, its result shaped to COLUMNS and
    joined to the household's units; returns the number of issues it found."""
    names = _returns(con, check)
    shaped = ", ".join(
        f"{c}::{t} as {c}" if c in names else f"null::{t} as {c}" for c, t in COLUMNS.items()
    )
    try:
        # At most one issue per household and member, whatever the SQL returns.
        con.execute(
            f"""
                insert into quality_issue
                with r as (
                    select distinct on (household_id, person_id) *
                    from (select {shaped} from ({check.sql})) as r
                    order by household_id, person_id, detail, value
                )
                select ? || ':' || r.household_id || coalesce(':' || r.person_id, ''), ?,
                       r.household_id, r.person_id, h.village_code, h.township_code,
                       h.county_code, h.city_code, r.detail, coalesce(r.detail_en, r.detail),
                       r.value
                from r join household as h on h.household_id = r.household_id""",
            [check.id, check.id],
        )
    except duckdb.Error as exc:
        raise QualityError(
            f"check {check.id} (line {check.line}) failed: {str(exc).splitlines()[0][:300]}"
        ) from None
    return con.execute(
        "select count(*) from quality_issue where check_id = ?", [check.id]
    ).fetchone()[0]


def _write_quality_check(con: duckdb.DuckDBPyConnection, checks: list[Check]) -> None:
    """The quality_check table: every check's texts, SQL and needs (staged in the temp
    table quality_meta) with its result from quality_result."""
    rows = [
        (c.id, c.zh, c.en, c.severity, c.description_zh, c.description_en, c.sql, list(c.needs))
        for c in checks
    ]
    con.execute("""create or replace temp table quality_meta (
        id varchar, zh varchar, en varchar, severity tinyint, description varchar,
        description_en varchar, sql varchar, needs varchar[])""")
    if rows:
        con.executemany("insert into quality_meta values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("""create or replace table quality_check as
        select m.id, m.zh, m.en, m.severity, m.description, m.description_en,
               r.evaluable, r.missing, r.reason, r.count, m.needs, m.sql
        from quality_meta as m join quality_result as r using (id)
        order by m.id""")


def _rollup(con: duckdb.DuckDBPyConnection) -> None:
    """Issues by unit (every level) and check ('' for all checks), with the unit's
    households as the denominator: the page's counts are key lookups. A household lies
    in one village, so distinct households add up from villages to any unit above."""
    con.execute("""create or replace table quality_rollup as
        with by_village as (
            select village_code, coalesce(check_id, '') as check_id, count(*) as issues,
                   count(distinct household_id) as flagged
            from quality_issue
            group by grouping sets ((village_code, check_id), (village_code))
        ),
        households as (
            select village_code, count(*) as households from household group by village_code
        ),
        up_issues as (
            select unnest([left(village_code, 2) || '0000000000',
                           left(village_code, 4) || '00000000',
                           left(village_code, 6) || '000000', left(village_code, 9) || '000',
                           village_code]) as code, check_id, issues, flagged
            from by_village
        ),
        up_households as (
            select unnest([left(village_code, 2) || '0000000000',
                           left(village_code, 4) || '00000000',
                           left(village_code, 6) || '000000', left(village_code, 9) || '000',
                           village_code]) as code, households
            from households
        ),
        unit_issues as (
            select code, check_id, sum(issues) as issues, sum(flagged) as flagged
            from up_issues group by code, check_id
        ),
        unit_households as (
            select code, sum(households) as households from up_households group by code
        ),
        rows as (
            select code, check_id, issues, flagged from unit_issues
            union all
            -- Every unit has its all-checks row, zero when nothing was found.
            select r.code, '', 0, 0 from region as r
            where r.code not in (select code from unit_issues where check_id = '')
        )
        select r.code as region_code, g.level, r.check_id,
               coalesce(h.households, 0)::bigint as households, r.issues::bigint as issues,
               r.flagged::bigint as households_flagged,
               case when coalesce(h.households, 0) > 0
                    then 1000.0 * r.issues / h.households end as per_1000
        from rows as r
        join region as g on g.code = r.code
        left join unit_households as h on h.code = r.code
        order by region_code, check_id""")
