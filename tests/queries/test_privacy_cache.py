"""The on-disk query cache holds no full ID or phone number, and only its owner can read
it (issue #17, V5: 72,752 ID numbers were found in it with grep; directory 0755, files
0644)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import duckdb
import pytest

from access import Scope
from queries import api, privacy
from queries import households as hl
from queries.runner import CACHE_MARK, Warehouse

ZIYANG_CADRE = Scope("ziyang_cadre", "cadre", "610924100000")
ZIYANG_MANAGER = Scope("ziyang_manager", "manager", "610924000000")
ID = re.compile(rb"(?<![\dX])\d{17}[\dX](?![\dX])")
PHONE = re.compile(rb"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(scope="module")
def numbers(warehouse_path) -> tuple[set[bytes], set[bytes]]:
    """Every ID and phone number of the tiny warehouse (members, households, cadres)."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    ids = {r[0].encode() for r in con.execute("select id_number from person").fetchall()}
    phones = {
        r[0].encode()
        for r in con.execute(
            "select phone from person where phone is not null union select phone from household "
            "where phone is not null union select phone from cadre where phone is not null"
        ).fetchall()
    }
    con.close()
    return ids, phones


def found(directory: Path, numbers) -> tuple[set[bytes], set[bytes]]:
    """The warehouse's full numbers that any file under ``directory`` contains."""
    ids, phones = numbers
    hit_ids, hit_phones = set(), set()
    for path in directory.rglob("*"):
        if path.is_file():
            body = path.read_bytes()
            hit_ids |= set(ID.findall(body)) & ids
            hit_phones |= set(PHONE.findall(body)) & phones
    return hit_ids, hit_phones


def modes(directory: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"dirs": set(), "files": set()}
    for path in [directory, *directory.rglob("*")]:
        kind = "dirs" if path.is_dir() else "files"
        out[kind].add(oct(stat.S_IMODE(os.stat(path).st_mode)))
    return out


def _households(warehouse_path, n: int = 6) -> list[int]:
    con = duckdb.connect(str(warehouse_path), read_only=True)
    ids = [
        r[0]
        for r in con.execute(
            "select household_id from household where starts_with(village_code, '610924100') "
            "order by members desc, household_id limit ?",
            [n],
        ).fetchall()
    ]
    con.close()
    return ids


def test_revealed_pages_leave_no_full_number_in_the_cache(warehouse_path, tmp_path, numbers):
    os.umask(0o022)  # the usual umask: what the cache's own modes must not depend on
    cache = tmp_path / "cache"
    wh = Warehouse(warehouse_path, cache)
    shown = set()
    for hid in _households(warehouse_path):
        for scope in (ZIYANG_CADRE, ZIYANG_MANAGER):
            masked = api.household_view(wh, scope, hid)
            revealed = api.household_view(wh, scope, hid, reveal=True)
            assert revealed.revealed
            assert all(privacy.MASKED_ID.fullmatch(i) for i in masked.members["id_number"])
            shown |= {i.encode() for i in revealed.members["id_number"]}
    assert shown and shown <= numbers[0]  # full numbers were shown: the test is not empty
    # The lists and the quality rows read phone and ID numbers too; the national file
    # reads them whole.
    q = hl.build("610000000000")
    assert len(hl.page(wh, Scope("l", "leader", "610000000000"), q, 0, 5000)) == 5000
    from queries import quality

    quality.issue_rows(wh, ZIYANG_MANAGER, "610924000000", "")
    full = wh.run(
        "exchange_members",
        ZIYANG_MANAGER,
        unmasked=True,
        unit_prefix="610924",
        until=api.data_version(wh).as_of,
    )
    assert set(full["id_number"].map(str.encode)) <= numbers[0] and len(full)
    assert len([p for p in cache.rglob("*.val")]) >= 1  # values stored as files, too
    assert found(cache, numbers) == (set(), set())
    assert modes(cache) == {"dirs": {"0o700"}, "files": {"0o600"}}


def test_an_old_open_cache_is_emptied_and_closed(warehouse_path, tmp_path, numbers):
    """A cache written before masking (0755, files 0644, full numbers in it)."""
    import diskcache

    os.umask(0o022)
    cache = tmp_path / "old"
    old = diskcache.Cache(str(cache))
    secret = next(iter(numbers[0])).decode()
    old.set("q:old", {"id_number": secret}, expire=3600)
    old.set("q:big", secret * 5000, expire=3600)  # a value file
    old.close()
    assert modes(cache)["dirs"] != {"0o700"} and found(cache, numbers)[0]
    wh = Warehouse(warehouse_path, cache)
    wh.run("region_get", ZIYANG_MANAGER, code="610924000000")
    store = wh._cache_store()
    assert store.get("q:old") is None and store.get("q:big") is None
    assert (cache / CACHE_MARK).is_file()
    assert modes(cache) == {"dirs": {"0o700"}, "files": {"0o600"}}
    assert found(cache, numbers) == (set(), set())


def test_masks_are_idempotent_and_name_blind():
    assert privacy.mask_id("61092419870924001X") == "610***********001X"
    assert privacy.mask_id("610***********001X") == "610***********001X"
    assert privacy.mask_phone("15831279204") == "158****9204"
    assert privacy.mask_phone("158****9204") == "158****9204"
    assert (privacy.mask_id(None), privacy.mask_id("—"), privacy.mask_phone("12")) == (
        "—",
        "—",
        "***",
    )
    import pandas as pd

    df = pd.DataFrame(
        {
            "whatever": ["61092419870924001X", None],
            "n": [1, 2],
            "contact": ["15831279204", "x"],
            "cadre_phone": ["1", None],
        }
    )
    out = privacy.mask_frame(df)
    assert out.to_dict("list") == {
        "whatever": ["610***********001X", "—"],
        "n": [1, 2],
        "contact": ["158****9204", "***"],
        "cadre_phone": ["***", "—"],
    }
    assert df["whatever"][0] == "61092419870924001X"  # the caller's frame is not changed
    # A long list takes the vectorised path: the same masks.
    big = pd.concat([df] * 1500, ignore_index=True).astype({"whatever": "str", "contact": "str"})
    assert privacy.mask_frame(big).head(4).to_dict("list") == {
        k: v * 2 for k, v in out.to_dict("list").items()
    }


def test_who_may_reveal_is_the_access_tables():
    from access import PERMISSIONS

    cases = [
        Scope("c", "cadre", "610924100000"),
        Scope("m", "manager", "610924000000"),
        Scope("m", "manager", "610900000000"),
        Scope("l", "leader", "610924000000"),
        Scope("a", "admin", "610000000000"),
        Scope("p", "department", "610000000000", "police"),
    ]
    assert [privacy.can_reveal(s) for s in cases] == [True, True, False, False, False, False]
    assert [privacy.can_export_ids(s) for s in cases] == [True, True, False, False, True, False]
    assert set(PERMISSIONS["ids.reveal"].roles) == {"cadre", "manager"}
    assert not hasattr(privacy, "REVEAL_ROLES")
