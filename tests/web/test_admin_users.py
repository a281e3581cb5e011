"""/admin/users: the password policy in the user's language, a change of role or region
ends the account's sessions, and the access table bounds what an admin may touch."""

from __future__ import annotations

import pytest

from ops import audit, users
from tests.conftest import login

PASSWORD = "admin-test-pw-2026"


def _fire(client, trigger: str, state: dict):
    """Post the admin page's callback that ``trigger`` ("id.prop") sets off, as the
    browser does, with ``state`` {"id.prop": value}."""
    tid, tprop = trigger.split(".")
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(
        d for d in deps if any((i["id"], i["property"]) == (tid, tprop) for i in d["inputs"])
    )
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        oid, oprop = part.split(".", 1)
        outputs.append({"id": oid, "property": oprop.split("@")[0]})
    inputs = [
        {**i, "value": 1 if (i["id"], i["property"]) == (tid, tprop) else None}
        for i in dep["inputs"]
    ]
    states = [{**s, "value": state.get(f"{s['id']}.{s['property']}")} for s in dep["state"]]
    r = client.post(
        "/_dash-update-component",
        json={
            "output": dep["output"],
            "outputs": outputs,
            "inputs": inputs,
            "state": states,
            "changedPropIds": [trigger],
        },
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["response"]


def _alert(response) -> str:
    alert = response["admin-feedback"]["children"]
    return alert["props"]["children"]


@pytest.fixture
def target(server):
    """A fresh account and a browser logged in as it."""
    from web import context

    engine = context.ops()
    username = f"adm_target_{len(users.list_users(engine))}"
    users.create(engine, username, PASSWORD, "manager", "610924000000", 3)
    browser = server.test_client()
    assert login(browser, username, PASSWORD).status_code == 302
    return engine, username, browser


def _selected(username: str) -> dict:
    return {"admin-users-grid.selectedRows": [{"username": username}]}


@pytest.mark.parametrize(
    "password,message",
    [
        ("1234567890", "密码不能是连续的数字或字母"),
        ("aaaaaaaaaaaa", "密码不能是同一字符或一小段字符的重复"),
        ("password123", "该密码过于常见"),
        ("short", "密码至少需要 10 个字符"),
    ],
)
def test_a_reset_password_must_pass_the_policy(as_user, target, password, message):
    engine, username, browser = target
    admin = as_user("province_admin")
    out = _fire(
        admin, "admin-reset.n_clicks", {**_selected(username), "admin-new-password.value": password}
    )
    assert message in _alert(out)
    assert users.has_password(engine, username, PASSWORD)
    assert browser.get("/_dash-layout").status_code == 200


def test_a_reset_ends_the_sessions(as_user, target):
    engine, username, browser = target
    admin = as_user("province_admin")
    out = _fire(
        admin,
        "admin-reset.n_clicks",
        {**_selected(username), "admin-new-password.value": "reset-by-admin-2026"},
    )
    assert _alert(out) == f"已重置 {username} 的密码。"
    assert browser.get("/_dash-layout").status_code == 401
    assert admin.get("/_dash-layout").status_code == 200


def test_a_change_of_role_and_region_ends_the_sessions(as_user, target):
    engine, username, browser = target
    admin = as_user("province_admin")
    out = _fire(
        admin,
        "admin-update.n_clicks",
        {**_selected(username), "admin-role.value": "leader", "admin-region.value": "610900000000"},
    )
    assert _alert(out) == f"已修改 {username} 的角色和地区，其登录已结束。"
    user = users.get(engine, username)
    assert (user.role, user.region_code, user.department) == ("leader", "610900000000", None)
    assert browser.get("/_dash-layout").status_code == 401
    entry = audit.recent(engine, actor="province_admin", action="user_set_role")[0]
    assert (entry["target"], entry["outcome"]) == (username, "ok")
    # A refused change changes nothing.
    out = _fire(
        admin,
        "admin-update.n_clicks",
        {**_selected(username), "admin-role.value": "cadre", "admin-region.value": "610900000000"},
    )
    assert _alert(out) == "a cadre works at township or village level"
    assert users.get(engine, username).role == "leader"


def test_a_county_admin_stays_within_the_county(server, target):
    from web import context

    engine, username, browser = target
    users.create(context.ops(), f"{username}_adm", PASSWORD, "admin", "610924000000", 3)
    admin = server.test_client()
    assert login(admin, f"{username}_adm", PASSWORD).status_code == 302
    # Not to a unit outside the county,
    out = _fire(
        admin,
        "admin-update.n_clicks",
        {
            **_selected(username),
            "admin-role.value": "manager",
            "admin-region.value": "610900000000",
        },
    )
    assert _alert(out) == "该地区或账户不在您的辖区内，操作未执行。"
    # nor an account outside it.
    out = _fire(
        admin,
        "admin-reset.n_clicks",
        {**_selected("hanzhong_manager"), "admin-new-password.value": "reset-by-admin-2026"},
    )
    assert _alert(out) == "该地区或账户不在您的辖区内，操作未执行。"
    assert users.get(engine, username).region_code == "610924000000"
    assert browser.get("/_dash-layout").status_code == 200


def test_an_admin_changing_their_own_password_stays_logged_in(server):
    from web import context

    users.create(context.ops(), "self_admin", PASSWORD, "admin", "610924000000", 3)
    admin = server.test_client()
    assert login(admin, "self_admin", PASSWORD).status_code == 302
    out = _fire(
        admin,
        "admin-reset.n_clicks",
        {**_selected("self_admin"), "admin-new-password.value": "self-reset-2026"},
    )
    assert _alert(out) == "已重置 self_admin 的密码。"
    assert admin.get("/_dash-layout").status_code == 200


def test_an_admin_links_a_cadre_account_to_its_registry_cadre(as_user, server, wh):
    from access import Scope
    from services import field
    from web import context

    engine = context.ops()
    username = f"adm_pair_{len(users.list_users(engine))}"
    users.create(engine, username, PASSWORD, "cadre", "610924100000", 4)
    cadre_id, n = wh.execute(
        "select p.cadre_id, count(*) from pairing p join household h using (household_id) "
        "where p.end_date is null and h.township_code = '610924100000' group by 1 order by 1 "
        "limit 1"
    ).fetchone()
    admin = as_user("province_admin")
    out = _fire(
        admin,
        "admin-link-cadre.n_clicks",
        {**_selected(username), "admin-cadre-id.value": "99999999"},
    )
    assert _alert(out) == "该帮扶干部目前没有该账号辖区内的结对户，或该账号不做入户工作"
    out = _fire(admin, "admin-link-cadre.n_clicks", {"admin-cadre-id.value": str(cadre_id)})
    assert _alert(out) == "请先在表格中选择一个账户。"
    out = _fire(
        admin,
        "admin-link-cadre.n_clicks",
        {**_selected(username), "admin-cadre-id.value": str(cadre_id)},
    )
    assert _alert(out) == f"已将 {username} 关联到帮扶干部，其结对户 {n} 户。"
    assert field.my_cadre(engine, Scope(username, "cadre", "610924100000")) == cadre_id
    entry = audit.recent(engine, actor="province_admin", action="user_link_cadre")[0]
    assert entry["target"] == username


def test_the_page_renders_with_the_cadre_link(server):
    """The layout itself (a component's unknown property fails only when it is made)."""
    from pages import admin_users
    from tests.web.test_overview import _text, logged_in

    with logged_in(server, "province_admin"):
        text = _text(admin_users.layout())
    assert '"admin-link-cadre"' in text and '"admin-cadre-id"' in text and "关联帮扶干部" in text
