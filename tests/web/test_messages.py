"""Refusals name their real reason (components/messages.py, access/): a page
closed to the user's role says so, not that the region is outside their scope."""

from __future__ import annotations

import json

import pytest

from access import AccessDenied, RoleDenied
from components import messages
from tests.web.test_overview import _text, logged_in

CADRE_ROLE = "无权访问：本页面或操作不向“帮扶干部”角色开放。"
OUTSIDE = "无权访问：该地区不在您的辖区范围内。"


def test_role_refusal_messages():
    assert messages.refusal_text(RoleDenied("cadre")) == CADRE_ROLE
    assert messages.refusal_text(AccessDenied("x is outside your region")) == OUTSIDE
    assert issubclass(RoleDenied, AccessDenied)  # every gate that refuses still refuses
    assert CADRE_ROLE in _text(messages.refusal(RoleDenied("cadre")))


@pytest.mark.parametrize("page", ["imports", "wall"])
def test_a_cadre_is_told_the_page_is_not_for_their_role(server, page):
    """ziyang_cadre opening /imports or /wall was told the region was outside their
    scope; the reason is their role."""
    import importlib

    module = importlib.import_module(f"pages.{page}")
    with logged_in(server, "ziyang_cadre"):
        text = _text(module.layout())
    assert CADRE_ROLE in text and "辖区" not in text
    with logged_in(server, "ziyang_cadre", lang="en"):
        text = _text(module.layout())
    assert "Not allowed: this page or action is not open to the Cadre role." in text


def test_admin_pages_name_the_role(server):
    from pages import admin_users, admin_wall

    with logged_in(server, "ziyang_manager"):
        assert "不向“管理人员”角色开放" in _text(admin_users.layout())
        assert "不向“管理人员”角色开放" in _text(admin_wall.layout())


def test_a_callback_refused_for_the_role_answers_403_naming_it(as_user):
    """A callback closed to the role (refreshing imports is for admins) goes through the
    server's AccessDenied handler: 403, with the role's message."""
    r = as_user("province_health").post(
        "/_dash-update-component",
        json={
            "output": "imp-refresh-result.children",
            "outputs": {"id": "imp-refresh-result", "property": "children"},
            "inputs": [{"id": "imp-refresh", "property": "n_clicks", "value": 1}],
            "state": [],
            "changedPropIds": ["imp-refresh.n_clicks"],
        },
    )
    assert r.status_code == 403
    assert r.get_json()["error"] == "无权访问：本页面或操作不向“行业部门”角色开放。"


def test_the_wall_account_elsewhere_is_refused_for_its_role(server):
    from access import current_scope

    with logged_in(server, "province_wall"):
        with pytest.raises(RoleDenied) as exc:
            current_scope()
    assert exc.value.role == "wall"
    assert json.dumps(messages.refusal_text(exc.value), ensure_ascii=False).count("大屏账号") == 1
