"""The risk heatmaps and the warning queue, called directly."""

from __future__ import annotations

import json

import pytest

from access import Scope
from components import messages
from components import monitoring as view
from ops import tasks as T
from queries import api
from tests.web.test_overview import _props, _text, logged_in

ANKANG = "610900000000"
PROVINCE = Scope("province_leader", "leader", "610000000000")


def _wh():
    from web import context

    return context.warehouse()


@pytest.mark.parametrize("code", ["610000000000", ANKANG])
def test_heatmaps(server, wh, code):
    from pages import monitoring

    with logged_in(server, "province_leader"):
        page = monitoring.layout(code=code)
    props = list(_props(json.loads(_text(page))))
    features = [p for p in props if p.get("id") == "region-map-geojson"][0]["data"]["features"]
    assert (
        len(features)
        == wh.execute("select count(*) from region where parent_code = ?", [code]).fetchone()[0]
    )
    matrix = [p for p in props if p.get("id") == "mon-matrix"][0]["figure"]["data"][0]
    assert matrix["type"] == "heatmap" and len(matrix["y"]) == len(features)


def test_lifecycle_reconciles_with_the_monitoring_table(server, wh):
    lc = api.monitoring_view(_wh(), PROVINCE, ANKANG, []).lifecycle
    direct = wh.execute("""
        select count(*), count(check_date), count(identify_date), count(assist_date),
               count(eliminate_date),
               count(*) filter (where identify_date - warning_date <= 15)
        from monitoring m join household h using (household_id)
        where starts_with(h.village_code, '6109')""").fetchone()
    # The copy of the village code on the monitoring table agrees with the household's.
    assert (
        wh.execute("""select count(*) from monitoring m join household h using (household_id)
                         where m.village_code <> h.village_code""").fetchone()[0]
        == 0
    )
    assert (
        lc["warned"],
        lc["checked"],
        lc["identified"],
        lc["assisted"],
        lc["eliminated"],
        lc["identified_timely"],
    ) == direct
    # Checked and not included (核实未纳入) and awaiting a decision (待认定) close the count:
    # every warned household is identified, not included, or still awaiting a decision.
    cleared, pending = wh.execute("""
        select count(*) filter (where m.state = 4), count(*) filter (where m.state = 1)
        from monitoring m where starts_with(m.village_code, '6109')""").fetchall()[0]
    assert (lc["cleared"], lc["pending"]) == (cleared, pending)
    assert lc["warned"] == lc["identified"] + lc["cleared"] + lc["pending"]
    assert lc["warned"] >= lc["checked"] >= lc["identified"] >= lc["eliminated"] > 0


def test_a_matrix_cell_lists_exactly_its_households(server, wh):
    from pages import monitoring

    mv = api.monitoring_view(_wh(), PROVINCE, ANKANG, [])
    assert len(mv.matrix)
    # The keys the page sends with the figure; a click gives positions, as a browser does.
    keys = json.loads(json.dumps(view.matrix_keys(mv.matrix, mv.region.children)))
    with logged_in(server, "province_leader"):
        for cell in mv.matrix.itertuples(index=False):
            click = {
                "points": [
                    {
                        "x": keys["risks"].index(int(cell.risk_type)),
                        "y": keys["codes"].index(cell.code),
                        "z": 1,
                        "text": "1",
                    }
                ]
            }
            out = monitoring.cell(click, keys)
            grid = [p for p in _props(json.loads(_text(out))) if p.get("id") == "mon-cell-grid"]
            assert len(grid[0]["rowData"]) == cell.hh_unresolved
            direct = wh.execute(
                """
                select count(*) from monitoring_risk as k join monitoring as m using (monitoring_id)
                join household as h on h.household_id = m.household_id
                where k.risk_type = ? and m.state = 2 and starts_with(h.village_code, ?)""",
                [int(cell.risk_type), cell.code[:6]],
            ).fetchone()[0]
            assert direct == cell.hh_unresolved


