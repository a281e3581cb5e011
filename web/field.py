"""Field work on phones (掌上扶贫): light pages under /m that a cadre's phone keeps for
when it has no connection (the service worker /m/sw.js caches them; assets/field.js
queues what is entered offline in IndexedDB and sends it, each item once, when the
connection returns), and the JSON endpoints the queue sends to.

The pages are plain Flask templates, not Dash pages: a Dash page needs the server for
each of its callbacks, a page kept by the service worker must work without it. Every
route is gated (``field.work``; the township's overdue list and the photos
``visits.view``) and reads through services/field.py.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Flask,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from access import RegionNotFound, current_scope, prefix_of
from components.cases import code_label
from components.field import change_summary
from components.messages import role_name
from config import ROOT
from domain import cases as C
from domain import changes as CH
from domain import clock
from domain import feedback as FB
from domain import field as F
from domain.codes import CODES
from i18n import N_, fmt_time_zoned, get_lang, t
from queries import api
from services import cases as case_service
from services import changes, feedback, field, privacy
from web import context
from web.auth import client_ip, error_response
from web.gate import gated

bp = Blueprint("field", __name__)
SERVICE_WORKER = ROOT / "assets" / "field" / "sw.js"
# What a photo is read up to: a little over the limit, so that a larger photo is refused
# with its message rather than cut.
PHOTO_READ = 11 * 2**20


def _page(template: str, **values):
    scope = current_scope()
    lang = get_lang()
    return render_template(
        template,
        t=t,
        lang=lang,
        other_lang="en" if lang == "zh" else "zh",
        label=lambda table, code: code_label(table, code, lang),
        user=scope,
        role=role_name(scope.role, lang),
        csrf_token=generate_csrf(),
        today=clock.day(clock.utcnow()).isoformat(),
        path=request.full_path.rstrip("?"),
        when=lambda moment: fmt_time_zoned(moment, lang=lang),
        **values,
    )


def choices(table: str, lang: str, codes=None) -> list[tuple]:
    """A form's options of a code table (all its codes, or ``codes``): (code, name)."""
    return [(c, code_label(table, c, lang)) for c in (codes or CODES[table])]


def _answer(exc: C.CaseError):
    """A refusal as JSON: the message and each bad field's message."""
    fields = {k: t(v) if isinstance(v, str) else t(*v) for k, v in (exc.fields or {}).items()}
    return jsonify({"error": t(exc.key), "fields": fields, "status": exc.status}), exc.status


def csrf_ok(token) -> bool:
    """The session's CSRF token, from a form field or the queue's header."""
    try:
        validate_csrf(token or "")
    except ValidationError:
        return False
    return True


def posted_step(step, back: str, final: tuple[int, ...] = (404,)):
    """A step posted from a page's form (its CSRF token a form field): (the response, None)
    — the way back to the page once taken, or a refusal page for a bad token or a status
    in ``final`` — or (None, the refusal's message) for the page to show with its form."""
    if not csrf_ok(request.form.get("csrf_token")):
        return error_response(400, N_("login.csrf")), None
    try:
        step()
    except C.CaseError as exc:
        if exc.status in final:
            return error_response(exc.status, exc.key), None
        fields = " ".join(t(v) for v in (exc.fields or {}).values())
        return None, f"{t(exc.key)} {fields}".strip()
    return redirect(back), None


@bp.route("/m/")
@gated("field.work")
def home():
    scope = current_scope()
    unit = request.args.get("unit") or None
    # A cadre's account linked to their registry record lists their own households
    # first; "?all=1" (or a unit named) the unit's.
    mine = field.my_cadre(context.ops(), scope)
    only = mine if unit is None and request.args.get("all") != "1" else None
    try:
        items = field.households(
            context.warehouse(), context.ops(), scope, context.settings(), unit, cadre_id=only
        )
    except C.CaseError as exc:
        return error_response(exc.status, exc.key)
    code = unit or scope.region_code
    capped = len(items) >= field.MAX_LIST
    return _page(
        "m_home.html",
        linked=mine is not None,
        only_mine=only is not None,
        items=items,
        villages=field.villages(context.warehouse(), scope, unit) if capped else [],
        unit=api.region(context.warehouse(), scope, code),
        overdue=sum(1 for i in items if i["visit_overdue"]),
        due=sum(1 for i in items if i["due_count"]),
        most=field.MAX_LIST,
        step_label=_step_label,
        changes_waiting=changes.counts(context.ops(), scope)["submitted"],
    )


def _step_label(step: str | None) -> str:
    return t(C.STEPS[step].label) if step in C.STEPS else ""


@bp.route("/m/household/<int:household_id>")
@gated("field.work")
def household(household_id: int):
    scope = current_scope()
    wh = context.warehouse()
    reveal = request.args.get("reveal") == "1"
    try:
        view = api.household_view(wh, scope, household_id, reveal=reveal)
    except RegionNotFound:
        return error_response(404, N_("field.err.household"))
    if view.revealed:
        privacy.log_reveal(context.ops(), scope, household_id, client_ip())
    cases = case_service.cases_of(context.ops(), scope, household_id=household_id)
    page = _page(
        "m_household.html",
        h=view.household,
        view=view,
        members=_members(view.members),
        measures=_measures(view.measures),
        cadres=[c for c in view.cadres.to_dict("records") if _plain(c.get("end_date")) is None],
        visits=field.visits_of(context.ops(), scope, household_id),
        tickets=feedback.tickets(context.ops(), scope, household_id=household_id),
        fb_state=lambda s: t(FB.STATE_LABEL[s]) if s in FB.STATE_LABEL else s,
        cases=cases,
        step_label=_step_label,
        state_label=lambda s: t(C.STATE_LABEL[s]) if s in C.STATE_LABEL else s,
        visit_link=_form_link("/m/visit", view.household),
        risk_link=_form_link("/m/risk", view.household),
        change_link=_form_link("/m/change", view.household),
        changes=changes.requests(context.ops(), scope, household_id=household_id),
        change_summary=lambda c: change_summary(c, get_lang()),
        state_label_change=lambda s: t(CH.STATE_LABEL[s]) if s in CH.STATE_LABEL else s,
    )
    if not view.revealed:
        return page
    # Full numbers: never kept by a browser or the service worker.
    return Response(page, headers={"Cache-Control": "private, no-store"})


