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
    ("province_health", "demo-health-2026", "department", "610000000000", "health",
     "省卫健部门(演示)"),
    ("hanzhong_manager", "demo-hanzhong-2026", "manager", "610700000000", None,
     "汉中市管理员(演示)"),
    ("ankang_leader", "demo-ankang-2026", "leader", "610900000000", None, "安康市领导(演示)"),
    ("ziyang_manager", "demo-ziyang-2026", "manager", "610924000000", None,
     "紫阳县管理员(演示)"),
    ("province_wall", "demo-wall-2026", "wall", "610000000000", None, "指挥中心大屏(演示)"),
    ("ziyang_cadre", "demo-cadre-2026", "cadre", "610924100000", None, "紫阳县城关镇干部(演示)"),
]


def ensure(engine: Engine, levels: dict[str, int]) -> list[str]:
    """Create the demo accounts that do not exist yet; returns the names created."""
    created = []
    for username, password, role, region, department, name in DEMO_ACCOUNTS:
        if users.get(engine, username) is None:
            users.create(engine, username, password, role, region, levels.get(region),
                         department, name)
            created.append(username)
    return created


def still_set(engine: Engine) -> list[str]:
    """Demo accounts whose demo password still works."""
    return [u for u, password, *_ in DEMO_ACCOUNTS if users.has_password(engine, u, password)]
