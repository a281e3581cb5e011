"""The household page as a cadre who reveals full numbers (issue #17, V5): each reveal
is logged, and the app's query cache still holds no full ID or phone number."""

from __future__ import annotations

import json
import os
import stat

import sqlalchemy as sa

from tests.queries.test_privacy_cache import found, numbers  # noqa: F401 - a fixture
from tests.web.test_overview import _props, _text, logged_in


def test_revealing_on_the_household_page_caches_no_full_number(server, wh, numbers):  # noqa: F811
    from ops.schema import audit_log
    from pages import household
    from web import context

    ids = [
        r[0]
        for r in wh.execute(
            "select household_id from household where starts_with(village_code, '610924100') "
            "order by household_id limit 5"
        ).fetchall()
    ]
    shown = set()
    with logged_in(server, "ziyang_cadre"):
        for hid in ids:
            page = household.layout(household_id=str(hid))
            assert "hhd-reveal" in _text(page)
            revealed = household.reveal(1, hid)
            rows = [p for p in _props(json.loads(_text(revealed))) if p.get("id") == "hhd-members"]
            shown |= {r["id_number"].encode() for r in rows[0]["rowData"]}
    assert shown and shown <= numbers[0]  # the page did show them whole
    with context.ops().connect() as conn:
        logged = {
            r.target
            for r in conn.execute(
                sa.select(audit_log.c.target).where(
                    audit_log.c.actor == "ziyang_cadre", audit_log.c.action == "reveal_id"
                )
            )
        }
    assert {f"household:{h}" for h in ids} <= logged
    cache = context.get().settings.cache_dir
    assert found(cache, numbers) == (set(), set())
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert {stat.S_IMODE(os.stat(p).st_mode) for p in cache.rglob("*") if p.is_file()} == {0o600}
