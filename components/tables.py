"""Tables (dash-ag-grid): numbers right-aligned and formatted like the cards."""

from __future__ import annotations

import dash_ag_grid as dag

from components.theme import FONT_STACK
from i18n import t

# AG Grid's Theming API, with our fonts (no web font is ever loaded).
GRID_THEME = {
    "function": f"themeQuartz.withParams({{fontFamily: {FONT_STACK!r}, fontSize: 13, "
    "headerFontWeight: 600, spacing: 6})"
}


def number_column(field: str, header: str, width: int = 130) -> dict:
    """A numeric column sorted by value and shown as ``<field>_fmt`` (formatted once, in
    Python, with the same rules as the cards)."""
    return {
        "field": field,
        "headerName": header,
        "type": "rightAligned",
        "width": width,
        "valueFormatter": {"function": f"params.data.{field}_fmt"},
        "sortable": True,
        "filter": "agNumberColumnFilter",
    }


ROW_HEIGHT, HEADER_HEIGHT = 36, 40


def fit_height(n_rows: int, cap: int = 460) -> int:
    """A grid just tall enough for its rows (and a horizontal scroll bar), up to ``cap``."""
    return min(cap, HEADER_HEIGHT + ROW_HEIGHT * max(n_rows, 1) + 18)


def locale_text(lang: str) -> dict:
    """AG Grid's own words in ``lang``."""
    if lang != "zh":
        return {}
    return {
        "noRowsToShow": t("grid.no_rows", lang),
        "loadingOoo": t("grid.loading", lang),
        "page": "页",
        "of": "/",
        "to": "至",
        "filterOoo": "筛选…",
        "equals": "等于",
        "notEqual": "不等于",
        "lessThan": "小于",
        "greaterThan": "大于",
        "lessThanOrEqual": "小于等于",
        "greaterThanOrEqual": "大于等于",
        "inRange": "介于",
        "contains": "包含",
        "startsWith": "开头是",
        "blank": "为空",
        "notBlank": "不为空",
        "andCondition": "且",
        "orCondition": "或",
    }


def grid(
    grid_id: str, columns: list[dict], rows: list[dict], height: int = 420, *, lang: str
) -> dag.AgGrid:
    """A grid of ``rows`` with the house's look, its own words in ``lang``."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=rows,
        defaultColDef={"resizable": True, "sortable": True},
        dashGridOptions={
            "domLayout": "normal",
            "animateRows": False,
            "rowHeight": ROW_HEIGHT,
            "headerHeight": HEADER_HEIGHT,
            "suppressCellFocus": True,
            "theme": GRID_THEME,
            "localeText": locale_text(lang),
        },
        style={"height": height, "width": "100%"},
        className="jz-grid",
    )
