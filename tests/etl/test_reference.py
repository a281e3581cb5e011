"""The committed reference data: divisions, boundaries, schematic geometry, poverty counties."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from etl import refdata
from etl.refdata import REFERENCE_DIR, ReferenceError

GEO = REFERENCE_DIR / "geo"


@pytest.fixture(scope="module")
def ref():
    return refdata.load()


def _features(name: str) -> list[dict]:
    return json.loads((GEO / name).read_text(encoding="utf-8"))["features"]


def test_level_counts(ref):
    counts = ref.divisions["level"].value_counts().sort_index().to_dict()
    assert counts == {1: 1, 2: 10, 3: 107, 4: 1335, 5: 20356}


@pytest.mark.parametrize(
    "code,name,level,parent",
    [
        ("610000000000", "陕西省", 1, None),
        ("610700000000", "汉中市", 2, "610000000000"),
        ("610924000000", "紫阳县", 3, "610900000000"),
        ("610924100000", "城关镇", 4, "610924000000"),
        ("610924100001", "东城门社区居委会", 5, "610924100000"),
    ],
)
def test_known_units(ref, code, name, level, parent):
    row = ref.divisions.set_index("code").loc[code]
    assert (row["name"], row["level"]) == (name, level)
    assert (row["parent_code"] if level > 1 else None) == parent


def test_codes_are_twelve_digits_and_nest(ref):
    d = ref.divisions
    assert d["code"].str.fullmatch(r"61\d{10}").all()
    child = d[d["level"] > 1]
    prefix = {2: 2, 3: 4, 4: 6, 5: 9}
    for level, n in prefix.items():
        rows = child[child["level"] == level]
        assert (rows["code"].str[:n] == rows["parent_code"].str[:n]).all()


def test_village_kinds(ref):
    kinds = ref.divisions[ref.divisions["level"] == 5]["kind"].value_counts().to_dict()
    assert kinds == {"village": 16607, "community": 3737, "other": 12}


def test_poverty_counties(ref):
    pc = ref.poverty_counties
    assert pc["exit_year"].value_counts().sort_index().to_dict() == {2017: 4, 2018: 23, 2019: 29}
    by_city = pc["city_code"].str[:4].value_counts().sort_index().to_dict()
    # docs/domain.md §2.1: Xi'an 1, Tongchuan 3, Baoji 5, Xianyang 4, Weinan 5, Yan'an 3,
    # Hanzhong 10, Yulin 8, Ankang 10, Shangluo 7.
    assert by_city == {
        "6101": 1,
        "6102": 3,
        "6103": 5,
        "6104": 4,
        "6105": 5,
        "6106": 3,
        "6107": 10,
        "6108": 8,
        "6109": 10,
        "6110": 7,
    }
    names = dict(zip(pc["name"], pc["exit_year"]))
    assert names["紫阳县"] == 2019 and names["佛坪县"] == 2017 and names["周至县"] == 2018
    assert names["旬阳市"] == 2019  # renamed from 旬阳县 in 2021, still the same county


@pytest.mark.parametrize("name,limit", [("cities.geojson", 150_000), ("counties.geojson", 600_000)])
def test_boundary_sizes(name, limit):
    assert (GEO / name).stat().st_size <= limit


@pytest.mark.parametrize(
    "name,level,count,schematic",
    [
        ("province.geojson", 1, 1, False),
        ("cities.geojson", 2, 10, False),
        ("counties.geojson", 3, 107, False),
        ("townships.geojson", 4, 1335, True),
    ],
)
def test_features_carry_code_name_and_flag(ref, name, level, count, schematic):
    features = _features(name)
    assert len(features) == count
    units = ref.divisions.set_index("code")
    for f in features:
        p = f["properties"]
        assert units.loc[p["code"], "name"] == p["name"]
        assert p["level"] == level and p["schematic"] is schematic
        assert shape(f["geometry"]).is_valid


def test_counties_tile_their_city_without_gaps_or_overlaps():
    counties = {
        f["properties"]["code"]: shape(f["geometry"]) for f in _features("counties.geojson")
    }
    for city in _features("cities.geojson"):
        code = city["properties"]["code"]
        parts = [g for c, g in counties.items() if c[:4] == code[:4]]
        union = unary_union(parts)
        city_geom = shape(city["geometry"])
        # Shared borders are simplified once, so neighbours meet exactly.
        assert sum(p.area for p in parts) - union.area < 1e-9
        assert city_geom.symmetric_difference(union).area < 1e-9


def test_townships_partition_their_county():
    counties = {
        f["properties"]["code"]: shape(f["geometry"]) for f in _features("counties.geojson")
    }
    towns: dict[str, list] = {}
    for f in _features("townships.geojson"):
        towns.setdefault(f["properties"]["code"][:6], []).append(shape(f["geometry"]))
    for code, county in counties.items():
        parts = towns[code[:6]]
        union = unary_union(parts)
        # Coordinates are rounded to 4 decimals (~10 m): allow that much, no more.
        assert (sum(p.area for p in parts) - union.area) / county.area < 2e-3
        assert county.symmetric_difference(union).area / county.area < 2e-3


def test_village_points_lie_in_their_township():
    towns = {f["properties"]["code"]: shape(f["geometry"]) for f in _features("townships.geojson")}
    with open(GEO / "villages.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 20356
    assert {r["schematic"] for r in rows} == {"true"}
    outside = [
        r["code"]
        for r in rows
        if not towns[r["code"][:9] + "000"].covers(Point(float(r["lon"]), float(r["lat"])))
    ]
    assert outside == []


def test_lines_table(ref):
    lines = ref.lines.set_index("year")
    assert lines.loc[2021, "monitoring_line"] == 6000
    assert lines.loc[2014, "poverty_line"] == 2800


# County population: the 2020 census (七普) resident population of every county-level unit.
def test_county_population_covers_every_county(ref):
    cp = ref.county_population
    counties = ref.divisions[ref.divisions["level"] == 3]
    assert len(cp) == 107 and not cp["code"].duplicated().any()
    assert dict(zip(cp["code"], cp["name"])) == dict(zip(counties["code"], counties["name"]))
    assert set(cp["kind"]) == {"resident"} and set(cp["year"]) == {2020}
    assert cp["source"].str.contains("ISBN 978-7-5037-9772-9", regex=False).all()
    assert cp["source"].str.contains("leiii/census", regex=False).all()


def test_county_population_sums_to_the_published_totals(ref):
    cp = ref.county_population.assign(city=lambda d: d["code"].str[:4])
    # 陕西省第七次全国人口普查公报: 39,528,999 residents on 2020-11-01.
    assert cp["population"].sum() == 39_528_999
    by_city = cp.groupby("city")["population"].sum().to_dict()
    # City totals of the provincial bulletin, for the cities whose bulletin figure is
    # counted by administrative area.
    assert by_city["6102"] == 698_322 and by_city["6103"] == 3_321_853
    assert by_city["6105"] == 4_688_744 and by_city["6106"] == 2_282_581
    assert by_city["6107"] == 3_211_462 and by_city["6108"] == 3_624_750
    assert by_city["6109"] == 2_493_436 and by_city["6110"] == 2_041_231
    # The bulletin counts Xixian New Area (in Xianyang's counties) under Xi'an and the
    # Yangling zone on its own; the yearbook counts every unit where it lies. Together
    # they agree: 12,952,907 + 3,959,842 + 253,871.
    assert by_city["6101"] + by_city["6104"] == 12_952_907 + 3_959_842 + 253_871


@pytest.mark.parametrize(
    "name,population",
    [
        ("佛坪县", 26_597),  # issue #16: about 30,000 people in all
        ("留坝县", 35_325),
        ("汉台区", 618_204),
        ("紫阳县", 260_971),  # 紫阳县第七次全国人口普查公报
        ("平利县", 181_286),  # 平利县第七次全国人口普查公报(第二号)
        ("佳县", 113_035),  # 佳县第七次全国人口普查主要数据公报(第一号)
        ("府谷县", 255_397),  # 府谷县第七次全国人口普查主要数据公报
        ("凤翔区", 386_156),  # listed as 610322 凤翔县 in the source
        ("旬阳市", 357_876),  # listed as 610928 旬阳县 in the source
    ],
)
def test_county_population_known_counties(ref, name, population):
    cp = ref.county_population.set_index("name")["population"]
    assert cp[name] == population


def test_county_population_is_plausible(ref):
    cp = ref.county_population.set_index("name")["population"]
    assert 26_000 <= cp["佛坪县"] <= 32_000
    assert cp.idxmin() == "佛坪县" and cp.idxmax() == "雁塔区"
    assert cp.between(20_000, 2_500_000).all()


def test_county_population_may_leave_units_out(tmp_path):
    d = _copy_reference(tmp_path)
    path = d / "county_population.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join(line for line in lines if ",佛坪县," not in line) + "\n", encoding="utf-8"
    )
    cp = refdata.load(d).county_population
    assert len(cp) == 106 and "610730000000" not in set(cp["code"])


def _edit_population(d: Path, old: str, new: str) -> None:
    path = d / "county_population.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _blank_source(d: Path) -> None:
    path = d / "county_population.csv"
    lines = [
        line.split(",resident,")[0] + ",resident," if ",佛坪县," in line else line
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _duplicate_first_row(d: Path) -> None:
    path = d / "county_population.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")


# Malformed reference files are refused with a one-line reason.
def _copy_reference(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda d: (d / "divisions.csv").unlink(), "reference file missing"),
        (lambda d: (d / "divisions.csv").write_text("code,name\n61,x\n"), "divisions.csv: header"),
        (
            lambda d: (d / "divisions.csv").write_text(
                (d / "divisions.csv")
                .read_text(encoding="utf-8")
                .replace("610924100001", "61092410000X"),
                encoding="utf-8",
            ),
            "malformed code",
        ),
        (
            lambda d: (d / "divisions.csv").write_text(
                "\n".join((d / "divisions.csv").read_text(encoding="utf-8").splitlines()[:-5])
                + "\n",
                encoding="utf-8",
            ),
            "village units, expected 20356",
        ),
        (
            lambda d: (d / "poverty_counties.csv").write_text(
                "\n".join(
                    (d / "poverty_counties.csv").read_text(encoding="utf-8").splitlines()[:-1]
                )
                + "\n",
                encoding="utf-8",
            ),
            "expected 56",
        ),
        (
            lambda d: (d / "lines.csv").write_text(
                "year,poverty_line,monitoring_line,note\n2014,abc,,\n"
            ),
            "lines.csv: cannot be read",
        ),
        (lambda d: (d / "geo" / "counties.geojson").write_text("{not json"), "malformed GeoJSON"),
        (lambda d: (d / "geo" / "villages.csv").write_bytes(b"\xff\xfe\x00"), "villages.csv"),
        (lambda d: (d / "county_population.csv").unlink(), "reference file missing"),
        (
            lambda d: (d / "county_population.csv").write_text("code,name,population\n"),
            "county_population.csv: header",
        ),
        (lambda d: _edit_population(d, "610730000000,", "61073000000X,"), "malformed code"),
        (
            lambda d: _edit_population(d, "610730000000,佛坪县", "610700000000,佛坪县"),
            "610700000000 is not a county-level unit",
        ),
        (lambda d: _edit_population(d, ",佛坪县,", ",佛坪,"), "divisions.csv says '佛坪县'"),
        (_duplicate_first_row, "duplicate code 610102000000"),
        (lambda d: _edit_population(d, ",佛坪县,26597,", ",佛坪县,0,"), "positive whole number"),
        (
            lambda d: _edit_population(d, ",佛坪县,26597,", ",佛坪县,-26597,"),
            "positive whole number",
        ),
        (
            lambda d: _edit_population(d, ",佛坪县,26597,", ",佛坪县,2.6万,"),
            "positive whole number",
        ),
        (lambda d: _edit_population(d, ",佛坪县,26597,", ",佛坪县,,"), "positive whole number"),
        (lambda d: _edit_population(d, ",佛坪县,26597,2020,", ",佛坪县,26597,20,"), "not a year"),
        (
            lambda d: _edit_population(d, "2020,resident", "2020,census"),
            "must be resident or registered",
        ),
        (_blank_source, "610730000000 has no source"),
    ],
)
def test_malformed_reference_is_refused(tmp_path, mutate, message):
    d = _copy_reference(tmp_path)
    mutate(d)
    with pytest.raises(ReferenceError) as exc:
        refdata.load(d)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)
