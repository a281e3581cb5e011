"""Department data in a real browser: a department user uploads a file with some bad rows
and downloads the error report; an admin brings the batch into the warehouse (the checks
run again); a county manager finds the new doubtful case and sends the open cases to the
townships for verification."""

from __future__ import annotations

import os
import shutil
import time

from tests.conftest import DEMO_PASSWORDS


def _login(watched, user):
    page = watched.page
    page.goto(watched.base + "/logout")  # asks, when someone is logged in
    if page.locator("#logout-confirm").count():
        page.click("#logout-confirm")
        page.wait_for_url("**/login")
    watched.login(user, DEMO_PASSWORDS[user])
    page.wait_for_selector("#shell-user", timeout=30_000)


def test_upload_report_refresh_and_send(watched, wh, warehouse_path, tmp_path):
    from access import Scope
    from ops import doubts as D
    from ops import tasks as T
    from web import context

    id_number, household = wh.execute("""
        select p.id_number, p.household_id from person as p
        join household as h using (household_id)
        where h.county_code = '610924000000'
          and p.household_id not in (select household_id from doubt)
        order by p.person_id limit 1""").fetchone()
    f = tmp_path / "车辆登记.csv"
    f.write_bytes(
        (
            "身份证号,姓名,号牌号码,车辆类型,登记日期,登记地区划代码\n"
            f"{id_number},某某,陕G7B777,1,2026-06-01,610924000000\n"
            f"{id_number[:17]}0,某某,陕G7B778,1,2026-06-01,610924000000\n"
            f"{id_number},某某,陕G7B779,1,2026-06-31,610924000000\n"
        ).encode("gbk")
    )
    backup = tmp_path / "warehouse.backup"
    shutil.copyfile(warehouse_path, backup)
    page = watched.page
    try:
        # A department user: upload, see the counts, download the error report.
        _login(watched, "province_police")
        page.goto(watched.base + "/imports")
        page.wait_for_selector("#imp-upload", timeout=30_000)
        page.set_input_files("#imp-upload input[type=file]", str(f))
        page.wait_for_selector("#imp-alert", timeout=30_000)
        assert "共 3 行，接收 1 行，拒收 2 行" in page.inner_text("#imp-alert")
        with page.expect_download() as info:
            page.click("#imp-report")
        report = open(info.value.path(), "rb").read().decode("utf-8-sig").splitlines()
        assert report[0] == "行号,原因,列,值"
        assert [r.split(",")[:2] for r in report[1:]] == [
            ["3", "身份证号格式或校验位错误"],
            ["4", "日期无效"],
        ]
        watched.shot("imports-police-1366")
        # An admin brings it into the warehouse; the checks run again.
        _login(watched, "province_admin")
        page.goto(watched.base + "/imports")
        page.wait_for_selector("#imp-refresh", timeout=30_000)
        page.click("#imp-refresh")
        page.wait_for_selector("#imp-refresh-result .mantine-Alert-root", timeout=30_000)
        deadline = time.time() + 90
        while time.time() < deadline:
            n = context.warehouse().run(
                "doubt_get",
                Scope("a", "admin", "610000000000"),
                doubt_key=f"private_vehicle:{household}",
            )
            if len(n):
                break
            time.sleep(0.5)
        assert len(n) == 1, "the refreshed warehouse has no case for the new vehicle"
        # A county manager sends the open cases of that check to the townships.
        _login(watched, "ziyang_manager")
        page.goto(watched.base + "/crosschecks/610924000000?check=private_vehicle")
        page.wait_for_selector("#cc-cases .ag-row", timeout=30_000)
        assert str(household) in page.inner_html("#cc-cases")
        open_cases = int(page.inner_text("[data-kpi=undecided] .jz-kpi-number").replace(",", ""))
        watched.shot("crosschecks-ziyang-1366")
        page.click("#cc-send")
        page.wait_for_selector("#cc-alert", timeout=30_000)
        assert f"已将 {open_cases} 户疑点交乡镇核查" in page.inner_text("#cc-alert")
        scope = Scope("ziyang_manager", "manager", "610924000000")
        sent = D.decided(context.ops(), scope)
        assert sent[f"private_vehicle:{household}"]["state"] == "sent"
        task = T.get(context.ops(), scope, sent[f"private_vehicle:{household}"]["task_id"])
        assert task["type"] == "crosscheck_doubt" and task["assignee_region"].endswith("000")
        assert watched.errors == [] and watched.external() == []
    finally:
        os.replace(backup, warehouse_path)  # the other tests' warehouse, as it was
