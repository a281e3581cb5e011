"""Demo accounts: one per role at several levels. Listed, with passwords, in the README.

Production refuses to start while any of these passwords still works.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from ops import users

# username, password, role, region, department, display name
DEMO_ACCOUNTS = [
    ("province_leader", "demo-leader-2026", "leader", "610000000000", None, "省级领导(演示)"),
    ("province_admin", "demo-admin-2026", "admin", "610000000000", None, "省级管理员(演示)"),
    (
        "province_health",
        "demo-health-2026",
        "department",
        "610000000000",
        "health",
        "省卫健部门(演示)",
    ),
    (
        "hanzhong_manager",
        "demo-hanzhong-2026",
        "manager",
        "610700000000",
        None,
        "汉中市管理员(演示)",
    ),
    ("ankang_leader", "demo-ankang-2026", "leader", "610900000000", None, "安康市领导(演示)"),
    ("ziyang_manager", "demo-ziyang-2026", "manager", "610924000000", None, "紫阳县管理员(演示)"),
    ("province_wall", "demo-wall-2026", "wall", "610000000000", None, "指挥中心大屏(演示)"),
    ("ziyang_cadre", "demo-cadre-2026", "cadre", "610924100000", None, "紫阳县城关镇干部(演示)"),
    (
        "chengguan_village",
        "demo-village-2026",
        "cadre",
        "610924100001",
        None,
        "城关镇东城门社区干部(演示)",
    ),
    (
        "province_police",
        "demo-police-2026",
        "department",
        "610000000000",
        "police",
        "省公安厅数据员(演示)",
    ),
]


def ensure(engine: Engine, levels: dict[str, int]) -> list[str]:
    """Create the demo accounts that do not exist yet; returns the names created."""
    created = []
    for username, password, role, region, department, name in DEMO_ACCOUNTS:
        if users.get(engine, username) is None:
            users.create(
                engine, username, password, role, region, levels.get(region), department, name
            )
            created.append(username)
    return created


def still_set(engine: Engine) -> list[str]:
    """Demo accounts whose demo password still works."""
    return [u for u, password, *_ in DEMO_ACCOUNTS if users.has_password(engine, u, password)]


# ------------------------------------------------------------------ demo instructions
TITLES = [
    "核实{name}监测户帮扶措施落实情况",
    "督促{name}完成风险消除评估",
    "排查{name}因病返贫致贫风险户",
    "落实{name}防返贫监测月度走访",
    "整改{name}数据比对疑点",
    "复核{name}低于监测线户收入情况",
    "跟进{name}因灾受损户救助进度",
    "核查{name}义务教育阶段控辍保学情况",
]


def seed_instructions(
    engine: Engine, levels: dict[str, int], now, count: int = 72, seed: int = 7
) -> int:
    """A demo store's instructions, so the dispatch board and the wall have something
    to follow: issued over the last 40 days by the province and Ankang leaders to
    counties, at every stage, some overdue and some escalated. Deterministic; does
    nothing when the store already holds instructions. Returns how many were written."""
    import datetime as dt
    import random

    import sqlalchemy as sa

    from access import Scope
    from etl.refdata import region_names
    from ops import tasks as T
    from ops.schema import tasks as tasks_table

    with engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(tasks_table)).scalar():
            return 0
    rng = random.Random(seed)
    names = region_names()
    counties = sorted(c for c, lvl in levels.items() if lvl == 3)
    province = Scope("province_leader", "leader", "610000000000")
    ankang = Scope("ankang_leader", "leader", "610900000000")
    for _ in range(count):
        county = rng.choice(counties)
        issuer = ankang if county.startswith("6109") and rng.random() < 0.6 else province
        created = now - dt.timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 20))
        deadline = created.date() + dt.timedelta(days=rng.choice([7, 10, 15, 20, 30]))
        new = T.validate(
            issuer,
            {
                "title": rng.choice(TITLES).format(name=names.get(county, county)),
                "type": rng.choice(
                    ["alert_verification", "crosscheck_doubt", "data_correction", "other"]
                ),
                "priority": rng.choice(["urgent", "high", "normal", "normal", "low"]),
                "assignee_region": county,
                "deadline": deadline.isoformat(),
            },
            created,
            lambda code: code in levels,
        )
        with engine.begin() as conn:
            task_id = T.insert(conn, issuer, new, created)
        # The county's officer acts under a name people read on the timeline (there is
        # no such account: demo instructions only).
        assignee = Scope(f"{names.get(county, county)}经办人(演示)", "manager", county)
        fate, at, version = rng.random(), created, 1
        steps = (
            []
            if fate < 0.15
            else ["acknowledge"]
            if fate < 0.35
            else ["acknowledge", "start"]
            if fate < 0.55
            else ["acknowledge", "start", "report"]
            if fate < 0.65
            else ["acknowledge", "start", "report", "pass"]
        )
        for action in steps:
            at = min(at + dt.timedelta(hours=rng.randint(2, 60)), now)
            actor = issuer if action == "pass" else assignee
            version = T.act(engine, actor, task_id, action, version, now=at)["version"]
    T.tick(engine, now)
    return count
