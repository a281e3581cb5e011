"""The data-quality page's pieces (pages/quality.py): cards, the chart and table of
issues by check, the units below by check, the league of units and the rows behind a
count. Data in (queries/quality.py), components out."""

from __future__ import annotations

import dash_mantine_components as dmc
import pandas as pd
from dash import dcc, html

from components import tables
from components.kpi import Kpi
from components.theme import SERIES, figure
from domain.indicators import Indicator
from i18n import N_, fmt_exact, fmt_number, t

# The map's and the league's figure: issues per 1,000 households (a rise is bad).
PER_1000 = Indicator("quality_per_1000", "per_1000", "month", "per1000", -1)
SEVERITY_COLOUR = {1: "gray", 2: "orange", 3: "red"}
NUMBER = {
    "textAlign": "right",
    "paddingLeft": 12,
    "whiteSpace": "nowrap",
    "fontVariantNumeric": "tabular-nums",
}
LEVEL_KEY = {
    2: N_("quality.level.2"),
    3: N_("quality.level.3"),
    4: N_("quality.level.4"),
    5: N_("quality.level.5"),
}
SEVERITY_KEY = {
    1: N_("quality.severity.1"),
    2: N_("quality.severity.2"),
    3: N_("quality.severity.3"),
}


def _missing(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v))


def fmt_rate(v) -> str:
    return "—" if _missing(v) else fmt_number(v, 2)


def name_of(rec: dict, lang: str) -> str:
    """A check's name in ``lang``."""
    return str(rec["zh"] if lang == "zh" else rec["en"])


def names(checks: pd.DataFrame, lang: str) -> dict[str, str]:
    """check id -> "Q01 name"."""
    return {r["id"]: f"{r['id']} {name_of(r, lang)}" for r in checks.to_dict("records")}


def cards(totals: dict, checks: pd.DataFrame, check: str, *, lang: str) -> list[Kpi]:
    """Issues, households flagged, issues per 1,000 households, checks run."""
    evaluable = int(checks["evaluable"].sum()) if len(checks) else 0
    skipped = len(checks) - evaluable
    if check:
        row = checks[checks["id"] == check].iloc[0].to_dict()
        issues, flagged = row["issues"], row["households_flagged"]
    else:
        issues, flagged = totals["issues"], totals["households_flagged"]
    households = int(totals["households"] or 0)
    rate = None if _missing(issues) or not households else 1000.0 * issues / households
    return [
        Kpi(
            key="issues",
            label=t("quality.issues", lang),
            value=fmt_exact(issues),
            unit=t("unit.issues", lang),
            good_when=-1,
        ),
        Kpi(
            key="households_flagged",
            label=t("quality.households_flagged", lang),
            value=fmt_exact(flagged),
            unit=t("unit.households", lang),
            note=t("quality.of_households", lang, n=fmt_exact(households)),
        ),
        Kpi(key="per_1000", label=t("indicator.quality_per_1000", lang), value=fmt_rate(rate)),
        Kpi(
            key="checks",
            label=t("quality.checks_run", lang),
            value=f"{evaluable} / {len(checks)}",
            note=t("quality.checks_skipped", lang, n=skipped) if skipped else "",
        ),
    ]


