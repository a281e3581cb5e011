"""Registry data (/admin/registry): a province administrator loads a registry delivery
(docs/registry.md), uploaded as a ZIP or placed in the server's inbox, follows its
progress, and sees what it brought: rows per file, the rejection report, the new data
version; or why it was refused, with nothing changed. Also the registry the warehouse
holds now.

The load runs in the background (web/registry.py); the page polls its state. Every
callback goes through the province administrator's gate again, and what the browser
sends only ever picks a delivery the server listed (an inbox entry, the user's own
upload), never a path.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from access import AccessDenied
from components import messages
from components import registry as R
from etl import layout as registry_layout
from i18n import N_, fmt_time_zoned, get_lang, t
from queries import registry as qregistry
from queries.runner import WarehouseUnavailable
from services import registry as W
from web import context
from web.auth import client_ip, requester

dash.register_page(
    __name__,
    path="/admin/registry",
    name="admin_registry",
    title="精准 · 登记数据导入",
    nav={"label": N_("nav.admin_registry"), "order": 91},
    access="registry.load",
)

# After a load, keep polling until this worker reads the new warehouse (the switch takes
# up to JZ_RELOAD_SECONDS), but not for ever.
SWITCH_WAIT = timedelta(minutes=2)
UPLOAD_ALERT = "reg-upload-alert"  # what became of an upload (the start's is reg-alert)
# The layout's files by key, with their Chinese names (家庭成员 members).
FILE_NAMES = {name: spec.zh for name, spec in registry_layout.BY_NAME.items()}


def _current():
    try:
        return qregistry.current(context.warehouse())
    except WarehouseUnavailable:
        return None


def _current_view(cur):
    href = W.report_href(cur.version) if cur is not None and cur.rejected else None
    return R.current(cur, href, files=FILE_NAMES, lang=get_lang())


def _status_view(state):
    result = (state or {}).get("result") or {}
    href = W.report_href(result["version"]) if result.get("version") else None
    return R.status(
        state, href, context.get().settings.reload_seconds, files=FILE_NAMES, lang=get_lang()
    )


def layout(**_):
    try:
        W.province_admin()
    except AccessDenied as exc:
        return messages.refusal(exc)
    settings = context.get().settings
    state = W.read_state(settings)
    running = bool(state) and state.get("status") == "running"
    cur = _current()
    return html.Div(
        className="jz-page jz-reg",
        children=[
            dmc.Title(t("reg.title"), order=2, mb="xs"),
            dmc.Text(t("reg.intro"), size="sm", c="dimmed", mb="md", maw=960),
            dmc.SimpleGrid(
                cols={"base": 1, "lg": 2},
                spacing="md",
                children=[
                    _new_delivery(settings, running),
                    dmc.Paper(
                        withBorder=True,
                        p="md",
                        children=html.Div(_status_view(state), id="reg-status"),
                    ),
                ],
            ),
            dmc.Paper(
                withBorder=True,
                p="md",
                mt="md",
                children=[
                    dmc.Title(t("reg.current"), order=4, mb="sm"),
                    html.Div(_current_view(cur), id="reg-current"),
                ],
            ),
            dcc.Store(id="reg-choice"),
            dcc.Store(id="reg-too-big"),  # a file over the cap (assets/registry.js)
            dcc.Store(id="reg-shown", data=cur.version if cur else None),
            dcc.Interval(id="reg-tick", interval=1000, disabled=not running),
        ],
    )


def _new_delivery(settings, running: bool):
    """Where a new delivery comes from (an upload or the inbox, in tabs) and the button
    that starts its load (disabled while one runs)."""
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(t("reg.new"), order=4, mb="sm"),
            dmc.Tabs(
                id="reg-source",
                value="upload",
                children=[
                    dmc.TabsList(
                        [
                            dmc.TabsTab(t("reg.tab.upload"), value="upload"),
                            dmc.TabsTab(t("reg.tab.inbox"), value="inbox"),
                        ]
                    ),
                    _upload_panel(),
                    _inbox_panel(settings),
                ],
            ),
            dmc.Text(t("reg.start_note"), size="xs", c="dimmed", mt="md"),
            dmc.Button(t("reg.start"), id="reg-start", mt="sm", disabled=running),
            html.Div(id="reg-feedback", style={"marginTop": 8}),
        ],
    )


def _upload_panel():
    """The upload tab: the drop zone for a ZIP (at most W.UPLOAD_BYTES), what was staged."""
    cap = R.fmt_size(W.UPLOAD_BYTES)
    return dmc.TabsPanel(
        value="upload",
        pt="xs",
        children=[
            html.Div(
                id="reg-upload-zone",
                **{"data-upload-cap": W.UPLOAD_BYTES},
                children=dcc.Upload(
                    id="reg-upload",
                    multiple=False,
                    className="jz-upload",
                    max_size=W.UPLOAD_BYTES,
                    accept=".zip,application/zip",
                    children=html.Div(
                        [
                            t("reg.drop"),
                            html.Br(),
                            dmc.Text(t("reg.upload_cap", cap=cap), size="xs", c="dimmed"),
                        ]
                    ),
                ),
            ),
            dmc.Text(t("reg.upload_note"), size="xs", c="dimmed", mt="xs"),
            html.Div(id="reg-staged", style={"marginTop": 8}),
        ],
    )


def _inbox_panel(settings):
    """The inbox tab: the deliveries placed in the server's inbox, and a refresh."""
    return dmc.TabsPanel(
        value="inbox",
        pt="xs",
        children=[
            dmc.Group(
                align="flex-end",
                gap="sm",
                children=[
                    dmc.Select(
                        id="reg-inbox",
                        label=t("reg.inbox.label"),
                        placeholder=t("reg.inbox.placeholder"),
                        data=R.inbox_options(W.inbox(settings), lang=get_lang()),
                        nothingFoundMessage=t("reg.inbox.empty"),
                        w=380,
                        maw="100%",
                        clearable=True,
                    ),
                    dmc.Button(t("reg.inbox.refresh"), id="reg-inbox-refresh", variant="light"),
                ],
            ),
            dmc.Text(t("reg.inbox.note"), size="xs", c="dimmed", mt="xs"),
        ],
    )


