"""Change requests on the field pages (/m): the form a cadre reports a change with (one
page for every household, kept by the service worker; what is entered offline waits in
the phone's queue as a visit does), the endpoint the queue sends to, and the township's
list and review. Every route is gated (``field.work`` to report, ``changes.view`` to
read) and reads through services/changes.py.
"""

from __future__ import annotations

from flask import Blueprint, request

from access import current_scope
from components.field import change_lines
from domain import cases as C
from domain import changes as D
from domain import clock
from i18n import get_lang, t
from services import changes
from web import context
from web.auth import error_response
from web.field import _page, _send, choices, posted_step
from web.gate import gated

bp = Blueprint("changes", __name__)
FIELDS = tuple(dict.fromkeys(f for fields in D.KINDS.values() for f in fields))


@bp.route("/m/change")
@gated("field.work")
def form():
    """The form: the kinds of a household's change, or of a member's when the member is
    named in the query (the household card's links)."""
    lang = get_lang()
    year = clock.day(clock.utcnow()).year
    return _page(
        "m_change.html",
        kinds=[(k, t(D.KIND_LABEL[k]), k in D.MEMBER_KINDS) for k in D.KINDS],
        grades=choices("housing_grade", lang),
        health=choices("health", lang),
        labour=choices("labour", lang),
        leave=choices("member_leave", lang),
        relations=[r for r in choices("relation", lang) if r[0] != "01"],
        joins=choices("member_join", lang, [int(c) for c in D.JOIN_REASONS]),
        years=[year, year - 1],
        field_label=lambda f: t(D.FIELD_LABEL[f]),
        max_note=D.MAX_NOTE,
    )


@bp.route("/m/api/changes", methods=["POST"])
@gated("field.work")
def send():
    form = request.form
    fields = {k: form.get(k) for k in (*FIELDS, "note")}
    return _send(
        changes.submit,
        form.get("key"),
        form.get("household"),
        form.get("kind"),
        fields,
        form.get("member") or None,
    )


def _why(event: dict) -> str:
    """An event's note; the refresh's reason in words."""
    if event["actor"] == "system" and event["note"] in D.WHY_LABEL:
        return t(D.WHY_LABEL[event["note"]])
    return event["note"]


def _state(state: str) -> str:
    return t(D.STATE_LABEL[state]) if state in D.STATE_LABEL else state


@bp.route("/m/changes")
@gated("changes.view")
def listing():
    """The unit's requests: those waiting for the township's review first, then the
    others, newest first."""
    scope = current_scope()
    lang = get_lang()
    mine = request.args.get("mine") == "1"
    engine = context.ops()
    waiting = changes.requests(engine, scope, states=("submitted",), mine=mine)
    done = tuple(s for s in D.STATES if s != "submitted")
    others = changes.requests(engine, scope, states=done, mine=mine, limit=200, newest_first=True)
    return _page(
        "m_changes.html",
        waiting=waiting,
        others=others,
        state_label=_state,
        kind_label=lambda k: t(D.KIND_LABEL[k]),
        lines=lambda c: change_lines(c, lang),
        mine=mine,
    )


@bp.route("/m/changes/<int:change_id>", methods=["GET", "POST"])
@gated("changes.view")
def one(change_id: int):
    scope = current_scope()
    error = None
    if request.method == "POST":
        form = request.form
        done, error = posted_step(
            lambda: changes.act(
                context.ops(),
                scope,
                change_id,
                form.get("version"),
                form.get("action"),
                form.get("note"),
            ),
            f"/m/changes/{change_id}",
            final=(403, 404),
        )
        if done is not None:
            return done
    try:
        row = changes.get(context.ops(), scope, change_id)
    except C.CaseError as exc:
        return error_response(exc.status, exc.key)
    return _page(
        "m_change_one.html",
        c=row,
        error=error,
        lines=change_lines(row, get_lang()),
        state_label=_state,
        kind_label=t(D.KIND_LABEL[row["kind"]]),
        action_label=lambda a: t(D.ACTION_LABEL[a]),
        why=_why,
    ), (400 if error else 200)
