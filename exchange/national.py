"""The export for the national system (国家防返贫监测信息系统): registry and monitoring
data of a unit and period (docs/exchange.md), one way.

A ZIP that is a full delivery in the registry layout (docs/registry.md): CSV files
(UTF-8) of four of its tables and a manifest with the layout's name and version, the
unit, the period, who made it and when, each file's rows and SHA-256; so an export of
one instance loads into another with `manage.py load-registry`. It carries full ID
numbers: only roles that may see them can make it (queries.privacy), and every export is
in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pandas as pd

from access import RoleDenied, Scope, prefix_of
from etl import layout as L
from queries import api
from queries.privacy import can_export_ids
from queries.runner import Warehouse

LAYOUT, VERSION = "jingzhun-national-exchange", 2
FILES = ("households", "members", "monitoring", "monitoring_risks")


def _csv(df: pd.DataFrame) -> bytes:
    """Whole numbers as whole numbers (a column with gaps comes back as floats), yes/no
    as 1/0, dates as YYYY-MM-DD: the registry layout's forms."""
    df = df.copy()
    for col in df.columns:
        s = df[col]
        if s.dtype == bool or s.dtype == "boolean":
            df[col] = s.map({True: "1", False: "0"})
        elif (
            pd.api.types.is_float_dtype(s)
            and (s.dropna() % 1 == 0).all()
            and col not in ("farmland_mu", "forest_mu")
        ):
            df[col] = s.astype("Int64")
        elif s.dtype == object and s.map(lambda v: isinstance(v, bool)).any():
            df[col] = s.map({True: "1", False: "0"})
    return df.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")


def _month_end(month: dt.date) -> dt.date:
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def allowed(scope: Scope | None) -> bool:
    """Who may make it (queries/privacy.py, the one rule for full ID numbers in files)."""
    return can_export_ids(scope)


def build(
    wh: Warehouse, scope: Scope, code: str, month: dt.date, by: str, now: dt.datetime | None = None
) -> tuple[str, bytes]:
    """The file name and the ZIP. AccessDenied for a role that may not see ID numbers or
    a unit outside the scope."""
    if not allowed(scope):
        raise RoleDenied(scope.role, "this role may not export ID numbers")
    unit = api.region(wh, scope, code)
    now = now or dt.datetime.now(dt.UTC)
    until = _month_end(month)
    params = {"unit_prefix": prefix_of(code)}
    version = api.data_version(wh)
    # The data as it stood at the period's end, or on the data's last day if sooner.
    until = min(until, version.as_of)
    # The national system needs the numbers whole: read past the cache, which holds
    # none (queries/privacy.py); the export itself is audited (exports/jobs.py).
    r = wh.run_many(
        scope,
        {
            "households": ("exchange_households", {**params, "until": until}),
            "members": ("exchange_members", {**params, "until": until}),
            "monitoring": ("exchange_monitoring", {**params, "until": until}),
            "monitoring_risks": ("exchange_monitoring_risks", {**params, "until": until}),
        },
        unmasked=True,
    )
    buf = io.BytesIO()
    manifest = {
        "layout": L.LAYOUT,
        "version": L.VERSION,
        "kind": "full",
        "as_of": until.isoformat(),
        "source": f"{unit['name']} national exchange {month:%Y-%m}",
        "exchange": {"layout": LAYOUT, "version": VERSION},
        "region": unit["code"],
        "region_name": unit["name"],
        "period": f"{month:%Y-%m}",
        "period_end": _month_end(month).isoformat(),
        "generated_at": now.isoformat(),
        "generated_by": by,
        "data_version": version.version,
        "files": {},
    }
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in FILES:
            body = _csv(r[name])
            z.writestr(f"{name}.csv", body)
            manifest["files"][f"{name}.csv"] = {
                "rows": len(r[name]),
                "sha256": hashlib.sha256(body).hexdigest(),
                "columns": list(r[name].columns),
            }
        z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return f"exchange-{unit['code']}-{month:%Y-%m}.zip", buf.getvalue()
