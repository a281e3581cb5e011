"""Early-warning rules: read the rules file, check it line by line, evaluate it over every
household, and score each household with the rules that fired.

The file (config/rules.yaml) names for each rule a `kind` from KINDS; each kind is a SQL
file under etl/sql/rules/ whose thresholds come from the rule's `params`, always bound as
parameters. Nothing in the rules file is ever formatted into SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from domain.codes import CODES
from etl import yamlconf

RULES_FILE = Path(__file__).resolve().parent.parent / "config" / "rules.yaml"
SQL_DIR = Path(__file__).resolve().parent / "sql" / "rules"
# kind -> the params it needs, each with its type.
KINDS: dict[str, dict[str, type]] = {
    "medical_out_of_pocket": {"exited_threshold": float, "other_threshold": float},
    "education_costs": {"threshold": float},
    "school_dropout": {},
    "disaster_loss": {"threshold": float},
    "income_below_line": {"ratio": float},
    "wage_drop": {"drop": float, "min_wages": float},
    "worker_death": {},
    "housing_unsafe": {"grades": list},
    "water_unsafe": {},
}
RULE_KEYS = {"id", "name", "source", "kind", "params", "risk_type", "severity", "weight"}
ID = re.compile(r"[a-z][a-z0-9_]{1,39}")


class RulesError(ValueError):
    """The rules file cannot be used; the message names the line and the reason."""


@dataclass(frozen=True)
class Rule:
    id: str
    name_zh: str
    name_en: str
    source: str
    kind: str
    params: dict
    risk_type: int
    severity: int
    weight: float
    line: int


@dataclass(frozen=True)
class RuleSet:
    version: int
    lookback_months: int
    rules: tuple[Rule, ...]
    text: str


def _fail(node, reason: str, name: str):
    yamlconf.fail(node, reason, name, RulesError)


_mapping = yamlconf.mapping


def _scalar(node, name, kind: type, what: str):
    return yamlconf.scalar(node, name, kind, what, RulesError)


def parse(text: str, name: str = "rules.yaml") -> RuleSet:
    """A checked RuleSet, or RulesError with the line and reason of the first problem."""
    root = yamlconf.compose(text, name, RulesError)
    if not isinstance(root, yaml.MappingNode):
        raise RulesError(
            f"{name} line 1: the file must be a mapping with version, lookback_months and rules"
        )
    top = _mapping(root)
    for key in ("version", "lookback_months", "rules"):
        if key not in top:
            raise RulesError(f"{name} line 1: `{key}` is missing")
    unknown = set(top) - {"version", "lookback_months", "rules"}
    if unknown:
        _fail(top[sorted(unknown)[0]][0], f"unknown key `{sorted(unknown)[0]}`", name)
    version = _scalar(top["version"][1], name, int, "version")
    lookback = _scalar(top["lookback_months"][1], name, int, "lookback_months")
    if not 1 <= lookback <= 60:
        _fail(top["lookback_months"][1], "lookback_months must be between 1 and 60", name)
    rules_node = top["rules"][1]
    if not isinstance(rules_node, yaml.SequenceNode) or not rules_node.value:
        _fail(rules_node, "rules must be a non-empty list", name)
    rules, seen = [], set()
    for node in rules_node.value:
        rule = _rule(node, name)
        if rule.id in seen:
            _fail(node, f"rule id `{rule.id}` is used twice", name)
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(version, lookback, tuple(rules), text)


def _rule(node, name: str) -> Rule:
    if not isinstance(node, yaml.MappingNode):
        _fail(node, "each rule must be a mapping", name)
    m = _mapping(node)
    missing = sorted(RULE_KEYS - set(m))
    if missing:
        _fail(node, f"rule is missing `{missing[0]}`", name)
    extra = sorted(set(m) - RULE_KEYS)
    if extra:
        _fail(m[extra[0]][0], f"unknown key `{extra[0]}`", name)
    rule_id = _scalar(m["id"][1], name, str, "id")
    if not ID.fullmatch(rule_id):
        _fail(m["id"][1], "id must be 2-40 lower-case letters, digits or _", name)
    names = m["name"][1]
    if not isinstance(names, yaml.MappingNode) or set(_mapping(names)) != {"zh", "en"}:
        _fail(names, "name must have zh and en", name)
    nm = _mapping(names)
    kind = _scalar(m["kind"][1], name, str, "kind")
    if kind not in KINDS:
        _fail(m["kind"][1], f"unknown kind `{kind}` (known: {', '.join(KINDS)})", name)
    params = _rule_params(m["params"][1], kind, name)
    risk, severity, weight = _rule_scoring(m, name)
    return Rule(
        rule_id,
        _scalar(nm["zh"][1], name, str, "name.zh"),
        _scalar(nm["en"][1], name, str, "name.en"),
        _scalar(m["source"][1], name, str, "source"),
        kind,
        params,
        risk,
        severity,
        weight,
        node.start_mark.line + 1,
    )


def _rule_params(params_node, kind: str, name: str) -> dict:
    """The rule's params: exactly those its kind needs, each of the right type (a
    non-empty list of strings, or a number not below zero)."""
    if not isinstance(params_node, yaml.MappingNode):
        _fail(params_node, "params must be a mapping", name)
    pm = _mapping(params_node)
    params = {}
    for key, kind_type in KINDS[kind].items():
        if key not in pm:
            _fail(params_node, f"kind {kind} needs the param `{key}`", name)
        value_node = pm[key][1]
        if kind_type is list:
            if not isinstance(value_node, yaml.SequenceNode) or not value_node.value:
                _fail(value_node, f"`{key}` must be a non-empty list", name)
            params[key] = [str(_scalar(v, name, str, key)) for v in value_node.value]
        else:
            value = _scalar(value_node, name, float, key)
            if value < 0:
                _fail(value_node, f"`{key}` cannot be negative", name)
            params[key] = value
    extra = sorted(set(pm) - set(KINDS[kind]))
    if extra:
        _fail(pm[extra[0]][0], f"kind {kind} has no param `{extra[0]}`", name)
    return params


def _rule_scoring(m: dict, name: str) -> tuple[int, int, float]:
    """The rule's risk type (a code of the risk table), severity (1-3) and weight
    (above 0, at most 1)."""
    risk = _scalar(m["risk_type"][1], name, int, "risk_type")
    if risk not in CODES["risk"]:
        _fail(m["risk_type"][1], f"risk_type {risk} is not in the risk code table", name)
    severity = _scalar(m["severity"][1], name, int, "severity")
    if severity not in (1, 2, 3):
        _fail(m["severity"][1], "severity must be 1, 2 or 3", name)
    weight = _scalar(m["weight"][1], name, float, "weight")
    if not 0 < weight <= 1:
        _fail(m["weight"][1], "weight must be more than 0 and at most 1", name)
    return risk, severity, weight


def load(path: Path = RULES_FILE) -> RuleSet:
    return parse(yamlconf.read(path, RulesError, "rules file"), path.name)


def evaluate(con, rule_set: RuleSet, as_of: dt.date) -> dict[str, int]:
    """(Re)write the warnings, the household risk scores and the rules in force.

    Runs inside the caller's transaction on a writable warehouse connection; returns the
    number of warnings per rule.
    """
    since = _months_before(as_of, rule_set.lookback_months)
    con.execute("drop table if exists warning")
    con.execute("""create table warning (
        warning_id bigint, rule_id varchar, rule_version integer, household_id bigint,
        village_code varchar, risk_type tinyint, severity tinyint, weight double,
        value double, threshold double, warned_on date, detail varchar)""")
    counts = {}
    for rule in rule_set.rules:
        counts[rule.id] = _insert_warnings(con, rule, rule_set.version, since, as_of)
    _number_warnings(con)
    _write_household_risk(con)
    _write_rule_set(con, rule_set)
    return counts


def _insert_warnings(con, rule: Rule, version: int, since: dt.date, as_of: dt.date) -> int:
    """Run one rule's SQL over the lookback window (``since`` to ``as_of``) into the
    warning table; returns the number of warnings it raised."""
    sql = (SQL_DIR / f"{rule.kind}.sql").read_text(encoding="utf-8")
    params = {"since": since, "as_of": as_of, **rule.params}
    con.execute(
        f"""
            insert into warning
            select null, $rule_id, $version, r.household_id, h.village_code, $risk_type,
                   $severity, $weight, r.value, r.threshold, r.warned_on, r.detail
            from ({sql}) as r
            join household as h using (household_id)""",
        {
            **{k: v for k, v in params.items() if f"${k}" in sql},
            "rule_id": rule.id,
            "version": version,
            "risk_type": rule.risk_type,
            "severity": rule.severity,
            "weight": rule.weight,
        },
    )
    return con.execute("select count(*) from warning where rule_id = ?", [rule.id]).fetchone()[0]


def _number_warnings(con) -> None:
    """Number the warnings in a stable order, oldest first, every column that can differ
    settling ties, so two builds of the same data number them alike."""
    con.execute("""create or replace table warning as
        select row_number() over (order by warned_on, household_id, rule_id, value,
                                  detail)::bigint
               as warning_id, * exclude (warning_id)
        from warning order by warning_id""")


def _write_household_risk(con) -> None:
    """The household risk table: a score combining the weights of the rules that
    fired, their number, and the factors (rule, weight, value, threshold)."""
    con.execute("""create or replace table household_risk as
        select household_id, any_value(village_code) as village_code,
               round(100 * (1 - product(1 - weight)), 1) as score,
               count(*)::integer as rules_fired,
               to_json(list({'rule': rule_id, 'weight': weight, 'value': value,
                             'threshold': threshold} order by weight desc, rule_id, value,
                                                             threshold))::varchar
                   as factors
        from warning group by household_id order by household_id""")


def _write_rule_set(con, rule_set: RuleSet) -> None:
    """The rules in force: version, lookback, the rules as JSON and the file's text."""
    con.execute(
        "create or replace table rule_set as select ? as version, ? as lookback_months, "
        "? as rules, ? as text",
        [
            rule_set.version,
            rule_set.lookback_months,
            json.dumps(
                [
                    {
                        "id": r.id,
                        "zh": r.name_zh,
                        "en": r.name_en,
                        "kind": r.kind,
                        "risk_type": r.risk_type,
                        "severity": r.severity,
                        "weight": r.weight,
                        "params": r.params,
                    }
                    for r in rule_set.rules
                ],
                ensure_ascii=False,
            ),
            rule_set.text,
        ],
    )


def _months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, 1)
