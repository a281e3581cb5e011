"""User administration (/admin/users): admins manage the accounts of their region and below.

Every check asks the access table ("users.admin", on the region of the account touched and
of the region it is given). A password set here passes the one policy
(``users.password_problem``) and its refusal is said in the user's language. A reset, a
disable and a change of role or region end the account's sessions (ops/users.py).
"""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, html
from flask_login import login_user

from access import AccessDenied, Resource, Scope, can, current_scope, prefix_of
from components import messages, tables, units
from domain.codes import CODES
from etl.refdata import region_levels, region_names
from i18n import N_, get_lang, t
from ops import users
from services import field as field_work
from services import users as user_admin
from services.sessions import PROBLEM_MESSAGES
from web import context
from web.auth import client_ip

dash.register_page(
    __name__,
    path="/admin/users",
    name="admin_users",
    title="精准 · 用户管理",
    nav={"label": N_("nav.admin_users"), "order": 90},
    access="users.admin",
)

FIELDS = ("username", "display_name", "password", "role", "region", "department")
COLUMN_LABEL = {
    "username": N_("admin.col.username"),
    "display_name": N_("admin.col.display_name"),
    "role": N_("admin.col.role"),
    "region": N_("admin.col.region"),
    "department": N_("admin.col.department"),
    "state": N_("admin.col.state"),
}
DONE = {
    "user_set_password": N_("admin.done.user_set_password"),
    "user_enable": N_("admin.done.user_enable"),
    "user_disable": N_("admin.done.user_disable"),
}


ACTION = "users.admin"


def _admin_scope():
    """The admin's scope; everyone else is refused here and in every callback."""
    return current_scope(ACTION)


def _may_manage(scope, region: str | None) -> bool:
    """The admin may manage accounts of ``region`` (a unit within their scope)."""
    return bool(region) and can(scope, ACTION, Resource(region=region))


def _refusal(exc: users.UserError) -> str:
    """A refusal in the user's language where it has a translation (the password
    policy), else the message itself."""
    if isinstance(exc, users.PasswordRefused):
        return t(PROBLEM_MESSAGES[exc.problem], min=users.MIN_PASSWORD, max=users.MAX_PASSWORD)
    return str(exc)


def _refresh_own_session(scope, username: str) -> None:
    """A change to the admin's own account ended their sessions too: this one is
    issued again (unless the account was disabled)."""
    if username == scope.username:
        user = users.get(context.ops(), username)
        if user is not None and user.active:
            login_user(user)


def department_name(key: str | None) -> str:
    """A department by its name in the current language (the key only if unknown)."""
    if not key:
        return ""
    names = CODES["department"].get(key)
    return names[0 if get_lang() == "zh" else 1] if names else key


def _rows(scope) -> list[dict]:
    return [
        {
            "username": u.username,
            "display_name": u.display_name,
            "role": messages.role_name(u.role),
            "region": units.unit_label(u.region_code, region_names()),
            "department": department_name(u.department),
            "state": t("admin.active") if u.active else t("admin.disabled"),
        }
        for u in users.list_users(context.ops(), prefix_of(scope.region_code))
    ]


def _grid(scope):
    columns = [
        {"field": f, "headerName": t(COLUMN_LABEL[f]), "flex": 1}
        for f in ("username", "display_name", "role", "region", "department", "state")
    ]
    g = tables.grid("admin-users-grid", columns, _rows(scope), height=360, lang=get_lang())
    g.dashGridOptions = {
        **g.dashGridOptions,
        "rowSelection": {"mode": "singleRow", "checkboxes": True},
    }
    g.getRowId = "params.data.username"
    return g


def _account_actions(scope):
    """The accounts' grid with the actions on the one selected: a new password, disable,
    enable, and the change of role below."""
    return dmc.Paper(
        withBorder=True,
        p="md",
        mb="md",
        children=[
            _grid(scope),
            dmc.Group(
                mt="sm",
                children=[
                    dmc.PasswordInput(
                        id="admin-new-password", w=240, placeholder=t("admin.new_password")
                    ),
                    dmc.Button(t("admin.reset_password"), id="admin-reset", variant="light"),
                    dmc.Button(
                        t("admin.disable"), id="admin-disable", color="red", variant="light"
                    ),
                    dmc.Button(
                        t("admin.enable"), id="admin-enable", color="green", variant="light"
                    ),
                ],
            ),
            dmc.Button(t("admin.update_role"), id="admin-update", variant="subtle", mt="xs"),
            dmc.Group(
                mt="sm",
                children=[
                    dmc.TextInput(
                        id="admin-cadre-id",
                        w=240,
                        placeholder=t("admin.cadre_id"),
                        inputProps={"inputMode": "numeric"},
                    ),
                    dmc.Button(t("admin.link_cadre"), id="admin-link-cadre", variant="light"),
                ],
            ),
        ],
    )


