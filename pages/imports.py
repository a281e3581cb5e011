"""Department data (/imports): a department's staff upload their files (their own
department only; admins any), see every row accounted for, download the error report and
the templates, and follow the batches. Admins bring the batches into the warehouse
without a rebuild.

Templates: /imports/template/<feed>.csv; error reports: /imports/report/<batch>.csv
(web/imports.py, behind the same gate).
"""

from __future__ import annotations

import base64

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from access import RoleDenied, can, current_scope, raise_for, roles_for
from components import messages
from domain.codes import CODES
from etl import feeds as F
from i18n import N_, fmt_exact, fmt_time, get_lang, t, with_zone
from ops import users
from services import imports as S
from services import imports_refresh as web_imports
from services.imports_refresh import departments_of
from web import context
from web.auth import client_ip

dash.register_page(
    __name__,
    path="/imports",
    name="imports",
    title="精准 · 部门数据",
    nav={"label": N_("nav.imports"), "order": 29},
    access="imports.load",
)

# The batches table: its columns in order with their headings, and a batch's states.
BATCH_COLUMNS = {
    "batch": N_("imp.col.batch"),
    "feed": N_("imp.col.feed"),
    "file": N_("imp.col.file"),
    "at": N_("imp.col.at"),
    "by": N_("imp.col.by"),
    "rows": N_("imp.col.rows"),
    "accepted": N_("imp.col.accepted"),
    "rejected": N_("imp.col.rejected"),
    "status": N_("imp.col.status"),
}
STATUS_LABEL = {"loaded": N_("imp.status.loaded"), "merged": N_("imp.status.merged")}


def _upload_panel(depts: list[str]):
    """The department picker with its templates, the upload area and its result."""
    lang = 0 if get_lang() == "zh" else 1
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Group(
                align="flex-end",
                children=[
                    dmc.Select(
                        id="imp-department",
                        label=t("imp.department"),
                        value=depts[0],
                        allowDeselect=False,
                        w=240,
                        data=[{"value": d, "label": CODES["department"][d][lang]} for d in depts],
                    ),
                    html.Div(id="imp-templates"),
                ],
            ),
            dcc.Upload(
                id="imp-upload",
                multiple=False,
                className="jz-upload",
                max_size=web_imports.UPLOAD_BYTES,
                children=html.Div(
                    [
                        t("imp.drop"),
                        html.Br(),
                        dmc.Text(t("imp.formats"), size="xs", c="dimmed"),
                    ]
                ),
            ),
            dcc.Loading(html.Div(id="imp-result"), type="dot"),
        ],
    )


def _batches_panel(scope):
    """The department's batches, with the refresh for those who may merge them."""
    return dmc.Paper(
        withBorder=True,
        p="md",
        mt="md",
        children=[
            dmc.Group(
                justify="space-between",
                children=[
                    dmc.Title(t("imp.batches"), order=4),
                    dmc.Button(
                        t("imp.refresh"),
                        id="imp-refresh",
                        variant="light",
                        display="block" if can(scope, "imports.merge") else "none",
                    ),
                ],
            ),
            html.Div(id="imp-refresh-result"),
            html.Div(id="imp-batches"),
        ],
    )


def layout(**_):
    scope = current_scope()
    depts = departments_of(scope)
    if not depts:
        return _refusal(scope)
    feeds = F.load()
    return html.Div(
        className="jz-page",
        children=[
            dmc.Title(t("imp.title"), order=2, mb="sm"),
            _upload_panel(depts),
            _batches_panel(scope),
            dcc.Store(id="imp-feeds", data=sorted(feeds)),
        ],
    )


@callback(
    Output("imp-templates", "children"),
    Output("imp-batches", "children"),
    Input("imp-department", "value"),
    Input("imp-result", "children"),
)
def department(dept, _result):
    scope = current_scope()
    if dept not in departments_of(scope):
        return _refusal(scope), None
    lang = get_lang()
    feeds = F.of_department(F.load(), dept)
    links = dmc.Group(
        [
            html.A(
                t("imp.template", feed=f.zh if lang == "zh" else f.en),
                href=f"/imports/template/{f.id}.csv",
                download="",
                className="jz-template",
            )
            for f in feeds
        ]
    )
    return links, batches_table(S.batches(context.ops(), scope, dept, 30))


