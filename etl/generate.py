"""The synthetic registry: households, people, income, measures, cadres, monitoring
objects and department records over the real Shaanxi geography.

Vectorised with numpy; every stage draws from its own random stream derived from the
seed, so the same seed and scale give identical tables, and changing one stage does not
shift the others. The result is a dict of pyarrow tables, loaded by ``etl.warehouse``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl import calibration as cal
from etl import idnumber, names
from etl.codes import CATEGORY_CHANNEL, CATEGORY_DEPARTMENT, CHANNEL_DEPARTMENT
from etl.layout import FIRST_YEAR
from etl.refdata import Reference, ReferenceError, region_table

DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Params:
    scale: float
    seed: int
    as_of: date  # the last day the data covers

    @property
    def last_year(self) -> int:
        return self.as_of.year


class Gen:
    """Builds the tables stage by stage; ``tables`` collects the output."""

    def __init__(self, ref: Reference, params: Params, sink=None):
        self.ref = ref
        self.p = params
        self.sink = sink
        self.as_of = np.datetime64(params.as_of, "D")
        self.tables: dict[str, pa.Table] = {}
        lines = ref.lines.set_index("year")
        missing = [y for y in range(FIRST_YEAR, params.last_year + 1) if y not in lines.index]
        if missing:
            raise ReferenceError(f"lines.csv has no line for {missing[0]}: add that year "
                                 "to data/reference/lines.csv")
        years = np.arange(FIRST_YEAR, params.last_year + 1)
        self.years = years
        self.pline = np.array([float(lines.loc[y, "poverty_line"])
                               if pd.notna(lines.loc[y, "poverty_line"]) else np.nan
                               for y in years])
        self.mline = np.array([float(lines.loc[y, "monitoring_line"])
                               if pd.notna(lines.loc[y, "monitoring_line"]) else np.nan
                               for y in years])
        # For generation only: a reference line for every year (1.5x poverty line before
        # the monitoring line exists).
        self.ref_line = np.where(np.isnan(self.mline), 1.5 * self.pline, self.mline)

    def emit(self, name: str, table: pa.Table) -> None:
        """Hand a finished table (or a further chunk of it) to the sink, or keep it."""
        if self.sink is not None:
            self.sink(name, table)
        elif name in self.tables:
            self.tables[name] = pa.concat_tables([self.tables[name], table])
        else:
            self.tables[name] = table

    def rng(self, stage: int) -> np.random.Generator:
        return np.random.default_rng([self.p.seed, stage])

    # ------------------------------------------------------------------ geography
    def regions(self) -> None:
        d = region_table(self.ref)
        self.region = d
        self.emit("region", pa.Table.from_pandas(d, preserve_index=False))
        self.village = d[d["level"] == 5].reset_index(drop=True)
        self.county = d[d["level"] == 3].reset_index(drop=True)
        self.township = d[d["level"] == 4].reset_index(drop=True)

    def villages(self) -> None:
        """Rural population and the 2014 poverty incidence of every village."""
        rng = self.rng(1)
        v, c = self.village, self.county
        deep = c["name"].str.startswith(cal.DEEP_POVERTY_NAMES)
        group = c["code"].str[:4].map(cal.REGION_OF_CITY)
        rate = np.where(c["is_poverty_county"], group.map(cal.INCIDENCE_POVERTY_COUNTY),
                        group.map(cal.INCIDENCE_OTHER_COUNTY)).astype(float)
        district = c["name"].str.endswith("区") & ~c["is_poverty_county"]
        rate = np.where(district, rate * cal.URBAN_DISTRICT_FACTOR, rate)
        rate = rate + np.where(deep, cal.DEEP_POVERTY_BONUS, 0.0)
        c_idx = pd.Index(c["code"]).get_indexer(v["county_code"])
        self.v_county = c_idx
        self.c_group = group.to_numpy()
        self.c_monitor_factor = np.where(
            deep, cal.MONITOR_COUNTY_FACTOR["deep"],
            np.where(c["is_poverty_county"], cal.MONITOR_COUNTY_FACTOR["poverty"],
                     cal.MONITOR_COUNTY_FACTOR["other"]))
        kind = v["kind"].to_numpy()
        n = len(v)
        # A county-level unit with no village committee at all is an inner-city district:
        # no rural registered poor there.
        has_villages = np.bincount(c_idx, weights=kind == "village", minlength=len(c)) > 0
        rate = np.where(has_villages, rate, 0.0)
        pop = np.where(kind == "community",
                       cal.COMMUNITY_POP_MEDIAN * np.exp(rng.normal(0, 0.8, n)),
                       cal.VILLAGE_POP_MEDIAN * np.exp(rng.normal(0, 0.45, n)))
        v_rate = rate[c_idx] * np.exp(rng.normal(0, 0.5, n))
        v_rate = np.where(kind == "community", v_rate * 0.1, v_rate).clip(0, 0.6)
        self.v_weight = v_rate * pop
        self.v_pop = pop * self.p.scale
        self.v_rate = v_rate

    # ------------------------------------------------------------------ households
    def registered(self) -> None:
        """Registered poor households (建档立卡户): where, size, when in and out, why."""
        rng = self.rng(2)
        n = int(round(cal.HOUSEHOLDS_AT_SCALE_1 * self.p.scale))
        counts = rng.multinomial(n, self.v_weight / self.v_weight.sum())
        v_idx = np.repeat(np.arange(len(self.village)), counts)
        size = rng.choice(np.arange(1, 8), n, p=cal.SIZE_P)
        iy = rng.choice(list(cal.IDENTIFY_YEARS), n, p=list(cal.IDENTIFY_YEARS.values()))
        county_exit = self.county["exit_year"].to_numpy(dtype=float, na_value=np.nan)
        cy = county_exit[self.v_county[v_idx]]
        ey = np.zeros(n, dtype=np.int64)
        for key, dist in cal.EXIT_YEARS.items():
            sel = np.isnan(cy) if key is None else (cy == key)
            ey[sel] = rng.choice(list(dist), sel.sum(), p=list(dist.values()))
        late = ey < iy
        ey[late] = np.minimum(iy[late] + 1, 2020)
        cause = rng.choice(list(cal.CAUSE_P), n, p=np.array(list(cal.CAUSE_P.values()))
                           / sum(cal.CAUSE_P.values()))
        u = rng.random(n)
        htype = np.where(size == 1, np.where(u < 0.3, 3, np.where(u < 0.6, 2, 1)),
                         np.where(u < 0.18, 2, 1))
        exit_type = np.where(rng.random(n) < cal.NO_POLICY_SHARE, 2, 1)
        self.hh = {
            "v_idx": v_idx, "size": size, "registered": np.ones(n, bool),
            "identify_year": iy, "exit_year": ey, "cause": cause, "type": htype,
            "exit_type": exit_type,
        }

    def monitoring_selection(self) -> None:
        """Pick monitoring objects: exited households that became unstable, and new
        households (marginal or in sudden hardship) added to the registry."""
        rng = self.rng(3)
        hh = self.hh
        n_reg = len(hh["size"])
        people = hh["size"].sum()
        target_hh = people * cal.MONITORED_PEOPLE_SHARE / (people / n_reg)
        n_type = {t: int(round(target_hh * s)) for t, s in cal.MONITOR_TYPE_SHARE.items()}
        n3_reg = int(round(n_type[3] * cal.SUDDEN_FROM_REGISTRY))
        factor = self.c_monitor_factor[self.v_county[hh["v_idx"]]]
        w = factor * np.where(np.isin(hh["cause"], (1, 2)), 2.0, 1.0) \
            * np.where(hh["exit_year"] >= 2019, 1.5, 1.0) * np.where(hh["size"] >= 5, 1.2, 1.0)
        chosen = _weighted_sample(rng, w, n_type[1] + n3_reg)
        mtype = np.zeros(n_reg, dtype=np.int8)
        mtype[chosen[: n_type[1]]] = 1
        mtype[chosen[n_type[1]:]] = 3
        # New households, placed by the village's poverty weight and the county factor.
        n_new2, n_new3 = n_type[2], n_type[3] - n3_reg
        n_new = n_new2 + n_new3
        vw = self.v_weight * self.c_monitor_factor[self.v_county]
        v_new = np.sort(rng.choice(len(vw), n_new, p=vw / vw.sum()))
        new_type = np.where(rng.random(n_new) < n_new2 / max(n_new, 1), 2, 3).astype(np.int8)
        size_new = rng.choice(np.arange(1, 8), n_new, p=cal.SIZE_P)
        size_new = np.where((size_new == 1) & (rng.random(n_new) < 0.5), 2, size_new)
        zeros = np.zeros(n_new, np.int64)
        extra = {"v_idx": v_new, "size": size_new, "registered": np.zeros(n_new, bool),
                 "identify_year": zeros, "exit_year": zeros, "cause": zeros,
                 "type": np.full(n_new, 9), "exit_type": zeros}
        for key, values in extra.items():
            hh[key] = np.concatenate([hh[key], values])
        hh["monitor_type"] = np.concatenate([mtype, new_type])
        # Households are numbered in village order, registered before new ones.
        order = np.lexsort((~hh["registered"], hh["v_idx"]))
        for key in hh:
            hh[key] = hh[key][order]
        self.n_hh = len(hh["size"])
        # The household number (户编号): the village code and a 4-digit number in it.
        vcode = self.village["code"].to_numpy()[hh["v_idx"]]
        within = _rank_within(hh["v_idx"])
        self.hh_no = pc.binary_join_element_wise(
            pa.array(vcode), pa.array(np.char.zfill((within + 1).astype(str), 4)), "")

    def monitoring_dates(self) -> None:
        """Warning, home check, notice, approval, assistance and elimination dates."""
        rng = self.rng(4)
        hh = self.hh
        idx = np.flatnonzero(hh["monitor_type"] > 0)
        m = len(idx)
        start = np.datetime64(cal.MONITOR_START)
        days = np.arange(start, self.as_of + DAY, dtype="datetime64[D]")
        years = days.astype("datetime64[Y]").astype(int) + 1970
        months = days.astype("datetime64[M]").astype(int) % 12
        yw = np.array([cal.MONITOR_YEAR_WEIGHT.get(int(y), 0.85) for y in years])
        dw = yw * np.array(cal.MONITOR_MONTH_WEIGHT)[months]
        warn = days[rng.choice(len(days), m, p=dw / dw.sum())]
        mt = hh["monitor_type"][idx]
        # An exited household can only become unstable after its exit year.
        ey = hh["exit_year"][idx]
        early = (mt != 2) & hh["registered"][idx] & (warn.astype("datetime64[Y]").astype(int)
                                                     + 1970 <= ey)
        warn[early] = warn[early] + np.timedelta64(365, "D")
        warn = np.minimum(warn, self.as_of)
        check = warn + rng.integers(1, 5, m) * DAY
        quick = rng.random(m) < cal.IDENTIFIED_WITHIN_15_DAYS
        ident_days = np.where(quick, rng.integers(6, 16, m), rng.integers(16, 46, m))
        ident = warn + ident_days * DAY
        # Room for the procedure after the home check: consent, comparison, review, a
        # public notice of at least 5 days, township review and county decision.
        ident = np.maximum(ident, check + 7 * DAY)
        notice = ident - rng.integers(6, 9, m) * DAY  # village notice, at least 5 days
        notice = np.maximum(notice, check)
        assist = ident + rng.integers(3, 46, m) * DAY
        no_assist = rng.random(m) < 0.02
        dur = 60 + rng.gamma(2.0, 150.0, m).astype(np.int64)
        method = np.where(rng.random(m) < cal.ASSISTED_ELIMINATION, 1, 2)
        fast = (method == 1) & (rng.random(m) < cal.FAST_ELIMINATION)
        dur[fast] = rng.integers(20, 56, fast.sum())
        elim = ident + dur * DAY
        elim = np.maximum(elim, assist + DAY)  # never eliminated before assistance began
        nat = np.datetime64("NaT")
        pending = ident > self.as_of
        check = np.where(check > self.as_of, nat, check)
        notice = np.where((notice > self.as_of) | pending, nat, notice)
        assist = np.where(no_assist | pending | (assist > self.as_of), nat, assist)
        method = np.where((method == 1) & np.isnat(assist), 2, method)
        elim = np.where(pending | (elim > self.as_of), nat, elim)
        method = np.where(np.isnat(elim), 0, method)
        # The steps between the home check and entry (domain.md §3): consent at the home
        # check, data comparison the next day, village review the day before the notice;
        # the notice ends two days before entry, township review and county decision
        # the day before it.
        comparison = check + DAY
        comparison = np.where(np.isnat(notice), comparison, np.minimum(comparison, notice))
        comparison = np.where(comparison > self.as_of, nat, comparison)
        review = np.where(np.isnat(notice), nat, np.maximum(comparison, notice - DAY))
        notice_end = np.where(pending, nat, ident - 2 * DAY)
        decision = np.where(pending, nat, ident - DAY)
        ident = np.where(pending, nat, ident)
        disc = rng.choice(list(cal.DISCOVERY_P), m, p=list(cal.DISCOVERY_P.values()))
        # Risk types: 1-5 per household without repeats (Gumbel top-k on the weights).
        k = rng.choice(np.arange(1, 6), m, p=cal.RISK_COUNT_P)
        w = np.array([cal.RISK_WEIGHTS[t] for t in (1, 2, 3)], dtype=float)[mt - 1]
        cause = hh["cause"][idx]
        boost = {1: 1, 2: 2, 3: 3, 4: 4, 10: 8}  # registered cause -> risk
        for c_code, r_code in boost.items():
            w[cause == c_code, r_code - 1] *= 4
        keys = np.log(w) + rng.gumbel(size=w.shape)
        ranked = np.argsort(-keys, axis=1, kind="stable")[:, :5] + 1
        self.mon = {
            "idx": idx, "type": mt, "warn": warn, "check": check, "notice": notice,
            "comparison": comparison, "review": review, "notice_end": notice_end,
            "decision": decision,
            "ident": ident, "assist": assist, "elim": elim, "method": method,
            "discovery": disc, "k": k, "risks": ranked,
        }

    # ------------------------------------------------------------------ people
    def people(self) -> None:
        """Members of every household, with IDs consistent with county, age and sex."""
        rng = self.rng(5)
        hh = self.hh
        size = hh["size"]
        n_hh, n = len(size), int(size.sum())
        h_of = np.repeat(np.arange(n_hh), size)
        starts = np.concatenate([[0], np.cumsum(size)[:-1]])
        j = np.arange(n) - starts[h_of]
        head_age = np.where(size == 1, rng.normal(66, 11, n_hh), rng.normal(52, 13, n_hh))
        head_age = head_age.clip(20, 92).astype(np.int64)
        ha = head_age[h_of]
        u = rng.random(n)
        # Role: 1 head, 2 spouse, 3 child, 4 grandchild, 5 parent, 6 sibling, 7 other.
        role = np.where(j == 0, 1,
               np.where(j == 1, np.where(u < 0.82, 2, np.where(u < 0.95, 3, 5)),
               np.where(u < 0.72, 3, np.where(u < 0.84, 4, np.where(u < 0.94, 5,
                        np.where(u < 0.97, 6, 7))))))
        role = np.where((role == 4) & (ha < 48), 3, role)
        role = np.where((role == 5) & (ha > 68), 3, role)
        role = np.where((role == 3) & (ha < 22), 6, role)
        age = np.select(
            [role == 1, role == 2, role == 3, role == 4, role == 5],
            [ha, ha + rng.normal(-2, 4, n).round().astype(np.int64),
             ha - rng.integers(22, 37, n), ha - rng.integers(45, 61, n),
             ha + rng.integers(22, 33, n)],
            ha + rng.integers(-8, 9, n)).clip(0, 100)
        male_head = rng.random(n_hh) < 0.85
        male = np.select([role == 1, role == 2], [male_head[h_of], ~male_head[h_of]],
                         rng.random(n) < 0.52)
        relation = np.select(
            [role == 1, role == 2, (role == 3) & male, role == 3, role == 4, role == 5,
             role == 6], ["01", "10", "20", "30", "40", "50", "70"], "99")
        family = names.surnames(rng, n_hh)
        other = names.surnames(rng, n)
        own = (role == 1) | (role == 3) | (role == 4) | (role == 6) | ((role == 5) & male)
        surname = pc.if_else(pa.array(own), family.take(pa.array(h_of)), other)
        name = names.full_names(rng, surname, male)
        birth = (self.as_of - (age * 365.25).astype(np.int64) * DAY
                 - rng.integers(0, 365, n) * DAY)
        county6 = self.village["county_code"].str[:6].astype(np.int64).to_numpy()
        area = county6[hh["v_idx"]][h_of]
        sex = np.where(male, 1, 2)
        rank = _rank_within(area, birth.astype(np.int64), sex)
        if rank.max() >= 400:
            raise ValueError("too many people share a county, birth date and sex")
        seq = 2 * rank + np.where(male, 1, 2)
        id_number = idnumber.make(area, birth, seq)
        # Health, labour and schooling.
        uh = rng.random(n)
        old = age >= 60
        health = np.where(uh < np.where(old, 0.58, 0.82), 1,
                 np.where(uh < np.where(old, 0.84, 0.91), 2,
                 np.where(uh < np.where(old, 0.90, 0.945), 3, 4)))
        # A household poor through illness or disability has a member who shows it.
        cause = hh["cause"][h_of]
        pick = (j == np.minimum(rng.integers(0, 2, n_hh)[h_of], size[h_of] - 1))
        health = np.where(pick & (cause == 1) & (health == 1), 2 + (rng.random(n) < 0.3), health)
        health = np.where(pick & (cause == 2), 4, health)
        disability = np.where(health == 4, rng.choice([1, 2, 3, 4], n, p=[.1, .25, .35, .3]), 0)
        ul = rng.random(n)
        working_age = (age >= 16) & (age <= 64)
        labour = np.where(~working_age | (health == 4) & (disability <= 2), 5,
                 np.where(health == 3, 4,
                 np.where(health == 2, 3, np.where(ul < 0.16, 2, 1))))
        labour = np.where((age >= 65) & (age <= 75) & (health <= 2), 3, labour)
        migrant = np.where((labour <= 2) & (age <= 55) & (rng.random(n) < 0.6),
                           rng.integers(3, 13, n), 0)
        in_school = ((age >= 6) & (age <= 15) & (rng.random(n) < 0.995)) | \
            ((age >= 16) & (age <= 18) & (rng.random(n) < 0.6)) | \
            ((age >= 19) & (age <= 22) & (rng.random(n) < 0.25))
        stage = np.select([age < 6, age <= 11, age <= 15, age <= 18], [1, 2, 3, 4], 5)
        stage = np.where(in_school | (age < 6), stage, 0)
        ue = rng.random(n)
        education = np.select(
            [age < 6, in_school, age >= 65, age >= 45],
            [1, 2, np.where(ue < 0.35, 3, np.where(ue < 0.75, 4, 5)),
             np.where(ue < 0.08, 3, np.where(ue < 0.45, 4, np.where(ue < 0.9, 5, 6)))],
            np.where(ue < 0.15, 4, np.where(ue < 0.7, 5, np.where(ue < 0.92, 6, 7))))
        htype = hh["type"][h_of]
        ethnicity = rng.choice([1, 3, 11, 2, 99], n, p=[0.995, 0.003, 0.001, 0.0005, 0.0005])
        insured = rng.random(n) >= 0.004
        pension = np.where(age >= 60, rng.random(n) < 0.98, (age >= 16) & (rng.random(n) < 0.85))
        welfare = (labour <= 3) & (age >= 30) & (age <= 65) & (rng.random(n) < 0.03) \
            & (hh["registered"][h_of] | (hh["monitor_type"][h_of] > 0))
        phone = pc.if_else(pa.array((role == 1) | ((age >= 18) & (rng.random(n) < 0.4))),
                           _phones(rng, n), pa.scalar(None, pa.string()))
        self.person = {
            "h_of": h_of, "j": j, "name": name, "id_number": id_number, "sex": sex,
            "age": age, "birth": birth, "relation": relation, "ethnicity": ethnicity,
            "education": education, "in_school": in_school, "school_stage": stage,
            "health": health, "disability_grade": disability, "labour": labour,
            "migrant_months": migrant, "insured": insured, "pension": pension,
            "dibao": htype == 2, "tekun": htype == 3, "welfare_job": welfare,
            "phone": phone, "area": area,
        }
        hh["head_name"] = name.take(pa.array(starts))
        hh["phone"] = phone.take(pa.array(starts))
        has_labour = np.bincount(h_of, weights=(labour <= 3), minlength=n_hh) > 0
        hh["no_labour"] = ~has_labour
        hh["has_migrant"] = np.bincount(h_of, weights=migrant > 0, minlength=n_hh) > 0

    def household_conditions(self) -> None:
        """Housing, water, relocation, land; and the years a guarantee was not met."""
        rng = self.rng(6)
        hh = self.hh
        n = self.n_hh
        reg = hh["registered"]
        iy = np.where(reg, hh["identify_year"], 2020)
        group = self.c_group[self.v_county[hh["v_idx"]]]
        reloc_p = np.select([group == "south", group == "north"],
                            [cal.RELOCATION_SHARE["south"], cal.RELOCATION_SHARE["north"]],
                            cal.RELOCATION_SHARE["guanzhong"])
        relocated = reg & (rng.random(n) < reloc_p)
        reloc_year = np.where(relocated, np.maximum(rng.integers(2016, 2020, n), iy), 0)
        unsafe = reg & ~relocated & (rng.random(n) < cal.UNSAFE_HOUSING_SHARE)
        renov_year = np.where(unsafe, np.minimum(np.maximum(iy + rng.integers(0, 4, n), 2015),
                                                 2019), 0)
        water_gap = reg & (rng.random(n) < cal.UNSAFE_WATER_SHARE)
        water_year = np.where(water_gap, np.minimum(iy + rng.integers(1, 5, n), 2019), 0)
        gaps = [  # (household index, item, from, to)
            (np.flatnonzero(relocated), "housing", iy[relocated], reloc_year[relocated] - 1),
            (np.flatnonzero(unsafe), "housing", iy[unsafe], renov_year[unsafe] - 1),
            (np.flatnonzero(water_gap), "water", iy[water_gap], water_year[water_gap] - 1),
        ]
        # Monitoring risks of unsafe housing, water, dropout or no insurance open a gap
        # from identification until elimination (or now).
        mon = self.mon
        ident_year = _year(mon["ident"])
        elim_year = np.where(np.isnat(mon["elim"]), self.p.last_year, _year(mon["elim"]))
        grade = rng.choice(["A", "B"], n, p=[0.62, 0.38]).astype(object)
        for risk, item in ((9, "housing"), (10, "water"), (11, "education"), (12, "medical")):
            has = ((mon["risks"] == risk) & (np.arange(5) < mon["k"][:, None])).any(1) \
                & ~np.isnat(mon["ident"])
            gaps.append((mon["idx"][has], item, ident_year[has], elim_year[has]))
            if risk == 9:
                open_now = has & np.isnat(mon["elim"])
                grade[mon["idx"][open_now]] = np.where(rng.random(open_now.sum()) < 0.7, "C", "D")
        hi = np.concatenate([g[0] for g in gaps])
        keep = np.concatenate([g[3] >= g[2] for g in gaps])
        self.gap = pa.table({
            "household_id": pa.array(hi[keep] + 1, pa.int64()),
            "item": pa.array(np.concatenate([np.full(len(g[0]), g[1]) for g in gaps])[keep]),
            "from_year": pa.array(np.concatenate([g[2] for g in gaps])[keep], pa.int16()),
            "to_year": pa.array(np.concatenate([g[3] for g in gaps])[keep], pa.int16()),
        })
        hh["relocated"] = relocated
        hh["relocation_year"] = reloc_year
        hh["housing_grade"] = grade
        hh["renovation_year"] = renov_year
        farmland = np.select([group == "south", group == "north"],
                             [rng.uniform(0.5, 4, n), rng.uniform(3, 14, n)], rng.uniform(1.5, 6, n))
        hh["farmland_mu"] = np.round(np.where(relocated, farmland * 0.5, farmland), 1)
        hh["forest_mu"] = np.round(np.where(group == "south", rng.uniform(0, 20, n),
                                            rng.uniform(0, 5, n)), 1)
        hh["sanitary_toilet"] = rng.random(n) < 0.86
        hh["road_access"] = rng.random(n) < 0.97

    # ------------------------------------------------------------------ income
    def income(self) -> None:
        """Yearly income by component, consistent with status and the lines.

        Household parameters are drawn once; rows are made in chunks of households to
        keep memory flat at scale 1.0.
        """
        rng = self.rng(7)
        hh, mon = self.hh, self.mon
        n = self.n_hh
        reg = hh["registered"]
        m_of = np.full(n, -1)
        m_of[mon["idx"]] = np.arange(len(mon["idx"]))
        warn_year = np.where(m_of >= 0, _year(mon["warn"])[np.maximum(m_of, 0)], 9999)
        par = {
            # Registered households from identification; new ones from their first warning.
            "y0": np.where(reg, hh["identify_year"], warn_year),
            "a": rng.uniform(*cal.PRE_EXIT_RATIO, n),  # income / poverty line before exit
            "b": rng.uniform(*cal.EXIT_RATIO, n),  # income / poverty line in the exit year
            "f": np.exp(rng.normal(cal.LINE_MULTIPLE_LOG_MEAN, cal.LINE_MULTIPLE_LOG_SD, n)),
            "drift": 1 + rng.normal(cal.DRIFT_MEAN, cal.DRIFT_SD, n),
            "c": rng.uniform(1.05, 1.4, n),  # new households: income / reference line
            "dip": rng.uniform(0.78, 1.04, n),  # monitored: income / line while at risk
            "rec": rng.uniform(1.08, 1.35, n),  # ... and after the risk is eliminated
            "cr": rng.uniform(0.2, 0.4, n),  # production costs / gross business income
            "s_p": rng.uniform(0, 0.04, n),
        }
        s_w = np.where(hh["has_migrant"], rng.uniform(0.45, 0.7, n), rng.uniform(0.1, 0.35, n))
        s_t = np.where(np.isin(hh["type"], (2, 3)) | hh["no_labour"],
                       rng.uniform(0.35, 0.75, n), rng.uniform(0.08, 0.25, n))
        total = s_w + s_t + par["s_p"]
        shrink = np.where(total > 0.95, 0.95 / total, 1.0)
        par["s_w"], par["s_t"], par["s_p"] = s_w * shrink, s_t * shrink, par["s_p"] * shrink
        par["w_year"] = warn_year
        par["e_year"] = np.where(
            m_of >= 0, np.where(np.isnat(mon["elim"]), 9999, _year(mon["elim"]))[np.maximum(m_of, 0)],
            9999)
        latest = np.zeros(n)
        chunk = 250_000
        for lo in range(0, n, chunk):
            rows = self._income_rows(rng, np.arange(lo, min(lo + chunk, n)), par)
            last = rows["year"] == self.p.last_year
            latest[rows["h"][last]] = np.round(rows["net"][last] / rows["size"][last], 2)
            self.emit("income", pa.table({
                "household_id": pa.array(rows["h"] + 1, pa.int64()),
                "year": pa.array(rows["year"], pa.int16()),
                "members": pa.array(rows["size"], pa.int8()),
                **{k: pa.array(rows[k], pa.int32()) for k in (
                    "wages", "business", "property", "transfers", "production_costs")},
                "net_income": pa.array(rows["net"], pa.int32()),
            }))
        hh["latest_pc"] = latest

    def _income_rows(self, rng: np.random.Generator, hs: np.ndarray, par: dict) -> dict:
        hh = self.hh
        span = self.p.last_year - par["y0"][hs] + 1
        h = np.repeat(hs, span)
        year = (np.arange(len(h)) - np.repeat(np.cumsum(span) - span, span)) + par["y0"][h]
        yi = year - FIRST_YEAR
        noise = 1 + 0.04 * rng.standard_normal(len(h))
        ey = hh["exit_year"][h]
        pline = self.pline[np.minimum(yi, 6)]
        pre = np.minimum(pline * par["a"][h] * noise, pline * 0.97)
        at_exit = self.pline[np.clip(ey - FIRST_YEAR, 0, 6)] * par["b"][h]
        i2020 = 2020 - FIRST_YEAR
        at_2020 = np.maximum(self.mline[i2020] * par["f"][h], at_exit)
        steps = np.maximum(2020 - ey, 1)
        towards = at_exit * (at_2020 / at_exit) ** ((year - ey) / steps)
        later = self.mline[np.maximum(yi, i2020)] * par["f"][h] * par["drift"][h] ** (year - 2020)
        post = np.where(year < 2020, towards, np.where(year == 2020, at_2020, later)) * noise
        post = np.maximum(post, np.where(year == ey, pline * 1.05, 0))
        line = self.ref_line[yi]
        pcap = np.where(hh["registered"][h], np.where(year < ey, pre, post),
                        line * par["c"][h] * noise)
        # Monitoring objects sit near the monitoring line from warning to elimination.
        w_year, e_year = par["w_year"][h], par["e_year"][h]
        # The warning year itself is always near the line, even if the risk is
        # eliminated before the year is out.
        near = (year >= w_year) & ((year < e_year) | (year == w_year))
        after = (year >= e_year) & ~near
        pcap = np.where(near, line * par["dip"][h] * noise, pcap)
        pcap = np.where(after, np.maximum(pcap, line * par["rec"][h] * 1.05 ** (year - e_year)),
                        pcap)
        size = hh["size"][h]
        net = np.round(pcap * size).astype(np.int64)
        wages = np.round(net * par["s_w"][h]).astype(np.int64)
        transfers = np.round(net * par["s_t"][h]).astype(np.int64)
        prop = np.round(net * par["s_p"][h]).astype(np.int64)
        bnet = net - wages - transfers - prop
        cr = par["cr"][h]
        costs = np.round(np.maximum(bnet, 0) * cr / (1 - cr)).astype(np.int64)
        return {"h": h, "year": year, "size": size, "wages": wages, "business": bnet + costs,
                "property": prop, "transfers": transfers, "production_costs": costs,
                "net": net}

    # ------------------------------------------------------------------ measures
    def measures(self) -> None:
        """Assistance measures: the eight channels 2014-2020, and monitoring-era ones."""
        rng = self.rng(8)
        hh, mon = self.hh, self.mon
        reg_idx = np.flatnonzero(hh["registered"])
        n_reg = len(reg_idx)
        k = np.minimum(1 + rng.poisson(cal.MEASURES_MEAN, n_reg), 8)
        h = np.repeat(reg_idx, k)
        cause = hh["cause"][h]
        w = np.tile(np.array([cal.CHANNEL_BASE[c] for c in range(1, 9)], float), (len(h), 1))
        for c_code, boosts in cal.CAUSE_CHANNEL_BOOST.items():
            for ch, f in boosts.items():
                w[cause == c_code, ch - 1] *= f
        cum = np.cumsum(w, 1)
        channel = (cum < rng.random(len(h))[:, None] * cum[:, -1:]).sum(1) + 1
        lo = hh["identify_year"][h]
        hi = np.maximum(np.minimum(hh["exit_year"][h] + 1, 2020), lo)
        year = rng.integers(lo, hi + 1)
        # Relocation and housing renovation happen once, in their own year.
        extra = []
        for flag, yr, ch in ((hh["relocated"], hh["relocation_year"], 4),
                             (hh["renovation_year"] > 0, hh["renovation_year"], 5)):
            sel = np.flatnonzero(flag)
            extra.append((sel, yr[sel], np.full(len(sel), ch)))
        h = np.concatenate([h] + [e[0] for e in extra])
        year = np.concatenate([year] + [e[1] for e in extra])
        channel = np.concatenate([channel] + [e[2] for e in extra])
        start = _random_day_in_year(rng, year)
        amount = np.round(np.array([cal.CHANNEL_AMOUNT[c] for c in range(1, 9)])[channel - 1]
                          * np.exp(rng.normal(0, 0.5, len(h))), -1).astype(np.int64)
        dept = np.array([CHANNEL_DEPARTMENT[c] for c in range(1, 9)])[channel - 1]
        category = np.zeros(len(h), dtype=np.int64)
        # Monitoring-era measures, starting on the assistance date.
        assisted = ~np.isnat(mon["assist"])
        mi = np.flatnonzero(assisted)
        km = 1 + rng.poisson(0.8, len(mi))
        mh = np.repeat(mi, km)
        first_risk = mon["risks"][mh, 0]
        second = mon["risks"][mh, np.minimum(1, mon["k"][mh] - 1)]
        pick_risk = np.where(rng.random(len(mh)) < 0.6, first_risk, second)
        opts = [cal.RISK_CATEGORY[r] for r in range(1, 14)]
        choose = rng.integers(0, 2, len(mh))
        cat = np.array([o[0] for o in opts])[pick_risk - 1]
        cat2 = np.array([o[-1] for o in opts])[pick_risk - 1]
        cat = np.where(choose == 1, cat2, cat)
        offs = np.concatenate([[0], np.cumsum(km)[:-1]])
        nth = np.arange(len(mh)) - np.repeat(offs, km)
        mstart = mon["assist"][mh] + (nth * rng.integers(10, 90, len(mh))) * DAY
        mstart = np.minimum(mstart, self.as_of)
        m_ch = np.array([CATEGORY_CHANNEL[c] or 0 for c in range(1, 16)])[cat - 1]
        m_amount = np.round(np.where(m_ch > 0, np.array([0] + [cal.CHANNEL_AMOUNT[c]
                            for c in range(1, 9)])[m_ch], 2000) * 0.6
                            * np.exp(rng.normal(0, 0.5, len(mh))), -1).astype(np.int64)
        m_amount = np.where(cat == 12, m_amount // 10, m_amount)
        m_dept = np.array([CATEGORY_DEPARTMENT[c] for c in range(1, 16)])[cat - 1]
        hid = np.concatenate([h, mon["idx"][mh]])
        order = np.lexsort((np.concatenate([start, mstart]), hid))
        all_channel = np.concatenate([channel, m_ch])[order]
        all_category = np.concatenate([category, cat])[order]
        self.emit("measure", pa.table({
            "measure_id": pa.array(np.arange(1, len(hid) + 1), pa.int64()),
            "household_id": pa.array(hid[order] + 1, pa.int64()),
            "year": pa.array(np.concatenate([year, _year(mstart)])[order], pa.int16()),
            "start_date": pa.array(np.concatenate([start, mstart])[order]),
            # 0 means "not one of the eight channels" / "no monitoring category": NULL.
            "channel": pa.array(all_channel, pa.int8(), mask=all_channel == 0),
            "category": pa.array(all_category, pa.int8(), mask=all_category == 0),
            "amount": pa.array(np.concatenate([amount, m_amount])[order], pa.int64()),
            "department": pa.array(np.concatenate([dept, m_dept])[order]),
            "for_monitoring": pa.array(np.concatenate([np.zeros(len(h), bool),
                                                       np.ones(len(mh), bool)])[order]),
        }))

    # ------------------------------------------------------------------ cadres
    def units_and_cadres(self) -> None:
        """Assisting units (帮扶单位), cadres paired with households, village teams."""
        rng = self.rng(9)
        region = self.region
        units = []  # (name, level, region_code, type)
        prov = region[region["level"] == 1].iloc[0]
        for dept in _PROVINCE_UNITS:
            units.append((prov["name"] + dept, 1, prov["code"], _unit_type(dept)))
        for _, c in region[region["level"] == 2].iterrows():
            for dept in _CITY_UNITS:
                units.append((c["name"] + dept, 2, c["code"], _unit_type(dept)))
        for _, c in self.county.iterrows():
            for dept in _COUNTY_UNITS:
                units.append((c["name"] + dept, 3, c["code"], _unit_type(dept)))
        for _, t in self.township.iterrows():
            suffix = "办事处" if t["name"].endswith("街道") else "人民政府"
            units.append((t["name"] + suffix, 4, t["code"], "乡镇(街道)"))
        unit = pd.DataFrame(units, columns=["name", "level", "region_code", "unit_type"])
        unit.insert(0, "unit_id", np.arange(1, len(unit) + 1))
        n_prov, n_city = len(_PROVINCE_UNITS), len(_CITY_UNITS)
        n_cnty = len(_COUNTY_UNITS)
        city_first = n_prov
        county_first = n_prov + 10 * n_city
        town_first = county_first + len(self.county) * n_cnty
        hh = self.hh
        n = self.n_hh
        t_codes = self.village["township_code"].to_numpy()[hh["v_idx"]]
        t_idx = pd.Index(self.township["code"]).get_indexer(t_codes)
        counts = np.bincount(t_idx, minlength=len(self.township))
        n_c = np.ceil(counts / cal.HOUSEHOLDS_PER_CADRE).astype(np.int64)
        c_start = np.concatenate([[0], np.cumsum(n_c)[:-1]])
        # Households are in village order, so a township's are contiguous.
        h_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        r = np.arange(n) - h_start[t_idx]
        local = (r * n_c[t_idx]) // counts[t_idx]
        cadre = c_start[t_idx] + local
        total = int(n_c.sum())
        c_town = np.repeat(np.arange(len(self.township)), n_c)
        c_county = pd.Index(self.county["code"]).get_indexer(
            self.township["parent_code"].to_numpy()[c_town])
        c_city = pd.Index(region[region["level"] == 2]["code"]).get_indexer(
            self.county["parent_code"].to_numpy()[c_county])
        uu = rng.random(total)
        unit_idx = np.select(
            [uu < 0.70, uu < 0.90, uu < 0.97],
            [county_first + c_county * n_cnty + rng.integers(0, n_cnty, total),
             town_first + c_town,
             city_first + c_city * n_city + rng.integers(0, n_city, total)],
            rng.integers(0, n_prov, total))
        # First secretaries for villages with registered households.
        v_reg = np.bincount(hh["v_idx"][hh["registered"]], minlength=len(self.village))
        fs_v = np.flatnonzero((v_reg > 0) & (self.village["kind"].to_numpy() == "village"))
        n_fs = len(fs_v)
        fs_town = pd.Index(self.township["code"]).get_indexer(
            self.village["township_code"].to_numpy()[fs_v])
        fs_county = pd.Index(self.county["code"]).get_indexer(
            self.village["county_code"].to_numpy()[fs_v])
        fs_city = pd.Index(region[region["level"] == 2]["code"]).get_indexer(
            self.village["city_code"].to_numpy()[fs_v])
        uf = rng.random(n_fs)
        fs_unit = np.select([uf < 0.5, uf < 0.85],
                            [county_first + fs_county * n_cnty + rng.integers(0, n_cnty, n_fs),
                             city_first + fs_city * n_city + rng.integers(0, n_city, n_fs)],
                            rng.integers(0, n_prov, n_fs))
        all_town = np.concatenate([c_town, fs_town])
        all_unit = np.concatenate([unit_idx, fs_unit])
        n_all = total + n_fs
        male = rng.random(n_all) < 0.68
        self.emit("cadre", pa.table({
            "cadre_id": pa.array(np.arange(1, n_all + 1), pa.int64()),
            "name": names.full_names(rng, names.surnames(rng, n_all), male),
            "sex": pa.array(np.where(male, 1, 2), pa.int8()),
            "unit_id": pa.array(all_unit + 1, pa.int64()),
            "township_code": pa.array(self.township["code"].to_numpy()[all_town]),
            "position": pa.array(np.where(np.arange(n_all) < total, "帮扶责任人", "第一书记")),
            "phone": _phones(rng, n_all),
        }))
        self.emit("unit", pa.Table.from_pandas(unit, preserve_index=False))
        self.unit_names = unit["name"].to_numpy()
        # Pairing history: a quarter of households changed cadre once.
        reg = hh["registered"]
        start_year = np.where(reg, hh["identify_year"], 0)
        mon_start = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        mon_start[self.mon["idx"]] = self.mon["warn"]
        start = np.where(reg, _random_day_in_year(rng, np.maximum(start_year, FIRST_YEAR)),
                         mon_start)
        changed = reg & (rng.random(n) < 0.25)
        change_year = rng.choice([2017, 2018, 2021], n)
        change_year = np.maximum(change_year, start_year + 1)
        change = _random_day_in_year(rng, change_year)
        changed &= change <= self.as_of
        old = c_start[t_idx] + (local + 1) % n_c[t_idx]
        ph = np.concatenate([np.arange(n), np.flatnonzero(changed)])
        pcad = np.concatenate([np.where(changed, old, cadre), cadre[changed]])
        pstart = np.concatenate([start, change[changed]])
        pend = np.concatenate([np.where(changed, change, np.datetime64("NaT")),
                               np.full(changed.sum(), np.datetime64("NaT"), "datetime64[D]")])
        order = np.lexsort((pstart, ph))
        self.emit("pairing", pa.table({
            "household_id": pa.array(ph[order] + 1, pa.int64()),
            "cadre_id": pa.array(pcad[order] + 1, pa.int64()),
            "start_date": pa.array(pstart[order]), "end_date": pa.array(pend[order]),
        }))
        hh["cadre_id"] = cadre + 1
        # Village table: population, conditions and the work team.
        v = self.village
        nv = len(v)
        team_unit = np.zeros(nv, dtype=np.int64)
        secretary = np.zeros(nv, dtype=np.int64)
        team_unit[fs_v] = fs_unit + 1
        secretary[fs_v] = total + np.arange(n_fs) + 1
        is_vil = v["kind"].to_numpy() == "village"
        people = np.bincount(hh["v_idx"], weights=hh["size"] * reg, minlength=nv)
        pop2014 = np.maximum(np.round(self.v_pop), np.ceil(people / 0.7)).astype(np.int64)
        # The year the last unsafe house of the village was renovated or relocated.
        fixed = np.maximum(hh["renovation_year"], hh["relocation_year"])
        housing_year = np.zeros(nv, dtype=np.int64)
        np.maximum.at(housing_year, hh["v_idx"], fixed)
        # Poor villages (贫困村): high 2014 incidence; out when their last household left.
        last_exit = np.zeros(nv, dtype=np.int64)
        np.maximum.at(last_exit, hh["v_idx"], np.where(reg, hh["exit_year"], 0))
        poor = is_vil & (self.v_rate >= cal.POOR_VILLAGE_INCIDENCE) & (last_exit > 0)
        road = np.where(is_vil, rng.choice(np.arange(2014, 2020), nv), 0)
        water = np.where(is_vil, rng.choice(np.arange(2014, 2020), nv), 0)
        self.emit("village", pa.table({
            "village_code": pa.array(v["code"]), "kind": pa.array(v["kind"]),
            "natural_villages": pa.array(np.where(is_vil, rng.integers(2, 15, nv), 0), pa.int16()),
            "road_hardened_year": pa.array(np.where(road > 0, road, None), pa.int16()),
            "tap_water_year": pa.array(np.where(water > 0, water, None), pa.int16()),
            "housing_safe_year": pa.array(np.where(housing_year > 0, housing_year, None),
                                          pa.int16()),
            "has_clinic": pa.array(is_vil & (rng.random(nv) < 0.97)),
            "has_collective_economy": pa.array(is_vil & (rng.random(nv) < 0.9)),
            "team_unit_id": pa.array(np.where(team_unit > 0, team_unit, None), pa.int64()),
            "first_secretary_id": pa.array(np.where(secretary > 0, secretary, None), pa.int64()),
            "poor_village": pa.array(poor),
            "poor_village_exit_year": pa.array(np.where(poor, np.minimum(last_exit, 2020), None),
                                               pa.int16()),
        }))
        years = self.years
        decline = (1 - cal.POP_DECLINE_PER_YEAR) ** (years - FIRST_YEAR)
        pop = np.maximum(np.round(pop2014[:, None] * decline[None, :]),
                         np.ceil(people / 0.7)[:, None]).astype(np.int64)
        self.emit("population", pa.table({
            "village_code": pa.array(np.repeat(v["code"].to_numpy(), len(years))),
            "year": pa.array(np.tile(years, nv), pa.int16()),
            "rural_population": pa.array(pop.ravel(), pa.int64()),
        }))

    # ------------------------------------------------------------------ department data
    def departments(self) -> None:
        """Department records keyed by ID number, with a small share of hits."""
        rng = self.rng(10)
        P, hh, mon = self.person, self.hh, self.mon
        D = cal.DEPT
        ids = P["id_number"].to_numpy(zero_copy_only=False)
        n = len(ids)
        adult = (P["age"] >= 18) & (P["age"] <= 75)
        h_of = P["h_of"]
        # Medical: out-of-pocket costs by month from 2020.
        start = np.datetime64("2020-01", "M")
        months = int((self.as_of.astype("datetime64[M]") - start).astype(int)) + 1
        lam = D["medical_rate"] * months / 12 * np.where(P["health"] >= 2,
                                                         D["medical_sick_factor"], 1.0)
        k = rng.poisson(lam)
        pi = np.repeat(np.arange(n), k)
        month = start + rng.integers(0, months, len(pi))
        serious = P["health"][pi] == 3
        oop = np.round(np.exp(rng.normal(np.where(serious, np.log(6000), np.log(1200)),
                                         1.0))).astype(np.int64)
        # Illness risks found by department screening show a large bill before the warning.
        ill = ((mon["risks"] == 1) & (np.arange(5) < mon["k"][:, None])).any(1) \
            & (mon["discovery"] == 3)
        hh_first = np.concatenate([[0], np.cumsum(hh["size"])[:-1]])
        sick_p = hh_first[mon["idx"][ill]]
        reg = hh["registered"][mon["idx"][ill]]
        thr = np.where(reg, 5000, 20000)
        big = np.round(thr * rng.uniform(1.05, 3.0, ill.sum())).astype(np.int64)
        bm = (mon["warn"][ill].astype("datetime64[M]") - 1)
        bm = np.maximum(bm, start)
        pi = np.concatenate([pi, sick_p])
        month = np.concatenate([month, bm])
        oop = np.concatenate([oop, big])
        total_cost = np.round(oop / rng.uniform(0.15, 0.45, len(oop))).astype(np.int64)
        med = pa.table({"id_number": pa.array(ids[pi]),
                        "month": pa.array(month.astype("datetime64[D]")),
                        "total_cost": pa.array(total_cost, pa.int64()),
                        "out_of_pocket": pa.array(oop, pa.int64())})
        self.emit("dept_medical", self._with_noise(rng, med, "id_number"))
        # Education: school years from 2022 for people in school.
        sy = np.arange(2022, self.p.last_year + 1)
        stu = np.flatnonzero(P["in_school"])
        si = np.repeat(stu, len(sy))
        year = np.tile(sy, len(stu))
        stage = P["school_stage"][si]
        cost = np.select([stage <= 3, stage == 4],
                         [rng.uniform(0, 1500, len(si)), rng.uniform(2000, 8000, len(si))],
                         rng.uniform(6000, 20000, len(si))).round(-1).astype(np.int64)
        dropout = (stage <= 3) & (rng.random(len(si)) < 0.001)
        drop_h = ((mon["risks"] == 11) & (np.arange(5) < mon["k"][:, None])).any(1)
        drop_hh = set(mon["idx"][drop_h].tolist())
        dh = np.isin(h_of[si], list(drop_hh)) & (stage <= 3) & (year == self.p.last_year)
        dropout |= dh
        edu = pa.table({"id_number": pa.array(ids[si]), "school_year": pa.array(year, pa.int16()),
                        "stage": pa.array(stage, pa.int8()), "costs": pa.array(cost, pa.int64()),
                        "dropout": pa.array(dropout)})
        self.emit("dept_education", self._with_noise(rng, edu, "id_number"))
        # Disasters: per household and year from 2020, recorded against the head.
        group = self.c_group[self.v_county[hh["v_idx"]]]
        rate = np.select([group == "south", group == "north"],
                         [D["disaster_rate"]["south"], D["disaster_rate"]["north"]],
                         D["disaster_rate"]["guanzhong"])
        yrs = np.arange(2020, self.p.last_year + 1)
        hit = rng.random((self.n_hh, len(yrs))) < rate[:, None]
        dh_i, dy = np.nonzero(hit)
        dis_m = ((mon["risks"] == 4) & (np.arange(5) < mon["k"][:, None])).any(1)
        dh_i = np.concatenate([dh_i, mon["idx"][dis_m]])
        ddate = np.concatenate([_random_day_in_year(rng, yrs[dy]),
                                mon["warn"][dis_m] - rng.integers(5, 40, dis_m.sum()) * DAY])
        ddate = np.minimum(ddate, self.as_of)
        dtype = np.where(group[dh_i] == "north", rng.choice([3, 5, 1], len(dh_i)),
                         rng.choice([1, 2, 5, 4], len(dh_i)))
        loss = np.round(np.exp(rng.normal(np.log(8000), 0.9, len(dh_i))), -1).astype(np.int64)
        dis = pa.table({"id_number": pa.array(ids[hh_first[dh_i]]),
                        "event_date": pa.array(ddate), "disaster_type": pa.array(dtype, pa.int8()),
                        "loss": pa.array(loss, pa.int64())})
        self.emit("dept_disaster", self._with_noise(rng, dis, "id_number"))
        # Vehicles, businesses, payroll, property, deaths: a small share of hits.
        plate_letter = np.array(list("ABCDEJFKGH"))  # by city 01..10
        city_no = self.village["city_code"].str[2:4].astype(int).to_numpy()[hh["v_idx"]][h_of]

        def pick(share: float, mask: np.ndarray) -> np.ndarray:
            return np.flatnonzero(mask & (rng.random(n) < share))

        vi = pick(D["vehicle"], adult)
        vtype = rng.choice([1, 2, 3], len(vi), p=[0.7, 0.2, 0.1])
        plate = pc.binary_join_element_wise(
            pa.array(np.full(len(vi), "陕")), pa.array(plate_letter[city_no[vi] - 1]),
            pa.array(rng.integers(10000, 99999, len(vi)).astype(str)), "")
        veh = pa.table({"id_number": pa.array(ids[vi]), "plate": plate,
                        "vehicle_type": pa.array(vtype, pa.int8()),
                        "registered_on": pa.array(_random_date(rng, len(vi), "2015-01-01",
                                                               self.as_of))})
        self.emit("dept_vehicle", self._with_noise(rng, veh, "id_number"))
        bi = pick(D["business"], adult)
        county_name = self.county["name"].to_numpy()[self.v_county[hh["v_idx"]][h_of[bi]]]
        kind = rng.choice(["种植专业合作社", "养殖专业合作社", "商贸有限公司", "建筑劳务有限公司",
                           "农业科技有限公司"], len(bi))
        bname = pc.binary_join_element_wise(pa.array(county_name), P["name"].take(pa.array(bi)),
                                            pa.array(kind), "")
        bus = pa.table({"id_number": pa.array(ids[bi]), "enterprise": bname,
                        "registered_on": pa.array(_random_date(rng, len(bi), "2014-01-01",
                                                               self.as_of)),
                        "capital": pa.array(np.round(np.exp(rng.normal(np.log(300000), 1.0,
                                                                        len(bi))), -3)
                                            .astype(np.int64))})
        self.emit("dept_business", self._with_noise(rng, bus, "id_number"))
        yi = pick(D["payroll"], adult & (P["age"] <= 60))
        unit_names = self.unit_names
        pay = pa.table({"id_number": pa.array(ids[yi]),
                        "employer": pa.array(rng.choice(unit_names, len(yi))),
                        "start_date": pa.array(_random_date(rng, len(yi), "2012-01-01",
                                                            self.as_of)),
                        "monthly_pay": pa.array(rng.integers(3000, 9000, len(yi)).round(-1),
                                                pa.int64())})
        self.emit("dept_payroll", self._with_noise(rng, pay, "id_number"))
        ri = pick(D["property"], adult)
        city_names = self.region[self.region["level"] == 2]["name"].to_numpy()
        prop = pa.table({"id_number": pa.array(ids[ri]),
                         "city": pa.array(city_names[np.where(rng.random(len(ri)) < 0.5, 0,
                                                              city_no[ri] - 1)]),
                         "purchased_on": pa.array(_random_date(rng, len(ri), "2014-01-01",
                                                               self.as_of)),
                         "area_m2": pa.array(rng.integers(50, 140, len(ri)), pa.int32()),
                         "price": pa.array((rng.integers(3000, 12000, len(ri)) *
                                            rng.integers(50, 140, len(ri))).round(-3),
                                           pa.int64())})
        self.emit("dept_property", self._with_noise(rng, prop, "id_number"))
        old_w = np.where(P["age"] >= 70, 6.0, np.where(P["age"] >= 55, 2.0, 0.3))
        di = pick(D["death"] * 1.0, rng.random(n) < old_w / old_w.mean())
        dea = pa.table({"id_number": pa.array(ids[di]),
                        "death_date": pa.array(_random_date(rng, len(di), "2019-01-01",
                                                            self.as_of))})
        self.emit("dept_death", self._with_noise(rng, dea, "id_number"))
        # Tax (its own random stream: the records above stay as they were).
        trng = self.rng(11)
        ti = np.flatnonzero(adult & (trng.random(n) < D["tax"]))
        tyears = np.arange(2022, self.p.last_year + 1)
        filed = trng.random((len(ti), len(tyears))) < 0.8
        tp, ty = np.nonzero(filed)
        paid = np.round(np.exp(trng.normal(np.log(2500), 1.3, len(tp))), -1).astype(np.int64)
        tax = pa.table({"id_number": pa.array(ids[ti[tp]]),
                        "tax_year": pa.array(tyears[ty], pa.int16()),
                        "tax_paid": pa.array(paid, pa.int64())})
        self.emit("dept_tax", self._with_noise(trng, tax, "id_number"))

    def _with_noise(self, rng: np.random.Generator, table: pa.Table, col: str) -> pa.Table:
        """Add records of people outside the registry (departments cover everyone).

        Their IDs use sequences from 800 up, which the registry never gives out, so no
        noise record can match a registered person by accident.
        """
        m = int(round(len(table) * cal.DEPT["noise"]))
        if m == 0:
            return table
        counties = self.county["code"].str[:6].astype(np.int64).to_numpy()
        area = rng.choice(counties, m)
        birth = _random_date(rng, m, "1940-01-01", self.as_of - 18 * 365 * DAY)
        seq = rng.integers(800, 1000, m)
        noise_ids = idnumber.make(area, birth, seq)
        src = rng.integers(0, len(table), m)
        extra = table.take(pa.array(src))
        extra = extra.set_column(extra.schema.get_field_index(col), col, noise_ids)
        return pa.concat_tables([table, extra])

    # ------------------------------------------------------------------ assembly
    def assemble(self) -> None:
        hh, P, mon = self.hh, self.person, self.mon
        v = self.village
        n = self.n_hh
        vcode = v["code"].to_numpy()[hh["v_idx"]]
        hh_no = self.hh_no
        mt = hh["monitor_type"]
        self.emit("household", pa.table({
            "household_id": pa.array(np.arange(1, n + 1), pa.int64()),
            "household_no": hh_no,
            "village_code": pa.array(vcode),
            "township_code": pa.array(v["township_code"].to_numpy()[hh["v_idx"]]),
            "county_code": pa.array(v["county_code"].to_numpy()[hh["v_idx"]]),
            "city_code": pa.array(v["city_code"].to_numpy()[hh["v_idx"]]),
            "head_name": hh["head_name"],
            "phone": hh["phone"],
            "members": pa.array(hh["size"], pa.int8()),
            "is_registered": pa.array(hh["registered"]),
            "household_type": pa.array(hh["type"], pa.int8()),
            "identify_year": pa.array(np.where(hh["registered"], hh["identify_year"], None),
                                      pa.int16()),
            "exit_year": pa.array(np.where(hh["registered"], hh["exit_year"], None), pa.int16()),
            "exit_type": pa.array(np.where(hh["registered"], hh["exit_type"], None), pa.int8()),
            "main_cause": pa.array(np.where(hh["registered"], hh["cause"], None), pa.int8()),
            "monitor_type": pa.array(np.where(mt > 0, mt, None), pa.int8()),
            "housing_grade": pa.array(hh["housing_grade"].astype(str)),
            "relocated": pa.array(hh["relocated"]),
            "relocation_year": pa.array(np.where(hh["relocated"], hh["relocation_year"], None),
                                        pa.int16()),
            "sanitary_toilet": pa.array(hh["sanitary_toilet"]),
            "road_access": pa.array(hh["road_access"]),
            "farmland_mu": pa.array(hh["farmland_mu"]),
            "forest_mu": pa.array(hh["forest_mu"]),
            "no_labour": pa.array(hh["no_labour"]),
            "per_capita_income": pa.array(np.round(hh["latest_pc"], 2)).cast(pa.decimal128(12, 2)),
            "cadre_id": pa.array(hh["cadre_id"], pa.int64()),
        }))
        self.emit("person", pa.table({
            "person_id": pa.array(np.arange(1, len(P["h_of"]) + 1), pa.int64()),
            "household_id": pa.array(P["h_of"] + 1, pa.int64()),
            "name": P["name"], "id_number": P["id_number"],
            "relation": pa.array(P["relation"]), "sex": pa.array(P["sex"], pa.int8()),
            "birth_date": pa.array(P["birth"]), "age": pa.array(P["age"], pa.int16()),
            "ethnicity": pa.array(P["ethnicity"], pa.int8()),
            "education": pa.array(P["education"], pa.int8()),
            "in_school": pa.array(P["in_school"]),
            "school_stage": pa.array(np.where(P["school_stage"] > 0, P["school_stage"], None),
                                     pa.int8()),
            "health": pa.array(P["health"], pa.int8()),
            "disability_grade": pa.array(np.where(P["disability_grade"] > 0,
                                                  P["disability_grade"], None), pa.int8()),
            "labour": pa.array(P["labour"], pa.int8()),
            "migrant_months": pa.array(P["migrant_months"], pa.int8()),
            "medical_insurance": pa.array(P["insured"]), "pension": pa.array(P["pension"]),
            "dibao": pa.array(P["dibao"]), "tekun": pa.array(P["tekun"]),
            "welfare_job": pa.array(P["welfare_job"]), "phone": P["phone"],
        }))
        m = len(mon["idx"])
        state = np.where(np.isnat(mon["ident"]), 1, np.where(np.isnat(mon["elim"]), 2, 3))
        fast = (mon["method"] == 1) & ~np.isnat(mon["elim"]) & \
            ((mon["elim"] - mon["ident"]).astype("timedelta64[D]").astype(np.int64) < 61)
        order = np.argsort(mon["idx"], kind="stable")
        self.emit("monitoring", pa.table({
            "monitoring_id": pa.array(np.arange(1, m + 1), pa.int64()),
            "household_id": pa.array(mon["idx"][order] + 1, pa.int64()),
            "village_code": pa.array(vcode[mon["idx"][order]]),
            "monitor_type": pa.array(mon["type"][order], pa.int8()),
            "discovery": pa.array(mon["discovery"][order], pa.int8()),
            "warning_date": pa.array(mon["warn"][order]),
            "check_date": pa.array(mon["check"][order]),
            "notice_date": pa.array(mon["notice"][order]),
            "identify_date": pa.array(mon["ident"][order]),
            "assist_date": pa.array(mon["assist"][order]),
            "eliminate_date": pa.array(mon["elim"][order]),
            "eliminate_method": pa.array(np.where(mon["method"] > 0, mon["method"], None)[order],
                                         pa.int8()),
            "state": pa.array(state[order], pa.int8()),
            "risk_count": pa.array(mon["k"][order], pa.int8()),
            "main_risk": pa.array(mon["risks"][order, 0], pa.int8()),
            "fast_elimination": pa.array(fast[order]),
            "consent_date": pa.array(mon["check"][order]),
            "comparison_date": pa.array(mon["comparison"][order]),
            "village_review_date": pa.array(mon["review"][order]),
            "notice_end_date": pa.array(mon["notice_end"][order]),
            "township_review_date": pa.array(mon["decision"][order]),
            "county_decision_date": pa.array(mon["decision"][order]),
        }))
        ki = np.repeat(np.arange(m), mon["k"])
        seq = np.arange(len(ki)) - np.repeat(np.cumsum(mon["k"]) - mon["k"], mon["k"])
        rank_of = np.empty(m, dtype=np.int64)
        rank_of[order] = np.arange(m)
        ro = np.lexsort((seq, rank_of[ki]))
        self.emit("monitoring_risk", pa.table({
            "monitoring_id": pa.array(rank_of[ki][ro] + 1, pa.int64()),
            "household_id": pa.array(mon["idx"][ki][ro] + 1, pa.int64()),
            "seq": pa.array(seq[ro] + 1, pa.int8()),
            "risk_type": pa.array(mon["risks"][ki, seq][ro], pa.int8()),
        }))
        self.emit("condition_gap", self.gap.take(
            pc.sort_indices(self.gap, [("household_id", "ascending"), ("item", "ascending"),
                                       ("from_year", "ascending")])))

    STAGES = ("regions", "villages", "registered", "monitoring_selection",
              "monitoring_dates", "people", "household_conditions", "income", "measures",
              "units_and_cadres", "departments", "assemble")


# ---------------------------------------------------------------------- helpers
_PROVINCE_UNITS = ("发展和改革委员会", "教育厅", "财政厅", "人力资源和社会保障厅", "自然资源厅",
                   "住房和城乡建设厅", "交通运输厅", "水利厅", "农业农村厅", "卫生健康委员会",
                   "民政厅", "林业局", "乡村振兴局", "医疗保障局", "应急管理厅", "统计局",
                   "审计厅", "商务厅", "文化和旅游厅", "市场监督管理局", "生态环境厅",
                   "科学技术厅", "工业和信息化厅", "公安厅", "税务局", "残疾人联合会",
                   "供销合作总社", "妇女联合会", "总工会", "共青团委员会")
_CITY_UNITS = ("发展和改革委员会", "教育局", "财政局", "人力资源和社会保障局", "自然资源局",
               "住房和城乡建设局", "交通运输局", "水务局", "农业农村局", "卫生健康委员会",
               "民政局", "林业局", "乡村振兴局", "医疗保障局", "应急管理局", "统计局",
               "中心医院", "职业技术学院")
_COUNTY_UNITS = ("发展和改革局", "教育体育局", "财政局", "人力资源和社会保障局", "自然资源局",
                 "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "卫生健康局",
                 "民政局", "林业局", "乡村振兴局", "医疗保障局", "应急管理局", "统计局",
                 "人民医院", "中医医院", "职业教育中心", "供电分公司", "农村信用合作联社",
                 "市场监督管理局", "文化和旅游局", "审计局", "司法局")


def _unit_type(dept: str) -> str:
    if dept.endswith(("医院", "学院", "中心")):
        return "事业单位"
    if dept.endswith(("分公司", "联社")):
        return "国有企业"
    if dept.endswith(("联合会", "总社", "总工会", "委员会")) and "发展" not in dept \
            and "卫生" not in dept:
        return "群团组织"
    return "党政机关"


def _weighted_sample(rng: np.random.Generator, w: np.ndarray, k: int) -> np.ndarray:
    """k distinct indices with probability proportional to w (Efraimidis-Spirakis)."""
    keys = np.log(rng.random(len(w))) / w
    top = np.argpartition(-keys, k - 1)[:k] if k > 0 else np.array([], dtype=np.int64)
    return top[np.argsort(-keys[top], kind="stable")]


def _rank_within(*keys: np.ndarray) -> np.ndarray:
    """Rank of each element among those with equal keys (0-based, in index order)."""
    n = len(keys[0])
    order = np.lexsort((np.arange(n),) + tuple(reversed(keys)))
    sk = [k[order] for k in keys]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any([k[1:] != k[:-1] for k in sk], axis=0)
    group_start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - group_start
    return rank


def _year(d: np.ndarray) -> np.ndarray:
    """Calendar year of datetime64 values (NaT gives a meaningless value: mask it)."""
    return d.astype("datetime64[Y]").astype(np.int64) + 1970


def _random_day_in_year(rng: np.random.Generator, year: np.ndarray) -> np.ndarray:
    start = (np.asarray(year) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return start + rng.integers(0, 365, len(start)) * DAY


def _random_date(rng: np.random.Generator, n: int, lo, hi) -> np.ndarray:
    lo, hi = np.datetime64(lo, "D"), np.datetime64(hi, "D")
    span = int((hi - lo).astype(int))
    return lo + rng.integers(0, span + 1, n) * DAY


def _phones(rng: np.random.Generator, n: int) -> pa.Array:
    """Synthetic 11-digit mobile numbers."""
    digits = np.empty((n, 11), dtype=np.uint8)
    digits[:, 0] = 1
    digits[:, 1] = rng.choice(np.array([3, 5, 7, 8, 9], dtype=np.uint8), n)
    digits[:, 2:] = rng.integers(0, 10, (n, 9), dtype=np.uint8)
    return idnumber.ascii_strings(digits + 48)


def generate(ref: Reference, params: Params, sink=None, progress=None) -> dict[str, pa.Table]:
    """Run every stage, handing each table to ``sink(name, table)`` (or returning them).

    ``progress(stage_name)`` is called after each stage.
    """
    g = Gen(ref, params, sink)
    for stage in Gen.STAGES:
        getattr(g, stage)()
        if progress:
            progress(stage)
    return g.tables


# ---------------------------------------------------------------------- the layout
# Generator table -> (layout file, columns the loader computes and the file leaves out).
_TO_LAYOUT = {
    "household": ("households", ("household_id", "township_code", "county_code",
                                 "city_code", "members", "no_labour", "per_capita_income",
                                 "cadre_id")),
    "person": ("members", ("person_id", "household_id", "age")),
    "income": ("income", ("household_id",)),
    "measure": ("measures", ("household_id",)),
    "unit": ("units", ()),
    "cadre": ("cadres", ()),
    "pairing": ("pairings", ("household_id",)),
    "village": ("villages", ()),
    "population": ("population", ()),
    "monitoring": ("monitoring", ("household_id", "village_code", "state", "risk_count",
                                  "main_risk", "fast_elimination")),
    "monitoring_risk": ("monitoring_risks", ("household_id",)),
    "condition_gap": ("guarantee_gaps", ("household_id",)),
}


def write_delivery(ref: Reference, params: Params, directory, fmt: str = "parquet",
                   progress=None):
    """Generate the synthetic registry as a full delivery in the registry layout
    (docs/registry.md) under ``directory``; returns the manifest's path. The region
    table is the reference geography, which the loader reads itself."""
    from etl import layout as L
    from etl.delivery import Delivery

    out = Delivery(directory, fmt, "full", params.as_of.isoformat(),
                   source=f"Jingzhun synthetic generator, seed {params.seed}, "
                          f"scale {params.scale:g}",
                   extra={"generator": {"seed": params.seed, "scale": params.scale}})
    g: Gen

    def sink(name: str, table: pa.Table) -> None:
        if name == "region":
            return
        if name.startswith("dept_"):
            out.append(name, table)
            return
        file, drop = _TO_LAYOUT[name]
        if "household_no" in L.BY_NAME[file].by_name and name != "household":
            no = g.hh_no.take(pc.subtract(table["household_id"], 1))
            table = table.append_column("household_no", no)
        out.append(file, table.drop_columns([c for c in drop if c in table.column_names]))

    g = Gen(ref, params, sink)
    for stage in Gen.STAGES:
        getattr(g, stage)()
        if progress:
            progress(stage)
    return out.close()
