"""Every registered query, run as a department account: refused unless it declares the
subject, and then nothing outside the department's checks, rules and households."""

from __future__ import annotations

import pytest

from access import AccessDenied, Scope
from queries.runner import QUERIES
from tests.queries.test_scope_leak import (  # noqa: F401 - fixtures
    _calls,
    household_samples,
    wh,
    wh_con,
)

POLICE = Scope("province_police", "department", "610000000000", "police")
HEALTH = Scope("province_health", "department", "610000000000", "health")
CHECKS, RULES = {"private_vehicle", "deceased_member"}, {"main_worker_died"}


@pytest.fixture(scope="module")
def police_households(wh_con) -> set[int]:  # noqa: F811
    return {
        r[0]
        for r in wh_con.execute(
            "select household_id from doubt where check_id in ('private_vehicle', "
            "'deceased_member') union select household_id from warning where rule_id = "
            "'main_worker_died'"
        ).fetchall()
    }


@pytest.mark.parametrize("name", sorted(n for n, q in QUERIES.items() if not q.public))
def test_a_department_runs_only_what_declares_its_subject(wh, police_households, name):  # noqa: F811
    query = QUERIES[name]
    calls = _calls(query)
    if query.subject is None:
        with pytest.raises(AccessDenied, match="not within a department's subject"):
            wh.run(name, POLICE, fragments=calls[0][0], **calls[0][1])
        return
    for fragments, params in calls:
        df = wh.run(name, POLICE, fragments=fragments, **params)
        if "check_id" in df.columns:
            assert set(df["check_id"]) <= CHECKS, name
        if "rule_id" in df.columns:
            assert set(df["rule_id"]) <= RULES, name
        if "household_id" in df.columns:
            assert set(df["household_id"]) <= police_households, name
        if query.subject == "filtered":  # a department without feeds: nothing at all
            none = wh.run(name, HEALTH, fragments=fragments, **params)
            for col in ("check_id", "rule_id", "household_id"):
                assert col not in none.columns or none[col].empty, (name, col)
            for col in ("cases", "undecided", "warnings", "households", "open_households"):
                assert col not in none.columns or (none[col].fillna(0) == 0).all(), (name, col)


def test_a_department_account_without_a_department_gets_nothing(wh):  # noqa: F811
    nobody = Scope("x", "department", "610000000000", None)
    with pytest.raises(AccessDenied, match="without a department"):
        wh.run("doubt_list", nobody, unit_prefix="61", check="", decided=[], limit=10)
    with pytest.raises(AccessDenied, match="without a department"):
        wh.run("region_get", nobody, code="610000000000")