def batches_table(rows: list[dict]):
    if not rows:
        return dmc.Text(t("imp.none"), c="dimmed", size="sm")
    feeds = F.load()
    lang = get_lang()
    people = users.display_names(context.ops(), {r["imported_by"] for r in rows})
    body = [
        html.Tr(
            [
                html.Td(r["id"]),
                html.Td(_feed_name(feeds, r["feed"], lang)),
                html.Td(r["file_name"]),
                html.Td(fmt_time(r["imported_at"])),
                html.Td(people.get(r["imported_by"], r["imported_by"])),
                html.Td(fmt_exact(r["rows_total"])),
                html.Td(fmt_exact(r["rows_accepted"])),
                html.Td(
                    html.A(
                        fmt_exact(r["rows_rejected"]),
                        href=f"/imports/report/{r['id']}.csv",
                        download="",
                    )
                    if r["rows_rejected"]
                    else "0"
                ),
                html.Td(
                    t(STATUS_LABEL[r["status"]]) if r["status"] in STATUS_LABEL else r["status"]
                ),
            ],
            **{"data-batch": r["id"]},
        )
        for r in rows
    ]
    head = html.Tr(
        [
            html.Th(with_zone(t(k)) if c == "at" else t(k), style={"textAlign": "left"})
            for c, k in BATCH_COLUMNS.items()
        ]
    )
    return dmc.Table([html.Thead(head), html.Tbody(body)], striped=True, id="imp-batch-table")


def _feed_name(feeds, fid: str, lang: str) -> str:
    f = feeds.get(fid)
    return fid if f is None else (f.zh if lang == "zh" else f.en)


@callback(
    Output("imp-result", "children"),
    Input("imp-upload", "contents"),
    State("imp-upload", "filename"),
    State("imp-department", "value"),
    prevent_initial_call=True,
)
def upload(contents, filename, dept):
    """One file of the user's department: accepted whole (with its report) or refused
    whole. The department comes from the browser: services/imports.py checks it against
    the user's own."""
    scope = current_scope()
    if not contents:
        return dash.no_update
    try:
        batch = S.upload(
            context.ops(),
            context.get().settings.import_dir,
            scope,
            dept,
            str(filename or "upload.csv")[:200],
            _decoded(contents),
            client_ip(),
        )
    except S.Refused as exc:
        return _alert(t(exc.key, **exc.params))
    return _loaded(batch)


def _decoded(contents) -> bytes | None:
    """The file dcc.Upload sent (a data URL), None if it is none."""
    try:
        return base64.b64decode(str(contents).split(",", 1)[1], validate=False)
    except (IndexError, ValueError):
        return None


def _loaded(batch: S.Batch):
    """What a batch loaded: its counts, the reasons rows were rejected, its report."""
    reasons = batch.rejected_rows["reason"].value_counts()
    return html.Div(
        [
            dmc.Alert(
                t(
                    "imp.loaded",
                    batch=batch.id,
                    total=fmt_exact(batch.total),
                    accepted=fmt_exact(batch.accepted),
                    rejected=fmt_exact(batch.rejected),
                ),
                color="green" if not batch.rejected else "yellow",
                variant="light",
                id="imp-alert",
            ),
            dmc.List(
                [
                    dmc.ListItem(f"{t(S.REASON_LABEL.get(r, r))}：{fmt_exact(n)}")
                    for r, n in reasons.items()
                ],
                size="sm",
                mt="xs",
            )
            if len(reasons)
            else None,
            html.A(
                t("imp.report"),
                href=f"/imports/report/{batch.id}.csv",
                id="imp-report",
                download="",
                className="jz-download",
            )
            if batch.rejected
            else None,
        ]
    )


@callback(
    Output("imp-refresh-result", "children"),
    Input("imp-refresh", "n_clicks"),
    prevent_initial_call=True,
)
def refresh(n):
    """The province's admins: bring the new batches of the whole province into the
    warehouse (in the background). A county's admin may not ("imports.merge")."""
    scope = current_scope()
    if not n:
        return dash.no_update
    try:
        raise_for(scope, "imports.merge")
    except RoleDenied as exc:
        if scope.role not in roles_for("imports.merge"):
            raise  # not the role's at all: the gate's 403
        return _alert(t(exc.key))  # an admin below the province: say who merges
    started = web_imports.start_refresh(
        context.ops(), context.settings(), scope.username, client_ip()
    )
    return _alert(t("imp.refresh_started") if started else t("imp.refresh_running"), "blue")


def _refusal(scope):
    """Why the page is refused: the role (departments and admins import), or a
    department that sends nothing to the platform; never the region."""
    if not can(scope, "imports.load"):
        return messages.role_denied(scope.role)
    return messages.notice(N_("error.no_import_feeds"))


def _alert(text: str, colour: str = "red"):
    return dmc.Alert(text, color=colour, variant="light", id="imp-alert")
