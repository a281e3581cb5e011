"""Lists as files: the household list and the audit log as CSV (UTF-8 with a BOM, which
Excel opens correctly) or Excel, in the language asked for. Pure: rows in, bytes out."""

from __future__ import annotations

import csv
import io

import pandas as pd

from domain.codes import CODES
from i18n import N_, fmt_time, shown, t

HOUSEHOLD_COLUMNS = {
    "household_no": N_("hh.col.household_no"),
    "head_name": N_("hh.col.head_name"),
    "township_name": N_("hh.col.township_name"),
    "village_name": N_("hh.col.village_name"),
    "phone": N_("hh.col.phone"),
    "members": N_("hh.col.members"),
    "household_type": N_("hh.col.household_type"),
    "identify_year": N_("hh.col.identify_year"),
    "exit_year": N_("hh.col.exit_year"),
    "main_cause": N_("hh.col.main_cause"),
    "monitor_type": N_("hh.col.monitor_type"),
    "monitor_state": N_("hh.col.monitor_state"),
    "per_capita_income": N_("hh.col.per_capita_income"),
}
WHOLE = ("members", "identify_year", "exit_year")
CODED = {
    "household_type": "household_type",
    "main_cause": "cause",
    "monitor_type": "monitor_type",
    "monitor_state": "monitor_state",
}
AUDIT_COLUMNS = {
    "at": N_("audit.col.at"),
    "actor": N_("audit.col.actor"),
    "action": N_("audit.col.action"),
    "target": N_("audit.col.target"),
    "outcome": N_("audit.col.outcome"),
    "region_code": N_("audit.col.region_code"),
    "ip": N_("audit.col.ip"),
    "detail": N_("audit.col.detail"),
}


def _household_cell(c: str, v, labels: dict):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if c in CODED:
        return labels[c].get(str(int(v)), "")
    if c == "per_capita_income":
        return shown(v, 2)  # half up, as every page shows it
    if c in WHOLE:  # a column with gaps comes back from pandas as floats
        return int(v)
    return v if not hasattr(v, "item") else v.item()


def household_table(df: pd.DataFrame, lang: str) -> tuple[list[str], list[list]]:
    """The household list's headers and rows: codes as their labels, money as shown."""
    which = 0 if lang == "zh" else 1
    headers = [t(key, lang) for key in HOUSEHOLD_COLUMNS.values()]
    labels = {c: {str(k): v[which] for k, v in CODES[d].items()} for c, d in CODED.items()}
    rows = [
        [_household_cell(c, rec.get(c), labels) for c in HOUSEHOLD_COLUMNS]
        for rec in df.to_dict("records")
    ]
    return headers, rows


def csv_bytes(headers, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    # Money with two decimals ("8546.00"), whole numbers without (never "2014.0").
    w.writerows([f"{v:.2f}" if isinstance(v, float) else v for v in r] for r in rows)
    return buf.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM correctly


def xlsx_bytes(headers, rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("households")
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value) -> str:
    """A cell as text; one starting like a formula is shown as text, not run."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv(rows: list[dict], lang: str) -> bytes:
    """Entries of the audit log as CSV, every cell text (none runs as a formula)."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow([t(key, lang) for key in AUDIT_COLUMNS.values()])
    for r in rows:
        out.writerow(
            [_cell(fmt_time(r["at"], seconds=True) if c == "at" else r[c]) for c in AUDIT_COLUMNS]
        )
    return buf.getvalue().encode("utf-8-sig")
