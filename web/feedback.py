"""Households' feedback (贫困户反馈) on the web: the public form a household's card (明白卡)
opens without an account (/f/<code>), the cards themselves with their QR codes
(/m/cards, printable, or a PDF), and the township's tickets on the field pages
(/m/feedback): the list by state and type, one ticket with its events and actions,
entering feedback for a household or a 12317 call, and the hotline system's CSV.
Every route reads and writes through services/feedback.py."""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
)
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from access import AccessDenied, RegionNotFound, can, current_scope, prefix_of
from domain import cases as C
from domain import feedback as D
from exports import render
from i18n import N_, get_lang, t
from queries import api
from services import feedback
from web import context
from web.auth import client_ip, error_response
from web.field import _page, choices, csrf_ok, posted_step
from web.gate import PUBLIC, gated

bp = Blueprint("feedback", __name__)
MAX_CARDS = 500  # cards on one sheet (a village; a township prints village by village)
MAX_CSV = 2 * 2**20


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _days() -> dict[int, int]:
    return D.deadline_days(context.settings().feedback_days)


# ------------------------------------------------------------------ the public form
@bp.route("/f/<code>", methods=["GET", "POST"])
@gated(PUBLIC)
def public_form(code: str):
    """The same page for any code: whether it names a household is never shown."""
    lang = get_lang()
    outcome = None
    status = 200
    if request.method == "POST":
        fields = {k: request.form.get(k) for k in ("type", "text", "contact")}
        if csrf_ok(request.form.get("csrf_token")):
            outcome = feedback.submit_public(
                context.ops(),
                context.warehouse(),
                _secret(),
                code,
                fields,
                client_ip(),
                _days(),
            )
        else:
            outcome = "received"
        status = 429 if outcome == "limited" else 200
    return render_template(
        "f_public.html",
        t=t,
        lang=lang,
        other_lang="en" if lang == "zh" else "zh",
        types=choices("feedback_type", lang),
        csrf_token=generate_csrf(),
        outcome=outcome,
        path=request.path,
        max_text=D.MAX_TEXT,
    ), status


# ------------------------------------------------------------------ cards
def _public_base() -> str:
    base = context.settings().public_url or request.host_url
    return base.rstrip("/")


def _qr(url: str) -> Markup:
    return Markup(segno.make(url, error="m").svg_inline(scale=3, title=url))  # noqa: S704 - segno's own SVG


@bp.route("/m/cards")
@gated("field.work")
def cards():
    """The households' cards of a unit: head, number, village, cadres, the QR code of the
    feedback form and its address; no ID or phone numbers. ``?format=pdf``: as a PDF."""
    scope = current_scope()
    wh = context.warehouse()
    unit = request.args.get("unit") or scope.region_code
    one = request.args.get("household")
    if one:  # one household's card: its village's sheet, that card alone
        home = api.case_household(wh, scope, one)
        if home is None:
            return error_response(404, N_("field.err.household"))
        unit = home["village_code"]
    try:
        region = api.region(wh, scope, unit)
    except (AccessDenied, RegionNotFound):  # as for no such unit
        return error_response(404, N_("field.err.unit"))
    rows = wh.run("card_households", scope, unit_prefix=prefix_of(unit), limit=MAX_CARDS)
    if one:
        rows = rows[rows["household_id"] == int(home["household_id"])]
    base = _public_base()
    items = []
    for r in rows.to_dict("records"):
        url = f"{base}/f/{feedback.card_code(_secret(), int(r['household_id']))}"
        items.append({**r, "url": url, "qr": _qr(url)})
    lang = get_lang()
    html = render_template("m_cards.html", t=t, lang=lang, items=items, unit=region, most=MAX_CARDS)
    if request.args.get("format") != "pdf":
        return html
    settings = context.settings()
    try:
        render.ensure(settings)
        pdf = render.html_pdf(settings, html, {}, t("fb.cards.title"))
    except Exception:  # noqa: BLE001 - no chromium, or it failed: a message, not a 500
        return error_response(503, N_("fb.err.pdf"))
    name = f"cards-{unit}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