def _alert(text: str, colour: str = "red", alert_id: str = "reg-alert"):
    return dmc.Alert(text, color=colour, variant="light", id=alert_id)


def _too_big(name: str, size: int) -> str:
    return t("reg.err.too_big", name=name, size=R.fmt_size(size), cap=R.fmt_size(W.UPLOAD_BYTES))


@callback(
    Output("reg-staged", "children"),
    Output("reg-choice", "data"),
    Input("reg-upload", "contents"),
    State("reg-upload", "filename"),
    prevent_initial_call=True,
)
def upload(contents, filename):
    """Keep the uploaded ZIP until the admin starts the load (or it is too big, or no
    ZIP at all: refused here, before anything is kept)."""
    scope = W.province_admin()
    if not contents:
        return dash.no_update, dash.no_update
    name = str(filename or "upload.zip")[:200]
    try:
        data = base64.b64decode(str(contents).split(",", 1)[1], validate=False)
    except (IndexError, ValueError):
        return _alert(t("reg.err.unreadable"), alert_id=UPLOAD_ALERT), None
    try:
        token = W.stage_upload(context.get().settings, scope.username, name, data)
    except W.UploadRefused as exc:
        if exc.key == "reg.err.too_big":
            return _alert(_too_big(name, len(data)), alert_id=UPLOAD_ALERT), None
        return _alert(t(exc.key, name=name), alert_id=UPLOAD_ALERT), None
    return _alert(
        t("reg.staged", name=name, size=R.fmt_size(len(data))), "blue", "reg-staged-alert"
    ), {"token": token}


@callback(
    Output("reg-staged", "children", allow_duplicate=True),
    Output("reg-choice", "data", allow_duplicate=True),
    Input("reg-too-big", "data"),
    prevent_initial_call=True,
)
def too_big(data):
    """The browser kept a file over the cap to itself (dcc.Upload drops it silently):
    say so, with the cap and the other ways in."""
    W.province_admin()
    if not isinstance(data, dict):
        return dash.no_update, dash.no_update
    try:
        size = max(0, int(data.get("size") or 0))
    except (TypeError, ValueError):
        size = 0
    name = str(data.get("name") or "")[:200]
    return _alert(_too_big(name, size), alert_id=UPLOAD_ALERT), None


