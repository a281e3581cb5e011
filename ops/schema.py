"""Tables of the operational store (SQLAlchemy Core): portable to SQLite and PostgreSQL.

The tables are created by the Alembic revisions in ops/alembic/versions (run by
``ops.migrations``), never by ``metadata.create_all``; this module only describes them
for queries. A change here needs a revision too (README: "Changing the store").
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("department", sa.String(40)),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
    # Bumped on logout, a password, role or region change and on disable: a session
    # cookie carries the generation it was issued under and is void once it differs.
    sa.Column("session_generation", sa.Integer, nullable=False, default=0, server_default="0"),
)

# Failed logins for usernames that do not exist, so that an unknown name locks exactly
# like a real one and usernames cannot be probed. Unknown names are kept by a bucket of
# their hash (ops.users), so the table cannot grow without bound.
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, default=""),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("ip", sa.String(45), nullable=False, default=""),
    # The region the entry concerns (the actor's region), for an admin's scoped view.
    sa.Column("region_code", sa.String(12), nullable=False, default="", server_default=""),
)
sa.Index("ix_audit_log_at", audit_log.c.at)
sa.Index("ix_audit_log_actor", audit_log.c.actor, audit_log.c.at)

# Failed logins per client address, whatever the name tried: a limit on guessing across
# many names from one address. Rows older than the window are pruned as they are read.
address_throttle = sa.Table(
    "address_throttle",
    metadata,
    sa.Column("address", sa.String(45), primary_key=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
)


# ---------------------------------------------------------------- instructions (督办)
meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("attendees", sa.Text, nullable=False, default=""),
    sa.Column("notes", sa.Text, nullable=False, default=""),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("content", sa.Text, nullable=False, default=""),
    sa.Column("type", sa.String(30), nullable=False),
    sa.Column("priority", sa.String(10), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("source_ref", sa.String(100), nullable=False, default=""),
    sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id")),
    sa.Column("issuer", sa.String(64), nullable=False),
    sa.Column("issuer_region", sa.String(12), nullable=False),
    sa.Column("assignee_region", sa.String(12), nullable=False),
    sa.Column("assignee_user", sa.String(64)),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("ack_deadline", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("escalated_to", sa.String(12)),
    sa.Column("overdue_at", sa.DateTime(timezone=True)),
    sa.Column("urge_count", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
)
sa.Index("ix_tasks_assignee", tasks.c.assignee_region, tasks.c.state)
sa.Index("ix_tasks_issuer", tasks.c.issuer_region)
sa.Index("ix_tasks_deadline", tasks.c.deadline)

# Regions an instruction concerns and households it names.
task_links = sa.Table(
    "task_links",
    metadata,
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("ref", sa.String(20), nullable=False),
    sa.PrimaryKeyConstraint("task_id", "kind", "ref"),
)

# Every change to an instruction, in order: append-only.
task_events = sa.Table(
    "task_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("from_state", sa.String(20)),
    sa.Column("to_state", sa.String(20)),
    sa.Column("body", sa.Text, nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False),
)
sa.Index("ix_task_events_task", task_events.c.task_id, task_events.c.id)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

# The daily digest of each unit, written once a day by the scheduler.
digests = sa.Table(
    "digests",
    metadata,
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("region_code", "day"),
)


# What was decided about an early warning (the warning itself lives in the warehouse;
# its key survives re-evaluation: rule, household and date of the evidence).
warning_decisions = sa.Table(
    "warning_decisions",
    metadata,
    sa.Column("warning_key", sa.String(80), primary_key=True),
    sa.Column("household_id", sa.Integer, nullable=False),
    sa.Column("village_code", sa.String(12), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id")),
    sa.Column("decided_by", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_warning_decisions_village", warning_decisions.c.village_code)


# Exports made in the background (briefings, minutes, page and map images): one row per
# request, followed by the browser until the file can be downloaded by its owner.
export_jobs = sa.Table(
    "export_jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),  # whose data it shows
    sa.Column("params", sa.Text, nullable=False, default="{}"),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("progress", sa.Integer, nullable=False, default=0),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("filename", sa.String(200), nullable=False, default=""),
    sa.Column("size", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),  # a heartbeat
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)
sa.Index("ix_export_jobs_user", export_jobs.c.username, export_jobs.c.created_at)


# Department files imported (数据导入): one row per batch; its accepted rows and its
# error report are files under JZ_IMPORT_DIR, named by the batch id.
import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed", sa.String(30), nullable=False),
    sa.Column("department", sa.String(20), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("rows_total", sa.Integer, nullable=False),
    sa.Column("rows_accepted", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("imported_by", sa.String(64), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # loaded, then merged
    sa.Column("merged_at", sa.DateTime(timezone=True)),
    # The importer's region: who else may see the batch and its error report.
    sa.Column("region_code", sa.String(12), nullable=False, default="", server_default=""),
    sa.UniqueConstraint("feed", "checksum", name="uq_import_batches_file"),
)


# Doubtful cases from the cross-checks (疑点): the cases are in the warehouse (keyed by
# check and household); what became of them is here, with every step kept.
doubt_cases = sa.Table(
    "doubt_cases",
    metadata,
    sa.Column("doubt_key", sa.String(80), primary_key=True),
    sa.Column("check_id", sa.String(40), nullable=False),
    sa.Column("household_id", sa.Integer, nullable=False),
    sa.Column("village_code", sa.String(12), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # sent, confirmed, cleared
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id")),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_doubt_cases_village", doubt_cases.c.village_code)

doubt_events = sa.Table(
    "doubt_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doubt_key", sa.String(80), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("task_id", sa.Integer),
    sa.Column("note", sa.Text, nullable=False, default=""),
)
sa.Index("ix_doubt_events_key", doubt_events.c.doubt_key)


# Runtime state (revision 0002): values the app changes while it runs, one JSON text per
# key; the wall's playlist is the key "wall.playlist" (ops/wall.py).
runtime_state = sa.Table(
    "runtime_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


# Monitoring cases (revision 0003): the identification procedure run in the platform
# (domain/cases.py). One row per case with the day of each step (the registry's
# monitoring dates, so the warehouse refresh merges them column for column); every change
# is an event in case_events, append-only. ``open_household`` holds the household's id
# while the case is open and NULL once decided: one open case per household.
monitoring_cases = sa.Table(
    "monitoring_cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.Integer, nullable=False),
    sa.Column("household_no", sa.String(20), nullable=False),
    sa.Column("village_code", sa.String(12), nullable=False),
    sa.Column("monitoring_id", sa.Integer),  # the registry's record it continues, if any
    sa.Column("channel", sa.Integer, nullable=False),  # code "discovery"
    sa.Column("source_ref", sa.String(100), nullable=False, default=""),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("warned_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("last_on", sa.Date, nullable=False),  # the day of the latest step
    sa.Column("check_date", sa.Date),
    sa.Column("consent_date", sa.Date),
    sa.Column("comparison_date", sa.Date),
    sa.Column("village_review_date", sa.Date),
    sa.Column("notice_date", sa.Date),
    sa.Column("notice_end_date", sa.Date),
    sa.Column("township_review_date", sa.Date),
    sa.Column("county_decision_date", sa.Date),
    sa.Column("monitor_type", sa.Integer),
    sa.Column("risks", sa.String(60), nullable=False, default=""),  # "1,7": main risk first
    sa.Column("exclude_reason", sa.Integer),
    sa.Column("decision_note", sa.Text, nullable=False, default=""),
    sa.Column("open_household", sa.Integer, unique=True),
    sa.Column("escalated_to", sa.String(12)),
    # the elimination of the risk (revision 0004)
    sa.Column("elim_proposal_date", sa.Date),
    sa.Column("elim_notice_date", sa.Date),
    sa.Column("elim_notice_end_date", sa.Date),
    sa.Column("elim_township_date", sa.Date),
    sa.Column("eliminate_date", sa.Date),
    sa.Column("elim_method", sa.Integer),  # code "elimination"
    sa.Column("elim_income", sa.Float),  # the assessed per-capita income, yuan a year
    sa.Column("override_note", sa.Text, nullable=False, default=""),  # the county's reason
    sa.Column("override_by", sa.String(64)),
    sa.Column("opened_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("version", sa.Integer, nullable=False),
)
sa.Index("ix_monitoring_cases_village", monitoring_cases.c.village_code)
sa.Index("ix_monitoring_cases_state", monitoring_cases.c.state)

case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("monitoring_cases.id"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("actor_region", sa.String(12), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # opened, a step, escalated
    sa.Column("from_state", sa.String(20)),
    sa.Column("to_state", sa.String(20)),
    sa.Column("on_date", sa.Date),  # the step's day, as the user gave it
    sa.Column("body", sa.Text, nullable=False, default=""),
    sa.Column("data", sa.Text, nullable=False, default="{}"),  # the step's values, JSON
    sa.Column("version", sa.Integer, nullable=False),
)
sa.Index("ix_case_events_case", case_events.c.case_id)

# The assistance plan of a monitored household (revision 0004): one row per measure,
# planned and then carried out (``done_on``); each change is also a case event.
case_measures = sa.Table(
    "case_measures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("monitoring_cases.id"), nullable=False),
    sa.Column("household_no", sa.String(20), nullable=False),
    sa.Column("village_code", sa.String(12), nullable=False),
    sa.Column("category", sa.Integer, nullable=False),  # code "measure_category"
    sa.Column("department", sa.String(20), nullable=False),  # code "department"
    sa.Column("responsible", sa.String(100), nullable=False, default=""),  # a cadre, a unit
    sa.Column("amount", sa.Float, nullable=False, default=0.0),  # yuan
    sa.Column("planned_on", sa.Date, nullable=False),
    sa.Column("done_on", sa.Date),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_case_measures_case", case_measures.c.case_id)

# Attachments of a case (revision 0005): photos and scans of a step's evidence, the
# content in the store itself (at most 10 MB each; one transaction with the case's
# event, and shared by every machine that shares the store).
case_files = sa.Table(
    "case_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("monitoring_cases.id"), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),  # the case's state when attached
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("mime", sa.String(40), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_case_files_case", case_files.c.case_id)

# A cadre's visit (走访) to a household, recorded on the phone (/m, services/field.py):
# append-only. ``region_code`` is the household's village.
visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.BigInteger, nullable=False),
    sa.Column("household_no", sa.String(20), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("visited_on", sa.Date, nullable=False),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_visits_household", visits.c.household_id, visits.c.visited_on)
sa.Index("ix_visits_region", visits.c.region_code, visits.c.household_id, visits.c.visited_on)

# A visit's photos (checked as a case's attachments: services/attachments.py).
visit_files = sa.Table(
    "visit_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("mime", sa.String(40), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)
sa.Index("ix_visit_files_visit", visit_files.c.visit_id)

# What a phone sent with an idempotency key (its offline queue sends an item until it
# hears an answer): the key of each stored submission and what it made, so that sending
# it again answers the same and stores nothing more.
field_submissions = sa.Table(
    "field_submissions",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # "visit" or "risk"
    sa.Column("ref_id", sa.Integer, nullable=False),  # the visit's or the case's id
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A household's feedback (贫困户反馈) as a ticket of its township (services/feedback.py).
# ``region_code``: the household's village; ``unit_code``: the township that handles it.
feedback_tickets = sa.Table(
    "feedback_tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.BigInteger, nullable=False),
    sa.Column("household_no", sa.String(20), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("unit_code", sa.String(12), nullable=False),
    sa.Column("channel", sa.Integer, nullable=False),  # code "feedback_channel"
    sa.Column("type", sa.Integer, nullable=False),  # code "feedback_type"
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("contact", sa.String(40), nullable=False, default=""),
    sa.Column("source_ref", sa.String(100), nullable=False, default=""),  # a hotline record
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("satisfaction", sa.Integer),  # code "satisfaction", when closed
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.String(64), nullable=False),  # "-" for the household itself
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_feedback_region", feedback_tickets.c.region_code)
sa.Index("ix_feedback_household", feedback_tickets.c.household_id)
# A hotline record makes one ticket (services/feedback.py import_hotline).
sa.Index(
    "ix_feedback_source",
    feedback_tickets.c.source_ref,
    unique=True,
    sqlite_where=feedback_tickets.c.source_ref != "",
    postgresql_where=feedback_tickets.c.source_ref != "",
)


def _events(name: str, ref: str, of: str) -> sa.Table:
    """Every action on a stateful record (``of``.id as ``ref``), append-only
    (ops/events.py writes them)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(ref, sa.Integer, sa.ForeignKey(f"{of}.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False, default=""),
    )


# Every action on a ticket, append-only.
feedback_events = _events("feedback_events", "ticket_id", "feedback_tickets")
sa.Index("ix_feedback_events_ticket", feedback_events.c.ticket_id)

# Requests to the households' public form, for its rate limits (per card code and per
# address): the code's hash, never the code, and the time.
public_hits = sa.Table(
    "public_hits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ip", sa.String(45), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_public_hits_ip", public_hits.c.ip, public_hits.c.at)
sa.Index("ix_public_hits_code", public_hits.c.code_hash, public_hits.c.at)

# A cadre's report of a change in a household's registry record (变更申请), reviewed by
# the township and applied over the registry at the next refresh (services/changes.py,
# etl/changes.py). ``values`` and ``original``: JSON objects field -> value as text (the
# new values, and the registry's when the request was made); ``person_key``: the ID
# number of the member it concerns (a new member's for "member_new").
change_requests = sa.Table(
    "change_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.BigInteger, nullable=False),
    sa.Column("household_no", sa.String(20), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("person_key", sa.String(18), nullable=False, default=""),
    sa.Column("person_name", sa.String(30), nullable=False, default=""),
    sa.Column("values", sa.Text, nullable=False),
    sa.Column("original", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_change_region", change_requests.c.region_code, change_requests.c.state)
sa.Index("ix_change_household", change_requests.c.household_id)

# Every action on a change request, append-only (the refresh's "apply" by "system").
change_events = _events("change_events", "change_id", "change_requests")
sa.Index("ix_change_events_change", change_events.c.change_id)

# A cadre's account linked to their record in the registry (``cadre.cadre_id``): its
# field pages list the households the cadre is paired with (services/field.py).
cadre_accounts = sa.Table(
    "cadre_accounts",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("cadre_id", sa.BigInteger, nullable=False),
    sa.Column("linked_by", sa.String(64), nullable=False),
    sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
)
