"""The identification procedure of a monitoring case (监测对象识别认定), as data: its steps in
order, the level of region that records each, what each must carry, and the clock.
Pure: no I/O (docs/cases.md describes it for users).

A case opens from a discovery channel (``CODES["discovery"]``) on a household and runs

    opened ─home_check─▶ checked ─consent─▶ consented ─comparison─▶ compared
      │                                                                │
      └─home_check: exclude─▶ not_included          village_review ◀───┘ (notice starts)
                                                        ▼
    included / not_included ◀─county_decision─ passed ◀─township_review─ noticed ◀─notice_end
                                                   township_review: return ─▶ compared

The village (level 5) records the home check, the household's consent, the data
comparison, the democratic review with the start of the public notice, and the end of the
notice (at least ``NOTICE_DAYS`` days, objections written down); the township (4) reviews;
the county (3) decides. From the warning to the county's decision at most
``DECISION_DAYS`` days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.codes import CODES
from domain.indicators import N_

DECISION_DAYS = 15  # from the warning (or the report) to the county's decision
NOTICE_DAYS = 5  # a public notice runs at least this many days (end - start >= 5)
MAX_NOTE = 2000
MAX_RISKS = 13
MAX_AMOUNT = 10_000_000.0  # yuan: the largest single measure
MAX_INCOME = 1_000_000.0  # yuan per person and year

STATES = (
    "opened",
    "checked",
    "consented",
    "compared",
    "noticed_open",
    "noticed",
    "passed",
    "included",
    "not_included",
    "elim_notice",
    "elim_noticed",
    "elim_passed",
    "eliminated",
)
# Identifying: on the 15-day clock. Monitored: included, its risk not yet eliminated (the
# elimination's procedure may be under way). Final: the case is over.
OPEN = ("opened", "checked", "consented", "compared", "noticed_open", "noticed", "passed")
MONITORED = ("included", "elim_notice", "elim_noticed", "elim_passed")
FINAL = ("not_included", "eliminated")

# The monitoring page's lifecycle stages (queries/sql/monitoring.sql ``lifecycle``) and the
# states of the platform's cases in each, for its links to /cases?stage=.
STAGE_STATES = {
    "warned": STATES,
    "checked": STATES[1:],
    "identified": (*MONITORED, "eliminated"),
    "cleared": ("not_included",),
    "eliminated": ("eliminated",),
    "pending": OPEN,
}

STATE_LABEL = {
    "opened": N_("case.state.opened"),
    "checked": N_("case.state.checked"),
    "consented": N_("case.state.consented"),
    "compared": N_("case.state.compared"),
    "noticed_open": N_("case.state.noticed_open"),
    "noticed": N_("case.state.noticed"),
    "passed": N_("case.state.passed"),
    "included": N_("case.state.included"),
    "not_included": N_("case.state.not_included"),
    "elim_notice": N_("case.state.elim_notice"),
    "elim_noticed": N_("case.state.elim_noticed"),
    "elim_passed": N_("case.state.elim_passed"),
    "eliminated": N_("case.state.eliminated"),
}

VILLAGE, TOWNSHIP, COUNTY = 5, 4, 3


@dataclass(frozen=True)
class Step:
    """One step: the state it starts from, the level that records it (and another level
    that may, for the elimination's proposal), its label."""

    name: str
    start: str
    level: int
    label: str
    also: int | None = None

    @property
    def levels(self) -> tuple[int, ...]:
        return (self.level,) if self.also is None else (self.level, self.also)


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("home_check", "opened", VILLAGE, N_("case.step.home_check")),
        Step("consent", "checked", VILLAGE, N_("case.step.consent")),
        Step("comparison", "consented", VILLAGE, N_("case.step.comparison")),
        Step("village_review", "compared", VILLAGE, N_("case.step.village_review")),
        Step("notice_end", "noticed_open", VILLAGE, N_("case.step.notice_end")),
        Step("township_review", "noticed", TOWNSHIP, N_("case.step.township_review")),
        Step("county_decision", "passed", COUNTY, N_("case.step.county_decision")),
        # the elimination of the risk (风险消除), once the household is monitored
        Step("elim_proposal", "included", VILLAGE, N_("case.step.elim_proposal"), TOWNSHIP),
        Step("elim_notice_end", "elim_notice", VILLAGE, N_("case.step.elim_notice_end")),
        Step("elim_township_review", "elim_noticed", TOWNSHIP, N_("case.step.elim_township")),
        Step("elim_county_decision", "elim_passed", COUNTY, N_("case.step.elim_county")),
    )
}
NEXT_STEP = {s.start: s.name for s in STEPS.values()}

# The permission (access/roles.py) of the level that records a step.
LEVEL_ACTION = {VILLAGE: "cases.village", TOWNSHIP: "cases.township", COUNTY: "cases.county"}