def checks_figure(checks: pd.DataFrame, region_name: str, *, lang: str) -> dict:
    """Issues by check for one unit, the most on top (checks that found something)."""
    df = checks[checks["evaluable"] & (checks["issues"].fillna(0) > 0)]
    df = df.sort_values(["issues", "id"], ascending=[False, True])
    full = [f"{r['id']} {name_of(r, lang)}" for r in df.to_dict("records")]
    # Short labels leave the bars room on a narrow screen; the hover has the whole name.
    labels = [_clip(n, 30) for n in full]
    values = [int(v) for v in df["issues"]]
    if not values:  # nothing found: say so rather than draw empty axes
        return figure(
            [],
            {
                "height": 240,
                "title": {"text": t("quality.chart_title", lang, region=region_name)},
                "xaxis": {"visible": False},
                "yaxis": {"visible": False},
                "annotations": [
                    {
                        "text": t("quality.none_found", lang),
                        "showarrow": False,
                        "xref": "paper",
                        "yref": "paper",
                        "x": 0.5,
                        "y": 0.5,
                        "font": {"size": 16, "color": "#5b6877"},
                    }
                ],
            },
        )
    return figure(
        [
            {
                "type": "bar",
                "orientation": "h",
                "x": values[::-1],
                "y": labels[::-1],
                "customdata": full[::-1],
                "marker": {"color": SERIES[0]},
                "hovertemplate": "%{customdata}: %{x:,}<extra></extra>",
            }
        ],
        {
            "height": max(240, 24 * len(labels) + 100),
            "title": {"text": t("quality.chart_title", lang, region=region_name)},
            "margin": {"l": 16, "r": 24, "t": 56, "b": 32},
            "xaxis": {"tickformat": ",", "rangemode": "tozero"},
            "yaxis": {"automargin": True},
        },
    )


def _clip(text: str, width: int) -> str:
    """At most ``width`` columns of text, a CJK character taking two."""
    used, out = 0, []
    for ch in text:
        w = 2 if ord(ch) > 0x2E80 else 1
        if used + w > width - 1:
            return "".join(out) + "…"
        used += w
        out.append(ch)
    return text


def severity_badge(severity: int, *, lang: str):
    return dmc.Badge(
        t(SEVERITY_KEY[int(severity)], lang),
        size="sm",
        variant="light",
        color=SEVERITY_COLOUR.get(int(severity), "gray"),
    )


def checks_table(checks: pd.DataFrame, href, current: str, *, lang: str):
    """Every check in force: its issues in the unit and per 1,000 households, or why it
    could not be evaluated."""
    rows = []
    for r in checks.to_dict("records"):
        if r["evaluable"]:
            count = [
                html.Td(fmt_exact(r["issues"]), style=NUMBER),
                html.Td(fmt_rate(r["per_1000"]), style=NUMBER),
            ]
        else:
            count = [
                html.Td(
                    dmc.Text(
                        t("quality.not_evaluable", lang),
                        size="xs",
                        c="dimmed",
                        title=t("quality.missing", lang, what=r["missing"] or ""),
                    ),
                    colSpan=2,
                    style={"textAlign": "right"},
                )
            ]
        rows.append(
            html.Tr(
                [
                    html.Td(r["id"], style={"whiteSpace": "nowrap"}),
                    html.Td(
                        dcc.Link(
                            name_of(r, lang),
                            href=href(r["id"]),
                            title=r["description"] if lang == "zh" else r["description_en"],
                        ),
                        style={"fontWeight": 600} if r["id"] == current else None,
                    ),
                    html.Td(severity_badge(r["severity"], lang=lang)),
                    *count,
                ],
                **{"data-check": r["id"]},
            )
        )
    left = {"textAlign": "left"}
    head = html.Tr(
        [
            html.Th(t("quality.col.id", lang), style=left),
            html.Th(t("quality.col.check", lang), style=left),
            html.Th(t("quality.col.severity", lang), style=left),
            html.Th(t("quality.issues", lang), style={"textAlign": "right"}),
            html.Th(t("quality.col.per_1000", lang), style={"textAlign": "right"}),
        ]
    )
    return html.Div(
        dmc.Table(
            [html.Thead(head), html.Tbody(rows)],
            id="quality-checks",
            striped=True,
            highlightOnHover=True,
            fz="sm",
        ),
        className="jz-table-scroll",
    )