def test_a_matrix_cell_list_names_its_unit_and_risk_type(server, wh):
    """The list under the matrix said "因病：风险未消除 3 户" without the unit."""
    from pages import monitoring

    mv = api.monitoring_view(_wh(), PROVINCE, ANKANG, [])
    keys = view.matrix_keys(mv.matrix, mv.region.children)
    cell = mv.matrix.iloc[0]
    name = wh.execute("select name from region where code = ?", [cell.code]).fetchone()[0]
    click = {
        "points": [
            {"x": keys["risks"].index(int(cell.risk_type)), "y": keys["codes"].index(cell.code)}
        ]
    }
    for lang, text in (
        (
            "zh",
            f"{name} · {view.CODES['risk'][int(cell.risk_type)][0]}：风险未消除 "
            f"{cell.hh_unresolved:,} 户",
        ),
        (
            "en",
            f"{name} · {view.CODES['risk'][int(cell.risk_type)][1]}: "
            f"{cell.hh_unresolved:,} households with risk not eliminated",
        ),
    ):
        with logged_in(server, "province_leader", lang=lang):
            out = monitoring.cell(click, keys)
        count = [p for p in _props(json.loads(_text(out))) if p.get("id") == "mon-cell-count"]
        assert count[0]["children"] == text


def test_heatmap_refusals(server):
    from pages import monitoring

    with logged_in(server, "ziyang_manager"):
        assert "无权访问" in _text(monitoring.layout(code=ANKANG))
        forged = {"codes": ["610902000000"], "risks": [1]}
        assert str(monitoring.cell({"points": [{"x": 0, "y": 0}]}, forged)) == str(
            messages.forbidden()
        )
        # Malformed clicks or keys (a risk type that does not exist included): refused as
        # no such unit, with the message on the page, never a server error.
        for click, keys in [
            (None, forged),
            ({"points": []}, forged),
            ({"points": [{"x": 5, "y": 0}]}, forged),
            ({"points": [{"x": -1, "y": 0}]}, forged),
            ({"points": [{"x": "a", "y": 0}]}, forged),
            ({"points": [{"x": 0, "y": 0}]}, None),
            ({"points": [{"x": 0, "y": 0}]}, {"codes": ["x"], "risks": ["y"]}),
            ({"points": [{"x": 0, "y": 0}]}, {"codes": ["610924000000"], "risks": [999]}),
        ]:
            assert str(monitoring.cell(click, keys)) == str(messages.not_found())


def test_warning_queue_and_one_click_instruction(server, wh):
    from pages import warnings

    with logged_in(server, "ankang_leader"):
        page = warnings.layout(unit=ANKANG)
        grid = [p for p in _props(json.loads(_text(page))) if p.get("id") == "warn-grid"][0]
        rows = grid["rowData"]
        assert rows and [r["warned_on"] for r in rows] == sorted(r["warned_on"] for r in rows)
        assert all(r["overdue"] == (r["days"] > 15) for r in rows)
        assert all(r["factors"] for r in rows)  # the score is shown with its explanation
        first = rows[0]["warning_key"]
        before = [p for p in _props(json.loads(_text(page))) if p.get("id") == "warn-counts"][0][
            "children"
        ]
        alert, new_rows, _, counts = warnings.to_instruction(
            {"value": {"key": first}}, {"code": ANKANG, "rule": ""}
        )
        assert "已生成核实指令" in _text(alert)
        assert first not in {r["warning_key"] for r in new_rows}
        # The line above the queue counts one fewer waiting (it stayed as it was).
        waiting = [
            int(x.split(" 条")[0][len("待处置预警线索 ") :].replace(",", ""))
            for x in (before, counts)
        ]
        assert before.startswith("待处置预警线索 ") and waiting[1] == waiting[0] - 1
        again, _, _, _ = warnings.to_instruction(
            {"value": {"key": first}}, {"code": ANKANG, "rule": ""}
        )
        assert "已有处置结果" in _text(again)
        decided = _text(warnings.layout(unit=ANKANG))
        assert "已转交核实，指令 #" in decided
    leader = Scope("ankang_leader", "leader", ANKANG)
    newest = max(T.list_tasks(_engine(), leader), key=lambda x: x["id"])
    task = T.get(_engine(), leader, newest["id"])
    rule, household, _ = first.split(":")
    assert (task["type"], task["source"], task["source_ref"]) == (
        "alert_verification",
        "alert",
        first,
    )
    assert {"kind": "household", "ref": household} in task["links"]
    village = wh.execute(
        "select county_code from household where household_id = ?", [int(household)]
    ).fetchone()[0]
    assert task["assignee_region"] == village  # the county below the city that holds it


