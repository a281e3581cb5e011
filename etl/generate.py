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

from domain.codes import CATEGORY_CHANNEL, CATEGORY_DEPARTMENT, CHANNEL_DEPARTMENT
from etl import calibration as cal
from etl import idnumber, names
from etl import layout as L
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
            raise ReferenceError(
                f"lines.csv has no line for {missing[0]}: add that year to data/reference/lines.csv"
            )
        years = np.arange(FIRST_YEAR, params.last_year + 1)
        self.years = years
        self.pline = np.array(
            [
                float(lines.loc[y, "poverty_line"])
                if pd.notna(lines.loc[y, "poverty_line"])
                else np.nan
                for y in years
            ]
        )
        self.mline = np.array(
            [
                float(lines.loc[y, "monitoring_line"])
                if pd.notna(lines.loc[y, "monitoring_line"])
                else np.nan
                for y in years
            ]
        )
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
        """Rural population and the 2014 poverty incidence of every village; no county's
        rural population above its cap (RURAL_SHARE_CAP of its published population)."""
        rng = self.rng(1)
        v, c = self.village, self.county
        deep = c["name"].str.startswith(cal.DEEP_POVERTY_NAMES)
        group = c["code"].str[:4].map(cal.REGION_OF_CITY)
        rate = np.where(
            c["is_poverty_county"],
            group.map(cal.INCIDENCE_POVERTY_COUNTY),
            group.map(cal.INCIDENCE_OTHER_COUNTY),
        ).astype(float)
        district = c["name"].str.endswith("区") & ~c["is_poverty_county"]
        rate = np.where(district, rate * cal.URBAN_DISTRICT_FACTOR, rate)
        rate = rate + np.where(deep, cal.DEEP_POVERTY_BONUS, 0.0)
        c_idx = pd.Index(c["code"]).get_indexer(v["county_code"])
        self.v_county = c_idx
        self.c_group = group.to_numpy()
        self.c_monitor_factor = np.where(
            deep,
            cal.MONITOR_COUNTY_FACTOR["deep"],
            np.where(
                c["is_poverty_county"],
                cal.MONITOR_COUNTY_FACTOR["poverty"],
                cal.MONITOR_COUNTY_FACTOR["other"],
            ),
        )
        kind = v["kind"].to_numpy()
        n = len(v)
        # A county-level unit with no village committee at all is an inner-city district:
        # no rural registered poor there.
        has_villages = np.bincount(c_idx, weights=kind == "village", minlength=len(c)) > 0
        rate = np.where(has_villages, rate, 0.0)
        pop = np.where(
            kind == "community",
            cal.COMMUNITY_POP_MEDIAN * np.exp(rng.normal(0, 0.8, n)),
            cal.VILLAGE_POP_MEDIAN * np.exp(rng.normal(0, 0.45, n)),
        )
        # A county whose villages add up to more than its cap has smaller villages.
        self.c_cap = self._county_caps()
        drawn = np.bincount(c_idx, weights=pop * self.p.scale, minlength=len(c))
        fit = np.where(
            np.isnan(self.c_cap),
            1.0,
            np.minimum(1.0, np.nan_to_num(self.c_cap) / np.maximum(drawn, 1e-9)),
        )
        pop = pop * fit[c_idx]
        v_rate = rate[c_idx] * np.exp(rng.normal(0, 0.5, n))
        v_rate = np.where(kind == "community", v_rate * 0.1, v_rate).clip(0, 0.6)
        self.v_weight = v_rate * pop
        self.v_pop = pop * self.p.scale
        self.v_rate = v_rate

    def _county_caps(self) -> np.ndarray:
        """The most rural registered people each county-level unit may have (at scale):
        RURAL_SHARE_CAP of its published population; NaN where none is cited."""
        c = self.county
        ref = getattr(self.ref, "county_population", None)
        if ref is None or not len(ref):
            return np.full(len(c), np.nan)
        figure = c["code"].map(ref.set_index("code")["population"]).to_numpy(dtype=float)
        share = np.where(
            c["name"].str.endswith("区"),
            cal.RURAL_SHARE_CAP["district"],
            np.where(
                c["name"].str.endswith("市"),
                cal.RURAL_SHARE_CAP["city"],
                cal.RURAL_SHARE_CAP["county"],
            ),
        )
        return figure * share * self.p.scale

    # ------------------------------------------------------------------ households
    def registered(self) -> None:
        """Registered poor households (建档立卡户): where, size, when in and out, why."""
        rng = self.rng(2)
        # The number comes out of a random process around the calibrated target (the
        # sum of independent village draws), never a round number.
        n = int(rng.poisson(cal.HOUSEHOLDS_AT_SCALE_1 * self.p.scale))
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
        cause = rng.choice(
            list(cal.CAUSE_P), n, p=np.array(list(cal.CAUSE_P.values())) / sum(cal.CAUSE_P.values())
        )
        u = rng.random(n)
        htype = np.where(
            size == 1, np.where(u < 0.3, 3, np.where(u < 0.6, 2, 1)), np.where(u < 0.18, 2, 1)
        )
        exit_type = np.where(rng.random(n) < cal.NO_POLICY_SHARE, 2, 1)
        self.hh = {
            "v_idx": v_idx,
            "size": size,
            "registered": np.ones(n, bool),
            "identify_year": iy,
            "exit_year": ey,
            "cause": cause,
            "type": htype,
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
        # Counts come out of a random process around the calibrated target (a real
        # registry never holds a round number of monitoring objects).
        n_type = {t: int(rng.poisson(target_hh * s)) for t, s in cal.MONITOR_TYPE_SHARE.items()}
        n3_reg = int(rng.binomial(n_type[3], cal.SUDDEN_FROM_REGISTRY))
        factor = self.c_monitor_factor[self.v_county[hh["v_idx"]]]
        w = (
            factor
            * np.where(np.isin(hh["cause"], (1, 2)), 2.0, 1.0)
            * np.where(hh["exit_year"] >= 2019, 1.5, 1.0)
            * np.where(hh["size"] >= 5, 1.2, 1.0)
        )
        chosen = _weighted_sample(rng, w, n_type[1] + n3_reg)
        mtype = np.zeros(n_reg, dtype=np.int8)
        mtype[chosen[: n_type[1]]] = 1
        mtype[chosen[n_type[1] :]] = 3
        # New households, placed by the village's poverty weight and the county factor.
        n_new2, n_new3 = n_type[2], n_type[3] - n3_reg
        n_new = n_new2 + n_new3
        vw = self.v_weight * self.c_monitor_factor[self.v_county]
        v_new = np.sort(rng.choice(len(vw), n_new, p=vw / vw.sum()))
        new_type = np.where(rng.random(n_new) < n_new2 / max(n_new, 1), 2, 3).astype(np.int8)
        size_new = rng.choice(np.arange(1, 8), n_new, p=cal.SIZE_P)
        size_new = np.where((size_new == 1) & (rng.random(n_new) < 0.5), 2, size_new)
        zeros = np.zeros(n_new, np.int64)
        extra = {
            "v_idx": v_new,
            "size": size_new,
            "registered": np.zeros(n_new, bool),
            "identify_year": zeros,
            "exit_year": zeros,
            "cause": zeros,
            "type": np.full(n_new, 9),
            "exit_type": zeros,
        }
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
            pa.array(vcode), pa.array(np.char.zfill((within + 1).astype(str), 4)), ""
        )

    def monitoring_dates(self) -> None:
        """Warning, home check, notice, approval, assistance and elimination dates."""
        rng = self.rng(4)
        hh = self.hh
        idx = np.flatnonzero(hh["monitor_type"] > 0)
        m = len(idx)
        mt = hh["monitor_type"][idx]
        warn = self._warning_days(rng, idx, m)
        d = self._procedure_dates(rng, warn, m)
        d = self._dates_until_as_of(d)
        disc = rng.choice(list(cal.DISCOVERY_P), m, p=list(cal.DISCOVERY_P.values()))
        k, ranked = self._risk_types(rng, idx, mt, m)
        self.mon = {
            "idx": idx,
            "type": mt,
            "warn": warn,
            "check": d["check"],
            "notice": d["notice"],
            "comparison": d["comparison"],
            "review": d["review"],
            "notice_end": d["notice_end"],
            "decision": d["decision"],
            "ident": d["ident"],
            "assist": d["assist"],
            "elim": d["elim"],
            "method": d["method"],
            "discovery": disc,
            "k": k,
            "risks": ranked,
            # Check outcome: 1 included (identified), 0 not decided yet; 2 (checked and
            # not included, with exclude_reason) comes with the department leads.
            "result": np.where(np.isnat(d["ident"]), 0, 1).astype(np.int8),
            "reason": np.zeros(m, np.int8),
        }

    def _warning_days(self, rng: np.random.Generator, idx: np.ndarray, m: int) -> np.ndarray:
        """Draw the warning day of each monitored household, weighted by year and month."""
        hh = self.hh
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
        early = (
            (mt != 2)
            & hh["registered"][idx]
            & (warn.astype("datetime64[Y]").astype(int) + 1970 <= ey)
        )
        warn[early] = warn[early] + np.timedelta64(365, "D")
        return np.minimum(warn, self.as_of)

    def _procedure_dates(self, rng: np.random.Generator, warn: np.ndarray, m: int) -> dict:
        """Draw home check, entry, notice, assistance and elimination after each warning."""
        check = warn + rng.integers(1, 5, m) * DAY
        quick = rng.random(m) < cal.IDENTIFIED_WITHIN_15_DAYS
        ident_days = np.where(quick, rng.integers(6, 16, m), rng.integers(16, 46, m))
        ident = warn + ident_days * DAY
        # Room for the procedure after the home check: consent, comparison, review, a
        # public notice of at least 5 days, township review and county decision.
        ident = np.maximum(ident, check + 7 * DAY)
        notice = ident - rng.integers(6, 9, m) * DAY  # village notice, at least 5 days
        notice = np.maximum(notice, check)
        # Measures start within 30 days of entry (a few late, a very few never).
        assist = ident + rng.integers(1, 26, m) * DAY
        late = rng.random(m) < cal.ASSIST_LATE
        assist[late] = ident[late] + rng.integers(31, 61, late.sum()) * DAY
        no_assist = rng.random(m) < cal.NO_ASSIST
        # Eliminated at least six calendar months (at most 184 days) after entry, but
        # for the few fast eliminations the data-quality flag and Q10 look for.
        dur = cal.MIN_MONITOR_DAYS + rng.gamma(2.0, 120.0, m).astype(np.int64)
        method = np.where(rng.random(m) < cal.ASSISTED_ELIMINATION, 1, 2)
        fast = (method == 1) & (rng.random(m) < cal.FAST_ELIMINATION)
        dur[fast] = rng.integers(20, 56, fast.sum())
        elim = ident + dur * DAY
        elim = np.maximum(elim, assist + DAY)  # never eliminated before assistance began
        return {
            "check": check,
            "ident": ident,
            "notice": notice,
            "assist": assist,
            "no_assist": no_assist,
            "method": method,
            "elim": elim,
        }

    def _dates_until_as_of(self, d: dict) -> dict:
        """Blank the dates after the as-of day and add the steps between check and entry."""
        nat = np.datetime64("NaT")
        ident, no_assist = d["ident"], d["no_assist"]
        pending = ident > self.as_of
        check = np.where(d["check"] > self.as_of, nat, d["check"])
        notice = np.where((d["notice"] > self.as_of) | pending, nat, d["notice"])
        assist = np.where(no_assist | pending | (d["assist"] > self.as_of), nat, d["assist"])
        method = np.where((d["method"] == 1) & np.isnat(assist), 2, d["method"])
        elim = np.where(pending | (d["elim"] > self.as_of), nat, d["elim"])
        method = np.where(np.isnat(elim), 0, method)
        # The steps between the home check and entry (docs/domain.md §3.4): consent at the home
        # check, data comparison the next day, village review the day before the notice;
        # the notice ends two days before entry, township review and county decision
        # the day before it.
        comparison = check + DAY
        comparison = np.where(np.isnat(notice), comparison, np.minimum(comparison, notice))
        comparison = np.where(comparison > self.as_of, nat, comparison)
        review = np.where(np.isnat(notice), nat, np.maximum(comparison, notice - DAY))
        return {
            "check": check,
            "notice": notice,
            "assist": assist,
            "method": method,
            "elim": elim,
            "comparison": comparison,
            "review": review,
            "notice_end": np.where(pending, nat, ident - 2 * DAY),
            "decision": np.where(pending, nat, ident - DAY),
            "ident": np.where(pending, nat, ident),
        }

    def _risk_types(
        self, rng: np.random.Generator, idx: np.ndarray, mt: np.ndarray, m: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw 1-5 risk types per household without repeats (Gumbel top-k on the weights)."""
        k = rng.choice(np.arange(1, 6), m, p=cal.RISK_COUNT_P)
        w = np.array([cal.RISK_WEIGHTS[t] for t in (1, 2, 3)], dtype=float)[mt - 1]
        cause = self.hh["cause"][idx]
        boost = {1: 1, 2: 2, 3: 3, 4: 4, 10: 8}  # registered cause -> risk
        for c_code, r_code in boost.items():
            w[cause == c_code, r_code - 1] *= 4
        keys = np.log(w) + rng.gumbel(size=w.shape)
        ranked = np.argsort(-keys, axis=1, kind="stable")[:, :5] + 1
        return k, ranked

    # ------------------------------------------------------------------ people
    def people(self) -> None:
        """Members of every household over time (dated membership, docs/registry.md):
        the members at identification, then year by year to the as-of day births,
        marriages in and out, hukou moves and deaths; IDs consistent with county, birth
        and sex; names by birth cohort.

        Every household keeps one member who never leaves (its anchor: mostly a grown
        son, who takes over when his parents have died; else in an older couple often
        the wife, who heads the household once widowed; else the head), so a household
        always has a current member. The anchor's age is drawn by its chance to survive
        to the as-of day. ``hh["size"]`` becomes the current members;
        ``members_in_year`` gives the people present at the end of a year."""
        rng = self.rng(5)
        hh = self.hh
        n_hh = self.n_hh
        as_of = self.as_of
        size0 = hh["size"]  # members at identification
        base = self._identified_on(rng)
        span_years = (as_of - base).astype(np.int64) / 365.25
        n0 = int(size0.sum())
        h0 = np.repeat(np.arange(n_hh), size0)
        st0 = np.concatenate([[0], np.cumsum(size0)[:-1]])
        j = np.arange(n0) - st0[h0]
        single = size0 == 1
        ha, head_male, hm = self._head_draw(rng, base, span_years, single)
        role, age, male, birth, has_sp, head_male = self._roles_and_ages(
            rng, h0, j, n0, ha, head_male, hm, single, base
        )
        c = self._couples_and_anchors(
            rng, h0, j, n0, st0, role, age, male, birth, has_sp, head_male, ha
        )
        poor = hh["registered"] | (hh["monitor_type"] > 0)
        for y in self.years:
            self._members_year_events(rng, c, int(y), base, poor)
        self._new_heads(c)
        order = np.lexsort((c["seq"], c["h"]))
        c = {key: val[order] for key, val in c.items()}
        # Partners point at the new positions.
        pos = np.empty(len(order), np.int64)
        pos[order] = np.arange(len(order))
        c["partner"] = np.where(c["partner"] >= 0, pos[np.maximum(c["partner"], 0)], -1)
        self._person_columns(rng, c)

    def _head_draw(self, rng, base, span_years, single):
        """The head at identification: age and sex, drawn among three candidates by the
        chance the household's anchor survives to the as-of day."""
        hh, n_hh = self.hh, self.n_hh
        k = 3
        comp = rng.random((n_hh, k))
        (p1, m1, s1), (_, m2, s2) = cal.HEAD_AGE["single"]
        fm, fs = cal.HEAD_AGE["family"]
        z = rng.standard_normal((n_hh, k))
        cand = np.where(
            single[:, None], np.where(comp < p1, m1 + s1 * z, m2 + s2 * z), fm + fs * z
        ).clip(20, 90)
        hm = cal.HEAD_MALE
        p_male = np.where(
            single[:, None],
            np.where(
                (hh["type"] == 3)[:, None],
                hm["single_tekun"],
                np.where(cand >= 60, hm["single_old"], hm["single_young"]),
            ),
            hm["family"],
        )
        cmale = rng.random(n_hh)[:, None] < p_male
        # (In larger households the anchor is mostly the head, or his wife of about his
        # age: the head's survival stands for the anchor's.)
        surv = _survival(cand, cmale, span_years[:, None])
        pick = np.argmax(np.log(np.maximum(surv, 1e-12)) + rng.gumbel(size=(n_hh, k)), 1)
        ha = cand[np.arange(n_hh), pick]
        head_male = cmale[np.arange(n_hh), pick]
        return ha, head_male, hm

    def _roles_and_ages(self, rng, h0, j, n0, ha, head_male, hm, single, base):
        """Each member's relation to the head, sex, age and birth day."""
        n_hh = self.n_hh
        # Roles: 1 head, 2 spouse, 3 child, 4 grandchild, 5 parent, 6 sibling, 7 other,
        # 8 daughter-in-law.
        u = rng.random(n0)
        role = np.where(
            j == 0,
            1,
            np.where(
                j == 1,
                np.where(u < 0.82, 2, np.where(u < 0.95, 3, 5)),
                np.where(
                    u < 0.66,
                    3,
                    np.where(
                        u < 0.78,
                        4,
                        np.where(u < 0.84, 8, np.where(u < 0.94, 5, np.where(u < 0.97, 6, 7))),
                    ),
                ),
            ),
        )
        hah = ha[h0]
        role = np.where((role == 4) & (hah < 48), 3, role)
        role = np.where((role == 8) & (hah < 42), 3, role)
        role = np.where((role == 5) & (hah > 62), 3, role)
        role = np.where((role == 3) & (hah < 22), 6, role)
        # A larger household without a couple is often a widow's.
        has_sp = np.zeros(n_hh, bool)
        has_sp[h0[role == 2]] = True
        hm_family = np.where(
            has_sp,
            hm["family"],
            np.where(ha >= 50, hm["family_no_spouse_old"], hm["family_no_spouse_young"]),
        )
        head_male = np.where(single, head_male, rng.random(n_hh) < hm_family)
        v = rng.random(n0)
        age = np.select(
            [role == 1, role == 2, role == 3, role == 4, role == 8, role == 5, role == 6],
            [
                hah,
                hah + np.where(head_male[h0], -2, 2) + 3.5 * rng.standard_normal(n0),
                hah - 20 - (np.minimum(37, hah) - 20) * v,
                hah - 45 - (np.minimum(61, hah) - 45) * v,
                np.maximum(hah - 22 - 13 * v, 19),
                np.minimum(hah + 20 + 13 * v, 97),
                hah - 10 + 20 * v,
            ],
            hah - 8 + 16 * v,
        )
        age = np.where(role == 2, np.maximum(age, 18), age).clip(0, 99)
        male = np.select(
            [role == 1, role == 2, role == 8, role == 5],
            [head_male[h0], ~head_male[h0], False, rng.random(n0) < cal.PARENT_MALE],
            rng.random(n0) < cal.OTHER_MALE,
        )
        birth = base[h0] - np.round(age * 365.25).astype(np.int64) * DAY
        return role, age, male, birth, has_sp, head_male

    def _couples_and_anchors(
        self, rng, h0, j, n0, st0, role, age, male, birth, has_sp, head_male, ha
    ) -> dict:
        """Couples, the mothers' parity and each household's anchor (the member who never
        leaves); the members' columns the year-by-year events work on."""
        n_hh, nat = self.n_hh, np.datetime64("NaT", "D")
        # Couples: head and spouse; a daughter-in-law and the household's eldest son.
        partner = np.full(n0, -1, np.int64)
        sp = np.flatnonzero(role == 2)
        partner[sp] = st0[h0[sp]]
        partner[st0[h0[sp]]] = sp
        dil = np.flatnonzero(role == 8)
        first_dil = dil[np.r_[True, h0[dil][1:] != h0[dil][:-1]]] if len(dil) else dil
        sons = np.flatnonzero((role == 3) & male & (age >= 20))
        first_son = np.full(n_hh, -1, np.int64)
        first_son[h0[sons[::-1]]] = sons[::-1]
        s_of = first_son[h0[first_dil]]
        paired = first_dil[s_of >= 0]
        partner[paired] = s_of[s_of >= 0]
        partner[s_of[s_of >= 0]] = paired
        role[np.setdiff1d(dil, paired)] = 7
        # Children already at home count for the mothers' next births.
        kids3 = np.bincount(h0, weights=role == 3, minlength=n_hh)
        kids4 = np.bincount(h0, weights=role == 4, minlength=n_hh)
        parity = np.where(
            (role == 8), kids4[h0], np.where(np.isin(role, (1, 2)) & ~male, kids3[h0], 0)
        ).astype(np.int64)
        # The anchor: in a family with a grown son mostly that son (he takes over the
        # household); else the wife of an older head (she outlives him); else the head.
        grown = np.flatnonzero((role == 3) & male & (age >= 16))
        heir = np.full(n_hh, -1, np.int64)
        heir[h0[grown[::-1]]] = grown[::-1]
        by_son = (heir >= 0) & (rng.random(n_hh) < cal.SON_ANCHOR)
        wife = ~by_son & has_sp & head_male & (ha >= 45) & (rng.random(n_hh) < cal.WIFE_OUTLIVES)
        anchor = (j == 0) & ~wife[h0] & ~by_son[h0]
        anchor[sp[wife[h0[sp]]]] = True
        anchor[heir[by_son]] = True
        own = np.isin(role, (1, 3, 4, 6)) | ((role == 5) & male)
        c = {
            "h": h0,
            "role": role.astype(np.int8),
            "male": male,
            "birth": birth,
            "joined": np.full(n0, nat),
            "jr": np.ones(n0, np.int8),
            "left": np.full(n0, nat),
            "lr": np.zeros(n0, np.int8),
            "partner": partner,
            "anchor": anchor,
            "parity": parity,
            "own": own,
            "seq": j.astype(np.int64),
        }
        return c

    def _new_heads(self, c: dict) -> None:
        """When the head has died, the widow heads the household, or else the anchor
        (a son), and the roles become relations to the new head."""
        n_hh = self.n_hh
        h, role = c["h"], c["role"]
        cur = np.isnat(c["left"])
        head_here = np.bincount(h, weights=(role == 1) & cur, minlength=n_hh) > 0
        spouse_here = np.bincount(h, weights=(role == 2) & cur, minlength=n_hh) > 0
        widow = ~head_here & spouse_here
        heir = ~head_here & ~spouse_here
        was_head = role == 1
        role[(role == 2) & cur & widow[h]] = 1
        role[was_head & widow[h]] = 2
        # A son taking over: his parents, siblings, children, grandparents and wife.
        s = heir[h]
        new_head = s & c["anchor"]
        hp = np.full(n_hh, -1, np.int64)
        hp[h[new_head]] = np.flatnonzero(new_head)
        wife_of_head = s & (role == 8) & (c["partner"] == hp[h])
        remap = np.array([0, 5, 5, 6, 3, 9, 7, 7, 7, 9], np.int8)
        role[s] = remap[role[s]]
        role[wife_of_head] = 2
        role[new_head] = 1

    def _identified_on(self, rng: np.random.Generator) -> np.ndarray:
        """The day each household's members were first recorded: registration (建档立卡)
        for registered households, the first warning for the others."""
        hh = self.hh
        n = self.n_hh
        iy = np.maximum(hh["identify_year"], FIRST_YEAR)
        lo, hi = (np.datetime64(d, "D") for d in cal.REGISTRATION_2014)
        in_2014 = lo + rng.integers(0, int((hi - lo).astype(int)) + 1, n) * DAY
        later = (iy - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(
            0, 334, n
        ) * DAY
        warn = np.full(n, self.as_of, "datetime64[D]")
        warn[self.mon["idx"]] = self.mon["warn"]
        base = np.where(hh["registered"], np.where(iy == 2014, in_2014, later), warn)
        return np.minimum(base, self.as_of)

    def _members_year_events(
        self, rng: np.random.Generator, c: dict, year: int, base: np.ndarray, poor: np.ndarray
    ) -> None:
        """One year of membership changes (after each household's identification day):
        deaths, daughters marrying out, hukou moves out, then births, wives marrying in
        and relatives moving in. Updates ``c`` in place, appending the new members.
        The steps draw from ``rng`` in this order; the output depends on it."""
        y0 = np.datetime64(f"{year}-01-01")
        y1 = min(np.datetime64(f"{year}-12-31"), self.as_of)
        start = np.maximum(base + DAY, y0)
        span = np.maximum((y1 - start).astype(np.int64) + 1, 0)  # days, per household
        window = _YearWindow(rng, start, span)
        _members_leave(window, c, year, poor)
        idx = np.flatnonzero(np.isnat(c["left"]) & (span[c["h"]] > 0))  # who is here now
        births = _members_born(window, c, year, idx)
        wives = _members_wed(window, c, idx, len(c["h"]) + len(births["h"]))
        _members_append(c, [births, wives, _members_move_in(window)])

    def _person_columns(self, rng: np.random.Generator, c: dict) -> None:
        """Names, IDs and the other person columns, as of the as-of day for current
        members and as of the day they left for the others; the household columns
        that follow from the current members."""
        h_of, birth, left = c["h"], c["birth"], c["left"]
        n = len(h_of)
        current = np.isnat(left)
        age = _whole_years(birth, np.where(current, self.as_of, left))
        size, head = self._sizes_and_heads(h_of, c["role"], current)
        relation, name, id_number, sex, area = self._identities(rng, c, n)
        health, disability, labour, migrant, in_school, stage, education, sick = (
            self._health_and_work(rng, h_of, current, age, size)
        )
        htype = self.hh["type"][h_of]
        ethnicity, insured, pension, welfare = self._cover_and_welfare(
            rng, h_of, current, age, labour, sick
        )
        phone = self._person_phones(rng, head, current, age)
        self.person = {
            "h_of": h_of,
            "name": name,
            "id_number": id_number,
            "sex": sex,
            "age": age,
            "birth": birth,
            "relation": relation,
            "ethnicity": ethnicity,
            "education": education,
            "in_school": in_school,
            "school_stage": stage,
            "health": health,
            "disability_grade": disability,
            "labour": labour,
            "migrant_months": migrant,
            "insured": insured,
            "pension": pension,
            "dibao": htype == 2,
            "tekun": htype == 3,
            "welfare_job": welfare,
            "phone": phone,
            "area": area,
            # Dated membership (contract: joined_date, join_reason, left_date,
            # left_reason); joined is NaT for members since identification.
            "joined": c["joined"],
            "join_reason": c["jr"],
            "left": left,
            "left_reason": c["lr"],
            "current": current,
        }
        self._household_from_members(h_of, current, size, head, labour, migrant)
        self._members_year = self._members_per_year(c, current)
        self._rural_population()

    def _sizes_and_heads(self, h_of: np.ndarray, role: np.ndarray, current: np.ndarray):
        """The number of current members of every household and its current head
        (person index); checks there is exactly one head per household."""
        n_hh = self.n_hh
        size = np.bincount(h_of, weights=current, minlength=n_hh).astype(np.int64)
        assert size.min() >= 1, "a household without a current member"
        head = np.full(n_hh, -1, np.int64)
        hd = np.flatnonzero((role == 1) & current)
        head[h_of[hd]] = hd
        assert (head >= 0).all() and len(hd) == n_hh, "not one current head per household"
        return size, head

    def _cover_and_welfare(self, rng, h_of, current, age, labour, sick):
        """Ethnicity, medical insurance, pension and welfare jobs (公益性岗位)."""
        hh, n = self.hh, len(h_of)
        ethnicity = rng.choice([1, 3, 11, 2, 99], n, p=[0.995, 0.003, 0.001, 0.0005, 0.0005])
        # Basic medical insurance covers nearly everyone; a member of a household
        # monitored for the risk of not being insured (12) is not, until it is resolved.
        mon = self.mon
        open12 = (
            ((mon["risks"] == 12) & (np.arange(mon["risks"].shape[1]) < mon["k"][:, None])).any(1)
            & ~np.isnat(mon["ident"])
            & np.isnat(mon["elim"])
        )
        no_cover = np.zeros(self.n_hh, bool)
        no_cover[mon["idx"][open12]] = True
        insured = (rng.random(n) >= cal.UNINSURED) & ~(no_cover[h_of] & sick)
        pension = np.where(age >= 60, rng.random(n) < 0.98, (age >= 16) & (rng.random(n) < 0.85))
        welfare = (
            current
            & (labour <= 3)
            & (age >= 30)
            & (age <= 65)
            & (rng.random(n) < 0.03)
            & (hh["registered"][h_of] | (hh["monitor_type"][h_of] > 0))
        )
        return ethnicity, insured, pension, welfare

    def _person_phones(self, rng, head: np.ndarray, current: np.ndarray, age: np.ndarray):
        """Phone numbers: every head, and some other current adults; null otherwise."""
        n = len(current)
        is_head = np.zeros(n, bool)
        is_head[head] = True
        return pc.if_else(
            pa.array(is_head | (current & (age >= 18) & (rng.random(n) < 0.4))),
            _phones(rng, n),
            pa.scalar(None, pa.string()),
        )

    def _household_from_members(self, h_of, current, size, head, labour, migrant) -> None:
        """The household columns that follow from its members: size, head, the head's
        name and phone, no able worker, someone working away."""
        hh, n_hh, P = self.hh, self.n_hh, self.person
        hh["size"] = size
        hh["head_person"] = head
        hh["head_name"] = P["name"].take(pa.array(head))
        hh["phone"] = P["phone"].take(pa.array(head))
        hh["no_labour"] = np.bincount(h_of, weights=current & (labour <= 3), minlength=n_hh) == 0
        hh["has_migrant"] = np.bincount(h_of, weights=migrant > 0, minlength=n_hh) > 0

    def _identities(self, rng, c: dict, n: int):
        """Relation to the head, names (the family's surname for its own members), and
        ID numbers consistent with county, birth and sex."""
        hh, n_hh = self.hh, self.n_hh
        h_of, role, male, birth = c["h"], c["role"], c["male"], c["birth"]
        relation = np.select(
            [
                role == 1,
                role == 2,
                (role == 3) & male,
                role == 3,
                role == 4,
                role == 5,
                role == 6,
                role == 9,
            ],
            ["01", "10", "20", "30", "40", "50", "70", "60"],
            "99",
        )
        family = names.surnames(rng, n_hh)
        other = names.surnames(rng, n)
        surname = pc.if_else(pa.array(c["own"]), family.take(pa.array(h_of)), other)
        name = names.full_names(rng, surname, male, _year(birth))
        county6 = self.village["county_code"].str[:6].astype(np.int64).to_numpy()
        area = county6[hh["v_idx"]][h_of]
        sex = np.where(male, 1, 2)
        rank = _rank_within(area, birth.astype(np.int64), sex)
        if rank.max() >= 400:
            raise ValueError("too many people share a county, birth date and sex")
        seq = 2 * rank + np.where(male, 1, 2)
        id_number = idnumber.make(area, birth, seq)
        return relation, name, id_number, sex, area

    def _health_and_work(self, rng, h_of, current, age, size):
        """Health, disability, labour, migrant work, schooling and education."""
        hh, n_hh, n = self.hh, self.n_hh, len(h_of)
        # Health, labour and schooling.
        uh = rng.random(n)
        old = age >= 60
        health = np.where(
            uh < np.where(old, 0.58, 0.82),
            1,
            np.where(
                uh < np.where(old, 0.84, 0.91), 2, np.where(uh < np.where(old, 0.90, 0.945), 3, 4)
            ),
        )
        # A household poor through illness or disability has a current member who
        # shows it (the head or the next current member).
        cause = hh["cause"][h_of]
        nth = _rank_within(h_of, ~current)  # position among the household's current
        want = np.minimum(rng.integers(0, 2, n_hh), size - 1)[h_of]
        sick = current & (nth == want)
        health = np.where(sick & (cause == 1) & (health == 1), 2 + (rng.random(n) < 0.3), health)
        health = np.where(sick & (cause == 2), 4, health)
        disability = np.where(health == 4, rng.choice([1, 2, 3, 4], n, p=[0.1, 0.25, 0.35, 0.3]), 0)
        ul = rng.random(n)
        working_age = (age >= 16) & (age <= 64)
        labour = np.where(
            ~working_age | (health == 4) & (disability <= 2),
            5,
            np.where(health == 3, 4, np.where(health == 2, 3, np.where(ul < 0.16, 2, 1))),
        )
        labour = np.where((age >= 65) & (age <= 75) & (health <= 2), 3, labour)
        migrant = np.where(
            current & (labour <= 2) & (age <= 55) & (rng.random(n) < 0.6), rng.integers(3, 13, n), 0
        )
        in_school = (
            ((age >= 6) & (age <= 15) & (rng.random(n) < 0.995))
            | ((age >= 16) & (age <= 18) & (rng.random(n) < 0.6))
            | ((age >= 19) & (age <= 22) & (rng.random(n) < 0.25))
        )
        stage = np.select([age < 6, age <= 11, age <= 15, age <= 18], [1, 2, 3, 4], 5)
        stage = np.where(in_school | (age < 6), stage, 0)
        ue = rng.random(n)
        education = np.select(
            [age < 6, in_school, age >= 65, age >= 45],
            [
                1,
                2,
                np.where(ue < 0.35, 3, np.where(ue < 0.75, 4, 5)),
                np.where(ue < 0.08, 3, np.where(ue < 0.45, 4, np.where(ue < 0.9, 5, 6))),
            ],
            np.where(ue < 0.15, 4, np.where(ue < 0.7, 5, np.where(ue < 0.92, 6, 7))),
        )
        return health, disability, labour, migrant, in_school, stage, education, sick

    def _members_per_year(self, c: dict, current) -> np.ndarray:
        """People present at the end of every year, by household (households x years)."""
        n_hh, h_of, birth, left = self.n_hh, c["h"], c["birth"], c["left"]
        years = self.years
        ends = np.array([np.datetime64(f"{y}-12-31") for y in years])
        since = np.where(np.isnat(c["joined"]), birth, np.maximum(c["joined"], birth))
        stay = np.where(current, np.datetime64("9999-12-31"), left)
        counts = np.zeros((n_hh, len(years)), np.int16)
        for t, end in enumerate(ends):
            present = (since <= end) & (stay > end)
            counts[:, t] = np.bincount(h_of, weights=present, minlength=n_hh)
        return counts

    def members_in_year(self, h: np.ndarray, year: np.ndarray) -> np.ndarray:
        """The people of households ``h`` present at the end of ``year`` (arrays of the
        same length, or a scalar year): born, joined and not yet left by 31 December."""
        t = np.clip(np.asarray(year) - FIRST_YEAR, 0, len(self.years) - 1)
        return self._members_year[np.asarray(h), t].astype(np.int64)

    def _rural_population(self) -> None:
        """Rural registered population (户籍农业人口) of every village and year: the
        village's draw, raised where its registered poor people would be above
        MAX_VILLAGE_INCIDENCE, then scaled down so that no county is above its cap
        (RURAL_SHARE_CAP of its published population)."""
        hh = self.hh
        nv = len(self.village)
        years = self.years
        decline = (1 - cal.POP_DECLINE_PER_YEAR) ** (years - FIRST_YEAR)
        reg = hh["registered"]
        counted = reg[:, None] & (hh["identify_year"][:, None] <= years[None, :])
        people = np.zeros((nv, len(years)))
        np.add.at(people, hh["v_idx"], self._members_year * counted)
        need = np.ceil((people / decline[None, :]).max(1) / cal.MAX_VILLAGE_INCIDENCE)
        drawn = np.round(self.v_pop)
        floor = np.maximum(need, 0)
        extra = np.maximum(drawn - floor, 0)
        nc = len(self.county)
        f_c = np.bincount(self.v_county, weights=floor, minlength=nc)
        e_c = np.bincount(self.v_county, weights=extra, minlength=nc)
        room = self.c_cap - f_c
        alpha = np.where(
            np.isnan(room) | (e_c <= 0), 1.0, np.clip(room / np.maximum(e_c, 1e-9), 0, 1)
        )
        # (Were the registered people alone above a cap, the cap would give way: the
        # incidence limit comes first. Not seen at the calibrated shares.)
        pop2014 = np.floor(floor + alpha[self.v_county] * extra)
        self.v_pop_year = np.ceil(pop2014[:, None] * decline[None, :] - 1e-9).astype(np.int64)

    # ------------------------------------------------------------------ policy
    def monitoring_policy(self) -> None:
        """What the members decide about the procedure (they are drawn after it): a
        household without labour is never eliminated but kept under long-term
        safety-net monitoring, and a disability risk needs a disabled member."""
        rng = self.rng(21)
        hh, mon, P = self.hh, self.mon, self.person
        m = len(mon["idx"])
        nat = np.datetime64("NaT")
        fault = rng.random(m) < cal.POLICY_FAULT
        keep = hh["no_labour"][mon["idx"]] & ~np.isnat(mon["elim"]) & ~fault
        mon["elim"] = np.where(keep, nat, mon["elim"])
        mon["method"] = np.where(keep, 0, mon["method"])
        current = np.ones(len(P["h_of"]), bool)
        if "left" in P:
            current = np.isnat(P["left"])
        disabled = ((P["health"] == 4) | (P["disability_grade"] > 0)) & current
        has_disabled = np.bincount(P["h_of"], weights=disabled, minlength=self.n_hh) > 0
        hh["has_disabled"] = has_disabled
        # Drop the disability risk (code 2) where nobody is disabled: the later risks
        # move up; a household with that one risk takes its next-ranked one.
        risks, k = mon["risks"], mon["k"]
        listed = (risks == 2) & (np.arange(risks.shape[1]) < k[:, None])
        bad = listed.any(1) & ~has_disabled[mon["idx"]] & ~fault
        rows = np.flatnonzero(bad)
        if len(rows):
            sub = risks[rows]
            order = np.argsort(sub == 2, axis=1, kind="stable")  # 2 to the end
            risks[rows] = np.take_along_axis(sub, order, 1)
            k[rows] = np.maximum(k[rows] - 1, 1)

    def household_conditions(self) -> None:
        """Housing, water, relocation, land; and the years a guarantee was not met.
        The parts draw from the stream in this order; the output depends on it."""
        rng = self.rng(6)
        hh = self.hh
        n = self.n_hh
        group = self.c_group[self.v_county[hh["v_idx"]]]
        relocated, reloc_year, renov_year, gaps = self._exit_guarantees(rng, group)
        grade = self._monitoring_gaps(rng, gaps)
        hi = np.concatenate([g[0] for g in gaps])
        keep = np.concatenate([g[3] >= g[2] for g in gaps])
        self.gap = pa.table(
            {
                "household_id": pa.array(hi[keep] + 1, pa.int64()),
                "item": pa.array(np.concatenate([np.full(len(g[0]), g[1]) for g in gaps])[keep]),
                "from_year": pa.array(np.concatenate([g[2] for g in gaps])[keep], pa.int16()),
                "to_year": pa.array(np.concatenate([g[3] for g in gaps])[keep], pa.int16()),
            }
        )
        hh["relocated"] = relocated
        hh["relocation_year"] = reloc_year
        hh["housing_grade"] = grade
        hh["renovation_year"] = renov_year
        farmland = np.select(
            [group == "south", group == "north"],
            [rng.uniform(0.5, 4, n), rng.uniform(3, 14, n)],
            rng.uniform(1.5, 6, n),
        )
        hh["farmland_mu"] = np.round(np.where(relocated, farmland * 0.5, farmland), 1)
        hh["forest_mu"] = np.round(
            np.where(group == "south", rng.uniform(0, 20, n), rng.uniform(0, 5, n)), 1
        )
        hh["sanitary_toilet"] = rng.random(n) < 0.86
        hh["road_access"] = rng.random(n) < 0.97

    def _exit_guarantees(self, rng: np.random.Generator, group: np.ndarray) -> tuple:
        """Relocation, renovation and safe water of the registered households, and the
        years each guarantee was not yet met (household index, item, from, to)."""
        hh, n = self.hh, self.n_hh
        reg = hh["registered"]
        iy = np.where(reg, hh["identify_year"], 2020)
        reloc_p = np.select(
            [group == "south", group == "north"],
            [cal.RELOCATION_SHARE["south"], cal.RELOCATION_SHARE["north"]],
            cal.RELOCATION_SHARE["guanzhong"],
        )
        # 两不愁三保障 hold in the exit year: relocation (2016-2020) and renovation happen
        # in or before it, safe water comes by then; a few households (POLICY_FAULT)
        # break the rule, as in a real registry.
        ey = np.where(reg, hh["exit_year"], 2020)
        fault = reg & (rng.random(n) < cal.POLICY_FAULT)
        eligible = reg & (ey >= 2016)
        reloc_p = reloc_p * reg.sum() / max(eligible.sum(), 1)
        relocated = eligible & (rng.random(n) < reloc_p)
        lo = np.maximum(iy, 2016)
        hi = np.maximum(np.minimum(ey, 2019), lo)
        reloc_year = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
        reloc_year = np.where(fault & (ey < 2020), ey + 1, np.minimum(reloc_year, ey))
        reloc_year = np.where(relocated, reloc_year, 0)
        unsafe = reg & ~relocated & (rng.random(n) < cal.UNSAFE_HOUSING_SHARE)
        renov_year = np.minimum(np.maximum(iy + rng.integers(0, 4, n), 2015), 2019)
        renov_year = np.where(unsafe, np.where(fault, renov_year, np.minimum(renov_year, ey)), 0)
        water_gap = reg & (rng.random(n) < cal.UNSAFE_WATER_SHARE)
        water_year = np.minimum(iy + rng.integers(1, 5, n), 2019)
        water_year = np.where(water_gap, np.where(fault, water_year, np.minimum(water_year, ey)), 0)
        gaps = [  # (household index, item, from, to)
            (np.flatnonzero(relocated), "housing", iy[relocated], reloc_year[relocated] - 1),
            (np.flatnonzero(unsafe), "housing", iy[unsafe], renov_year[unsafe] - 1),
            (np.flatnonzero(water_gap), "water", iy[water_gap], water_year[water_gap] - 1),
        ]
        return relocated, reloc_year, renov_year, gaps

    def _monitoring_gaps(self, rng: np.random.Generator, gaps: list) -> np.ndarray:
        """The gaps the monitoring risks open (appended to ``gaps``), which are open in
        the as-of year (``self.gap_open``), and the housing grade of every household."""
        n = self.n_hh
        # Monitoring risks of unsafe housing, water, dropout or no insurance open a gap
        # from identification until it is fixed: within that year or the next, and by
        # the elimination at the latest.
        mon = self.mon
        ident_year = _year(mon["ident"])
        elim_year = np.where(np.isnat(mon["elim"]), self.p.last_year, _year(mon["elim"]))
        fixed_by = np.minimum(elim_year, ident_year + (rng.random(len(elim_year)) < 0.3))
        grade = rng.choice(["A", "B"], n, p=[0.62, 0.38]).astype(object)
        self.gap_open = {}  # risk -> monitoring rows whose gap is open in the as-of year
        for risk, item in ((9, "housing"), (10, "water"), (11, "education"), (12, "medical")):
            has = ((mon["risks"] == risk) & (np.arange(5) < mon["k"][:, None])).any(1) & ~np.isnat(
                mon["ident"]
            )
            gaps.append((mon["idx"][has], item, ident_year[has], fixed_by[has]))
            self.gap_open[risk] = has & (fixed_by >= self.p.last_year)
            if risk == 9:
                open_now = self.gap_open[risk]
                grade[mon["idx"][open_now]] = np.where(rng.random(open_now.sum()) < 0.7, "C", "D")
        return grade

    # ------------------------------------------------------------------ income
    def _income_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Each household's income parameters, drawn once (before any row), in this
        order: levels against the lines, composition, growth, the risk-year dips."""
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
        # Income composition: wage shares rise year on year where members work away,
        # transfers follow the safety-net status; a household without labour has no
        # wages (land rented out is property income).
        no_lab = hh["no_labour"]
        s_w = np.where(hh["has_migrant"], rng.uniform(0.4, 0.62, n), rng.uniform(0.1, 0.35, n))
        s_t = np.where(
            np.isin(hh["type"], (2, 3)), rng.uniform(0.35, 0.75, n), rng.uniform(0.08, 0.25, n)
        )
        s_w = np.where(no_lab, 0.0, s_w)
        s_t = np.where(no_lab, rng.uniform(0.6, 0.85, n), s_t)
        par["s_p"] = np.where(no_lab, rng.uniform(0.05, 0.2, n), par["s_p"])
        total = s_w + s_t + par["s_p"]
        shrink = np.where(total > 0.95, 0.95 / total, 1.0)
        par["s_w"], par["s_t"], par["s_p"] = s_w * shrink, s_t * shrink, par["s_p"] * shrink
        par["g_w"] = np.where(
            hh["has_migrant"], rng.uniform(1.03, 1.08, n), rng.uniform(0.99, 1.03, n)
        )  # wage share growth a year
        # Unstable work (risk 7): wages fall in the warning year.
        has7 = np.zeros(n, bool)
        has7[mon["idx"]] = ((mon["risks"] == 7) & (np.arange(5) < mon["k"][:, None])).any(1)
        par["w_cut"] = np.where(has7, rng.uniform(0.3, 0.6, n), 1.0)
        par["mid"] = rng.uniform(1.05, 1.25, n)  # monitored: income / line a year on
        par["same"] = rng.uniform(1.0, 1.05, n)  # ... in a warning year it is eliminated
        par["floor"] = rng.uniform(1.02, 1.12, n)  # not at risk: income / line from 2021
        par["floor_fault"] = rng.random(n) < cal.INCOME_FAULT
        par["w_year"] = warn_year
        par["e_year"] = np.where(
            m_of >= 0,
            np.where(np.isnat(mon["elim"]), 9999, _year(mon["elim"]))[np.maximum(m_of, 0)],
            9999,
        )
        return par

    def income(self) -> None:
        """Yearly income by component, consistent with status and the lines.

        Household parameters are drawn once; rows are made in chunks of households to
        keep memory flat at scale 1.0.
        """
        rng = self.rng(7)
        hh, n = self.hh, self.n_hh
        par = self._income_params(rng)
        latest = np.zeros(n)
        # Per-capita income by household and year (NaN: no row), for the later stages.
        self.pc_year = np.full((n, len(self.years)), np.nan, np.float32)
        wages_last = np.zeros(n, np.int64)
        wages_prev = np.zeros(n, np.int64)
        chunk = 250_000
        for lo in range(0, n, chunk):
            rows = self._income_rows(rng, np.arange(lo, min(lo + chunk, n)), par)
            last = rows["year"] == self.p.last_year
            latest[rows["h"][last]] = np.round(rows["net"][last] / rows["size"][last], 2)
            self.pc_year[rows["h"], rows["year"] - FIRST_YEAR] = rows["net"] / rows["size"]
            wages_last[rows["h"][last]] = rows["wages"][last]
            prev = rows["year"] == self.p.last_year - 1
            wages_prev[rows["h"][prev]] = rows["wages"][prev]
            self.emit(
                "income",
                pa.table(
                    {
                        "household_id": pa.array(rows["h"] + 1, pa.int64()),
                        "year": pa.array(rows["year"], pa.int16()),
                        "members": pa.array(rows["size"], pa.int8()),
                        **{
                            k: pa.array(rows[k], pa.int32())
                            for k in (
                                "wages",
                                "business",
                                "property",
                                "transfers",
                                "production_costs",
                            )
                        },
                        "net_income": pa.array(rows["net"], pa.int32()),
                    }
                ),
            )
        hh["latest_pc"] = latest
        hh["wages_last"], hh["wages_prev"] = wages_last, wages_prev
        hh["has_income"] = par["y0"] <= self.p.last_year

    # Transfers relative to the household's share, by year: the safety net widened
    # (dibao, eco-compensation, pensions) until 2020 and stayed after the transition.
    TRANSFER_YEAR = {
        2014: 0.75,
        2015: 0.8,
        2016: 0.9,
        2017: 1.0,
        2018: 1.05,
        2019: 1.1,
        2020: 1.15,
        2021: 1.12,
        2022: 1.1,
    }

    def _income_rows(self, rng: np.random.Generator, hs: np.ndarray, par: dict) -> dict:
        hh = self.hh
        span = self.p.last_year - par["y0"][hs] + 1
        h = np.repeat(hs, span)
        year = (np.arange(len(h)) - np.repeat(np.cumsum(span) - span, span)) + par["y0"][h]
        pcap = self._income_per_capita(rng, h, year, par)
        if hasattr(self, "members_in_year"):
            size = self.members_in_year(h, year)
        else:
            size = hh["size"][h]
        size = np.maximum(size, 1)
        net = np.round(pcap * size).astype(np.int64)
        return self._income_parts(rng, h, year, size, net, par)

    def _income_per_capita(
        self, rng: np.random.Generator, h: np.ndarray, year: np.ndarray, par: dict
    ) -> np.ndarray:
        """Per-capita net income of each (household, year) row: against the poverty line
        up to exit, towards the monitoring line after, and near it in monitoring."""
        hh = self.hh
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
        pcap = np.where(
            hh["registered"][h], np.where(year < ey, pre, post), line * par["c"][h] * noise
        )
        w_year, e_year = par["w_year"][h], par["e_year"][h]
        # Not at risk: at or above the monitoring line from 2021 (a very few below it
        # unmonitored, the cases the early-warning rules exist to find).
        safe = (year >= 2021) & (year < w_year) & ~par["floor_fault"][h]
        pcap = np.where(safe, np.maximum(pcap, line * par["floor"][h]), pcap)
        # Monitoring objects sit near the monitoring line in the warning year, recover
        # over the next years and are at or above it in the year of elimination.
        at_warn = year == w_year
        same = at_warn & (e_year == w_year)
        between = (year > w_year) & (year < e_year)
        after = (year >= e_year) & (year > w_year)
        pcap = np.where(at_warn, line * par["dip"][h] * noise, pcap)
        pcap = np.where(same, np.maximum(line * par["same"][h] * noise, line * 1.002), pcap)
        ramp = np.minimum(1.0, 0.7 * (year - w_year))
        dip, mid = par["dip"][h], par["mid"][h]
        pcap = np.where(between, line * (dip + (mid - dip) * ramp) * noise, pcap)
        pcap = np.where(
            after, np.maximum(pcap, line * par["rec"][h] * 1.05 ** (year - e_year)), pcap
        )
        return pcap

    def _income_parts(
        self,
        rng: np.random.Generator,
        h: np.ndarray,
        year: np.ndarray,
        size: np.ndarray,
        net: np.ndarray,
        par: dict,
    ) -> dict:
        """A row's net income split into wages, transfers, property and business income
        (with its production costs), by the household's shares and the year."""
        yi = year - FIRST_YEAR
        w_year, e_year = par["w_year"][h], par["e_year"][h]
        at_warn = year == w_year
        between = (year > w_year) & (year < e_year)
        s_w = (
            par["s_w"][h]
            * par["g_w"][h] ** (year - FIRST_YEAR)
            * (1 + 0.05 * rng.standard_normal(len(h))).clip(0.8, 1.2)
        )
        s_w = np.minimum(s_w, 0.85) * np.where(at_warn, par["w_cut"][h], 1.0)
        tf = np.array([self.TRANSFER_YEAR.get(int(y), 1.08) for y in self.years])[yi]
        s_t = (
            par["s_t"][h]
            * tf
            * np.where(at_warn | between, 1.25, 1.0)
            * (1 + 0.08 * rng.standard_normal(len(h))).clip(0.7, 1.3)
        )
        s_p = par["s_p"][h]
        total = s_w + s_t + s_p
        shrink = np.where(total > 0.95, 0.95 / total, 1.0)
        wages = np.round(net * s_w * shrink).astype(np.int64)
        transfers = np.round(net * s_t * shrink).astype(np.int64)
        prop = np.round(net * s_p * shrink).astype(np.int64)
        bnet = net - wages - transfers - prop
        cr = par["cr"][h] * (1 + 0.1 * rng.standard_normal(len(h))).clip(0.7, 1.3)
        costs = np.round(np.maximum(bnet, 0) * cr / (1 - cr)).astype(np.int64)
        return {
            "h": h,
            "year": year,
            "size": size,
            "wages": wages,
            "business": bnet + costs,
            "property": prop,
            "transfers": transfers,
            "production_costs": costs,
            "net": net,
        }

    # ------------------------------------------------------------------ measures
    def measures(self) -> None:
        """Assistance measures: the eight channels 2014-2020, and monitoring-era ones
        (drawn in that order)."""
        rng = self.rng(8)
        mon = self.mon
        h, year, channel, start, amount, dept, category = self._poverty_era_measures(rng)
        mh, mstart, m_ch, cat, m_amount, m_dept = self._monitoring_measures(rng)
        hid = np.concatenate([h, mon["idx"][mh]])
        order = np.lexsort((np.concatenate([start, mstart]), hid))
        all_channel = np.concatenate([channel, m_ch])[order]
        all_category = np.concatenate([category, cat])[order]
        self.emit(
            "measure",
            pa.table(
                {
                    "measure_id": pa.array(np.arange(1, len(hid) + 1), pa.int64()),
                    "household_id": pa.array(hid[order] + 1, pa.int64()),
                    "year": pa.array(np.concatenate([year, _year(mstart)])[order], pa.int16()),
                    "start_date": pa.array(np.concatenate([start, mstart])[order]),
                    # 0 means "not one of the eight channels" / "no monitoring category": NULL.
                    "channel": pa.array(all_channel, pa.int8(), mask=all_channel == 0),
                    "category": pa.array(all_category, pa.int8(), mask=all_category == 0),
                    "amount": pa.array(np.concatenate([amount, m_amount])[order], pa.int64()),
                    "department": pa.array(np.concatenate([dept, m_dept])[order]),
                    "for_monitoring": pa.array(
                        np.concatenate([np.zeros(len(h), bool), np.ones(len(mh), bool)])[order]
                    ),
                }
            ),
        )

    def _poverty_era_measures(self, rng: np.random.Generator) -> tuple:
        """Registered households' measures 2014-2020: channels weighted by the main
        cause, one relocation or renovation in its own year."""
        hh = self.hh
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
        for flag, yr, ch in (
            (hh["relocated"], hh["relocation_year"], 4),
            (hh["renovation_year"] > 0, hh["renovation_year"], 5),
        ):
            sel = np.flatnonzero(flag)
            extra.append((sel, yr[sel], np.full(len(sel), ch)))
        h = np.concatenate([h] + [e[0] for e in extra])
        year = np.concatenate([year] + [e[1] for e in extra])
        channel = np.concatenate([channel] + [e[2] for e in extra])
        start = _random_day_in_year(rng, year)
        amount = np.round(
            np.array([cal.CHANNEL_AMOUNT[c] for c in range(1, 9)])[channel - 1]
            * np.exp(rng.normal(0, 0.5, len(h))),
            -1,
        ).astype(np.int64)
        dept = np.array([CHANNEL_DEPARTMENT[c] for c in range(1, 9)])[channel - 1]
        category = np.zeros(len(h), dtype=np.int64)
        return h, year, channel, start, amount, dept, category

    def _monitoring_measures(self, rng: np.random.Generator) -> tuple:
        """Measures of the monitored households, by category matched to their risks,
        starting on the assistance date."""
        mon = self.mon
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
        m_amount = np.round(
            np.where(
                m_ch > 0, np.array([0] + [cal.CHANNEL_AMOUNT[c] for c in range(1, 9)])[m_ch], 2000
            )
            * 0.6
            * np.exp(rng.normal(0, 0.5, len(mh))),
            -1,
        ).astype(np.int64)
        m_amount = np.where(cat == 12, m_amount // 10, m_amount)
        m_dept = np.array([CATEGORY_DEPARTMENT[c] for c in range(1, 16)])[cat - 1]
        return mh, mstart, m_ch, cat, m_amount, m_dept

    # ------------------------------------------------------------------ cadres
    def units_and_cadres(self) -> None:
        """Assisting units (帮扶单位), cadres paired with households, village teams."""
        rng = self.rng(9)
        unit = self._units()
        c = self._cadres(rng)
        self.emit("unit", pa.Table.from_pandas(unit, preserve_index=False))
        self.unit_names = unit["name"].to_numpy()
        self._pairings(rng, c)
        self._village_table(rng, c)
        self._population_table()

    def _units(self) -> pd.DataFrame:
        """The assisting units: departments of the province, each city and county, and
        every township's government, numbered in that order."""
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
        for _, town in self.township.iterrows():
            suffix = "办事处" if town["name"].endswith("街道") else "人民政府"
            units.append((town["name"] + suffix, 4, town["code"], "乡镇(街道)"))
        unit = pd.DataFrame(units, columns=["name", "level", "region_code", "unit_type"])
        unit.insert(0, "unit_id", np.arange(1, len(unit) + 1))
        return unit

    def _cadres(self, rng) -> dict:
        """Cadres: each township's households split in runs among its cadres, each cadre
        from a county (most), township, city or province unit; then a first secretary
        for every village with registered households. Emits the cadre table."""
        n_prov, n_city = len(_PROVINCE_UNITS), len(_CITY_UNITS)
        city_first = n_prov
        county_first = n_prov + 10 * n_city
        runs = self._cadre_runs()
        unit_idx = self._cadre_units(rng, runs["c_town"], runs["total"], city_first, county_first)
        fs_v, fs_town, fs_unit = self._first_secretaries(rng, city_first, county_first)
        self._emit_cadres(
            rng,
            np.concatenate([runs["c_town"], fs_town]),
            np.concatenate([unit_idx, fs_unit]),
            runs["total"],
        )
        return {
            "cadre": runs["cadre"],
            "c_start": runs["c_start"],
            "t_idx": runs["t_idx"],
            "local": runs["local"],
            "n_c": runs["n_c"],
            "total": runs["total"],
            "fs_v": fs_v,
            "fs_unit": fs_unit,
            "n_fs": len(fs_v),
        }

    def _cadre_runs(self) -> dict:
        """Each township's households (contiguous, in village order) split in runs of
        about HOUSEHOLDS_PER_CADRE among its cadres: every household's cadre, and
        every cadre's township."""
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
        return {
            "cadre": c_start[t_idx] + local,
            "c_start": c_start,
            "t_idx": t_idx,
            "local": local,
            "n_c": n_c,
            "total": int(n_c.sum()),
            "c_town": np.repeat(np.arange(len(self.township)), n_c),
        }

    def _cadre_units(
        self, rng, c_town: np.ndarray, total: int, city_first: int, county_first: int
    ) -> np.ndarray:
        """The unit of every paired cadre: a unit of the township's county (70 %), the
        township government, a unit of its city, or a province unit."""
        region = self.region
        n_prov, n_city = len(_PROVINCE_UNITS), len(_CITY_UNITS)
        n_cnty = len(_COUNTY_UNITS)
        town_first = county_first + len(self.county) * n_cnty
        c_county = pd.Index(self.county["code"]).get_indexer(
            self.township["parent_code"].to_numpy()[c_town]
        )
        c_city = pd.Index(region[region["level"] == 2]["code"]).get_indexer(
            self.county["parent_code"].to_numpy()[c_county]
        )
        uu = rng.random(total)
        return np.select(
            [uu < 0.70, uu < 0.90, uu < 0.97],
            [
                county_first + c_county * n_cnty + rng.integers(0, n_cnty, total),
                town_first + c_town,
                city_first + c_city * n_city + rng.integers(0, n_city, total),
            ],
            rng.integers(0, n_prov, total),
        )

    def _emit_cadres(self, rng, all_town: np.ndarray, all_unit: np.ndarray, total: int) -> None:
        """The cadre table: the ``total`` paired cadres, then the first secretaries,
        with names, sex and phone numbers drawn here."""
        n_all = len(all_town)
        male = rng.random(n_all) < 0.68
        self.emit(
            "cadre",
            pa.table(
                {
                    "cadre_id": pa.array(np.arange(1, n_all + 1), pa.int64()),
                    "name": names.full_names(rng, names.surnames(rng, n_all), male),
                    "sex": pa.array(np.where(male, 1, 2), pa.int8()),
                    "unit_id": pa.array(all_unit + 1, pa.int64()),
                    "township_code": pa.array(self.township["code"].to_numpy()[all_town]),
                    "position": pa.array(
                        np.where(np.arange(n_all) < total, "帮扶责任人", "第一书记")
                    ),
                    "phone": _phones(rng, n_all),
                }
            ),
        )

    def _first_secretaries(self, rng, city_first: int, county_first: int):
        """First secretaries for villages with registered households: the villages,
        their townships and the secretaries' units (county, city or province)."""
        region, hh = self.region, self.hh
        n_prov, n_city, n_cnty = len(_PROVINCE_UNITS), len(_CITY_UNITS), len(_COUNTY_UNITS)
        v_reg = np.bincount(hh["v_idx"][hh["registered"]], minlength=len(self.village))
        fs_v = np.flatnonzero((v_reg > 0) & (self.village["kind"].to_numpy() == "village"))
        n_fs = len(fs_v)
        fs_town = pd.Index(self.township["code"]).get_indexer(
            self.village["township_code"].to_numpy()[fs_v]
        )
        fs_county = pd.Index(self.county["code"]).get_indexer(
            self.village["county_code"].to_numpy()[fs_v]
        )
        fs_city = pd.Index(region[region["level"] == 2]["code"]).get_indexer(
            self.village["city_code"].to_numpy()[fs_v]
        )
        uf = rng.random(n_fs)
        fs_unit = np.select(
            [uf < 0.5, uf < 0.85],
            [
                county_first + fs_county * n_cnty + rng.integers(0, n_cnty, n_fs),
                city_first + fs_city * n_city + rng.integers(0, n_city, n_fs),
            ],
            rng.integers(0, n_prov, n_fs),
        )
        return fs_v, fs_town, fs_unit

    def _pairings(self, rng, c: dict) -> None:
        hh, n = self.hh, self.n_hh
        cadre, c_start, t_idx, local, n_c = (
            c["cadre"],
            c["c_start"],
            c["t_idx"],
            c["local"],
            c["n_c"],
        )
        # Pairing history: a quarter of households changed cadre once.
        reg = hh["registered"]
        start_year = np.where(reg, hh["identify_year"], 0)
        mon_start = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        mon_start[self.mon["idx"]] = self.mon["warn"]
        start = np.where(
            reg, _random_day_in_year(rng, np.maximum(start_year, FIRST_YEAR)), mon_start
        )
        changed = reg & (rng.random(n) < 0.25)
        change_year = rng.choice([2017, 2018, 2021], n)
        change_year = np.maximum(change_year, start_year + 1)
        change = _random_day_in_year(rng, change_year)
        changed &= change <= self.as_of
        old = c_start[t_idx] + (local + 1) % n_c[t_idx]
        ph = np.concatenate([np.arange(n), np.flatnonzero(changed)])
        pcad = np.concatenate([np.where(changed, old, cadre), cadre[changed]])
        pstart = np.concatenate([start, change[changed]])
        pend = np.concatenate(
            [
                np.where(changed, change, np.datetime64("NaT")),
                np.full(changed.sum(), np.datetime64("NaT"), "datetime64[D]"),
            ]
        )
        order = np.lexsort((pstart, ph))
        self.emit(
            "pairing",
            pa.table(
                {
                    "household_id": pa.array(ph[order] + 1, pa.int64()),
                    "cadre_id": pa.array(pcad[order] + 1, pa.int64()),
                    "start_date": pa.array(pstart[order]),
                    "end_date": pa.array(pend[order]),
                }
            ),
        )
        hh["cadre_id"] = cadre + 1

    def _village_table(self, rng, c: dict) -> None:
        hh, reg = self.hh, self.hh["registered"]
        fs_v, fs_unit, total, n_fs = c["fs_v"], c["fs_unit"], c["total"], c["n_fs"]
        # Village table: population, conditions and the work team.
        v = self.village
        nv = len(v)
        team_unit = np.zeros(nv, dtype=np.int64)
        secretary = np.zeros(nv, dtype=np.int64)
        team_unit[fs_v] = fs_unit + 1
        secretary[fs_v] = total + np.arange(n_fs) + 1
        is_vil = v["kind"].to_numpy() == "village"
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
        self.emit(
            "village",
            pa.table(
                {
                    "village_code": pa.array(v["code"]),
                    "kind": pa.array(v["kind"]),
                    "natural_villages": pa.array(
                        np.where(is_vil, rng.integers(2, 15, nv), 0), pa.int16()
                    ),
                    "road_hardened_year": pa.array(np.where(road > 0, road, None), pa.int16()),
                    "tap_water_year": pa.array(np.where(water > 0, water, None), pa.int16()),
                    "housing_safe_year": pa.array(
                        np.where(housing_year > 0, housing_year, None), pa.int16()
                    ),
                    "has_clinic": pa.array(is_vil & (rng.random(nv) < 0.97)),
                    "has_collective_economy": pa.array(is_vil & (rng.random(nv) < 0.9)),
                    "team_unit_id": pa.array(np.where(team_unit > 0, team_unit, None), pa.int64()),
                    "first_secretary_id": pa.array(
                        np.where(secretary > 0, secretary, None), pa.int64()
                    ),
                    "poor_village": pa.array(poor),
                    "poor_village_exit_year": pa.array(
                        np.where(poor, np.minimum(last_exit, 2020), None), pa.int16()
                    ),
                }
            ),
        )

    def _population_table(self) -> None:
        v, nv = self.village, len(self.village)
        years = self.years
        pop = self.v_pop_year  # villages x years (people stage)
        self.emit(
            "population",
            pa.table(
                {
                    "village_code": pa.array(np.repeat(v["code"].to_numpy(), len(years))),
                    "year": pa.array(np.tile(years, nv), pa.int16()),
                    "rural_population": pa.array(pop.ravel(), pa.int64()),
                }
            ),
        )

    # ------------------------------------------------------------------ department data
    def departments(self) -> None:
        """Department records keyed by ID number. A few households a year have records
        an early-warning rule fires on (预警线索); most such leads older than a few
        weeks were handled: the household was checked, and included or not included
        with a reason (``_handle_leads``). One random stream for all but the tax
        records, drawn in the order of the steps below."""
        rng = self.rng(10)
        rule_set = _rule_set()
        thr = _rule_params(rule_set)
        med = self._dept_medical(rng, thr)
        edu = self._dept_education(rng)
        dis = self._dept_disasters(rng, thr)
        self._dept_registers(rng)
        dea = self._dept_deaths(rng)
        med, edu = self._while_alive(med, edu, dea)
        # The rules over these records, and what the offices did about the leads.
        self._handle_leads(rng, rule_set, med, edu, dis, dea)
        self._emit_departments(rng, med, edu, dis, dea)
        self._dept_tax()

    def _dept_medical(self, rng, thr: dict) -> dict:
        P, hh, mon, D = self.person, self.hh, self.mon, cal.DEPT
        n = len(P["id_number"])
        head = self._heads()
        # Medical: out-of-pocket costs by month from 2020, after the three-tier
        # reimbursement (basic insurance, serious-illness insurance, medical aid).
        start = np.datetime64("2020-01", "M")
        months = int((self.as_of.astype("datetime64[M]") - start).astype(int)) + 1
        lam = (
            D["medical_rate"]
            * months
            / 12
            * np.where(P["health"] >= 2, D["medical_sick_factor"], 1.0)
        )
        k = rng.poisson(lam)
        pi = np.repeat(np.arange(n), k)
        month = start + rng.integers(0, months, len(pi))
        serious = P["health"][pi] == 3
        oop = np.round(
            np.exp(
                rng.normal(
                    np.log(np.where(serious, D["oop_serious"], D["oop_median"])), D["oop_sd"]
                )
            )
        ).astype(np.int64)
        # Illness risks found by department screening show a large bill before the warning.
        ill = ((mon["risks"] == 1) & (np.arange(5) < mon["k"][:, None])).any(1) & (
            mon["discovery"] == 3
        )
        sick_p = head[mon["idx"][ill]]
        exited = hh["registered"][mon["idx"][ill]]
        big_thr = np.where(exited, thr["medical_exited"], thr["medical_other"])
        big = np.round(big_thr * rng.uniform(1.05, 3.0, ill.sum())).astype(np.int64)
        bm = mon["warn"][ill].astype("datetime64[M]") - 1
        bm = np.maximum(bm, start)
        pi = np.concatenate([pi, sick_p])
        month = np.concatenate([month, bm])
        oop = np.concatenate([oop, big])
        total_cost = np.round(oop / rng.uniform(0.15, 0.45, len(oop))).astype(np.int64)
        med = {"p": pi, "month": month, "oop": oop, "total": total_cost}
        return med

    def _dept_education(self, rng) -> dict:
        P, mon, D = self.person, self.mon, cal.DEPT
        h_of = P["h_of"]
        # Education: school years from 2022 for people in school.
        sy = np.arange(2022, self.p.last_year + 1)
        stu = np.flatnonzero(P["in_school"])
        si = np.repeat(stu, len(sy))
        year = np.tile(sy, len(stu))
        stage = P["school_stage"][si]
        cost = (
            np.select(
                [stage <= 3, stage == 4],
                [rng.uniform(0, 1500, len(si)), rng.uniform(2000, 8000, len(si))],
                np.exp(rng.normal(np.log(D["college_cost"]), 0.3, len(si))),
            )
            .round(-1)
            .astype(np.int64)
        )
        dropout = (stage <= 3) & (rng.random(len(si)) < D["dropout"])
        # A dropout risk shows in the school year of its warning.
        drop_m = ((mon["risks"] == 11) & (np.arange(5) < mon["k"][:, None])).any(1) & ~np.isnat(
            mon["ident"]
        )
        wm = mon["warn"][drop_m]
        drop_sy = np.zeros(self.n_hh, np.int64)
        drop_sy[mon["idx"][drop_m]] = _year(wm) - (wm.astype("datetime64[M]").astype(int) % 12 < 8)
        dropout |= (stage <= 3) & (year == drop_sy[h_of[si]])
        edu = {"p": si, "year": year, "stage": stage, "cost": cost, "dropout": dropout}
        return edu

    def _dept_disasters(self, rng, thr: dict) -> dict:
        hh, mon, D = self.hh, self.mon, cal.DEPT
        # Disasters: per household and year from 2020, recorded against the head.
        group = self.c_group[self.v_county[hh["v_idx"]]]
        rate = np.select(
            [group == "south", group == "north"],
            [D["disaster_rate"]["south"], D["disaster_rate"]["north"]],
            D["disaster_rate"]["guanzhong"],
        )
        yrs = np.arange(2020, self.p.last_year + 1)
        hit = rng.random((self.n_hh, len(yrs))) < rate[:, None]
        dh_i, dy = np.nonzero(hit)
        dis_m = ((mon["risks"] == 4) & (np.arange(5) < mon["k"][:, None])).any(1)
        dh_i = np.concatenate([dh_i, mon["idx"][dis_m]])
        ddate = np.concatenate(
            [
                _random_day_in_year(rng, yrs[dy]),
                mon["warn"][dis_m] - rng.integers(5, 40, dis_m.sum()) * DAY,
            ]
        )
        ddate = np.minimum(ddate, self.as_of)
        dtype = np.where(
            group[dh_i] == "north",
            rng.choice([3, 5, 1], len(dh_i)),
            rng.choice([1, 2, 5, 4], len(dh_i)),
        )
        loss = np.exp(rng.normal(np.log(D["disaster_loss"]), 0.9, len(dh_i)))
        n_m = int(dis_m.sum())
        loss[len(loss) - n_m :] = thr["disaster"] * rng.uniform(1.05, 3.0, n_m)
        loss = np.round(loss, -1).astype(np.int64)
        dis = {"h": dh_i, "date": ddate, "type": dtype, "loss": loss}
        return dis

    def _dept_registers(self, rng) -> None:
        """Vehicles, businesses, payroll and property: a small share of people each,
        drawn and emitted in that order."""
        P, hh = self.person, self.hh
        ids = P["id_number"].to_numpy(zero_copy_only=False)
        adult = (P["age"] >= 18) & (P["age"] <= 75)
        h_of = P["h_of"]
        city_no = self.village["city_code"].str[2:4].astype(int).to_numpy()[hh["v_idx"]][h_of]
        self._dept_vehicles(rng, ids, adult, city_no)
        self._dept_businesses(rng, ids, adult)
        self._dept_payroll(rng, ids, adult & (P["age"] <= 60))
        self._dept_property(rng, ids, adult, city_no)

    def _dept_vehicles(self, rng, ids: np.ndarray, adult: np.ndarray, city_no: np.ndarray) -> None:
        """The vehicle register: adults with a car, plated by their city."""
        plate_letter = np.array(list("ABCDEJFKGH"))  # by city 01..10
        vi = _pick(rng, cal.DEPT["vehicle"], adult)
        vtype = rng.choice([1, 2, 3], len(vi), p=[0.7, 0.2, 0.1])
        plate = pc.binary_join_element_wise(
            pa.array(np.full(len(vi), "陕")),
            pa.array(plate_letter[city_no[vi] - 1]),
            pa.array(rng.integers(10000, 99999, len(vi)).astype(str)),
            "",
        )
        veh = pa.table(
            {
                "id_number": pa.array(ids[vi]),
                "plate": plate,
                "vehicle_type": pa.array(vtype, pa.int8()),
                "registered_on": pa.array(_random_date(rng, len(vi), "2015-01-01", self.as_of)),
            }
        )
        self.emit("dept_vehicle", self._with_noise(rng, veh, "id_number"))

    def _dept_businesses(self, rng, ids: np.ndarray, adult: np.ndarray) -> None:
        """The business register: adults owning a cooperative or company named after
        their county and themselves."""
        P, hh = self.person, self.hh
        bi = _pick(rng, cal.DEPT["business"], adult)
        county_name = self.county["name"].to_numpy()[self.v_county[hh["v_idx"]][P["h_of"][bi]]]
        kind = rng.choice(
            [
                "种植专业合作社",
                "养殖专业合作社",
                "商贸有限公司",
                "建筑劳务有限公司",
                "农业科技有限公司",
            ],
            len(bi),
        )
        bname = pc.binary_join_element_wise(
            pa.array(county_name), P["name"].take(pa.array(bi)), pa.array(kind), ""
        )
        bus = pa.table(
            {
                "id_number": pa.array(ids[bi]),
                "enterprise": bname,
                "registered_on": pa.array(_random_date(rng, len(bi), "2014-01-01", self.as_of)),
                "capital": pa.array(
                    np.round(np.exp(rng.normal(np.log(300000), 1.0, len(bi))), -3).astype(np.int64)
                ),
            }
        )
        self.emit("dept_business", self._with_noise(rng, bus, "id_number"))

    def _dept_payroll(self, rng, ids: np.ndarray, eligible: np.ndarray) -> None:
        """The payroll register: people of working age employed by an assisting unit."""
        yi = _pick(rng, cal.DEPT["payroll"], eligible)
        unit_names = self.unit_names
        pay = pa.table(
            {
                "id_number": pa.array(ids[yi]),
                "employer": pa.array(rng.choice(unit_names, len(yi))),
                "start_date": pa.array(_random_date(rng, len(yi), "2012-01-01", self.as_of)),
                "monthly_pay": pa.array(rng.integers(3000, 9000, len(yi)).round(-1), pa.int64()),
            }
        )
        self.emit("dept_payroll", self._with_noise(rng, pay, "id_number"))

    def _dept_property(self, rng, ids: np.ndarray, adult: np.ndarray, city_no: np.ndarray) -> None:
        """The property register: adults who bought a flat, in their own city or the
        provincial capital."""
        ri = _pick(rng, cal.DEPT["property"], adult)
        city_names = self.region[self.region["level"] == 2]["name"].to_numpy()
        prop = pa.table(
            {
                "id_number": pa.array(ids[ri]),
                "city": pa.array(
                    city_names[np.where(rng.random(len(ri)) < 0.5, 0, city_no[ri] - 1)]
                ),
                "purchased_on": pa.array(_random_date(rng, len(ri), "2014-01-01", self.as_of)),
                "area_m2": pa.array(rng.integers(50, 140, len(ri)), pa.int32()),
                "price": pa.array(
                    (rng.integers(3000, 12000, len(ri)) * rng.integers(50, 140, len(ri))).round(-3),
                    pa.int64(),
                ),
            }
        )
        self.emit("dept_property", self._with_noise(rng, prop, "id_number"))

    def _dept_deaths(self, rng) -> dict:
        P, D = self.person, cal.DEPT
        n = len(P["id_number"])
        # Deaths: the members who died (dated membership), and a very few deaths the
        # registry has not recorded yet; without dated membership, a small share.
        if "left" in P and "left_reason" in P:
            died = np.flatnonzero(~np.isnat(P["left"]) & (P["left_reason"] == 1))
            listed = np.isnat(P["left"]) & (P["age"] >= 60)
            late = _pick(rng, D["death_unrecorded"], listed)
            di = np.concatenate([died, late])
            death_date = np.concatenate(
                [P["left"][died], self.as_of - rng.integers(0, 120, len(late)) * DAY]
            )
        else:
            old_w = np.where(P["age"] >= 70, 6.0, np.where(P["age"] >= 55, 2.0, 0.3))
            di = _pick(rng, D["death"] * 1.0, rng.random(n) < old_w / old_w.mean())
            death_date = _random_date(rng, len(di), "2019-01-01", self.as_of)
        order = np.argsort(di, kind="stable")
        dea = {"p": di[order], "date": death_date[order]}
        return dea

    def _while_alive(self, med: dict, edu: dict, dea: dict) -> tuple[dict, dict]:
        P = self.person
        n = len(P["id_number"])
        di = dea["p"]
        # Medical records start at birth and stop at death; schooling at six.
        alive = med["month"] >= P["birth"][med["p"]].astype("datetime64[M]")
        if len(di):
            died_on = np.full(n, np.datetime64("NaT"), "datetime64[D]")
            died_on[dea["p"]] = dea["date"]
            d = died_on[med["p"]]
            alive &= np.isnat(d) | (med["month"] <= d.astype("datetime64[M]"))
        med = {key: v[alive] for key, v in med.items()}
        school_age = _sept1(edu["year"] - 6) >= P["birth"][edu["p"]]
        edu = {key: v[school_age] for key, v in edu.items()}
        return med, edu

    def _emit_departments(self, rng, med: dict, edu: dict, dis: dict, dea: dict) -> None:
        ids = self.person["id_number"].to_numpy(zero_copy_only=False)
        head = self._heads()
        self.emit(
            "dept_medical",
            self._with_noise(
                rng,
                pa.table(
                    {
                        "id_number": pa.array(ids[med["p"]]),
                        "month": pa.array(med["month"].astype("datetime64[D]")),
                        "total_cost": pa.array(med["total"], pa.int64()),
                        "out_of_pocket": pa.array(med["oop"], pa.int64()),
                    }
                ),
                "id_number",
            ),
        )
        self.emit(
            "dept_education",
            self._with_noise(
                rng,
                pa.table(
                    {
                        "id_number": pa.array(ids[edu["p"]]),
                        "school_year": pa.array(edu["year"], pa.int16()),
                        "stage": pa.array(edu["stage"], pa.int8()),
                        "costs": pa.array(edu["cost"], pa.int64()),
                        "dropout": pa.array(edu["dropout"]),
                    }
                ),
                "id_number",
            ),
        )
        self.emit(
            "dept_disaster",
            self._with_noise(
                rng,
                pa.table(
                    {
                        "id_number": pa.array(ids[head[dis["h"]]]),
                        "event_date": pa.array(dis["date"]),
                        "disaster_type": pa.array(dis["type"], pa.int8()),
                        "loss": pa.array(dis["loss"], pa.int64()),
                    }
                ),
                "id_number",
            ),
        )
        self.emit(
            "dept_death",
            self._with_noise(
                rng,
                pa.table(
                    {"id_number": pa.array(ids[dea["p"]]), "death_date": pa.array(dea["date"])}
                ),
                "id_number",
            ),
        )

    def _dept_tax(self) -> None:
        P, D = self.person, cal.DEPT
        ids = P["id_number"].to_numpy(zero_copy_only=False)
        n = len(ids)
        adult = (P["age"] >= 18) & (P["age"] <= 75)
        # Tax (its own random stream: the records above stay as they were).
        trng = self.rng(11)
        ti = np.flatnonzero(adult & (trng.random(n) < D["tax"]))
        tyears = np.arange(2022, self.p.last_year + 1)
        filed = trng.random((len(ti), len(tyears))) < 0.8
        tp, ty = np.nonzero(filed)
        paid = np.round(np.exp(trng.normal(np.log(2500), 1.3, len(tp))), -1).astype(np.int64)
        tax = pa.table(
            {
                "id_number": pa.array(ids[ti[tp]]),
                "tax_year": pa.array(tyears[ty], pa.int16()),
                "tax_paid": pa.array(paid, pa.int64()),
            }
        )
        self.emit("dept_tax", self._with_noise(trng, tax, "id_number"))

    def _heads(self) -> np.ndarray:
        """The person index of every household's head (its first member if none)."""
        if "head_person" in self.hh:
            return np.asarray(self.hh["head_person"], np.int64)
        P = self.person
        h_of = P["h_of"]
        head = np.full(self.n_hh, -1, np.int64)
        first = np.arange(len(h_of))[::-1]
        head[h_of[::-1]] = first
        is_head = np.asarray(P["relation"]) == "01"
        if "left" in P:
            is_head &= np.isnat(P["left"])
        sel = np.flatnonzero(is_head)
        head[h_of[sel[::-1]]] = sel[::-1]
        return head

    def _rule_hits(self, rule_set, med: dict, edu: dict, dis: dict, dea: dict) -> dict:
        """Which households the early-warning rules (config/rules.yaml, etl/rules.py)
        will fire on over these records, and on what day: per rule kind, household
        index, warned_on and risk type. A kind the generator does not know is skipped
        (its leads are then simply not handled)."""
        since, as_of = _window(rule_set, self.p.as_of)
        h_of = self.person["h_of"]
        x = _HitWindow(
            gen=self,
            h_of=h_of,
            since=np.datetime64(since, "D"),
            as_of=np.datetime64(as_of, "D"),
            last=self.p.last_year,
            left=self.person.get("left", np.full(len(h_of), np.datetime64("NaT"), "datetime64[D]")),
            med=med,
            edu=edu,
            dis=dis,
            dea=dea,
        )
        out = {}
        for rule in rule_set.rules if rule_set is not None else ():
            hit = _RULE_HITS.get(rule.kind)
            if hit is not None:
                h, w = hit(x, rule.params)
                out[rule.id] = (
                    rule.kind,
                    np.asarray(h, np.int64),
                    np.asarray(w, "datetime64[D]"),
                    rule.risk_type,
                    rule.params,
                )
        return out

    def _handle_leads(self, rng, rule_set, med: dict, edu: dict, dis: dict, dea: dict) -> None:
        """Make the leads the rules will raise realistic in number and mostly handled.

        A household in the procedure since before a lead keeps its records under the
        thresholds (a new procedure would need a second monitoring record, and a
        household has at most one). A household not in the procedure with a lead older
        than LEADS["handling_days"] was warned and checked after it and, here, not
        included, with a reason; recent leads mostly wait. Households checked and not
        included are also drawn for the years before the rules' lookback window and
        for the other ways of discovery. A few leads (LEADS["backlog"]) stay unhandled.
        """
        hh, mon = self.hh, self.mon
        C = cal.LEADS
        h_of = self.person["h_of"]
        since = np.datetime64(_window(rule_set, self.p.as_of)[0], "D")
        m_of = np.full(self.n_hh, -1)
        m_of[mon["idx"]] = np.arange(len(mon["idx"]))
        # When the procedure took a lead up: the home check (or the warning, for a
        # household warned after the lead and not visited yet).
        checked = np.full(self.n_hh, np.datetime64("NaT"), "datetime64[D]")
        checked[mon["idx"]] = np.where(np.isnat(mon["check"]), mon["warn"], mon["check"])
        backlog = rng.random(self.n_hh) < C["backlog"]
        exited = hh["registered"] & (hh["exit_year"] <= self.p.last_year)
        ctx = {
            "h_of": h_of,
            "since": since,
            "m_of": m_of,
            "checked": checked,
            "backlog": backlog,
            "exited": exited,
        }
        self._keep_under_thresholds(rng, rule_set, med, edu, dis, dea, ctx)
        rows, taken, n_window, risks, lead_h = self._leads_outside(
            rng, rule_set, med, edu, dis, dea, ctx
        )
        rows += self._checked_not_included(
            rng, rule_set, med, dis, ctx, taken, n_window, risks, lead_h
        )
        for r in rows:
            self._append_monitoring(rng, **r)

    def _keep_under_thresholds(self, rng, rule_set, med, edu, dis, dea, ctx) -> None:
        """Step 1: a household in the procedure since before a lead keeps its records
        under the rules' thresholds."""
        h_of, since, m_of = ctx["h_of"], ctx["since"], ctx["m_of"]
        checked, backlog, exited = ctx["checked"], ctx["backlog"], ctx["exited"]
        # 1. Households in the procedure since before a lead: records under the line.
        for kind, h, w, _risk, prm in self._rule_hits(rule_set, med, edu, dis, dea).values():
            bad = np.zeros(self.n_hh, bool)
            bad[h[(m_of[h] >= 0) & ~(checked[h] >= w) & ~backlog[h]]] = True
            if kind == "medical_out_of_pocket":
                sel = bad[h_of[med["p"]]] & (med["month"].astype("datetime64[D]") >= since)
                t = np.where(exited, prm["exited_threshold"], prm["other_threshold"])
                total = np.bincount(med["p"][sel], weights=med["oop"][sel], minlength=len(h_of))
                p = med["p"][sel]
                f = np.minimum(
                    1.0, rng.uniform(0.3, 0.9, sel.sum()) * t[h_of[p]] / np.maximum(total[p], 1)
                )
                med["oop"][sel] = np.floor(med["oop"][sel] * f).astype(np.int64)
                med["total"][sel] = np.round(med["total"][sel] * f).astype(np.int64)
            elif kind == "education_costs":
                sel = (
                    bad[h_of[edu["p"]]]
                    & (_sept1(edu["year"]) >= since)
                    & (edu["cost"] >= prm["threshold"])
                )
                edu["cost"][sel] = (
                    np.floor(prm["threshold"] * rng.uniform(0.5, 0.95, sel.sum()) / 10).astype(
                        np.int64
                    )
                    * 10
                )
            elif kind == "school_dropout":
                sel = bad[h_of[edu["p"]]] & (_sept1(edu["year"]) >= since)
                edu["dropout"][sel] = False
            elif kind == "disaster_loss":
                sel = bad[dis["h"]] & (dis["date"] >= since)
                total = np.bincount(dis["h"][sel], weights=dis["loss"][sel], minlength=self.n_hh)
                f = np.minimum(
                    1.0,
                    rng.uniform(0.3, 0.9, sel.sum())
                    * prm["threshold"]
                    / np.maximum(total[dis["h"][sel]], 1),
                )
                dis["loss"][sel] = (np.floor(dis["loss"][sel] * f / 10) * 10).astype(np.int64)

    def _leads_outside(self, rng, rule_set, med, edu, dis, dea, ctx):
        """Step 2: leads on households not in the procedure; old ones checked and not
        included, some recent ones warned and waiting for the home check."""
        mon, C = self.mon, cal.LEADS
        m_of, backlog = ctx["m_of"], ctx["backlog"]
        # 2. Leads on households not in the procedure.
        hits = self._rule_hits(rule_set, med, edu, dis, dea)
        free = [
            (h[m_of[h] < 0], w[m_of[h] < 0], np.full((m_of[h] < 0).sum(), risk), kind)
            for kind, h, w, risk, _ in hits.values()
        ]
        lead_h = np.concatenate([f[0] for f in free] + [np.zeros(0, np.int64)])
        lead_w = np.concatenate([f[1] for f in free] + [np.zeros(0, "datetime64[D]")])
        lead_r = np.concatenate([f[2] for f in free] + [np.zeros(0, np.int64)])
        # Income below the line is never a reason not to include: those leads wait.
        waits = np.zeros(self.n_hh, bool)
        for h, _, _, kind in free:
            if kind == "income_below_line":
                waits[h] = True
        age = (self.as_of - lead_w).astype("timedelta64[D]").astype(np.int64)
        old = age > C["handling_days"]
        rows = []
        sel = old & ~backlog[lead_h] & ~waits[lead_h]
        uh, latest, risks = _by_household(lead_h[sel], lead_w[sel], lead_r[sel])
        warn = np.minimum(latest + rng.integers(0, 4, len(uh)) * DAY, self.as_of)
        check = np.minimum(warn + rng.integers(1, 8, len(uh)) * DAY, self.as_of)
        rows.append(
            dict(
                idx=uh, warn=warn, check=check, discovery=np.full(len(uh), 3), risks=risks, result=2
            )
        )
        n_window = len(uh)
        # Recent leads: some are already warned, waiting for the home check.
        taken = np.zeros(self.n_hh, bool)
        taken[mon["idx"]] = True
        taken[uh] = True
        rec = (
            ~old
            & (age <= C["handling_days"] - 8)
            & ~taken[lead_h]
            & (rng.random(len(lead_h)) < C["recent_warned"])
        )
        rh, rlatest, rrisks = _by_household(lead_h[rec], lead_w[rec], lead_r[rec])
        nat = np.full(len(rh), np.datetime64("NaT"), "datetime64[D]")
        rows.append(
            dict(
                idx=rh,
                warn=np.minimum(rlatest + rng.integers(1, 4, len(rh)) * DAY, self.as_of),
                check=nat,
                discovery=np.full(len(rh), 3),
                risks=rrisks,
                result=0,
            )
        )
        taken[rh] = True
        return rows, taken, n_window, risks, lead_h

    def _checked_not_included(self, rng, rule_set, med, dis, ctx, taken, n_window, risks, lead_h):
        """Step 3: households checked and not included, drawn for the years before the
        rules' lookback window and for the other ways of discovery."""
        hh, mon, C = self.hh, self.mon, cal.LEADS
        since, exited = ctx["since"], ctx["exited"]
        rows = []
        # 3. Checked and not included: department leads before the lookback window (as
        # many a month as in it), and the other ways of discovery, all years.
        taken[lead_h] = True  # a household with a lead now is not drawn
        pool = np.flatnonzero(hh["registered"] & ~taken)
        days = np.arange(
            np.datetime64(cal.MONITOR_START),
            self.as_of - C["handling_days"] * DAY,
            dtype="datetime64[D]",
        )
        mw = np.array(cal.MONITOR_MONTH_WEIGHT)[days.astype("datetime64[M]").astype(int) % 12]
        lw = np.array([C["year_weight"].get(int(y), 1.0) for y in _year(days)]) * mw
        before = days < since
        in_window = lw[~before].sum()
        expect = n_window * lw[before].sum() / in_window if in_window > 0 else 0.0
        n_before = int(rng.poisson(expect))
        n_other = int(rng.poisson(C["other_share"] * len(mon["idx"])))
        total = min(n_before + n_other, len(pool))
        n_before = min(n_before, total)
        if total:
            w_pool = self.c_monitor_factor[self.v_county[hh["v_idx"][pool]]]
            chosen = pool[_weighted_sample(rng, w_pool, total)]
            p_before = np.where(before, lw, 0.0)
            warn = np.concatenate(
                [
                    days[rng.choice(len(days), n_before, p=p_before / p_before.sum())]
                    if n_before
                    else days[:0],
                    days[rng.choice(len(days), total - n_before, p=lw / lw.sum())],
                ]
            )
            od = C["other_discovery"]
            disc = np.concatenate(
                [np.full(n_before, 3), rng.choice(list(od), total - n_before, p=list(od.values()))]
            )
            risk_p = np.array(cal.RISK_WEIGHTS[1], float)
            main = rng.choice(np.arange(1, 14), total, p=risk_p / risk_p.sum())
            main = np.where((main == 2) & ~hh["has_disabled"][chosen], 1, main)
            if n_window and n_before:  # department leads: the mix the rules raise
                main[:n_before] = risks[rng.integers(0, n_window, n_before), 0]
            check = np.minimum(warn + rng.integers(1, 10, total) * DAY, self.as_of)
            one = np.zeros((total, 5), np.int64)
            one[:, 0] = main
            rows.append(
                dict(idx=chosen, warn=warn, check=check, discovery=disc, risks=one, result=2)
            )
            self._lead_records(rng, rule_set, chosen, main, disc, warn, exited, med, dis)
        return rows

    def _lead_records(self, rng, rule_set, chosen, main, disc, warn, exited, med, dis) -> None:
        """A medical or disaster lead of the years before the window shows in the records."""
        thr = _rule_params(rule_set)
        ill = (main == 1) & (disc == 3)
        bill_thr = np.where(exited[chosen[ill]], thr["medical_exited"], thr["medical_other"])
        bill = np.round(bill_thr * rng.uniform(1.05, 2.0, ill.sum())).astype(np.int64)
        extra = {
            "p": self._heads()[chosen[ill]],
            "oop": bill,
            "month": np.maximum(
                warn[ill].astype("datetime64[M]") - 1, np.datetime64("2020-01", "M")
            ),
            "total": np.round(bill / rng.uniform(0.15, 0.45, len(bill))).astype(np.int64),
        }
        for key, v in extra.items():
            med[key] = np.concatenate([med[key], v.astype(med[key].dtype)])
        dz = (main == 4) & (disc == 3)
        extra = {
            "h": chosen[dz],
            "date": warn[dz] - rng.integers(3, 30, dz.sum()) * DAY,
            "type": rng.choice([1, 2, 5, 4], dz.sum()),
            "loss": np.round(thr["disaster"] * rng.uniform(1.05, 2.5, dz.sum()), -1),
        }
        for key, v in extra.items():
            dis[key] = np.concatenate([dis[key], v.astype(dis[key].dtype)])

    def _append_monitoring(self, rng, idx, warn, check, discovery, risks, result) -> None:
        """Add monitoring records that never reached identification: checked and not
        included (result 2, with a reason by the main risk) or not decided yet (0)."""
        mon, hh = self.mon, self.hh
        n = len(idx)
        if n == 0:
            return
        nat = np.full(n, np.datetime64("NaT"), "datetime64[D]")
        k = (risks > 0).sum(1)
        reason = np.zeros(n, np.int8)
        if result == 2:
            R = cal.EXCLUDE_REASON_P
            u = rng.random(n)
            for risk in np.unique(risks[:, 0]):
                p = R.get(int(risk), R[0])
                sel = risks[:, 0] == risk
                cum = np.cumsum(list(p.values())) / sum(p.values())
                reason[sel] = np.array(list(p))[
                    np.minimum(np.searchsorted(cum, u[sel]), len(p) - 1)
                ]
            # "Income above the monitoring range" only where it is, in the check year.
            t = np.clip(_year(check) - FIRST_YEAR, 0, len(self.years) - 1)
            below = ~(self.pc_year[idx, t] >= self.ref_line[t])
            reason = np.where((reason == 1) & below, 2, reason).astype(np.int8)
        add = {
            "idx": idx,
            "type": np.where(hh["registered"][idx], 1, 2).astype(mon["type"].dtype),
            "warn": warn,
            "check": check,
            "discovery": discovery,
            "k": k,
            "risks": risks,
            "result": np.full(n, result, np.int8),
            "reason": reason,
            "method": np.zeros(n, mon["method"].dtype),
        }
        for key in mon:
            v = add.get(key, nat)
            mon[key] = np.concatenate([mon[key], np.asarray(v).astype(mon[key].dtype)])

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
        """The registry's tables from the stages' arrays: households, people, monitoring
        records and their risks, guarantee gaps."""
        vcode = self.village["code"].to_numpy()[self.hh["v_idx"]]
        self._emit_households(vcode)
        self._emit_people()
        order = self._emit_monitoring(vcode)
        self._emit_monitoring_risks(order)
        self.emit(
            "condition_gap",
            self.gap.take(
                pc.sort_indices(
                    self.gap,
                    [
                        ("household_id", "ascending"),
                        ("item", "ascending"),
                        ("from_year", "ascending"),
                    ],
                )
            ),
        )

    def _emit_households(self, vcode: np.ndarray) -> None:
        hh, v, n = self.hh, self.village, self.n_hh
        hh_no = self.hh_no
        mt = hh["monitor_type"]
        self.emit(
            "household",
            pa.table(
                {
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
                    "identify_year": pa.array(
                        np.where(hh["registered"], hh["identify_year"], None), pa.int16()
                    ),
                    "exit_year": pa.array(
                        np.where(hh["registered"], hh["exit_year"], None), pa.int16()
                    ),
                    "exit_type": pa.array(
                        np.where(hh["registered"], hh["exit_type"], None), pa.int8()
                    ),
                    "main_cause": pa.array(
                        np.where(hh["registered"], hh["cause"], None), pa.int8()
                    ),
                    "monitor_type": pa.array(np.where(mt > 0, mt, None), pa.int8()),
                    "housing_grade": pa.array(hh["housing_grade"].astype(str)),
                    "relocated": pa.array(hh["relocated"]),
                    "relocation_year": pa.array(
                        np.where(hh["relocated"], hh["relocation_year"], None), pa.int16()
                    ),
                    "sanitary_toilet": pa.array(hh["sanitary_toilet"]),
                    "road_access": pa.array(hh["road_access"]),
                    "farmland_mu": pa.array(hh["farmland_mu"]),
                    "forest_mu": pa.array(hh["forest_mu"]),
                    "no_labour": pa.array(hh["no_labour"]),
                    "per_capita_income": pa.array(np.round(hh["latest_pc"], 2)).cast(
                        pa.decimal128(12, 2)
                    ),
                    "cadre_id": pa.array(hh["cadre_id"], pa.int64()),
                }
            ),
        )

    def _emit_people(self) -> None:
        P = self.person
        self.emit(
            "person",
            pa.table(
                {
                    "person_id": pa.array(np.arange(1, len(P["h_of"]) + 1), pa.int64()),
                    "household_id": pa.array(P["h_of"] + 1, pa.int64()),
                    "name": P["name"],
                    "id_number": P["id_number"],
                    "relation": pa.array(P["relation"]),
                    "sex": pa.array(P["sex"], pa.int8()),
                    "birth_date": pa.array(P["birth"]),
                    "age": pa.array(P["age"], pa.int16()),
                    "ethnicity": pa.array(P["ethnicity"], pa.int8()),
                    "education": pa.array(P["education"], pa.int8()),
                    "in_school": pa.array(P["in_school"]),
                    "school_stage": pa.array(
                        np.where(P["school_stage"] > 0, P["school_stage"], None), pa.int8()
                    ),
                    "health": pa.array(P["health"], pa.int8()),
                    "disability_grade": pa.array(
                        np.where(P["disability_grade"] > 0, P["disability_grade"], None), pa.int8()
                    ),
                    "labour": pa.array(P["labour"], pa.int8()),
                    "migrant_months": pa.array(P["migrant_months"], pa.int8()),
                    "medical_insurance": pa.array(P["insured"]),
                    "pension": pa.array(P["pension"]),
                    "dibao": pa.array(P["dibao"]),
                    "tekun": pa.array(P["tekun"]),
                    "welfare_job": pa.array(P["welfare_job"]),
                    "phone": P["phone"],
                    "joined_date": pa.array(P["joined"]),
                    "join_reason": pa.array(P["join_reason"], pa.int8()),
                    "left_date": pa.array(P["left"]),
                    "left_reason": pa.array(
                        np.where(P["left_reason"] > 0, P["left_reason"], None), pa.int8()
                    ),
                }
            ),
        )

    def _emit_monitoring(self, vcode: np.ndarray) -> np.ndarray:
        """The monitoring records in household order; returns that order."""
        mon = self.mon
        m = len(mon["idx"])
        fast = (
            (mon["method"] == 1)
            & ~np.isnat(mon["elim"])
            & ((mon["elim"] - mon["ident"]).astype("timedelta64[D]").astype(np.int64) < 61)
        )
        order = np.argsort(mon["idx"], kind="stable")
        state = np.where(np.isnat(mon["ident"]), 1, np.where(np.isnat(mon["elim"]), 2, 3))
        # The check outcome, once the layout has it (contract of issue 16, §B): state 4
        # is a household checked and not included.
        outcome = {}
        if "check_result" in L.BY_NAME["monitoring"].by_name:
            state = np.where(mon["result"] == 2, 4, state)
            outcome = {
                "check_result": pa.array(
                    mon["result"][order], pa.int8(), mask=mon["result"][order] == 0
                ),
                "exclude_reason": pa.array(
                    mon["reason"][order], pa.int8(), mask=mon["reason"][order] == 0
                ),
            }
        self.emit(
            "monitoring",
            pa.table(
                {
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
                    "eliminate_method": pa.array(
                        np.where(mon["method"] > 0, mon["method"], None)[order], pa.int8()
                    ),
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
                    **outcome,
                }
            ),
        )
        return order

    def _emit_monitoring_risks(self, order: np.ndarray) -> None:
        mon = self.mon
        m = len(mon["idx"])
        ki = np.repeat(np.arange(m), mon["k"])
        seq = np.arange(len(ki)) - np.repeat(np.cumsum(mon["k"]) - mon["k"], mon["k"])
        rank_of = np.empty(m, dtype=np.int64)
        rank_of[order] = np.arange(m)
        ro = np.lexsort((seq, rank_of[ki]))
        self.emit(
            "monitoring_risk",
            pa.table(
                {
                    "monitoring_id": pa.array(rank_of[ki][ro] + 1, pa.int64()),
                    "household_id": pa.array(mon["idx"][ki][ro] + 1, pa.int64()),
                    "seq": pa.array(seq[ro] + 1, pa.int8()),
                    "risk_type": pa.array(mon["risks"][ki, seq][ro], pa.int8()),
                }
            ),
        )

    STAGES = (
        "regions",
        "villages",
        "registered",
        "monitoring_selection",
        "monitoring_dates",
        "people",
        "monitoring_policy",
        "household_conditions",
        "income",
        "measures",
        "units_and_cadres",
        "departments",
        "assemble",
    )


# ---------------------------------------------------------------------- helpers
_PROVINCE_UNITS = (
    "发展和改革委员会",
    "教育厅",
    "财政厅",
    "人力资源和社会保障厅",
    "自然资源厅",
    "住房和城乡建设厅",
    "交通运输厅",
    "水利厅",
    "农业农村厅",
    "卫生健康委员会",
    "民政厅",
    "林业局",
    "乡村振兴局",
    "医疗保障局",
    "应急管理厅",
    "统计局",
    "审计厅",
    "商务厅",
    "文化和旅游厅",
    "市场监督管理局",
    "生态环境厅",
    "科学技术厅",
    "工业和信息化厅",
    "公安厅",
    "税务局",
    "残疾人联合会",
    "供销合作总社",
    "妇女联合会",
    "总工会",
    "共青团委员会",
)
_CITY_UNITS = (
    "发展和改革委员会",
    "教育局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "水务局",
    "农业农村局",
    "卫生健康委员会",
    "民政局",
    "林业局",
    "乡村振兴局",
    "医疗保障局",
    "应急管理局",
    "统计局",
    "中心医院",
    "职业技术学院",
)
_COUNTY_UNITS = (
    "发展和改革局",
    "教育体育局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "卫生健康局",
    "民政局",
    "林业局",
    "乡村振兴局",
    "医疗保障局",
    "应急管理局",
    "统计局",
    "人民医院",
    "中医医院",
    "职业教育中心",
    "供电分公司",
    "农村信用合作联社",
    "市场监督管理局",
    "文化和旅游局",
    "审计局",
    "司法局",
)


def _unit_type(dept: str) -> str:
    if dept.endswith(("医院", "学院", "中心")):
        return "事业单位"
    if dept.endswith(("分公司", "联社")):
        return "国有企业"
    if (
        dept.endswith(("联合会", "总社", "总工会", "委员会"))
        and "发展" not in dept
        and "卫生" not in dept
    ):
        return "群团组织"
    return "党政机关"


def _pick(rng: np.random.Generator, share: float, mask: np.ndarray) -> np.ndarray:
    """The indices where ``mask`` holds, each kept with probability ``share``."""
    return np.flatnonzero(mask & (rng.random(len(mask)) < share))


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


def _mortality(age: np.ndarray, male: np.ndarray, year: int) -> np.ndarray:
    """Yearly probability of dying at an age (years, float), by sex and calendar year."""
    m = cal.MORTALITY
    a = np.where(male, m["male"][0], m["female"][0])
    b = np.where(male, m["male"][1], m["female"][1])
    q = m["makeham"] + np.exp(a + b * age) + np.where(age < 1, m["infant"], 0.0)
    return np.minimum(q * (1 - cal.MORTALITY_DECLINE) ** (year - FIRST_YEAR), 0.6)


def _survival(age: np.ndarray, male: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The chance a member of a poor household of this age survives ``years`` more."""
    m = cal.MORTALITY
    a = np.where(male, m["male"][0], m["female"][0])
    b = np.where(male, m["male"][1], m["female"][1])
    hazard = m["makeham"] * years + (np.exp(a + b * (age + years)) - np.exp(a + b * age)) / b
    return np.exp(-hazard * cal.MORTALITY_POOR)


def _by_age(table: dict, age: np.ndarray) -> np.ndarray:
    """A yearly rate from a table {lower age bound: rate} (0 below the first bound)."""
    lows = np.array(sorted(table))
    rates = np.array([table[k] for k in lows], float)
    i = np.searchsorted(lows, age, side="right") - 1
    return np.where(i >= 0, rates[np.maximum(i, 0)], 0.0)


def _whole_years(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Age in completed years on a day (birthdays counted on the day)."""

    def parts(d):
        d = d.astype("datetime64[D]")
        y = d.astype("datetime64[Y]").astype(np.int64)
        mth = d.astype("datetime64[M]").astype(np.int64) % 12
        day = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
        return y, mth, day

    by, bm, bd = parts(birth)
    oy, om, od = parts(on)
    return oy - by - ((om < bm) | ((om == bm) & (od < bd)))


def _year(d: np.ndarray) -> np.ndarray:
    """Calendar year of datetime64 values (NaT gives a meaningless value: mask it)."""
    return d.astype("datetime64[Y]").astype(np.int64) + 1970


def _sept1(year: np.ndarray) -> np.ndarray:
    """1 September of each year (a school year's records arrive then)."""
    y = (np.asarray(year, np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[M]")
    return (y + 8).astype("datetime64[D]")


def _latest_per(h: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct household of h, with its latest date in w."""
    o = np.lexsort((w, h))
    h, w = h[o], w[o]
    last = np.r_[h[1:] != h[:-1], True] if len(h) else np.zeros(0, bool)
    return h[last], w[last]


def _by_household(h: np.ndarray, w: np.ndarray, r: np.ndarray):
    """Leads grouped by household: the households, the latest lead's day, and up to 5
    distinct risk types each (newest lead first; 0 pads), as a (n, 5) array."""
    if len(h) == 0:
        return np.zeros(0, np.int64), np.zeros(0, "datetime64[D]"), np.zeros((0, 5), np.int64)
    o = np.lexsort((r, -w.astype(np.int64), h))
    h, w, r = h[o], w[o], r[o]
    first = np.r_[True, h[1:] != h[:-1]]
    uh, latest = h[first], w[first]
    pos = np.arange(len(h))
    o2 = np.lexsort((pos, r, h))
    keep = np.r_[True, (h[o2][1:] != h[o2][:-1]) | (r[o2][1:] != r[o2][:-1])]
    kh, kr, kp = h[o2][keep], r[o2][keep], pos[o2][keep]
    o3 = np.lexsort((kp, kh))
    kh, kr = kh[o3], kr[o3]
    col = _rank_within(kh)
    g = np.searchsorted(uh, kh)
    risks = np.zeros((len(uh), 5), np.int64)
    ok = col < 5
    risks[g[ok], col[ok]] = kr[ok]
    return uh, latest, risks


def _rule_set():
    """The early-warning rules in force (config/rules.yaml), or None if they cannot be
    read: the generator then makes its department data without aiming at them."""
    from etl import rules

    try:
        return rules.load()
    except (rules.RulesError, OSError):  # a broken rules file must not stop the generator
        return None


def _rule_params(rule_set) -> dict:
    """The thresholds the generator's designed records exceed (defaults: docs/domain.md §6)."""
    out = {"medical_exited": 5000.0, "medical_other": 20000.0, "disaster": 10000.0}
    for rule in rule_set.rules if rule_set is not None else ():
        if rule.kind == "medical_out_of_pocket":
            out["medical_exited"] = float(rule.params["exited_threshold"])
            out["medical_other"] = float(rule.params["other_threshold"])
        elif rule.kind == "disaster_loss":
            out["disaster"] = float(rule.params["threshold"])
    return out


def _window(rule_set, as_of: date) -> tuple[date, date]:
    """The rules' evidence window: from the first of the month lookback_months before
    as_of's month (as etl/rules.py counts it) to as_of."""
    months = rule_set.lookback_months if rule_set is not None else 12
    y, m = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
    return date(y, m + 1, 1), as_of


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
    "household": (
        "households",
        (
            "household_id",
            "township_code",
            "county_code",
            "city_code",
            "members",
            "no_labour",
            "per_capita_income",
            "cadre_id",
        ),
    ),
    "person": ("members", ("person_id", "household_id", "age")),
    "income": ("income", ("household_id",)),
    "measure": ("measures", ("household_id",)),
    "unit": ("units", ()),
    "cadre": ("cadres", ()),
    "pairing": ("pairings", ("household_id",)),
    "village": ("villages", ()),
    "population": ("population", ()),
    "monitoring": (
        "monitoring",
        ("household_id", "village_code", "state", "risk_count", "main_risk", "fast_elimination"),
    ),
    "monitoring_risk": ("monitoring_risks", ("household_id",)),
    "condition_gap": ("guarantee_gaps", ("household_id",)),
}


def write_delivery(ref: Reference, params: Params, directory, fmt: str = "parquet", progress=None):
    """Generate the synthetic registry as a full delivery in the registry layout
    (docs/registry.md) under ``directory``; returns the manifest's path. The region
    table is the reference geography, which the loader reads itself."""
    from etl import layout as L
    from etl.delivery import Delivery

    out = Delivery(
        directory,
        fmt,
        "full",
        params.as_of.isoformat(),
        source=f"Jingzhun synthetic generator, seed {params.seed}, scale {params.scale:g}",
        extra={"generator": {"seed": params.seed, "scale": params.scale}},
    )
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


# ------------------------------------------------------------------ a year of members
@dataclass(frozen=True)
class _YearWindow:
    """The days of a year each household's members can change in (from the day after
    its identification, to the year's end or the as-of day), and the random stream."""

    rng: np.random.Generator
    start: np.ndarray
    span: np.ndarray  # days, per household (0: none this year)

    def when(self, hs: np.ndarray) -> np.ndarray:
        """A day in the window of each household of ``hs``."""
        return self.start[hs] + (self.rng.random(len(hs)) * self.span[hs]).astype(np.int64) * DAY


def _years_old(c: dict, idx: np.ndarray, d: np.ndarray) -> np.ndarray:
    return (d - c["birth"][idx]).astype(np.int64) / 365.25


def _members_leave(w: _YearWindow, c: dict, year: int, poor: np.ndarray) -> None:
    """Deaths, daughters marrying out, hukou moves out, other leaving: competing hazards
    per member present (never a household's anchor)."""
    rng, span = w.rng, w.span
    idx = np.flatnonzero(np.isnat(c["left"]) & (span[c["h"]] > 0))
    hs = c["h"][idx]
    e = span[hs] / 365.0
    d = w.when(hs)
    age = _years_old(c, idx, d)
    male, role = c["male"][idx], c["role"][idx]
    free = c["partner"][idx] < 0
    kin = np.isin(role, (3, 4, 6, 7))
    q = _mortality(age, male, year) * np.where(poor[hs], cal.MORTALITY_POOR, 1.0)
    haz = np.stack(
        [
            -np.log1p(-np.minimum(q, 0.9)),
            np.where(~male & free & kin, _by_age(cal.MARRY_OUT, age), 0.0),
            np.where(free & kin, _by_age(cal.MOVE_OUT, age), 0.0),
            np.where(np.isin(role, (2, 8)) & (age < 60), cal.OTHER_LEAVE, 0.0),
        ],
        1,
    )
    haz[c["anchor"][idx]] = 0.0
    total = haz.sum(1)
    leave = rng.random(len(idx)) < -np.expm1(-total * e)
    pick = (np.cumsum(haz, 1) < (rng.random(len(idx)) * total)[:, None]).sum(1)
    reason = np.array([1, 2, 3, 9], np.int8)[np.minimum(pick, 3)]
    c["left"][idx[leave]] = d[leave]
    c["lr"][idx[leave]] = reason[leave]


def _members_born(w: _YearWindow, c: dict, year: int, idx: np.ndarray) -> dict:
    """Births to the women of ``idx`` living with their husband."""
    rng, span = w.rng, w.span
    p = c["partner"][idx]
    mo = idx[~c["male"][idx] & (p >= 0)]
    mo = mo[np.isnat(c["left"][c["partner"][mo]])]
    hs = c["h"][mo]
    d = w.when(hs)
    age = _years_old(c, mo, d)
    rate = (
        _by_age(cal.MARITAL_FERTILITY, age)
        * cal.FERTILITY_YEAR.get(year, 0.55)
        * np.array(cal.PARITY_FACTOR)[np.minimum(c["parity"][mo], 3)]
    )
    born = rng.random(len(mo)) < -np.expm1(-rate * span[hs] / 365.0)
    mb, db = mo[born], d[born]
    c["parity"][mb] += 1
    nb = len(mb)
    return {
        "h": c["h"][mb],
        "role": np.where(c["role"][mb] == 8, 4, np.where(np.isin(c["role"][mb], (1, 2)), 3, 7)),
        "male": rng.random(nb) < cal.MALE_BIRTH_SHARE,
        "birth": db,
        "joined": db,
        "jr": np.full(nb, 2),
        "partner": np.full(nb, -1),
        "own": np.ones(nb, bool),
    }


def _members_wed(w: _YearWindow, c: dict, idx: np.ndarray, n_before: int) -> dict:
    """Sons (and young single heads) of ``idx`` bring a wife home; she will be member
    ``n_before`` on (after the births), and the husbands' partners are set to her."""
    rng, span = w.rng, w.span
    role, male = c["role"][idx], c["male"][idx]
    cand = idx[male & (c["partner"][idx] < 0) & np.isin(role, (1, 3, 4))]
    hs = c["h"][cand]
    d = w.when(hs)
    age = _years_old(c, cand, d)
    rate = _by_age(cal.MARRY_IN, age) * np.where(c["role"][cand] == 1, 0.5, 1.0)
    wed = rng.random(len(cand)) < -np.expm1(-rate * span[hs] / 365.0)
    hu, dw = cand[wed], d[wed]
    nw = len(hu)
    w_age = np.maximum(age[wed] - 5 * rng.random(nw), 19)
    c["partner"][hu] = n_before + np.arange(nw)
    return {
        "h": c["h"][hu],
        "role": np.where(c["role"][hu] == 1, 2, 8),
        "male": np.zeros(nw, bool),
        "birth": dw - np.round(w_age * 365.25).astype(np.int64) * DAY,
        "joined": dw,
        "jr": np.full(nw, 3),
        "partner": hu,
        "own": np.zeros(nw, bool),
    }


def _members_move_in(w: _YearWindow) -> dict:
    """Relatives move their hukou in: a grandchild, or another relative. (Every
    household has a member here: its anchor.)"""
    rng, span = w.rng, w.span
    hs = np.flatnonzero(span > 0)
    hs = hs[rng.random(len(hs)) < -np.expm1(-cal.MOVE_IN * span[hs] / 365.0)]
    ni = len(hs)
    d = w.when(hs)
    grand = rng.random(ni) < 0.6
    m_age = np.where(grand, 14 * rng.random(ni), 16 + 54 * rng.random(ni))
    return {
        "h": hs,
        "role": np.where(grand, 4, 7),
        "male": rng.random(ni) < 0.5,
        "birth": d - np.round(m_age * 365.25).astype(np.int64) * DAY,
        "joined": d,
        "jr": np.full(ni, 4),
        "partner": np.full(ni, -1),
        "own": grand,
    }


def _members_append(c: dict, new: list[dict]) -> None:
    """The year's new members appended to ``c``, numbered after the ones there."""
    m = sum(len(x["h"]) for x in new)
    if m == 0:
        return
    add = {key: np.concatenate([x[key] for x in new]) for key in new[0]}
    add["role"] = add["role"].astype(np.int8)
    add["jr"] = add["jr"].astype(np.int8)
    add.update(
        {
            "left": np.full(m, np.datetime64("NaT", "D")),
            "lr": np.zeros(m, np.int8),
            "anchor": np.zeros(m, bool),
            "parity": np.zeros(m, np.int64),
            "seq": 1000 + len(c["h"]) + np.arange(m),
        }
    )
    for key in c:
        c[key] = np.concatenate([c[key], add[key].astype(c[key].dtype)])


# ------------------------------------------------------------------ what the rules will fire on
@dataclass(frozen=True)
class _HitWindow:
    """What ``Gen._rule_hits`` checks the rules over: the rules' window, the last year,
    the department records (medical, education, disaster, death) and who had left."""

    gen: Gen
    h_of: np.ndarray
    since: np.datetime64
    as_of: np.datetime64
    last: int
    left: np.ndarray
    med: dict
    edu: dict
    dis: dict
    dea: dict

    @property
    def jan1(self) -> np.datetime64:
        return np.datetime64(f"{self.last}-01-01", "D")

    def member(self, p, day):
        """A member on that day (the rules skip those who had left)."""
        return np.isnat(self.left[p]) | (self.left[p] >= day)

    def within(self, day):
        return (day >= self.since) & (day <= self.as_of)


def _hit_medical(x: _HitWindow, prm: dict):
    """Per household its member with the largest out-of-pocket total in the window, at
    or over the threshold (exited households have their own), on that member's latest
    month."""
    med, h_of, hh = x.med, x.h_of, x.gen.hh
    mday = med["month"].astype("datetime64[D]")
    inw = x.within(mday) & x.member(med["p"], mday)
    p, mo, v = med["p"][inw], mday[inw], med["oop"][inw]
    total = np.bincount(p, weights=v, minlength=len(h_of))
    lastm = np.full(len(h_of), np.datetime64("NaT"), "datetime64[D]")
    o = np.lexsort((mo, p))
    lastm[p[o]] = mo[o]  # the last assignment per person is its latest month
    exited = hh["registered"] & (hh["exit_year"] <= x.last)
    t = np.where(exited, prm["exited_threshold"], prm["other_threshold"])
    cand = np.flatnonzero(total > 0)
    o = np.lexsort((cand, -total[cand], h_of[cand]))
    top = cand[o][np.r_[True, h_of[cand[o]][1:] != h_of[cand[o]][:-1]]] if len(cand) else cand
    fire = total[top] >= t[h_of[top]]
    return h_of[top[fire]], lastm[top[fire]]


def _hit_education_costs(x: _HitWindow, prm: dict):
    edu, h_of = x.edu, x.h_of
    sday = _sept1(edu["year"])
    inw = x.within(sday) & (edu["cost"] >= prm["threshold"]) & x.member(edu["p"], sday)
    p, yr, c = edu["p"][inw], edu["year"][inw], edu["cost"][inw]
    o = np.lexsort((p, -yr, -c, h_of[p]))
    hs = h_of[p[o]]
    first = np.r_[True, hs[1:] != hs[:-1]] if len(hs) else np.zeros(0, bool)
    return hs[first], _sept1(yr[o][first])


def _hit_dropout(x: _HitWindow, prm: dict):
    edu = x.edu
    sday = _sept1(edu["year"])
    inw = x.within(sday) & edu["dropout"] & x.member(edu["p"], sday)
    return _latest_per(x.h_of[edu["p"][inw]], sday[inw])


def _hit_disaster(x: _HitWindow, prm: dict):
    dis = x.dis
    inw = x.within(dis["date"])
    total = np.bincount(dis["h"][inw], weights=dis["loss"][inw], minlength=x.gen.n_hh)
    hh_all, w_all = _latest_per(dis["h"][inw], dis["date"][inw])
    keep = total[hh_all] >= prm["threshold"]
    return hh_all[keep], w_all[keep]


def _hit_income_below_line(x: _HitWindow, prm: dict):
    hh = x.gen.hh
    line = x.gen.mline[x.last - FIRST_YEAR] * prm["ratio"]
    h = np.flatnonzero(hh["has_income"] & (hh["latest_pc"] < line))
    return h, np.full(len(h), x.jan1)


def _hit_wage_drop(x: _HitWindow, prm: dict):
    hh = x.gen.hh
    prev, cur = hh["wages_prev"], hh["wages_last"]
    h = np.flatnonzero(
        hh["has_income"] & (prev >= prm["min_wages"]) & (cur <= (1 - prm["drop"]) * prev)
    )
    return h, np.full(len(h), x.jan1)


def _hit_worker_death(x: _HitWindow, prm: dict):
    dea = x.dea
    inw = (
        x.within(dea["date"])
        & np.isin(x.gen.person["labour"][dea["p"]], (1, 2))
        & x.member(dea["p"], dea["date"])
    )
    return _latest_per(x.h_of[dea["p"][inw]], dea["date"][inw])


def _hit_housing(x: _HitWindow, prm: dict):
    grades = np.array(prm["grades"], dtype=object)
    h = np.flatnonzero(np.isin(x.gen.hh["housing_grade"], grades))
    return h, np.full(len(h), x.as_of)


def _hit_water(x: _HitWindow, prm: dict):
    g = x.gen.gap
    item = g["item"].to_numpy(zero_copy_only=False)
    lo, hi = g["from_year"].to_numpy(), g["to_year"].to_numpy()
    sel = (item == "water") & (lo <= x.last) & (hi >= x.last)
    h = np.unique(g["household_id"].to_numpy()[sel] - 1)
    return h, np.full(len(h), x.jan1)


# The rule kinds the generator knows (etl/rules.py), and what each fires on.
_RULE_HITS = {
    "medical_out_of_pocket": _hit_medical,
    "education_costs": _hit_education_costs,
    "school_dropout": _hit_dropout,
    "disaster_loss": _hit_disaster,
    "income_below_line": _hit_income_below_line,
    "wage_drop": _hit_wage_drop,
    "worker_death": _hit_worker_death,
    "housing_unsafe": _hit_housing,
    "water_unsafe": _hit_water,
}
