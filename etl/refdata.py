"""Load and validate the committed reference files under data/reference/.

Every check raises :class:`ReferenceError` with one line naming the file and the problem,
so ``manage.py build-data`` can report a missing or malformed file and stop before it
writes anything.
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
LEVEL_COUNTS = {1: 1, 2: 10, 3: 107, 4: 1335, 5: 20356}
LEVEL_NAMES = {1: "province", 2: "city", 3: "county", 4: "township", 5: "village"}
COUNTY_POPULATION_COLUMNS = ["code", "name", "population", "year", "kind", "source"]
POPULATION_KINDS = ("resident", "registered")  # 常住人口, 户籍人口


class ReferenceError(ValueError):
    """A reference file is missing or malformed."""


@dataclass
class Reference:
    divisions: pd.DataFrame  # code, name, level, parent_code, kind
    poverty_counties: pd.DataFrame  # code, name, city_code, exit_year
    lines: pd.DataFrame  # year, poverty_line, monitoring_line
    geometry: pd.DataFrame  # code, geojson, schematic, lon/lat bounds and label point
    # code, name, population, year, kind, source: one published figure per county-level
    # unit; a unit without a row has no cited figure (callers fall back for it).
    county_population: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=COUNTY_POPULATION_COLUMNS)
    )


def _read_csv(path: Path, columns: list[str], dtype: dict) -> pd.DataFrame:
    if not path.is_file():
        raise ReferenceError(f"reference file missing: {path}")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), [])
        if header != columns:
            raise ReferenceError(
                f"{path.name}: header is {','.join(header) or '(empty)'}, "
                f"expected {','.join(columns)}"
            )
        df = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""])
    except ReferenceError:
        raise
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReferenceError(f"{path.name}: cannot be read ({first})") from None
    return df


def _check_codes(df: pd.DataFrame, name: str, column: str = "code") -> None:
    bad = ~df[column].astype(str).str.fullmatch(r"61\d{10}")
    if bad.any():
        raise ReferenceError(
            f"{name}: malformed code {df.loc[bad, column].iloc[0]!r} "
            "(expected 12 digits starting with 61)"
        )


def load_divisions(path: Path) -> pd.DataFrame:
    df = _read_csv(
        path,
        ["code", "name", "level", "parent_code", "kind"],
        {"code": str, "name": str, "level": "Int64", "parent_code": str, "kind": str},
    )
    _check_codes(df, path.name)
    if df["code"].duplicated().any():
        raise ReferenceError(
            f"{path.name}: duplicate code {df['code'][df['code'].duplicated()].iloc[0]}"
        )
    counts = df["level"].value_counts().to_dict()
    for level, expected in LEVEL_COUNTS.items():
        if counts.get(level, 0) != expected:
            raise ReferenceError(
                f"{path.name}: {counts.get(level, 0)} {LEVEL_NAMES[level]} "
                f"units, expected {expected}"
            )
    codes = set(df["code"])
    orphans = df[(df["level"] > 1) & ~df["parent_code"].isin(codes)]
    if len(orphans):
        raise ReferenceError(f"{path.name}: unit {orphans['code'].iloc[0]} has unknown parent")
    return df


def load_poverty_counties(path: Path, divisions: pd.DataFrame) -> pd.DataFrame:
    df = _read_csv(
        path,
        ["code", "name", "city_code", "exit_year"],
        {"code": str, "name": str, "city_code": str, "exit_year": "Int64"},
    )
    _check_codes(df, path.name)
    counties = set(divisions.loc[divisions["level"] == 3, "code"])
    if len(df) != 56 or df["code"].duplicated().any():
        raise ReferenceError(f"{path.name}: {len(df)} rows, expected 56 distinct counties")
    unknown = df[~df["code"].isin(counties)]
    if len(unknown):
        raise ReferenceError(f"{path.name}: {unknown['code'].iloc[0]} is not a county")
    if not df["exit_year"].between(2016, 2020).all():
        raise ReferenceError(f"{path.name}: exit_year outside 2016-2020")
    return df


def load_lines(path: Path) -> pd.DataFrame:
    df = _read_csv(
        path,
        ["year", "poverty_line", "monitoring_line", "note"],
        {"year": "Int64", "poverty_line": "Int64", "monitoring_line": "Int64", "note": str},
    )
    if df["year"].isna().any() or df["year"].duplicated().any():
        raise ReferenceError(f"{path.name}: every row needs a distinct year")
    years = sorted(df["year"])
    if years[0] > 2014 or years != list(range(years[0], years[-1] + 1)):
        raise ReferenceError(f"{path.name}: years must run without gaps from 2014")
    for col in ("poverty_line", "monitoring_line"):
        if (df[col].dropna() <= 0).any():
            raise ReferenceError(f"{path.name}: {col} must be positive")
    if df.loc[df["year"] <= 2020, "poverty_line"].isna().any():
        raise ReferenceError(f"{path.name}: poverty_line missing for a year up to 2020")
    if df.loc[df["year"] >= 2021, "monitoring_line"].isna().any():
        raise ReferenceError(f"{path.name}: monitoring_line missing for a year from 2021")
    return df.drop(columns="note")


def load_county_population(path: Path, divisions: pd.DataFrame) -> pd.DataFrame:
    """The published population of county-level units, at most one row per unit.

    Units may be missing (no cited figure found); every row must name a county-level
    unit of ``divisions`` by its current code and name and carry a positive whole number,
    a year, a kind (``resident`` 常住 or ``registered`` 户籍) and its source.
    """
    df = _read_csv(path, COUNTY_POPULATION_COLUMNS, {c: str for c in COUNTY_POPULATION_COLUMNS})
    name = path.name
    _check_codes(df, name)
    if df["code"].duplicated().any():
        raise ReferenceError(
            f"{name}: duplicate code {df['code'][df['code'].duplicated()].iloc[0]}"
        )
    counties = divisions.loc[divisions["level"] == 3].set_index("code")["name"]
    unknown = df[~df["code"].isin(counties.index)]
    if len(unknown):
        raise ReferenceError(f"{name}: {unknown['code'].iloc[0]} is not a county-level unit")
    renamed = df[df["name"] != df["code"].map(counties)]
    if len(renamed):
        r = renamed.iloc[0]
        raise ReferenceError(
            f"{name}: {r['code']} is named {r['name']!r}, "
            f"divisions.csv says {counties[r['code']]!r}"
        )
    bad = ~df["population"].fillna("").str.fullmatch(r"[1-9]\d*")
    if bad.any():
        r = df[bad].iloc[0]
        raise ReferenceError(
            f"{name}: population of {r['code']} is {r['population']!r}, "
            "expected a positive whole number"
        )
    bad = ~df["year"].fillna("").str.fullmatch(r"(19|20)\d\d")
    if bad.any():
        raise ReferenceError(f"{name}: year of {df[bad]['code'].iloc[0]} is not a year")
    bad = ~df["kind"].isin(POPULATION_KINDS)
    if bad.any():
        raise ReferenceError(
            f"{name}: kind of {df[bad]['code'].iloc[0]} must be {' or '.join(POPULATION_KINDS)}"
        )
    bad = df["source"].fillna("").str.strip() == ""
    if bad.any():
        raise ReferenceError(f"{name}: {df[bad]['code'].iloc[0]} has no source")
    df["population"] = df["population"].astype("int64")
    df["year"] = df["year"].astype("int64")
    return df.reset_index(drop=True)


def _bounds(geom: dict) -> tuple[float, float, float, float]:
    coords = geom["coordinates"]
    if geom["type"] == "Polygon":
        coords = [coords]
    xs = [x for poly in coords for ring in poly for x, _ in ring]
    ys = [y for poly in coords for ring in poly for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _label_point(geom: dict) -> tuple[float, float]:
    """Centre of the largest ring's bounding box: cheap and good enough for a label."""
    coords = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    ring = max((poly[0] for poly in coords), key=len)
    xs = [x for x, _ in ring]
    ys = [y for _, y in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


_GEOMETRY_COLUMNS = [
    "code",
    "level",
    "geojson",
    "is_schematic",
    "lon_min",
    "lat_min",
    "lon_max",
    "lat_max",
    "lon",
    "lat",
]


def load_geometry(geo_dir: Path, divisions: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for fname, level in (
        ("province.geojson", 1),
        ("cities.geojson", 2),
        ("counties.geojson", 3),
        ("townships.geojson", 4),
    ):
        rows.extend(_polygon_rows(geo_dir, fname, level))
    rows.extend(_village_point_rows(geo_dir))
    df = pd.DataFrame(rows, columns=_GEOMETRY_COLUMNS)
    df["level"] = df["level"].astype("int8")
    missing = set(divisions["code"]) - set(df["code"])
    if missing:
        raise ReferenceError(f"geometry missing for unit {min(missing)}")
    return df


def _polygon_rows(geo_dir: Path, fname: str, level: int) -> list[tuple]:
    """The geometry rows of one GeoJSON file of (multi)polygons at ``level``: code,
    level, geometry, schematic flag, bounds and label point; checks the count."""
    path = geo_dir / fname
    if not path.is_file():
        raise ReferenceError(f"reference file missing: {path}")
    rows = []
    try:
        fc = json.loads(path.read_text(encoding="utf-8"))
        features = fc["features"]
        for f in features:
            geom = f["geometry"]
            if geom["type"] not in ("Polygon", "MultiPolygon"):
                raise ValueError(f"{geom['type']} geometry")
            props = f["properties"]
            x0, y0, x1, y1 = _bounds(geom)
            lx, ly = _label_point(geom)
            rows.append(
                (
                    props["code"],
                    level,
                    json.dumps(geom, separators=(",", ":")),
                    bool(props["schematic"]),
                    x0,
                    y0,
                    x1,
                    y1,
                    lx,
                    ly,
                )
            )
    except (ValueError, KeyError, TypeError) as exc:
        raise ReferenceError(f"{fname}: malformed GeoJSON ({exc})") from None
    if len(features) != LEVEL_COUNTS[level]:
        raise ReferenceError(f"{fname}: {len(features)} features, expected {LEVEL_COUNTS[level]}")
    return rows


def _village_point_rows(geo_dir: Path) -> list[tuple]:
    """The geometry rows of the villages (level 5): a point each, from villages.csv."""
    points = _read_csv(
        geo_dir / "villages.csv",
        ["code", "lon", "lat", "schematic"],
        {"code": str, "lon": float, "lat": float, "schematic": str},
    )
    if len(points) != LEVEL_COUNTS[5] or points[["lon", "lat"]].isna().any().any():
        raise ReferenceError(
            f"villages.csv: {len(points)} complete rows, expected {LEVEL_COUNTS[5]}"
        )
    rows = []
    for r in points.itertuples(index=False):
        geom = f'{{"type":"Point","coordinates":[{r.lon},{r.lat}]}}'
        rows.append(
            (r.code, 5, geom, r.schematic == "true", r.lon, r.lat, r.lon, r.lat, r.lon, r.lat)
        )
    return rows


@functools.lru_cache(maxsize=1)
def region_levels(ref_dir: Path = REFERENCE_DIR) -> dict[str, int]:
    """code -> level for every division unit (used to validate user accounts)."""
    d = load_divisions(ref_dir / "divisions.csv")
    return dict(zip(d["code"], d["level"].astype(int)))


@functools.lru_cache(maxsize=1)
def region_names(ref_dir: Path = REFERENCE_DIR) -> dict[str, str]:
    """code -> name of every division unit (public reference data, used for labels)."""
    d = load_divisions(ref_dir / "divisions.csv")
    return dict(zip(d["code"], d["name"]))


def load(ref_dir: Path = REFERENCE_DIR) -> Reference:
    """All reference files, validated."""
    divisions = load_divisions(ref_dir / "divisions.csv")
    return Reference(
        divisions=divisions,
        poverty_counties=load_poverty_counties(ref_dir / "poverty_counties.csv", divisions),
        lines=load_lines(ref_dir / "lines.csv"),
        geometry=load_geometry(ref_dir / "geo", divisions),
        county_population=load_county_population(ref_dir / "county_population.csv", divisions),
    )


def region_table(ref: Reference) -> pd.DataFrame:
    """The warehouse's region table: every division with its path and ancestors by
    level, the poverty counties and their exit years, and whether its outline is
    schematic."""
    d = ref.divisions.copy()
    d["level"] = d["level"].astype(int)
    parent = dict(zip(d["code"], d["parent_code"]))
    path, anc = [], {lvl: [] for lvl in range(1, 5)}
    level_of = dict(zip(d["code"], d["level"]))
    for code in d["code"]:
        chain = [code]
        while parent.get(chain[-1]) and isinstance(parent[chain[-1]], str):
            chain.append(parent[chain[-1]])
        chain.reverse()
        path.append("/".join(chain))
        by_level = {level_of[c]: c for c in chain}
        for lvl in range(1, 5):
            anc[lvl].append(by_level.get(lvl))
    d["path"] = path
    d["province_code"], d["city_code"] = anc[1], anc[2]
    d["county_code"], d["township_code"] = anc[3], anc[4]
    pov = ref.poverty_counties.set_index("code")["exit_year"]
    d["is_poverty_county"] = d["code"].isin(pov.index) & (d["level"] == 3)
    d["exit_year"] = d["code"].map(pov).where(d["level"] == 3).astype("Int64")
    geo = ref.geometry.set_index("code")
    d["is_schematic"] = d["code"].map(geo["is_schematic"]).astype(bool)
    d["parent_code"] = d["parent_code"].where(d["level"] > 1)
    d["level"] = d["level"].astype("int8")
    d["exit_year"] = d["exit_year"].astype("Int16")
    return d