class CaseError(Exception):
    """A refused request: HTTP-like status, a message key, per-field keys for 400, and the
    case as it now is for a 409."""

    def __init__(self, status: int, key: str, fields: dict | None = None, current=None, **params):
        super().__init__(key)
        self.status, self.key, self.fields = status, key, fields or {}
        self.current, self.params = current, params


def unit_at(village_code: str, level: int) -> str:
    """The unit at ``level`` (3 county, 4 township, 5 village) above a village."""
    keep = {3: 6, 4: 9, 5: 12}[level]
    return village_code[:keep].ljust(12, "0")


def responsible_unit(case: dict) -> str | None:
    """The unit whose step is next (None for a decided case)."""
    step = NEXT_STEP.get(case["state"])
    return None if step is None else unit_at(case["village_code"], STEPS[step].level)


def due_on(warned_on: dt.date) -> dt.date:
    return warned_on + dt.timedelta(days=DECISION_DAYS)


def is_overdue(case: dict, today: dt.date) -> bool:
    """Open past its due day (the county has not decided within ``DECISION_DAYS``)."""
    return case["state"] in OPEN and today > case["due_on"]


def days_left(case: dict, today: dt.date) -> int | None:
    """Days to the due day (negative when overdue); None for a decided case."""
    return (case["due_on"] - today).days if case["state"] in OPEN else None


# ------------------------------------------------------------------ the step's input
def parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def code_of(table: str, value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        code = int(value)
    except (TypeError, ValueError, OverflowError):  # 1e400 arrives as an infinite float
        return None
    return code if code in CODES[table] else None


def amount_of(value, most: float = MAX_AMOUNT) -> float | None:
    """A sum of yuan, 0 to ``most`` (None for anything else)."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        amount = float(str(value).strip())
    except ValueError:
        return None
    return amount if 0 <= amount <= most else None


def _risks(value) -> list[int] | None:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= MAX_RISKS:
        return None
    codes = [code_of("risk", v) for v in value]
    if None in codes or len(set(codes)) != len(codes):
        return None
    return codes


@dataclass(frozen=True)
class StepInput:
    """A step's validated values: what the event records and the case row takes."""

    step: str
    on: dt.date
    note: str
    outcome: str | None = None
    notice_start: dt.date | None = None
    objections: str = ""
    exclude_reason: int | None = None
    monitor_type: int | None = None
    risks: tuple[int, ...] = ()
    method: int | None = None  # the elimination's (code "elimination")
    income: float | None = None  # the household's assessed per-capita income, yuan a year
    stable_since: dt.date | None = None  # the income at that level since


OUTCOMES = {
    "home_check": ("proceed", "exclude"),
    "township_review": ("pass", "return"),
    "county_decision": ("include", "exclude"),
    "elim_township_review": ("pass", "return"),
    "elim_county_decision": ("approve", "reject"),
}
# Outcomes that send the case back or end it: each needs its reason in the note.
NEEDS_REASON = ("exclude", "return", "reject")
NOTICES = {"village_review": "notice_date", "elim_proposal": "elim_notice_date"}
NOTICE_ENDS = {"notice_end": "notice_date", "elim_notice_end": "elim_notice_date"}


def _text(data: dict, name: str, errors: dict) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str) or len(value) > MAX_NOTE:
        errors[name] = N_("case.err.note_long")
        return ""
    return value.strip()


def _dates(case: dict, data: dict, today: dt.date, errors: dict) -> tuple:
    """The step's day (after the case's last step, not in the future), and the notice's
    start for a step that opens a notice."""
    on = parse_date(data.get("date"))
    if on is None:
        errors["date"] = N_("case.err.date")
    elif on > today:
        errors["date"] = N_("case.err.future")
    elif on < case["last_on"]:
        errors["date"] = N_("case.err.before_last")
    start = None
    if data.get("step") in NOTICES:
        start = parse_date(data.get("notice_start"))
        if start is None or start > today or (on is not None and start < on):
            errors["notice_start"] = N_("case.err.notice_start")
    began = case.get(NOTICE_ENDS.get(data.get("step"), ""))
    if began is not None and on is not None and (on - began).days < NOTICE_DAYS:
        errors["date"] = N_("case.err.notice_short")
    return on, start


def _outcome(step: str, data: dict, note: str, errors: dict) -> tuple:
    """The outcome and what it needs: an exclusion its reason and a note, an inclusion
    the monitoring type and the risk types, a return or a rejection a note."""
    if step not in OUTCOMES:
        return None, None, None, ()
    outcome = data.get("outcome")
    if outcome not in OUTCOMES[step]:
        errors["outcome"] = N_("case.err.outcome")
        return None, None, None, ()
    reason = kind = None
    risks: list[int] | None = []
    if outcome == "exclude":
        reason = code_of("exclude_reason", data.get("exclude_reason"))
        if reason is None:
            errors["exclude_reason"] = N_("case.err.exclude_reason")
    if outcome == "include":
        kind = code_of("monitor_type", data.get("monitor_type"))
        risks = _risks(data.get("risks"))
        if kind is None:
            errors["monitor_type"] = N_("case.err.monitor_type")
        if risks is None:
            errors["risks"] = N_("case.err.risks")
    if outcome in NEEDS_REASON and not note:
        errors["note"] = N_("case.err.reason_needed")
    return outcome, reason, kind, tuple(risks or ())


