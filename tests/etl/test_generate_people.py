"""The generator's people (issue #16): dated membership, sex ratios by age, names by
cohort, county populations within the published figures, totals that are not round.

Runs the generator's stages directly (no warehouse) at scale 0.05, a few seconds.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from etl import calibration as cal
from etl import generate as G
from etl import names, refdata
from etl.layout import FIRST_YEAR

SCALE = 0.05
AS_OF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def gen():
    g = G.Gen(refdata.load(), G.Params(scale=SCALE, seed=42, as_of=AS_OF))
    for stage in G.Gen.STAGES:
        getattr(g, stage)()
    return g


@pytest.fixture(scope="module")
def person(gen):
    return gen.tables["person"].to_pandas()


def _ends():
    return [np.datetime64(f"{y}-12-31") for y in range(FIRST_YEAR, AS_OF.year + 1)]


def test_dates_follow_the_rules(person):
    birth = person["birth_date"].to_numpy("datetime64[D]")
    joined = person["joined_date"].to_numpy("datetime64[D]")
    left = person["left_date"].to_numpy("datetime64[D]")
    has_j, has_l = ~np.isnat(joined), ~np.isnat(left)
    assert (joined[has_j] >= birth[has_j]).all()
    since = np.where(has_j, joined, birth)
    assert (left[has_l] >= since[has_l]).all()
    assert (left[has_l] <= np.datetime64(AS_OF)).all()
    # A reason exactly when a date says so; joiners have a date, members since
    # identification none (reason 1).
    assert (person["left_reason"].notna() == has_l).all()
    assert set(person["left_reason"].dropna().astype(int)) <= {1, 2, 3, 9}
    jr = person["join_reason"].astype(int)
    assert set(jr) <= {1, 2, 3, 4}
    assert ((jr == 1) == ~has_j).all()
    # Newborns joined on their birthday.
    nb = (jr == 2).to_numpy()
    assert (joined[nb] == birth[nb]).all()
    assert person["id_number"].is_unique


def test_nobody_is_present_before_birth_or_joining(gen, person):
    """members_in_year counts exactly the people present at the end of each year,
    and people born after their household registered are not counted before."""
    birth = person["birth_date"].to_numpy("datetime64[D]")
    joined = person["joined_date"].to_numpy("datetime64[D]")
    left = person["left_date"].to_numpy("datetime64[D]")
    h = person["household_id"].to_numpy() - 1
    since = np.where(np.isnat(joined), birth, joined)
    n_hh = gen.n_hh
    for t, end in enumerate(_ends()):
        present = (birth <= end) & (since <= end) & (np.isnat(left) | (left > end))
        want = np.bincount(h, weights=present, minlength=n_hh).astype(int)
        year = FIRST_YEAR + t
        got = gen.members_in_year(np.arange(n_hh), np.full(n_hh, year))
        assert (got == want).all(), year
    # Children born after their household was registered in 2014 exist, and are not
    # counted in 2014.
    hh = gen.hh
    reg14 = (hh["registered"] & (hh["identify_year"] == 2014))[h]
    late = reg14 & (birth > np.datetime64("2014-12-31"))
    assert late.sum() > 0.02 * reg14.sum()
    # The people of the 2014 registry: far fewer than today's members projected back.
    m14 = gen.members_in_year(
        np.flatnonzero(hh["registered"] & (hh["identify_year"] == 2014)), 2014
    ).sum()
    assert m14 < reg14.sum()


def test_income_members_are_the_people_present(gen):
    inc = gen.tables["income"]
    h = inc["household_id"].to_numpy() - 1
    y = inc["year"].to_numpy()
    assert (inc["members"].to_numpy() == gen.members_in_year(h, y)).all()
    assert (inc["members"].to_numpy() >= 1).all()


def test_deaths_remove_members_and_a_household_keeps_one(gen, person):
    hh = gen.tables["household"].to_pandas()
    current = person[person["left_date"].isna()]
    size = current.groupby("household_id").size()
    assert (
        hh.set_index("household_id")["members"]
        == size.reindex(hh["household_id"]).fillna(0).to_numpy()
    ).all()
    assert hh["members"].min() >= 1
    heads = current[current["relation"] == "01"].groupby("household_id").size()
    assert len(heads) == len(hh) and (heads == 1).all()
    # The head named on the household is its current head.
    named = current[current["relation"] == "01"].set_index("household_id")["name"]
    assert (hh.set_index("household_id")["head_name"] == named).all()
    # Members left by death (most), marriage out, moving out.
    reasons = person["left_reason"].value_counts()
    assert reasons[1] > reasons[3] and reasons[2] > reasons[3] > 0
    assert person["join_reason"].value_counts()[2] > 0.03 * len(person)


def test_yearly_rates_are_rural_shaanxis(gen, person):
    birth = person["birth_date"].to_numpy("datetime64[D]")
    left = person["left_date"].to_numpy("datetime64[D]")
    year_left = G._year(left)
    lr = person["left_reason"].fillna(0).to_numpy()
    jr = person["join_reason"].to_numpy()
    n_hh = gen.n_hh
    for year in range(2016, 2026):
        present = gen.members_in_year(np.arange(n_hh), year).sum()
        deaths = ((year_left == year) & (lr == 1)).sum() / present * 1000
        births = ((G._year(birth) == year) & (jr == 2)).sum() / present * 1000
        assert 4 <= deaths <= 12, year
        assert 1.5 <= births <= 12, year
    # Daughters marry out mostly between 20 and 30; deaths rise with age.
    age_left = (left - birth).astype("timedelta64[D]").astype(float) / 365.25
    out = lr == 2
    assert 0.75 <= ((age_left[out] >= 20) & (age_left[out] < 31)).mean()
    assert (person["sex"][out] == 2).all()
    died = lr == 1
    assert np.median(age_left[died]) > 65


def test_sex_ratio_by_age(person):
    cur = person[person["left_date"].isna()]
    age, male = cur["age"], cur["sex"] == 1

    def ratio(lo, hi):
        s = (age >= lo) & (age < hi)
        return 100 * (male & s).sum() / (~male & s).sum()

    assert 100 <= ratio(0, 15) <= 116  # a few hundred children at this scale
    assert 103 <= ratio(15, 65) <= 112
    assert 80 <= ratio(65, 80) <= 95
    assert 50 <= ratio(80, 200) <= 75


def test_heads_are_mostly_men_but_widows_head_old_one_person_households(gen, person):
    hh = gen.tables["household"].to_pandas().set_index("household_id")
    heads = person[(person["relation"] == "01") & person["left_date"].isna()].set_index(
        "household_id"
    )
    assert (heads["sex"] == 1).mean() > 0.65
    old_alone = heads[(hh["members"].reindex(heads.index) == 1) & (heads["age"] >= 70)]
    assert (old_alone["sex"] == 2).mean() > 0.5


def _given(full: str) -> str:
    return full[2:] if full[:2] in names.COMPOUND_SURNAMES else full[1:]


def test_surnames(person):
    assert len(names.SURNAMES) == len(set(names.SURNAMES)) >= 300
    top = names.SURNAMES[np.argsort(-names.SURNAME_WEIGHTS)][:5]
    assert set(top[:3]) == {"王", "李", "张"} and "刘" in top
    surname = [n[:2] if n[:2] in names.COMPOUND_SURNAMES else n[0] for n in person["name"]]
    assert len(set(surname)) >= 300
    assert len(set(surname) & names.COMPOUND_SURNAMES) >= 3
    assert {"欧阳", "司马", "上官", "诸葛", "慕容", "令狐"} <= names.COMPOUND_SURNAMES


def test_given_names_follow_the_birth_cohort(person):
    year = pd.to_datetime(person["birth_date"]).dt.year
    given = person["name"].map(_given)
    old = given[(year >= 1950) & (year <= 1965)]
    mid = given[(year >= 1975) & (year <= 1995)]
    young = given[year >= 2005]
    assert len(old) > 1000 and len(mid) > 1000 and len(young) > 1000

    def share(s, chars):
        return s.map(lambda g: any(c in g for c in chars)).mean()

    assert share(old, "建国庆红英华") > 0.3 > 0.05 > share(young, "建国庆红英华")
    assert share(young, "涵轩诺梓怡浩然") > 0.3 > 0.02 > share(old, "涵轩诺梓怡")
    two = {k: (s.str.len() == 2).mean() for k, s in (("old", old), ("mid", mid), ("young", young))}
    assert two["young"] > 0.85 and two["mid"] < 0.75 and two["young"] > two["mid"] + 0.2


def test_county_population_within_the_published_figure(gen):
    ref = gen.ref.county_population
    assert len(ref) == 107
    pop = gen.tables["population"].to_pandas()
    pop["county"] = pop["village_code"].map(
        dict(zip(gen.village["code"], gen.village["county_code"]))
    )
    by = pop.groupby(["county", "year"])["rural_population"].sum().groupby("county").max()
    figure = ref.set_index("code")["population"].reindex(by.index)
    assert (by <= figure * SCALE).all()
    # 佛坪 (about 30,000 people): its rural population is within the figure.
    assert by["610730000000"] <= 26_597 * SCALE * cal.RURAL_SHARE_CAP["county"]


def test_registered_people_fit_in_their_village(gen):
    hh = gen.hh
    years = np.arange(FIRST_YEAR, AS_OF.year + 1)
    pop = gen.v_pop_year
    counted = hh["registered"][:, None] & (hh["identify_year"][:, None] <= years[None, :])
    people = np.zeros(pop.shape)
    np.add.at(people, hh["v_idx"], gen._members_year * counted)
    assert (people <= cal.MAX_VILLAGE_INCIDENCE * pop + 1e-9).all()
    # 2014 incidence by county group stays what it was calibrated to be, roughly.
    c = gen.county
    inc = np.bincount(gen.v_county, weights=people[:, 0], minlength=len(c)) / np.maximum(
        np.bincount(gen.v_county, weights=pop[:, 0], minlength=len(c)), 1
    )
    pov = c["is_poverty_county"].to_numpy()
    south = gen.c_group == "south"
    assert 0.15 < np.median(inc[pov & south]) < 0.4
    assert 0.08 < np.median(inc[pov & ~south]) < 0.3
    assert np.median(inc[~pov]) < 0.08


def test_totals_are_not_round_and_the_same_for_a_seed(gen):
    n = int(gen.hh["registered"].sum())
    target = cal.HOUSEHOLDS_AT_SCALE_1 * SCALE
    assert n != target and abs(n - target) < 0.03 * target
    again = G.Gen(refdata.load(), G.Params(scale=SCALE, seed=42, as_of=AS_OF))
    for stage in G.Gen.STAGES[: G.Gen.STAGES.index("people") + 1]:
        getattr(again, stage)()
    assert (again.hh["size"] == gen.hh["size"]).all()
    assert again.person["id_number"].equals(gen.person["id_number"])


def test_department_deaths_are_the_registry_deaths(gen, person):
    dea = gen.tables["dept_death"].to_pandas()
    died = person[person["left_reason"] == 1]
    on_record = dea.merge(person[["id_number", "left_date", "left_reason"]], on="id_number")
    # Deaths the registry recorded, on the same day; a very few not recorded yet.
    same = (on_record["left_reason"] == 1) & (on_record["left_date"] == on_record["death_date"])
    assert same.mean() > 0.9
    assert on_record["left_date"].isna().sum() <= 0.002 * person["left_date"].isna().sum()
    assert len(on_record) >= 0.9 * len(died)