def _engine():
    from web import context

    return context.ops()


def test_warnings_outside_the_scope(server, wh):
    from pages import warnings

    key = wh.execute("""select rule_id || ':' || household_id || ':' || warned_on
                        from warning where not starts_with(village_code, '610924')
                        limit 1""").fetchone()[0]
    with logged_in(server, "ziyang_manager"):
        out, _, _, _ = warnings.to_instruction(
            {"value": {"key": key}}, {"code": "610924000000", "rule": ""}
        )
        assert "不存在" in _text(out)
        assert "无权访问" in _text(warnings.layout(unit=ANKANG))


def test_warning_bad_input_changes_nothing(server, wh):
    """Malformed payloads, a forged or missing unit and a repeated rule: a clear message,
    never a server error, and no instruction written."""
    from pages import warnings

    key = wh.execute("""select rule_id || ':' || household_id || ':' || warned_on
                        from warning where starts_with(village_code, '610924')
                        order by warned_on desc limit 1""").fetchone()[0]
    manager = Scope("ziyang_manager", "manager", "610924000000")
    before = len(T.list_tasks(_engine(), manager))
    with logged_in(server, "ziyang_manager"):
        for data in (None, [], {"value": "x"}, {"value": []}, {"value": {"key": 5}}):
            out, rows, _, _ = warnings.to_instruction(data, {"code": "610924000000", "rule": ""})
            assert "预警线索不存在" in _text(out)
        for state in (None, {}, {"code": 610924000000, "rule": ""}, ["610924000000"]):
            out, _, _, _ = warnings.to_instruction({"value": {"key": key}}, state)
            assert "预警线索不存在" in _text(out)
        # The unit the page was drawn for is checked before anything is written.
        out, _, _, _ = warnings.to_instruction(
            {"value": {"key": key}}, {"code": ANKANG, "rule": ""}
        )
        assert _text(out) == _text(messages.forbidden())
        out, _, _, _ = warnings.to_instruction({"value": {"key": key}}, {"code": "abc", "rule": ""})
        assert _text(out) == _text(messages.not_found())
        # ?rule=a&rule=b arrives as a list; an unknown rule: all rules, no error.
        for rule in (["income_below_line", "medical"], "no_such_rule", 5):
            page = _text(warnings.layout(unit="610924000000", rule=rule))
            assert "待处置" in page
        assert warnings.change_rule("x", None) is dash_no_update()
        assert (
            warnings.change_rule("a&unit=610000000000", {"code": "610924000000", "rule": ""})
            == "/warnings?unit=610924000000&rule=a%26unit%3D610000000000"
        )
    assert len(T.list_tasks(_engine(), manager)) == before


def dash_no_update():
    import dash

    return dash.no_update


def test_a_failed_instruction_leaves_the_warning_undecided(server, wh, monkeypatch):
    """The decision and the instruction are one transaction: if writing the instruction
    fails for any reason, the warning stays in the queue and nothing is half-written."""
    from ops import warnings as W

    key = wh.execute("""select rule_id || ':' || household_id || ':' || warned_on
                        from warning where starts_with(village_code, '610924')
                        order by warned_on limit 1 offset 3""").fetchone()[0]
    manager = Scope("ziyang_manager", "manager", "610924000000")
    with logged_in(server, "ziyang_manager"):
        warning = api.warning_by_key(_warehouse(), manager, key)

    def broken(*_a, **_k):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(T, "insert", broken)
    before = len(T.list_tasks(_engine(), manager))
    township = warning["village_code"][:9] + "000"  # the household lies under it
    with pytest.raises(RuntimeError):
        W.to_instruction(_engine(), manager, warning, township, "t", "c", lambda c: True)
    assert key not in W.decided(_engine(), manager)
    assert len(T.list_tasks(_engine(), manager)) == before
    monkeypatch.undo()
    task = W.to_instruction(_engine(), manager, warning, township, "t", "c", lambda c: True)
    assert W.decided(_engine(), manager)[key]["task_id"] == task["id"]


def _warehouse():
    from web import context

    return context.warehouse()