def _account_fields(scope) -> list:
    """The fields of an account: name, password, role, region (and village), department."""
    roles = [{"value": r, "label": messages.role_name(r)} for r in users.ROLES]
    lang = 0 if get_lang() == "zh" else 1
    departments = [{"value": k, "label": v[lang]} for k, v in CODES["department"].items()]
    return [
        dmc.TextInput(id="admin-username", label=t("admin.col.username")),
        dmc.TextInput(id="admin-display_name", label=t("admin.col.display_name")),
        dmc.PasswordInput(id="admin-password", label=t("login.password")),
        dmc.Select(id="admin-role", label=t("admin.col.role"), data=roles),
        dmc.Select(
            id="admin-region",
            label=t("admin.col.region"),
            data=region_options(scope),
            value=scope.region_code,
            searchable=True,
            allowDeselect=False,
            limit=100,
            nothingFoundMessage=t("task.filter.nothing"),
        ),
        dmc.Select(
            id="admin-village",
            label=t("admin.col.village"),
            data=_villages(scope, scope.region_code),
            searchable=True,
            clearable=True,
            placeholder=t("admin.village_placeholder"),
            limit=100,
            nothingFoundMessage=t("task.filter.nothing"),
        ),
        dmc.Select(
            id="admin-department",
            label=t("admin.col.department"),
            clearable=True,
            data=departments,
        ),
    ]


def _create_form(scope):
    """The form that creates an account (its fields also give the selected one a role)."""
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(t("admin.create"), order=4, mb="sm"),
            dmc.SimpleGrid(cols={"base": 1, "md": 3}, children=_account_fields(scope)),
            dmc.Button(t("admin.create"), id="admin-create", mt="md"),
        ],
    )


def layout(**_):
    try:
        scope = _admin_scope()
    except AccessDenied as exc:
        return messages.refusal(exc)
    return html.Div(
        className="jz-page",
        children=[
            dmc.Title(t("admin.title"), order=2, mb="sm"),
            dmc.Text(
                t("admin.scope_note", region=units.unit_label(scope.region_code, region_names())),
                size="sm",
                c="dimmed",
                mb="md",
            ),
            html.Div(id="admin-feedback"),
            _account_actions(scope),
            _create_form(scope),
        ],
    )


def region_options(scope) -> list[dict]:
    """The units an account may be given, by name: the admin's unit and those below it
    down to townships (villages come from the second select, for the township picked)."""
    return units.unit_options(scope, 4, names=region_names(), levels=region_levels())


@callback(
    Output("admin-village", "data"),
    Output("admin-village", "value"),
    Input("admin-region", "value"),
    prevent_initial_call=True,
)
def villages(region):
    """The villages of the township picked (none for a unit above townships)."""
    return _villages(_admin_scope(), region), None


def _villages(scope, region) -> list[dict]:
    if (
        not units.is_unit(region, region_levels())
        or not _may_manage(scope, region)
        or region_levels().get(region) != 4
    ):
        return []
    return units.unit_options(scope, 5, region, names=region_names(), levels=region_levels())[1:]


def _alert(message: str, ok: bool):
    return dmc.Alert(
        message, color="green" if ok else "red", variant="light", mb="md", withCloseButton=True
    )


@callback(
    Output("admin-feedback", "children", allow_duplicate=True),
    Output("admin-users-grid", "rowData", allow_duplicate=True),
    Input("admin-create", "n_clicks"),
    *[State(f"admin-{f}", "value") for f in FIELDS],
    State("admin-village", "value"),
    prevent_initial_call=True,
)
def create(_n, username, display_name, password, role, region, department, village=None):
    scope = _admin_scope()
    region = _picked_region(region, village)
    username = _text(username).lower()[:64]
    if not _may_manage(scope, region):
        return _alert(t("admin.outside_scope"), False), dash.no_update
    try:
        user = user_admin.create(
            context.ops(),
            scope,
            username,
            password if isinstance(password, str) else "",
            _text(role),
            region,
            _text(department) or None,
            _text(display_name)[:100] or None,
            client_ip(),
        )
    except users.UserError as exc:
        return _alert(_refusal(exc), False), dash.no_update
    return _alert(t("admin.created", username=user.username), True), _rows(scope)


def _change(scope, target, button: str, new_password) -> str:
    """The button's change to ``target`` (services/users.py logs it); its action's name."""
    if button == "admin-reset":
        password = new_password if isinstance(new_password, str) else ""
        user_admin.set_password(context.ops(), scope, target.username, password, client_ip())
        return "user_set_password"
    return user_admin.set_active(
        context.ops(), scope, target.username, button == "admin-enable", client_ip()
    )


