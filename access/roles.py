"""Roles, and what each may do: the one table every check reads.

An action is a name (``"households.list"``); its ``Permission`` names the roles that may
take it and, per role, the levels of region (1 province … 5 village) at which they may.
``subject`` marks an action a department account may take only on what concerns its own
department: the caller names the departments a resource concerns (access.Resource), the
gate compares. An action not in the table is denied to all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from i18n import N_

# People's roles, and "wall": a read-only account for a command-centre wall, which sees
# the wall and nothing else.
STAFF_ROLES = ("leader", "manager", "department", "cadre", "admin")
ROLES = (*STAFF_ROLES, "wall")

ANY = (1, 5)
PROVINCE = (1, 1)
COUNTY_AND_BELOW = (3, 5)
COUNTY, TOWNSHIP, VILLAGE = (3, 3), (4, 4), (5, 5)


@dataclass(frozen=True)
class Permission:
    """Who may take an action: role -> (lowest, highest) level of their region, where 1 is
    the province and 5 a village. ``key`` is the refusal's message for a role not named;
    ``level_key`` for a named role at a level it does not cover."""

    roles: dict[str, tuple[int, int]]
    subject: bool = False
    key: str = N_("error.role")
    level_key: str = N_("error.role")
    doc: str = field(default="", compare=False)

    def allows(self, role: str, level: int) -> bool:
        span = self.roles.get(role)
        return span is not None and span[0] <= level <= span[1]


def _all(*roles: str, span: tuple[int, int] = ANY) -> dict[str, tuple[int, int]]:
    return {r: span for r in roles}


_READERS = ("leader", "manager", "cadre", "admin")  # the figures of their region
_ISSUERS = ("leader", "manager")

PERMISSIONS: dict[str, Permission] = {
    # --- figures of a region (overview, drill-down, monitoring, quality, map and chart
    # images, briefings): not department accounts, whose subject is their own data.
    "indicators.view": Permission(_all(*_READERS), doc="overview, region, monitoring, quality"),
    "briefings.make": Permission(_all(*_READERS), doc="briefings, page and map images"),
    # --- households
    "households.list": Permission(_all(*_READERS), doc="household lists and their exports"),
    "household.view": Permission(
        _all(*_READERS, "department"),
        subject=True,
        doc="one household (a department: those behind its cases)",
    ),
    "ids.reveal": Permission(
        {"cadre": ANY, "manager": COUNTY_AND_BELOW},
        doc="full ID and phone numbers (each view logged)",
    ),
    "national.export": Permission(
        {"cadre": ANY, "manager": COUNTY_AND_BELOW, "admin": ANY},
        doc="the national system's file, with full ID numbers",
    ),
    # --- early warnings and cross-checks
    "warnings.view": Permission(
        _all(*_READERS, "department"),
        subject=True,
        doc="warnings (a department: those its data raises)",
    ),
    "warnings.decide": Permission(_all(*_ISSUERS), doc="decide on a warning"),
    "crosschecks.view": Permission(
        _all(*_READERS, "department"),
        subject=True,
        doc="cross-check cases (a department: its own checks)",
    ),
    "doubts.send": Permission(_all(*_ISSUERS), doc="send a doubtful case for checking"),
    "doubts.close": Permission(_all(*_ISSUERS, "cadre"), doc="confirm or clear a case"),
    # --- monitoring cases (识别认定, domain/cases.py): each step by the level that does it
    "cases.view": Permission(_all(*_READERS), doc="the monitoring cases of the region"),
    "cases.open": Permission(
        {"cadre": COUNTY_AND_BELOW, "manager": COUNTY_AND_BELOW},
        level_key=N_("case.err.open_level"),
        doc="open a case from a warning, a visit, a report or a screening",
    ),
    "cases.village": Permission(
        {"cadre": VILLAGE, "manager": VILLAGE},
        key=N_("case.err.village_level"),
        level_key=N_("case.err.village_level"),
        doc="home check, consent, data comparison, democratic review and notice",
    ),
    "cases.township": Permission(
        {"cadre": TOWNSHIP, "manager": TOWNSHIP},
        key=N_("case.err.township_level"),
        level_key=N_("case.err.township_level"),
        doc="the township's review",
    ),
    "cases.county": Permission(
        {"manager": COUNTY, "leader": COUNTY},
        key=N_("case.err.county_level"),
        level_key=N_("case.err.county_level"),
        doc="the county's decision (one case or a list)",
    ),
    "cases.attach": Permission(
        {"cadre": COUNTY_AND_BELOW, "manager": COUNTY_AND_BELOW},
        level_key=N_("case.err.open_level"),
        doc="attach photos and scans to a case",
    ),
    "cases.refresh": Permission(
        {"admin": PROVINCE, "manager": PROVINCE},
        level_key=N_("case.err.refresh_level"),
        doc="merge the platform's cases into the warehouse (its figures made again)",
    ),
    "cases.assist": Permission(
        {"cadre": COUNTY_AND_BELOW, "manager": COUNTY_AND_BELOW},
        level_key=N_("case.err.open_level"),
        doc="plan a monitored household's assistance measures and record them carried out",
    ),
    "pairings.view": Permission(
        _all(*_READERS), doc="assistance cadres, their households and the assisting units"
    ),
    # --- field work on phones (掌上扶贫, /m: services/field.py)
    "field.work": Permission(
        {"cadre": COUNTY_AND_BELOW, "manager": COUNTY_AND_BELOW},
        key=N_("field.err.level"),
        level_key=N_("field.err.level"),
        doc="a unit's households on the phone: record visits, report a risk",
    ),
    "visits.view": Permission(_all(*_READERS), doc="cadres' visits, their photos, overdue visits"),
    "changes.view": Permission(_all(*_READERS), doc="change requests on the region's households"),
    "changes.review": Permission(
        {"cadre": TOWNSHIP, "manager": TOWNSHIP},
        key=N_("chg.err.review_level"),
        level_key=N_("chg.err.review_level"),
        doc="approve or reject a change request (the township's review)",
    ),
    # --- households' feedback (贫困户反馈: services/feedback.py)
    "feedback.view": Permission(_all(*_READERS), doc="the feedback tickets of the region"),
    "feedback.intake": Permission(
        {"cadre": COUNTY_AND_BELOW, "manager": COUNTY_AND_BELOW},
        key=N_("fb.err.level"),
        level_key=N_("fb.err.level"),
        doc="enter feedback for a household, a 12317 call or the hotline's file",
    ),
    "feedback.handle": Permission(
        {"cadre": (3, 4), "manager": (3, 4)},
        key=N_("fb.err.handle_level"),
        level_key=N_("fb.err.handle_level"),
        doc="assign, handle, reply to and close a ticket (township, county)",
    ),
    # --- instructions (督办) and the dispatch view
    "tasks.view": Permission(
        _all(*STAFF_ROLES), subject=True, doc="instructions issued or assigned within the region"
    ),
    "tasks.issue": Permission(
        _all(*_ISSUERS), key=N_("task.err.cannot_issue"), doc="issue, review, withdraw, urge"
    ),
    "tasks.work": Permission(
        _all("leader", "manager", "cadre", "department"),
        subject=True,
        doc="acknowledge, start and report an assigned instruction",
    ),
    "dispatch.view": Permission(_all("leader", "manager", "admin"), doc="the dispatch view"),
    # --- the wall
    "wall.view": Permission(_all("leader", "wall"), doc="the command-centre wall"),
    "wall.playlist": Permission(
        {"admin": PROVINCE}, level_key=N_("error.province_admin"), doc="the wall's playlist"
    ),
    # --- department data
    "imports.load": Permission(
        _all("department", "admin"),
        subject=True,
        doc="upload a department file, read its batches and reports",
    ),
    "imports.merge": Permission(
        {"admin": PROVINCE},
        level_key=N_("imp.err.province_admin"),
        doc="bring loaded batches into the warehouse",
    ),
    "registry.load": Permission(
        {"admin": PROVINCE}, level_key=N_("reg.err.province_admin"), doc="load the registry files"
    ),
    # --- accounts and the audit log
    "users.admin": Permission(_all("admin"), doc="accounts of the region"),
    "audit.view": Permission(_all("admin"), doc="the audit log of the region"),
    "account.own": Permission(_all(*STAFF_ROLES), doc="one's own password and API tokens"),
}


def roles_for(action: str) -> tuple[str, ...]:
    """The roles that may take ``action`` at some level, in ROLES order (navigation)."""
    perm = PERMISSIONS[action]
    return tuple(r for r in ROLES if r in perm.roles)