def children_grid(
    children: pd.DataFrame, by_child: pd.DataFrame, checks: pd.DataFrame, href, *, lang: str
) -> object:
    """The units below, whatever check the page shows: households, issues of all checks
    and per 1,000 households, then one column per check that found something there."""
    counts = (
        by_child.pivot_table(index="code", columns="check_id", values="issues", aggfunc="sum")
        if len(by_child)
        else pd.DataFrame()
    )
    shown = [c for c in checks["id"] if c in counts.columns]
    label = names(checks, lang)
    rows = []
    for rec in children.to_dict("records"):
        households = int(rec["households"])
        row = {
            "code": rec["code"],
            "name": f"[{rec['name']}]({href(rec['code'])})",
            "households": households,
        }
        for c in shown:
            v = counts[c].get(rec["code"]) if rec["code"] in counts.index else None
            row[c] = 0 if _missing(v) else int(v)
            row[f"{c}_fmt"] = fmt_exact(row[c])
        row["issues"] = sum(row[c] for c in shown)
        row["per_1000"] = 1000.0 * row["issues"] / households if households else None
        row["households_fmt"] = fmt_exact(households)
        row["issues_fmt"] = fmt_exact(row["issues"])
        row["per_1000_fmt"] = fmt_rate(row["per_1000"])
        rows.append(row)
    columns = [
        {
            "field": "name",
            "headerName": t("overview.col.name", lang),
            "cellRenderer": "markdown",
            "width": 150,
            "pinned": "left",
        },
        tables.number_column("households", t("quality.col.households", lang), 116),
        tables.number_column("issues", t("quality.issues_all", lang), 150),
        tables.number_column("per_1000", t("quality.col.per_1000", lang), 100),
    ]
    for c in shown:
        col = tables.number_column(c, c, 76)
        col["headerTooltip"] = label[c]
        columns.append(col)
    return tables.grid(
        "quality-children", columns, rows, height=tables.fit_height(len(rows), 420), lang=lang
    )


def league_grid(league: pd.DataFrame, href, *, lang: str) -> object:
    """Units of one level ranked by issues per 1,000 households."""
    rows = []
    for rank, rec in enumerate(league.to_dict("records"), start=1):
        per = None if _missing(rec["per_1000"]) else float(rec["per_1000"])
        rows.append(
            {
                "rank": rank,
                "code": rec["code"],
                "name": f"[{rec['name']}]({href(rec['code'])})",
                "parent": rec["parent_name"],
                "households": int(rec["households"]),
                "households_fmt": fmt_exact(rec["households"]),
                "issues": int(rec["issues"]),
                "issues_fmt": fmt_exact(rec["issues"]),
                "per_1000": per,
                "per_1000_fmt": fmt_rate(per),
            }
        )
    columns = [
        {"field": "rank", "headerName": "#", "width": 60, "type": "rightAligned"},
        {
            "field": "name",
            "headerName": t("overview.col.name", lang),
            "cellRenderer": "markdown",
            "width": 120,
        },
        {"field": "parent", "headerName": t("quality.col.parent", lang), "width": 110},
        tables.number_column("per_1000", t("quality.col.per_1000", lang), 124),
        tables.number_column("issues", t("quality.issues", lang), 100),
        tables.number_column("households", t("quality.col.households", lang), 116),
    ]
    return tables.grid(
        "quality-league", columns, rows, height=tables.fit_height(len(rows), 420), lang=lang
    )


def issue_records(issues: pd.DataFrame, checks: pd.DataFrame, *, lang: str) -> list[dict]:
    """The rows behind a count as the list and the CSV show them (already masked)."""
    label = names(checks, lang)
    severity = dict(zip(checks["id"], checks["severity"]))
    en = lang != "zh"
    out = []
    for r in issues.to_dict("records"):
        out.append(
            {
                "issue_key": r["issue_key"],
                "check": label.get(r["check_id"], r["check_id"]),
                "severity": t(SEVERITY_KEY[int(severity.get(r["check_id"], 1))], lang),
                "household_no": r["household_no"],
                "household_id": int(r["household_id"]),
                "head_name": r["head_name"],
                "phone": r["phone"],
                "township": r["township_name"],
                "village": r["village_name"],
                "member": "" if _missing(r["person_name"]) else r["person_name"],
                "id_number": r["id_number"] or "",
                "detail": (r["detail_en"] if en else r["detail"]) or "",
            }
        )
    return out


