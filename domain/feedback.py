"""Households' feedback (贫困户反馈) as data: a ticket's states and the actions between them,
its deadline by type, and what a household may send from its card's form. Pure: no I/O
(docs/feedback.md describes it for users).

    received ─assign─▶ assigned ─start─▶ handling ─reply─▶ replied ─close─▶ closed
        └──────reply──────┴─────────reply───┘        └─return─▶ handling

The township of the household handles it (or a county user above it); every action is
an append-only event. A ticket not replied by its deadline is overdue and shown to the
unit above the township.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from domain.cases import CaseError, code_of
from domain.indicators import N_

STATES = ("received", "assigned", "handling", "replied", "closed")
OPEN = ("received", "assigned", "handling")  # on the clock: not replied yet
STATE_LABEL = {
    "received": N_("fb.state.received"),
    "assigned": N_("fb.state.assigned"),
    "handling": N_("fb.state.handling"),
    "replied": N_("fb.state.replied"),
    "closed": N_("fb.state.closed"),
}
# action -> (the states it starts from, the state it leads to)
ACTIONS = {
    "assign": (("received",), "assigned"),
    "start": (("assigned",), "handling"),
    "reply": (("received", "assigned", "handling"), "replied"),
    "close": (("replied",), "closed"),
    "return": (("replied",), "handling"),  # the household is not satisfied
}
ACTION_LABEL = {
    "assign": N_("fb.act.assign"),
    "start": N_("fb.act.start"),
    "reply": N_("fb.act.reply"),
    "close": N_("fb.act.close"),
    "return": N_("fb.act.return"),
}
# Days from the feedback to the reply, by type (JZ_FEEDBACK_DAYS overrides them).
DEADLINE_DAYS = {1: 3, 2: 7, 3: 5, 4: 10}
MAX_TEXT = 1000  # characters of a household's own text
MAX_NOTE = 2000
MAX_CONTACT = 40
CHANNEL_CARD, CHANNEL_CADRE, CHANNEL_HOTLINE, CHANNEL_IMPORT = 1, 2, 3, 4
# Markup in a household's text: it is shown as text everywhere, but a form that receives
# markup was not filled in by a household, and nothing of it is kept.
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:|&#|on\w+\s*=", re.IGNORECASE)


@dataclass(frozen=True)
class Feedback:
    type: int
    text: str
    contact: str


def deadline_days(spec: str | None) -> dict[int, int]:
    """The deadlines by type from a setting such as "1:3,2:7,3:5,4:10" (types not named
    keep their default); ValueError for a malformed one."""
    days = dict(DEADLINE_DAYS)
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        kind, _, n = part.partition(":")
        code, value = int(kind), int(n)
        if code not in DEADLINE_DAYS or not 1 <= value <= 60:
            raise ValueError(f"{part.strip()!r}: a type 1-4 and 1 to 60 days")
        days[code] = value
    return days


def deadline(received: dt.date, type_: int, days: dict[int, int] | None = None) -> dt.date:
    return received + dt.timedelta(days=(days or DEADLINE_DAYS)[type_])


def is_overdue(ticket: dict, today: dt.date) -> bool:
    return ticket["state"] in OPEN and today > ticket["deadline"]


def feedback_input(fields: dict, *, public: bool) -> Feedback:
    """A feedback's fields checked (CaseError 400 naming each bad one). ``public``: from a
    household's card form, where markup is refused too."""
    errors: dict[str, str] = {}
    kind = code_of("feedback_type", fields.get("type"))
    if kind is None:
        errors["type"] = N_("fb.err.type")
    text = fields.get("text")
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        errors["text"] = N_("fb.err.text_empty")
    elif len(text) > (MAX_TEXT if public else MAX_NOTE):
        errors["text"] = N_("fb.err.text_long")
    elif public and MARKUP.search(text):
        errors["text"] = N_("fb.err.text_markup")
    contact = fields.get("contact")
    contact = contact.strip() if isinstance(contact, str) else ""
    if len(contact) > MAX_CONTACT or (public and contact and MARKUP.search(contact)):
        errors["contact"] = N_("fb.err.contact")
    if errors:
        raise CaseError(400, N_("fb.err.invalid"), errors)
    return Feedback(kind, text, contact)  # type: ignore[arg-type]


def next_state(state: str, action: str) -> str:
    """The state ``action`` leads to from ``state`` (CaseError 409 when it does not
    start there, 400 for no such action)."""
    if action not in ACTIONS:
        raise CaseError(400, N_("fb.err.action"))
    starts, to = ACTIONS[action]
    if state not in starts:
        raise CaseError(409, N_("fb.err.order"))
    return to


def actions_from(state: str) -> list[str]:
    return [a for a, (starts, _) in ACTIONS.items() if state in starts]