# ------------------------------------------------------------------ tickets
def _state_label(state: str) -> str:
    return t(D.STATE_LABEL[state]) if state in D.STATE_LABEL else state


@bp.route("/m/feedback")
@gated("feedback.view")
def ticket_list():
    scope = current_scope()
    unit = request.args.get("unit") or scope.region_code
    state = request.args.get("state")
    states = (state,) if state in D.STATES else None
    rows = feedback.tickets(context.ops(), scope, unit, states)
    return _page(
        "m_feedback_list.html",
        tickets=rows,
        counts=feedback.counts(context.ops(), scope),
        states=D.STATES,
        state=state if states else "",
        state_label=_state_label,
        unit=unit,
        may_import=can(scope, "feedback.intake"),
    )


@bp.route("/m/feedback/<int:ticket_id>", methods=["GET", "POST"])
@gated("feedback.view")
def ticket(ticket_id: int):
    scope = current_scope()
    error = None
    if request.method == "POST":
        form = request.form
        done, error = posted_step(
            lambda: feedback.act(
                context.ops(),
                scope,
                ticket_id,
                form.get("version"),
                form.get("action"),
                form.get("note"),
                form.get("satisfaction"),
            ),
            f"/m/feedback/{ticket_id}",
        )
        if done is not None:
            return done
    try:
        row = feedback.get(context.ops(), scope, ticket_id)
    except C.CaseError as exc:
        return error_response(exc.status, exc.key)
    lang = get_lang()
    return _page(
        "m_feedback.html",
        tk=row,
        error=error,
        state_label=_state_label,
        action_label=lambda a: t(D.ACTION_LABEL[a]) if a in D.ACTION_LABEL else a,
        satisfactions=choices("satisfaction", lang),
    ), (400 if error else 200)


@bp.route("/m/household/<int:household_id>/feedback", methods=["GET", "POST"])
@gated("feedback.intake")
def intake(household_id: int):
    scope = current_scope()
    error = None
    home = api.case_household(context.warehouse(), scope, household_id)
    if home is None:
        return error_response(404, N_("field.err.household"))
    if request.method == "POST":
        form = request.form
        if not csrf_ok(form.get("csrf_token")):
            return error_response(400, N_("login.csrf"))
        try:
            row = feedback.intake(
                context.ops(),
                context.warehouse(),
                scope,
                household_id,
                form.get("channel"),
                {k: form.get(k) for k in ("type", "text", "contact")},
                _days(),
            )
            return redirect(f"/m/feedback/{row['id']}")
        except C.CaseError as exc:
            fields = " ".join(t(v) for v in (exc.fields or {}).values())
            error = f"{t(exc.key)} {fields}".strip()
    lang = get_lang()
    channels = choices("feedback_channel", lang, (D.CHANNEL_CADRE, D.CHANNEL_HOTLINE))
    return _page(
        "m_feedback_new.html",
        home=home,
        types=choices("feedback_type", lang),
        channels=channels,
        error=error,
        max_text=D.MAX_NOTE,
    ), (400 if error else 200)


@bp.route("/m/feedback/import", methods=["GET", "POST"])
@gated("feedback.intake")
def hotline_import():
    """The 12317 hotline system's CSV: all rows or none (services/feedback.py)."""
    result = error = None
    if request.method == "POST":
        if not csrf_ok(request.form.get("csrf_token")):
            return error_response(400, N_("login.csrf"))
        upload = request.files.get("file")
        content = upload.read(MAX_CSV + 1) if upload else b""
        try:
            if not content or len(content) > MAX_CSV:
                raise C.CaseError(400, N_("fb.err.csv_size"))
            result = feedback.import_hotline(
                context.ops(), context.warehouse(), current_scope(), content, _days()
            )
        except C.CaseError as exc:
            lines = ", ".join(sorted(exc.fields or {}, key=int)[:20])
            where = t("fb.import.lines", lines=lines) if lines else ""
            error = f"{t(exc.key)} {where}".strip()
    return _page(
        "m_feedback_import.html",
        result=result,
        error=error,
        columns=",".join(feedback.HOTLINE_COLUMNS),
    ), (400 if error else 200)


def init(server: Flask) -> None:
    server.register_blueprint(bp)