def _plain(value):
    """A warehouse value for a template: None for a missing one (NaN, NaT)."""
    return None if value is None or value != value else value


def _members(frame) -> list[dict]:
    """The household's present members (those who left are not on the card)."""
    rows = frame.to_dict("records")
    keep = ("person_id", "name", "relation", "age", "id_number", "health")
    return [{k: _plain(r.get(k)) for k in keep} for r in rows if _plain(r.get("left_date")) is None]


def _measures(frame, most: int = 10) -> list[dict]:
    """The household's latest measures, newest first."""
    rows = frame.to_dict("records")[-most:][::-1]
    out = []
    for r in rows:
        start = _plain(r.get("start_date"))
        day = start.date().isoformat() if hasattr(start, "date") else str(start or "")
        category = _plain(r.get("category"))
        table, code = (
            ("measure_category", category)
            if category is not None
            else ("channel", _plain(r.get("channel")))
        )
        out.append({"day": day, "table": table, "code": code})
    return out


def _form_link(path: str, h: dict) -> str:
    """The form's address for a household: the form itself is one page for all (kept by
    the service worker), the household named in its query."""
    name = f"{h['head_name']} · {h['household_no']}"
    return f"{path}?household={int(h['household_id'])}&label={quote(name)}"


@bp.route("/m/visit")
@gated("field.work")
def visit_form():
    kinds = choices("visit_kind", get_lang())
    return _page("m_visit.html", kinds=kinds, max_photos=F.MAX_PHOTOS)


@bp.route("/m/risk")
@gated("field.work")
def risk_form():
    return _page("m_risk.html")


@bp.route("/m/outbox")
@gated("field.work")
def outbox():
    """What waits on this phone to be sent (read by assets/field.js from IndexedDB)."""
    return _page("m_outbox.html")


@bp.route("/m/overdue")
@gated("visits.view")
def overdue():
    scope = current_scope()
    unit = request.args.get("unit") or None
    try:
        items = field.households(
            context.warehouse(),
            context.ops(),
            scope,
            context.settings(),
            unit,
            action="visits.view",
        )
    except C.CaseError as exc:
        return error_response(exc.status, exc.key)
    code = unit or scope.region_code
    late = [i for i in items if i["visit_overdue"]]
    capped = len(items) >= field.MAX_LIST
    return _page(
        "m_overdue.html",
        capped=capped,
        most=field.MAX_LIST,
        units=field.villages(context.warehouse(), scope, unit) if capped else [],
        unit=api.region(context.warehouse(), scope, code),
        villages=field.overdue_by_village(items),
        late=late[:200],
        late_count=len(late),
        total=len(items),
        prefix=prefix_of(code),
    )


@bp.route("/m/api/token")
@gated("field.work")
def token():
    """A fresh CSRF token for the queue's next send (a page's own may be hours old)."""
    return jsonify({"csrf": generate_csrf()})


def _photos() -> list[field.Photo]:
    files = request.files.getlist("photos")
    return [field.Photo(f.filename or "", f.read(PHOTO_READ)) for f in files]


@bp.route("/m/api/visits", methods=["POST"])
@gated("field.work")
def send_visit():
    form = request.form
    fields = {k: form.get(k) for k in ("visited_on", "kind", "notes", "lat", "lon")}
    return _send(field.record_visit, form.get("key"), form.get("household"), fields, _photos())


@bp.route("/m/api/risks", methods=["POST"])
@gated("field.work")
def send_risk():
    form = request.form
    return _send(field.report_risk, form.get("key"), form.get("household"), form.get("note"))


def _send(record, *args):
    """A queued item (its CSRF token in a header): 201 with what it made, 200 when its key
    had been stored before, a refusal as JSON."""
    if not csrf_ok(request.headers.get("X-CSRF-Token")):
        return error_response(400, N_("login.csrf"))
    try:
        made, again = record(context.ops(), context.warehouse(), current_scope(), *args)
    except C.CaseError as exc:
        return _answer(exc)
    body = {"id": made["id"], "duplicate": again, "household_no": made["household_no"]}
    return jsonify(body), 200 if again else 201


@bp.route("/m/photo/<int:file_id>")
@gated("visits.view")
def photo(file_id: int):
    row = field.photo(context.ops(), current_scope(), file_id)
    if row is None:
        return error_response(404, N_("field.err.no_photo"))
    return Response(
        row["content"],
        mimetype=row["mime"],
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


@bp.route("/m/sw.js")
@gated("field.work")
def service_worker():
    """The service worker, served from /m/ so that its scope is the field pages."""
    response = send_file(SERVICE_WORKER, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/m/"
    return response


def init(server: Flask) -> None:
    server.register_blueprint(bp)
