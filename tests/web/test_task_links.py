"""What an instruction may name, through the API and the dispatch form (issue #17): the
households it links must lie under the assignee unit, the assignee account must be of
that unit, active and able to work instructions; anything else is a 400 naming the
field, and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.web.test_overview import _text, logged_in

API = "/api/v1"
DEADLINE = (dt.date.today() + dt.timedelta(days=10)).isoformat()
CHENGGUAN = "610924100000"  # a township of Ziyang, Ankang


def _tasks() -> int:
    from ops.schema import tasks
    from web import context

    with context.ops().connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(tasks)).scalar()


@pytest.fixture(scope="module")
def homes(wh):
    """Two households of Chengguan township, and one of Xi'an."""
    inside = [
        h
        for (h,) in wh.execute(
            "select household_id from household where starts_with(village_code, '610924100') "
            "order by household_id limit 2"
        ).fetchall()
    ]
    xian = wh.execute(
        "select household_id from household where starts_with(village_code, '6101') limit 1"
    ).fetchone()[0]
    return inside, xian


def post(client, **over):
    return client.post(
        f"{API}/tasks",
        json={
            "title": "核实城关镇监测户收入",
            "assignee_region": CHENGGUAN,
            "deadline": DEADLINE,
            **over,
        },
    )


@pytest.fixture
def leader(server):
    c = server.test_client()
    login(c, "ankang_leader")
    return c


def test_the_api_refuses_households_outside_the_assignee_unit(leader, homes):
    inside, xian = homes
    before = _tasks()
    r = post(leader, households=[inside[0], xian])
    assert r.status_code == 400
    assert r.get_json()["fields"] == {"households": "关联户须是承办单位辖区内的农户。"}
    r = post(leader, assignee_region="610924101000", households=inside)  # another township
    assert r.get_json()["fields"] == {"households": "关联户须是承办单位辖区内的农户。"}
    assert _tasks() == before
    r = post(leader, households=inside)
    assert r.status_code == 201, r.get_data(as_text=True)
    from access import Scope
    from ops import tasks as T
    from web import context

    task = T.get(
        context.ops(), Scope("ankang_leader", "leader", "610900000000"), r.get_json()["id"]
    )
    assert sorted(int(x["ref"]) for x in task["links"] if x["kind"] == "household") == inside


@pytest.mark.parametrize(
    "username,message",
    [
        ("nobody_at_all", "承办人账号不存在或已停用。"),
        ("province_admin", "承办人须是承办单位本级的账号。"),  # outside the unit
        ("ziyang_manager", "承办人须是承办单位本级的账号。"),  # above it: not of the unit
    ],
)
def test_the_api_refuses_an_assignee_account_outside_the_unit(leader, username, message):
    before = _tasks()
    r = post(leader, assignee_user=username)
    assert (r.status_code, r.get_json()["fields"]) == (400, {"assignee_user": message})
    assert _tasks() == before


def test_the_api_assigns_an_account_of_the_unit(leader, server):
    r = post(leader, assignee_user="ziyang_cadre")
    assert r.status_code == 201 and r.get_json()["assignee_user"] == "ziyang_cadre"
    cadre = server.test_client()
    login(cadre, "ziyang_cadre")
    got = cadre.get(f"{API}/tasks/{r.get_json()['id']}").get_json()
    assert got["allowed_actions"] == ["acknowledge", "comment"]


def test_the_dispatch_form_refuses_forged_households(server, homes):
    """The form's hidden extras come from the browser: a household outside the unit is
    refused like a bad field, and nothing is written."""
    from pages import dispatch

    inside, xian = homes
    with logged_in(server, "ankang_leader"):
        before = _tasks()
        _, alert, _, _ = dispatch.submit(
            1,
            "核实",
            "",
            CHENGGUAN,
            DEADLINE,
            "other",
            "normal",
            {"households": [xian]},
            {"code": "610900000000"},
        )
        assert "关联户须是承办单位辖区内的农户" in _text(alert)
        assert _tasks() == before
        closed, _, _, alert = dispatch.submit(
            1,
            "核实",
            "",
            CHENGGUAN,
            DEADLINE,
            "other",
            "normal",
            {"households": inside},
            {"code": "610900000000"},
        )
        assert closed is False and _tasks() == before + 1