CSV_COLUMNS = (
    "check",
    "severity",
    "household_no",
    "head_name",
    "phone",
    "township",
    "village",
    "member",
    "id_number",
    "detail",
)
CSV_HEADERS = {
    c: m
    for c, m in zip(
        CSV_COLUMNS,
        (
            N_("quality.csv.check"),
            N_("quality.csv.severity"),
            N_("quality.csv.household_no"),
            N_("quality.csv.head_name"),
            N_("quality.csv.phone"),
            N_("quality.csv.township"),
            N_("quality.csv.village"),
            N_("quality.csv.member"),
            N_("quality.csv.id_number"),
            N_("quality.csv.detail"),
        ),
        strict=True,
    )
}


def csv_table(records: list[dict], *, lang: str) -> tuple[list[str], list[list]]:
    """Headers and rows of the CSV export: what the list shows."""
    return (
        [t(CSV_HEADERS[c], lang) for c in CSV_COLUMNS],
        [[r[c] for c in CSV_COLUMNS] for r in records],
    )


def _check_columns(lang: str) -> list[dict]:
    """The issue list's check and severity columns (left out for a list of one check)."""
    return [
        {
            "field": "check",
            "headerName": t("quality.col.check", lang),
            "width": 190,
            "tooltipField": "check",
        },
        {"field": "severity", "headerName": t("quality.col.level", lang), "width": 64},
    ]


def _member_columns(lang: str) -> list[dict]:
    """The issue list's member and (masked) ID number columns (left out when no row
    concerns a member)."""
    return [
        {"field": "member", "headerName": t("quality.csv.member", lang), "width": 84},
        {
            "field": "id_number",
            "headerName": t("quality.csv.id_number", lang),
            "width": 168,
            "cellClass": "jz-masked",
        },
    ]


def _issue_columns(one_check: bool, members: bool, lang: str) -> list[dict]:
    """The issue list's columns: check, household, head, village, member, detail, phone."""
    return [
        *([] if one_check else _check_columns(lang)),
        {
            "field": "household",
            "headerName": t("hh.col.household_no", lang),
            "width": 160,
            "cellRenderer": "markdown",
        },
        {"field": "head_name", "headerName": t("hh.col.head_name", lang), "width": 80},
        {
            "field": "village",
            "headerName": t("hh.col.village", lang),
            "width": 150,
            "valueGetter": {"function": "params.data.township + ' · ' + params.data.village"},
        },
        *(_member_columns(lang) if members else []),
        {
            "field": "detail",
            "headerName": t("quality.csv.detail", lang),
            "flex": 1,
            "minWidth": 220,
            "tooltipField": "detail",
        },
        {
            "field": "phone",
            "headerName": t("quality.csv.phone", lang),
            "width": 122,
            "cellClass": "jz-masked",
        },
    ]


def issues_grid(records: list[dict], one_check: bool, *, lang: str) -> object:
    """The rows behind a count. Columns that would say nothing are left out: the check
    when the list is of one check, the member when no row concerns one."""
    rows = [
        {**r, "household": f"[{r['household_no']}](/household/{r['household_id']})"}
        for r in records
    ]
    members = any(r["member"] for r in records)
    columns = _issue_columns(one_check, members, lang)
    grid = tables.grid(
        "quality-issues", columns, rows, height=tables.fit_height(len(rows), 460), lang=lang
    )
    grid.dashGridOptions = {**grid.dashGridOptions, "tooltipShowDelay": 300}
    grid.getRowId = "params.data.issue_key"
    return grid