def _text(value) -> str:
    """A form field's text, stripped ("" for anything the browser sent that is not)."""
    return value.strip() if isinstance(value, str) else ""


def _picked_region(region, village) -> str:
    """The unit picked: the village if one of the township's was chosen."""
    region = region.strip() if isinstance(region, str) else ""
    if isinstance(village, str) and village:  # a village of the township picked
        region = village if region and village.startswith(region[:9]) else ""
    return region


def _target(scope, selected):
    """The account selected in the grid, looked up again (the browser says which) and
    within the admin's scope; None otherwise."""
    if not isinstance(selected, list) or not selected or not isinstance(selected[0], dict):
        return None
    target = users.get(context.ops(), str(selected[0].get("username", ""))[:64])
    if target is None or not _may_manage(scope, target.region_code):
        return None
    return target


def _set_role(scope, target, role, region: str, department):
    """Give ``target`` the form's role, region and department (services/users.py checks
    and logs it); the account as changed."""
    return user_admin.set_role(
        context.ops(),
        scope,
        target,
        _text(role),
        region,
        _text(department) or None,
        client_ip(),
    )


@callback(
    Output("admin-feedback", "children", allow_duplicate=True),
    Output("admin-users-grid", "rowData", allow_duplicate=True),
    Input("admin-update", "n_clicks"),
    State("admin-users-grid", "selectedRows"),
    State("admin-role", "value"),
    State("admin-region", "value"),
    State("admin-village", "value"),
    State("admin-department", "value"),
    prevent_initial_call=True,
)
def update_role(_n, selected, role, region, village, department):
    """Give the selected account the role, region and department of the form below;
    its sessions end, so the new scope applies from its next login."""
    scope = _admin_scope()
    if not selected:
        return _alert(t("admin.select_first"), False), dash.no_update
    target = _target(scope, selected)
    region = _picked_region(region, village)
    if target is None or not _may_manage(scope, region):
        return _alert(t("admin.outside_scope"), False), dash.no_update
    try:
        user = _set_role(scope, target, role, region, department)
    except users.UserError as exc:
        return _alert(_refusal(exc), False), dash.no_update
    _refresh_own_session(scope, user.username)
    return _alert(t("admin.done.user_set_role", username=user.username), True), _rows(scope)


@callback(
    Output("admin-feedback", "children", allow_duplicate=True),
    Output("admin-users-grid", "rowData", allow_duplicate=True),
    Input("admin-disable", "n_clicks"),
    Input("admin-enable", "n_clicks"),
    Input("admin-reset", "n_clicks"),
    State("admin-users-grid", "selectedRows"),
    State("admin-new-password", "value"),
    prevent_initial_call=True,
)
def change(_d, _e, _r, selected, new_password):
    scope = _admin_scope()
    if not selected:
        return _alert(t("admin.select_first"), False), dash.no_update
    target = _target(scope, selected)
    if target is None:
        return _alert(t("admin.outside_scope"), False), dash.no_update
    try:
        name = _change(scope, target, dash.ctx.triggered_id, new_password)
    except users.UserError as exc:
        return _alert(_refusal(exc), False), dash.no_update
    _refresh_own_session(scope, target.username)
    return _alert(t(DONE[name], username=target.username), True), _rows(scope)


@callback(
    Output("admin-feedback", "children", allow_duplicate=True),
    Output("admin-users-grid", "rowData", allow_duplicate=True),
    Input("admin-link-cadre", "n_clicks"),
    State("admin-users-grid", "selectedRows"),
    State("admin-cadre-id", "value"),
    prevent_initial_call=True,
)
def link_cadre(_n, selected, cadre_id):
    """Link the selected account to its cadre's record in the registry: its field pages
    list the households that cadre is paired with (services/field.py checks and logs it)."""
    scope = _admin_scope()
    if not selected:
        return _alert(t("admin.select_first"), False), dash.no_update
    target = _target(scope, selected)
    if target is None:
        return _alert(t("admin.outside_scope"), False), dash.no_update
    return _alert(*_link(scope, target, cadre_id)), dash.no_update


def _link(scope, target, cadre_id) -> tuple[str, bool]:
    """The link made (the message and True), or refused (its reason and False)."""
    account = Scope(target.username, target.role, target.region_code, target.department)
    try:
        n = field_work.link_cadre(
            context.ops(),
            context.warehouse(),
            scope.username,
            account,
            _text(cadre_id),
            client_ip(),
        )
    except field_work.CaseError as exc:
        return t(N_("admin.cadre_refused") if exc.status == 400 else exc.key), False
    return t("admin.done.user_link_cadre", username=target.username, n=n), True
