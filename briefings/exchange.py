"""The export for the national system (国家防返贫监测信息系统): registry and monitoring
data of a unit and period in a documented, versioned layout (docs/exchange.md), one way.

A ZIP of CSV files (UTF-8) and a manifest with the layout's name and version, the unit,
the period, who made it and when, each file's rows and SHA-256. It carries full ID
numbers: only roles that may see them can make it (queries.privacy), and every export is
in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

from queries import api
from queries.privacy import can_export_ids
from queries.runner import Warehouse
from queries.scope import RoleDenied, Scope, prefix_of

LAYOUT, VERSION = "jingzhun-national-exchange", 1
FILES = ("households", "members", "monitoring")


def _month_end(month: dt.date) -> dt.date:
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def allowed(scope: Scope | None) -> bool:
    """Who may make it (queries/privacy.py, the one rule for full ID numbers in files)."""
    return can_export_ids(scope)


def build(wh: Warehouse, scope: Scope, code: str, month: dt.date, by: str,
          now: dt.datetime | None = None) -> tuple[str, bytes]:
    """The file name and the ZIP. AccessDenied for a role that may not see ID numbers or
    a unit outside the scope."""
    if not allowed(scope):
        raise RoleDenied(scope.role, "this role may not export ID numbers")
    unit = api.region(wh, scope, code)
    now = now or dt.datetime.now(dt.UTC)
    until = _month_end(month)
    params = {"unit_prefix": prefix_of(code)}
    r = wh.run_many(scope, {
        "households": ("exchange_households", params),
        "members": ("exchange_members", params),
        "monitoring": ("exchange_monitoring", {**params, "until": until}),
    })
    buf = io.BytesIO()
    manifest = {"layout": LAYOUT, "version": VERSION, "region": unit["code"],
                "region_name": unit["name"], "period": f"{month:%Y-%m}",
                "period_end": until.isoformat(), "generated_at": now.isoformat(),
                "generated_by": by, "data_version": api.data_version(wh).version,
                "files": {}}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in FILES:
            body = r[name].to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")
            z.writestr(f"{name}.csv", body)
            manifest["files"][f"{name}.csv"] = {
                "rows": len(r[name]), "sha256": hashlib.sha256(body).hexdigest(),
                "columns": list(r[name].columns)}
        z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return f"exchange-{unit['code']}-{month:%Y-%m}.zip", buf.getvalue()