@callback(
    Output("reg-inbox", "data"),
    Output("reg-inbox", "value"),
    Input("reg-inbox-refresh", "n_clicks"),
    State("reg-inbox", "value"),
    prevent_initial_call=True,
)
def refresh_inbox(_n, value):
    W.province_admin()
    options = R.inbox_options(W.inbox(context.get().settings), lang=get_lang())
    return options, value if value in {o["value"] for o in options} else None


@callback(
    Output("reg-feedback", "children"),
    Output("reg-status", "children", allow_duplicate=True),
    Output("reg-tick", "disabled", allow_duplicate=True),
    Output("reg-start", "disabled", allow_duplicate=True),
    Output("reg-staged", "children", allow_duplicate=True),
    Output("reg-choice", "data", allow_duplicate=True),
    Input("reg-start", "n_clicks"),
    State("reg-source", "value"),
    State("reg-choice", "data"),
    State("reg-inbox", "value"),
    prevent_initial_call=True,
)
def start(n, source, choice, name):
    """Start loading the chosen delivery: an entry the inbox lists, or this user's own
    upload; refused while another load runs."""
    scope = W.province_admin()
    keep = (dash.no_update,) * 5
    if not n:
        return (dash.no_update, *keep)
    return _start(scope, source, choice, name, keep)


def _start(scope, source, choice, name, keep: tuple) -> tuple:
    """The load of the delivery the form names started, and the outputs that say so;
    or why not (nothing chosen, gone, another load running)."""
    settings = context.get().settings
    path, label, token = _chosen(settings, scope, source, choice, name)
    if path is None:
        chosen = (source == "inbox" and name) or (source == "upload" and choice)
        return (_alert(t("reg.err.gone") if chosen else t("reg.err.choose")), *keep)
    state = W.start(
        context.ops(), settings, scope, requester(), source, path, label, client_ip(), token
    )
    if state is None:
        return (
            _busy(W.read_state(settings) or {}),
            dash.no_update,
            False,
            True,
            dash.no_update,
            dash.no_update,
        )
    cleared = (None, None) if token else (dash.no_update, dash.no_update)
    return (
        _alert(t("reg.started", name=label), "blue"),
        _status_view(state),
        False,
        True,
        *cleared,
    )


def _chosen(settings, scope, source, choice, name) -> tuple:
    """The delivery the form names (path, label and, for an upload, its token): an entry
    of the inbox, or this user's own upload; no path if neither is there."""
    if source == "inbox":
        return (W.inbox_path(settings, name) if isinstance(name, str) else None), name, None
    if source == "upload" and isinstance(choice, dict):
        token = choice.get("token")
        found = W.staged(settings, scope.username, token)
        return (found[0], found[1]["name"], token) if found else (None, None, token)
    return None, None, None


def _busy(busy: dict):
    """Another load runs: whose, and since when."""
    return _alert(
        t(
            "reg.err.running",
            name=busy.get("name") or "—",
            by=busy.get("by") or "—",
            at=fmt_time_zoned(busy.get("started_at")),
        )
    )


@callback(
    Output("reg-status", "children"),
    Output("reg-tick", "disabled"),
    Output("reg-start", "disabled"),
    Output("reg-current", "children"),
    Output("reg-shown", "data"),
    Output("reg-feedback", "children", allow_duplicate=True),
    Input("reg-tick", "n_intervals"),
    State("reg-shown", "data"),
    prevent_initial_call=True,
)
def poll(_n, shown):
    """The load's progress; when it is done, the registry the warehouse now holds (once
    this worker has switched to it), and the start's message goes."""
    W.province_admin()
    state = W.read_state(context.get().settings)
    running = bool(state) and state.get("status") == "running"
    try:
        version = context.warehouse().version["version"]
    except WarehouseUnavailable:
        version = None
    current, new_shown = dash.no_update, dash.no_update
    if version != shown:
        current, new_shown = _current_view(_current()), version
    waiting = False
    if state and state.get("status") == "done" and state.get("finished_at"):
        finished = datetime.fromisoformat(state["finished_at"])
        waiting = (state.get("result") or {}).get("version") != version and datetime.now(
            UTC
        ) - finished < SWITCH_WAIT
    feedback = dash.no_update if running else None
    return _status_view(state), not (running or waiting), running, current, new_shown, feedback
