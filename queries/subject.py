"""A department account's subject: what its own data raises, and nothing else.

A department (police, medins, ...) sends feeds (config/departments.yaml: feed ->
department). Its subject is

- the cross-checks over its feeds (the checks in force, ``check_set``: each names its
  feed), and the cases (疑点) they raise;
- the early-warning rules whose evidence is one of its feeds' tables (the rules in force,
  ``rule_set``: each rule's ``source`` is a table, ``dept_death`` is the death feed's),
  and the warnings they raise;
- the households behind those cases and warnings (masked: a department never sees full
  ID or phone numbers).

The lists come from the warehouse's own record of the checks and rules it was evaluated
with, so a changed rules file cannot widen or narrow what a department saw of a build.
The query runner binds them as ``$_scope_checks`` and ``$_scope_rules`` to every query
that declares ``-- subject: filtered``; a department runs no other query (deny by
default). A department with no feed (health) has an empty subject: empty lists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Subject:
    """What one department's data raises in one build of the warehouse."""

    department: str
    feeds: tuple[str, ...]
    checks: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """No feed, or feeds that no check or rule reads: nothing to show."""
        return not self.checks and not self.rules


@dataclass(frozen=True)
class SubjectMap:
    """Which department each check and each rule in force belongs to (None: the rule's
    evidence is the registry, no department's)."""

    feed_department: dict[str, str]
    check_department: dict[str, str]
    rule_department: dict[str, str | None]

    def subject(self, department: str) -> Subject:
        return Subject(
            department,
            tuple(f for f, d in self.feed_department.items() if d == department),  # file order
            tuple(sorted(c for c, d in self.check_department.items() if d == department)),
            tuple(sorted(r for r, d in self.rule_department.items() if d == department)),
        )

    def departments_of(self, checks=(), rules=()) -> frozenset[str]:
        """The departments whose data raised these checks' cases and rules' warnings."""
        found = {self.check_department.get(c) for c in checks} | {
            self.rule_department.get(r) for r in rules
        }
        return frozenset(d for d in found if d)


def load_map(con: duckdb.DuckDBPyConnection) -> SubjectMap:
    """The map for the warehouse ``con`` reads (a build without cross-checks or rules
    gives departments no checks or no rules, never everything)."""
    from etl import feeds as F
    from etl import rules as R

    feeds = F.load()
    feed_department = {f.id: f.department for f in feeds.values()}
    table_department = {f.table: f.department for f in feeds.values()}
    checks: dict[str, str] = {}
    try:
        row = con.execute("select checks from check_set").fetchone()
    except duckdb.CatalogException:
        row = None
    for c in json.loads(row[0]) if row and row[0] else []:
        if c.get("feed") in feed_department:
            checks[str(c["id"])] = feed_department[c["feed"]]
    rules: dict[str, str | None] = {}
    try:
        row = con.execute("select text from rule_set").fetchone()
    except duckdb.CatalogException:
        row = None
    if row and row[0]:
        for r in R.parse(row[0], "rule_set").rules:
            rules[r.id] = table_department.get(r.source)
    return SubjectMap(feed_department, checks, rules)
