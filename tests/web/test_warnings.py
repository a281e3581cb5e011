"""The warning queue's decided list (pages/warnings.py), called directly."""

from __future__ import annotations

import json

from tests.web.test_overview import _props, _text, logged_in

ANKANG = "610900000000"


def _by_id(page, cid: str) -> dict:
    return [p for p in _props(json.loads(_text(page))) if p.get("id") == cid][0]


def test_the_decided_heading_counts_the_rows_shown(server, app_module):
    """A one-click instruction adds a row to the decided list; its heading used to keep
    the count the page was drawn with ("本平台已处置的预警线索（0 条）" above one row)."""
    from pages import warnings

    with logged_in(server, "ankang_leader"):
        page = warnings.layout(unit=ANKANG)
        before = _by_id(page, "warn-decided")["rowData"]
        assert (
            _by_id(page, "warn-decided-title")["children"]
            == f"本平台已处置的预警线索（{len(before)} 条）"
        )
        key = _by_id(page, "warn-grid")["rowData"][-1]["warning_key"]
        alert, _, after, _ = warnings.to_instruction(
            {"value": {"key": key}}, {"code": ANKANG, "rule": ""}
        )
        assert "已生成核实指令" in _text(alert)
        assert len(after) == len(before) + 1
        assert warnings.decided_title(after) == f"本平台已处置的预警线索（{len(before) + 1} 条）"
        assert warnings.decided_title(None) == "本平台已处置的预警线索（0 条）"
    # The heading follows the rows the callback sends, whatever changed them.
    callbacks = app_module.app.callback_map
    title = callbacks["warn-decided-title.children"]
    assert [i["id"] + "." + i["property"] for i in title["inputs"]] == ["warn-decided.rowData"]