def _proposal(data: dict, on: dt.date | None, errors: dict) -> tuple:
    """The elimination proposal's method, assessed income and the day it is stable since."""
    method = code_of("elimination", data.get("method"))
    if method is None:
        errors["method"] = N_("case.err.method")
    income = amount_of(data.get("income"), MAX_INCOME)
    if income is None:
        errors["income"] = N_("case.err.income")
    since = parse_date(data.get("stable_since"))
    if since is None or (on is not None and since > on):
        errors["stable_since"] = N_("case.err.stable_since")
    return method, income, since


def parse_step(case: dict, data, today: dt.date) -> StepInput:
    """The step ``data`` asks for on ``case``, validated; CaseError (409 for a step its
    state does not allow, 400 with the fields otherwise). Who may record it is the
    caller's check (``LEVEL_ACTION``); the elimination standard is domain/elimination.py."""
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("step"), str)
        or data["step"] not in STEPS
    ):
        raise CaseError(400, N_("case.err.invalid"), {"step": N_("case.err.unknown_step")})
    step = data["step"]
    if STEPS[step].start != case["state"]:
        raise CaseError(409, N_("case.err.order"), step=step, state=case["state"])
    errors: dict[str, str] = {}
    note = _text(data, "note", errors)
    objections = _text(data, "objections", errors) if step in NOTICE_ENDS else ""
    on, start = _dates(case, data, today, errors)
    outcome, reason, kind, risks = _outcome(step, data, note, errors)
    proposal = _proposal(data, on, errors) if step == "elim_proposal" else (None, None, None)
    if errors:
        raise CaseError(400, N_("case.err.invalid"), errors)
    return StepInput(step, on, note, outcome, start, objections, reason, kind, risks, *proposal)


# Where each step (with its outcome, if it has one) leads.
TRANSITIONS = {
    ("home_check", "proceed"): "checked",
    ("home_check", "exclude"): "not_included",
    ("consent", None): "consented",
    ("comparison", None): "compared",
    ("village_review", None): "noticed_open",
    ("notice_end", None): "noticed",
    ("township_review", "pass"): "passed",
    ("township_review", "return"): "compared",
    ("county_decision", "include"): "included",
    ("county_decision", "exclude"): "not_included",
    ("elim_proposal", None): "elim_notice",
    ("elim_notice_end", None): "elim_noticed",
    ("elim_township_review", "pass"): "elim_passed",
    ("elim_township_review", "return"): "included",
    ("elim_county_decision", "approve"): "eliminated",
    ("elim_county_decision", "reject"): "included",
}


def next_state(step: StepInput) -> str:
    """The state a recorded step leads to."""
    return TRANSITIONS[(step.step, step.outcome)]


# The case row's column each step's day is written to (the registry's monitoring dates).
DATE_COLUMN = {
    "home_check": "check_date",
    "consent": "consent_date",
    "comparison": "comparison_date",
    "village_review": "village_review_date",
    "notice_end": "notice_end_date",
    "township_review": "township_review_date",
    "county_decision": "county_decision_date",
    "elim_proposal": "elim_proposal_date",
    "elim_notice_end": "elim_notice_end_date",
    "elim_township_review": "elim_township_date",
    "elim_county_decision": "eliminate_date",
}
# A proposal that goes back to "included" leaves no trace on the row but its events.
ELIM_COLUMNS = ("elim_proposal_date", "elim_notice_date", "elim_notice_end_date")
ELIM_COLUMNS += ("elim_township_date", "elim_method", "elim_income", "override_by")


def row_values(step: StepInput) -> dict:
    """The case row's new values after ``step`` (state, its day, the decision)."""
    values = {"state": next_state(step), DATE_COLUMN[step.step]: step.on, "last_on": step.on}
    if step.step in NOTICES:
        values[NOTICES[step.step]] = step.notice_start
        values["last_on"] = step.notice_start
    if step.outcome == "exclude":
        values |= {"exclude_reason": step.exclude_reason, "decision_note": step.note}
    if step.outcome == "include":
        values |= {"monitor_type": step.monitor_type, "risks": ",".join(map(str, step.risks))}
    if step.step == "elim_proposal":
        values |= {"elim_method": step.method, "elim_income": step.income}
    if step.outcome in ("return", "reject") and step.step.startswith("elim_"):
        values |= {c: None for c in ELIM_COLUMNS} | {"override_note": ""}
        values["eliminate_date"] = None
    return values
