"""The hand-written tiny registry (tests/data/registry_tiny) loads through etl.registry,
and every card of the overview and region pages shows the figure worked out by hand.

Nothing below is computed by the code under test: the expected values come from the
files and the written definitions (etl/sql/rollups.sql and views.sql, domain.md §4),
with the arithmetic shown. Cards are read through the functions the pages use
(queries.api.overview / region_view, components.overview.cards, components.region).

GIVEN (as_of 2026-10-31; the as-of year is 2026, the as-of month 2026-10)
=========================================================================

Units tested: the province 610000000000; 紫阳县 610924000000 (county C1); 蒿坪镇
610924101000 (township T1); 蒿坪村 610924101200 (village V1).

    village                         township                 county
    V1 610924101200 蒿坪村            T1 610924101000 蒿坪镇    C1 610924 紫阳县 (安康市)
    V2 610924101201 改革村            T1
    V3 610924101001 街道社区 (community) T1
    V4 610924102200 汉城村            T2 610924102000 汉王镇    C1
    V5 610124108200 厚畛子村          T3 610124108000 厚畛子镇  C2 610124 周至县 (西安市)
    V6 610124108202 花耳坪村          T3                       C2
    (villages.csv also lists 610122108500, kind "other", with no households and no
    population: it contributes nothing.)

Households (household_no = village code + 4 digits; H05 = 6109241012000005):

    H   village mem  reg type identify exit  monitoring record (type, state)
    H01 V1      4    yes 1    2014     2016
    H02 V1      3    yes 2    2014     2017
    H03 V1      5    yes 1    2015     2018
    H04 V1      1    yes 3    2014     2019
    H05 V1      4    yes 1    2016     2020  M1  type 1, eliminated 2022-06
    H06 V1      2    yes 1    2015     2019  M2  type 3, not eliminated
    H07 V1      3    yes 2    2016     2020
    H08 V1      3    no  9                   M3  type 2, eliminated 2023-03
    H09 V1      4    no  9                   M4  type 2, warned 2026-10-20, pending
    H10 V1      2    no  9                   M5  type 3, identified 2026-10-09, no measure
    H11 V2      4    yes 1    2014     2016
    H12 V2      3    yes 1    2015     2017
    H13 V2      2    yes 2    2016     2018
    H14 V2      5    yes 1    2014     2019  M6  type 1, not eliminated
    H15 V2      3    no  9                   M7  type 3, eliminated 2026-10-15
    H16 V3      2    yes 1    2015     2017
    H17 V3      2    no  9                   M8  type 2, identified 2026-10-16
    H18 V4      4    yes 1    2014     2018
    H19 V4      1    yes 3    2016     2019
    H20 V4      3    yes 1    2015     2020  M9  type 1, eliminated 2021-12
    H21 V4      4    yes 2    2014     2017
    H22 V4      3    no  9                   M10 type 2, not eliminated
    H23 V5      3    yes 1    2014     2016
    H24 V5      4    yes 1    2015     2019
    H25 V5      2    yes 2    2016     2020
    H26 V5      5    yes 1    2014     2018  M11 type 1, eliminated 2022-09
    H27 V5      2    no  9                   M12 type 3, not eliminated
    H28 V6      3    yes 1    2015     2020
    H29 V6      4    yes 1    2016     2019
    H30 V6      4    no  9                   M13 type 2, eliminated 2023-06

Every member of a registered household was born before its identify_year and no listed
member has died (dept_death names a former member only), so "people registered" is the
same whether counted from today's members (as rollups.sql does) or from the people
present each year (issue #16): the figures below hold either way. income.members always
equals the household's member count.

Rural registered population (population.csv): 2014–2020 / 2021–2025 / 2026
    V1 1000/900/800  V2 600/550/500  V3 500/400/400  V4 800/750/700  V5 500/480/450
    V6 300/300/250
    T1 = V1+V2+V3: 2019 2100, 2025 1850, 2026 1700
    C1 = T1+V4:    2019 2900, 2025 2600, 2026 2400
    province = C1+V5+V6: 2019 3700, 2025 3380, 2026 3100

Lines (data/reference/lines.csv): monitoring line 2025 7,600, 2026 7,900; none before
2020 (so "below the monitoring line" is no data in 2018 and 2019).

EXPECT — registered poverty (year cards; hh = households, pp = people)
=======================================================================
hh_registered(y) = registered households with identify_year <= y; pp the sum of their
members; exited: exit_year <= y; not exited = registered - exited;
incidence = pp_not_exited / rural population of the year.

V1: registered 2014 H01,H02,H04 (4+3+1=8 pp); 2015 +H03,H06 (15 pp);
    2016+ +H05,H07: 7 hh, 22 pp.
    exited by 2018: H01 4 + H02 3 + H03 5 = 12 pp (3 hh) -> not exited 4 hh, 10 pp
    exited by 2019: +H04 1 +H06 2 = 15 pp (5 hh)        -> not exited 2 hh, 7 pp
    exited by 2020: +H05 4 +H07 3 = 22 pp: nothing left from 2020 on.
    incidence 2018 = 10/1000, 2019 = 7/1000.
T1 = V1 + V2 (H11 4, H12 3, H13 2, H14 5 = 14 pp) + V3 (H16 2): 12 hh, 38 pp.
    exited by 2018: V1 12 + H11,H12,H13 9 + H16 2 = 23 pp (7 hh) -> not exited 5 hh, 15 pp
    exited by 2019: +H04 1 +H06 2 +H14 5 = 31 pp (10 hh)          -> 2 hh, 7 pp
    incidence 2018 = 15/2100, 2019 = 7/2100.
C1 = T1 + V4 (H18 4, H19 1, H20 3, H21 4 = 12 pp): 16 hh, 50 pp.
    exited by 2018: 23 + H18 4 + H21 4 = 31 pp (9 hh)  -> 7 hh, 19 pp
    exited by 2019: 31 + 4 + 4 + H19 1 = 40 pp (13 hh) -> 3 hh, 10 pp (H05, H07, H20)
    incidence 2018 = 19/2900, 2019 = 10/2900.
province = C1 + V5 (H23 3, H24 4, H25 2, H26 5) + V6 (H28 3, H29 4): 22 hh, 71 pp.
    exited by 2018: 31 + H23 3 + H26 5 = 39 pp (11 hh)     -> 11 hh, 32 pp
    exited by 2019: 40 + 3 + 5 + H24 4 + H29 4 = 56 pp (17 hh) -> 5 hh, 15 pp
    incidence 2018 = 32/3700, 2019 = 15/3700.
2025 and 2026: everyone registered has exited: pp_exited = pp_registered, 0 not exited.

EXPECT — income (year cards)
============================
Per-capita income (pc, yuan) chosen per household; net_income = pc x members, so
per_capita = net / members exactly. Rows exist for 2019 (registered households), 2025
and 2026 (every household existing then; new monitoring households from their warning
year), plus elimination-year rows 2021-2023 that no card tested here reads.

    H    mem  2019   2025   2026        H    mem  2019   2025   2026
    H01  4    6000  12000  13000        H16  2    5000   9000  10000
    H02  3    5000  10000  11000        H17  2       -      -   6000
    H03  5    5000   9000  10000        H18  4    6000  12000  12500
    H04  1    4000   8000   9000        H19  1    4000   8000   8500
    H05  4    3500   9000   9500        H20  3    3000   9000  10000
    H06  2    4500   8000   7000        H21  4    5000  10000  11000
    H07  3    3600   8500   9000        H22  3       -   7000   7000
    H08  3       -   9000  10000        H23  3    6500  11000  12000
    H09  4       -      -   8000        H24  4    4500  10000  10000
    H10  2       -      -   5000        H25  2    3200   8000   9000
    H11  4    6000  11000  12000        H26  5    5000   9000   9500
    H12  3    5500  10000  10500        H27  2       -      -   6500
    H13  2    5000   9000   9500        H28  3    3400   9000   9500
    H14  5    4000   7000   7500        H29  4    4000  10000  11000
    H15  3       -   7000   8000        H30  4       -   9000   9000

mean = sum(net_income) / sum(members) (people-weighted); median = median of the rows'
per_capita (the mean of the two middle ones for an even count); below = rows with
per_capita < the year's monitoring line.

V1 2019: nets 24000+15000+25000+4000+14000+9000+10800 = 101800 over 22 people;
         pcs 3500 3600 4000 [4500] 5000 5000 6000 -> median 4500.
V1 2025: nets 48000+30000+45000+8000+36000+16000+25500+27000 = 235500 over 25 = 9420;
         pcs 8000 8000 8500 9000 | 9000 9000 10000 12000 -> median 9000; below 7600: none.
V1 2026: nets 52000+33000+50000+9000+38000+14000+27000+30000+32000+10000 = 295000 / 31;
         pcs 5000 7000 8000 9000 9000 | 9500 10000 10000 11000 13000 -> (9000+9500)/2 = 9250;
         below 7900: H06 7000, H10 5000 -> 2.
T1 2019: + V2 24000+16500+10000+20000 = 70500 (14 pp) + V3 10000 (2 pp)
         = 182300 / 38; 12 pcs: 3500 3600 4000 4000 4500 5000 | 5000 5000 5000 5500 6000
         6000 -> 5000.
T1 2025: + V2 44000+30000+18000+35000+21000 = 148000 (17 pp) + V3 18000 (2 pp)
         = 401500 / 44 = 9125; 14 pcs: 7000 7000 8000 8000 8500 9000 9000 | 9000 ... -> 9000;
         below 7600: H14 7000, H15 7000 -> 2.
T1 2026: + V2 48000+31500+19000+37500+24000 = 160000 (17 pp) + V3 20000+12000 (4 pp)
         = 487000 / 52; 17 pcs: 5000 6000 7000 7500 8000 8000 9000 9000 [9500] 9500 10000
         10000 10000 10500 11000 12000 13000 -> 9500;
         below 7900: H06, H10, H14 7500, H17 6000 -> 4.
C1 2019: + V4 24000+4000+9000+20000 = 57000 (12 pp) = 239300 / 50 = 4786;
         16 pcs: 3000 3500 3600 4000 4000 4000 4500 5000 | 5000 ... -> 5000.
C1 2025: + V4 48000+8000+27000+40000+21000 = 144000 (15 pp) = 545500 / 59;
         19 pcs: 7000x3 8000x3 8500 [9000]x6 ... (10th is a 9000) -> 9000;
         below 7600: 2 + H22 7000 -> 3.
C1 2026: + V4 50000+8500+30000+44000+21000 = 153500 (15 pp) = 640500 / 67;
         22 pcs: 5000 6000 7000 7000 7500 8000 8000 8500 9000 9000 9500 | 9500 10000x4
         10500 11000 11000 12000 12500 13000 -> 9500; below 7900: 4 + H22 -> 5.
province 2019: + V5 19500+18000+6400+25000 = 68900 (14 pp) + V6 10200+16000 = 26200
         (7 pp) = 334400 / 71; 22 pcs: 3000 3200 3400 3500 3600 4000x4 4500 4500 | 5000x6
         5500 6000x3 6500 -> (4500+5000)/2 = 4750.
province 2025: + V5 33000+40000+16000+45000 = 134000 (14 pp) + V6 27000+40000+36000
         = 103000 (11 pp) = 782500 / 84; 26 pcs: 7000x3 8000x4 8500 9000x9 10000x5
         11000x2 12000x2 -> 13th and 14th are 9000 -> 9000; below 7600: 3.
province 2026: + V5 36000+40000+18000+47500+13000 = 154500 (16 pp) + V6 28500+44000
         +36000 = 108500 (11 pp) = 903500 / 94; 30 pcs: 5000 6000 6500 7000 7000 7500
         8000 8000 8500 9000x4 9500x4 10000x5 ... -> 15th and 16th are 9500 -> 9500;
         below 7900: 5 + H27 6500 -> 6.
2018: no income rows: mean, median and below-the-line are no data (None).

EXPECT — monitoring (month cards, as of each month's end)
=========================================================
hh_monitored = records identified by the month's end (eliminated ones stay monitoring
objects), by type; eliminated = eliminated by then; unresolved = monitored - eliminated;
rate = eliminated / monitored; timeliness = identified within 15 days of the warning /
monitored; per 1,000 = 1000 x households / rural population of the month's year;
coverage = monitored households with a monitoring measure (for_monitoring) started by
the month's end / monitored.

    M    H    unit type warned      identified  days  first measure  eliminated
    M1   H05  V1   1    2021-03-01  2021-03-15  14    2021-04-01     2022-06-30 (1)
    M2   H06  V1   3    2025-11-03  2025-11-25  22    2025-12-10     -
    M3   H08  V1   2    2022-05-09  2022-05-20  11    2022-06-01     2023-03-15 (2)
    M4   H09  V1   2    2026-10-20  -           -     -              -   (pending)
    M5   H10  V1   3    2026-09-28  2026-10-09  11    - (none)       -
    M6   H14  V2   1    2024-04-01  2024-04-26  25    2024-05-10     -
    M7   H15  V2   3    2023-07-03  2023-07-14  11    2023-07-20     2026-10-15 (1)
    M8   H17  V3   2    2026-10-05  2026-10-16  11    2026-10-25     -
    M9   H20  V4   1    2020-06-01  2020-06-12  11    2020-07-01     2021-12-20 (2)
    M10  H22  V4   2    2025-02-10  2025-02-28  18    2025-03-15     -
    M11  H26  V5   1    2021-08-02  2021-08-13  11    2021-09-01     2022-09-30 (1)
    M12  H27  V5   3    2026-06-01  2026-06-15  14    2026-09-20     -
    M13  H30  V6   2    2022-03-01  2022-03-10   9    2022-03-20     2023-06-30 (1)
(The county decision is on the same side of 15 days as the identification each time.)

V1 2026-10: monitored M1 M2 M3 M5 = 4 (type 1: M1; 2: M3; 3: M2 M5), people 4+2+3+2 = 11;
    eliminated M1 M3 = 2, unresolved 2, rate 2/4; timely M1 M3 M5 = 3/4;
    coverage M1 M2 M3 = 3/4; per 1,000: 4000/800 = 5.0, unresolved 2000/800 = 2.5.
V1 2026-09: monitored M1 M2 M3 = 3 (1/1/1), 9 people; eliminated 2, unresolved 1,
    rate 2/3; timely 2/3; coverage 3/3; 3000/800 = 3.75, 1000/800 = 1.25.
T1 2026-10: V1 + M6 M7 M8 = 7 (type 1: M1 M6; 2: M3 M8; 3: M2 M5 M7), people 11+5+3+2 = 21;
    eliminated M1 M3 M7 = 3, unresolved 4, rate 3/7; timely M1 M3 M5 M7 M8 = 5/7;
    coverage all but M5 = 6/7; 7000/1700, 4000/1700.
T1 2026-09: M1 M2 M3 M6 M7 = 5 (2/1/2), 17 people; eliminated M1 M3 = 2 (M7 in October),
    unresolved 3, rate 2/5; timely M1 M3 M7 = 3/5; coverage 5/5; 5000/1700, 3000/1700.
C1 2026-10: T1 + M9 M10 = 9 (3/3/3), 27 people; eliminated 3 + M9 = 4, unresolved 5,
    rate 4/9; timely 5 + M9 = 6/9; coverage 6 + 2 = 8/9; 9000/2400, 5000/2400.
C1 2026-09: 5 + 2 = 7 (3/2/2), 23 people; eliminated 3, unresolved 4, rate 3/7;
    timely M1 M3 M7 M9 = 4/7; coverage 7/7; 7000/2400, 4000/2400.
province 2026-10: C1 + M11 M12 M13 = 12 (4/4/4), 27+5+2+4 = 38 people; eliminated
    4 + M11 M13 = 6, unresolved 6, rate 6/12; timely 6 + 3 = 9/12; coverage 8 + 3 = 11/12;
    12000/3100, 6000/3100.
province 2026-09: 7 + 3 = 10 (4/3/3), 34 people; eliminated 3 + 2 = 5, unresolved 5,
    rate 5/10; timely 4 + 3 = 7/10; coverage 10/10 (M12's first measure is 2026-09-20);
    10000/3100, 5000/3100.
Pending (warned, not yet identified) at both month ends: 1 everywhere (M5 in September,
M4 in October).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

TINY = Path(__file__).resolve().parents[1] / "data" / "registry_tiny"

PROVINCE, COUNTY, TOWNSHIP, VILLAGE = "610000000000", "610924000000", "610924101000", \
    "610924101200"
UNITS = (PROVINCE, COUNTY, TOWNSHIP, VILLAGE)
OCT, SEP = dt.date(2026, 10, 1), dt.date(2026, 9, 1)


# ----------------------------------------------------------------- expected, by hand
# Year cards: unit -> year -> column -> value (None: no data).
def _poverty(hh, pp, pp_exited, hh_not, pp_not, population):
    return {"hh_registered": hh, "pp_registered": pp, "pp_exited": pp_exited,
            "hh_not_exited": hh_not, "pp_not_exited": pp_not,
            "rural_population": population,
            "poverty_incidence": pp_not / population}


def _income(mean, median, below, line):
    return {"inc_mean_per_capita": mean, "inc_median_per_capita": median,
            "hh_below_monitoring_line": below, "monitoring_line": line}


NO_INCOME = _income(None, None, None, None)

YEARS: dict[str, dict[int, dict]] = {
    VILLAGE: {
        2018: {**_poverty(7, 22, 12, 4, 10, 1000), **NO_INCOME},
        2019: {**_poverty(7, 22, 15, 2, 7, 1000), **_income(101800 / 22, 4500, None, None)},
        2025: {**_poverty(7, 22, 22, 0, 0, 900), **_income(9420, 9000, 0, 7600)},
        2026: {**_poverty(7, 22, 22, 0, 0, 800), **_income(295000 / 31, 9250, 2, 7900)},
    },
    TOWNSHIP: {
        2018: {**_poverty(12, 38, 23, 5, 15, 2100), **NO_INCOME},
        2019: {**_poverty(12, 38, 31, 2, 7, 2100), **_income(182300 / 38, 5000, None, None)},
        2025: {**_poverty(12, 38, 38, 0, 0, 1850), **_income(9125, 9000, 2, 7600)},
        2026: {**_poverty(12, 38, 38, 0, 0, 1700), **_income(487000 / 52, 9500, 4, 7900)},
    },
    COUNTY: {
        2018: {**_poverty(16, 50, 31, 7, 19, 2900), **NO_INCOME},
        2019: {**_poverty(16, 50, 40, 3, 10, 2900), **_income(4786, 5000, None, None)},
        2025: {**_poverty(16, 50, 50, 0, 0, 2600), **_income(545500 / 59, 9000, 3, 7600)},
        2026: {**_poverty(16, 50, 50, 0, 0, 2400), **_income(640500 / 67, 9500, 5, 7900)},
    },
    PROVINCE: {
        2018: {**_poverty(22, 71, 39, 11, 32, 3700), **NO_INCOME},
        2019: {**_poverty(22, 71, 56, 5, 15, 3700), **_income(334400 / 71, 4750, None, None)},
        2025: {**_poverty(22, 71, 71, 0, 0, 3380), **_income(782500 / 84, 9000, 3, 7600)},
        2026: {**_poverty(22, 71, 71, 0, 0, 3100), **_income(903500 / 94, 9500, 6, 7900)},
    },
}
# Incidence after 2020 is asserted by test_incidence_after_2020_is_not_applicable.
AFTER_2020 = ("poverty_incidence",)


def _month(monitored, types, people, eliminated, timely, covered, population, pending=1):
    unresolved = monitored - eliminated
    return {"hh_monitored": monitored, "hh_type1": types[0], "hh_type2": types[1],
            "hh_type3": types[2], "pp_monitored": people, "hh_eliminated": eliminated,
            "hh_unresolved": unresolved, "hh_pending": pending,
            "risk_eliminated_rate": eliminated / monitored,
            "identification_timeliness": timely / monitored,
            "measure_coverage": covered / monitored,
            "hh_monitored_per_1000": 1000 * monitored / population,
            "hh_unresolved_per_1000": 1000 * unresolved / population}


MONTHS: dict[str, dict[dt.date, dict]] = {
    VILLAGE: {OCT: _month(4, (1, 1, 2), 11, 2, 3, 3, 800),
              SEP: _month(3, (1, 1, 1), 9, 2, 2, 3, 800)},
    TOWNSHIP: {OCT: _month(7, (2, 2, 3), 21, 3, 5, 6, 1700),
               SEP: _month(5, (2, 1, 2), 17, 2, 3, 5, 1700)},
    COUNTY: {OCT: _month(9, (3, 3, 3), 27, 4, 6, 8, 2400),
             SEP: _month(7, (3, 2, 2), 23, 3, 4, 7, 2400)},
    PROVINCE: {OCT: _month(12, (4, 4, 4), 38, 6, 9, 11, 3100),
               SEP: _month(10, (4, 3, 3), 34, 5, 7, 10, 3100)},
}
# Measure coverage is asserted by test_measure_coverage (issue #16).
COVERAGE = ("measure_coverage",)

# What the cards show (the formatting of components/kpi.py's callers), as of the
# as-of year and month. Ratios: one decimal of a percentage; per 1,000: two decimals;
# yuan: whole, with separators.
#   village  mean 295000/31 = 9516.13; T1 487000/52 = 9365.38; C1 640500/67 = 9559.70;
#   province 903500/94 = 9611.70.  per 1,000: T1 7000/1700 = 4.118, 4000/1700 = 2.353;
#   C1 5000/2400 = 2.083; province 12000/3100 = 3.871, 6000/3100 = 1.935.
#   rates: 3/7 = 42.86%, 4/9 = 44.44%, 5/7 = 71.43%, 6/9 = 66.67%.
REGION_CARDS = {
    VILLAGE: {"hh_registered": "7", "hh_not_exited": "0", "pp_not_exited": "0",
              "hh_monitored": "4", "hh_unresolved": "2", "risk_eliminated_rate": "50.0%",
              "hh_monitored_per_1000": "5.00", "hh_unresolved_per_1000": "2.50",
              "identification_timeliness": "75.0%", "hh_below_monitoring_line": "2",
              "inc_mean_per_capita": "9,516", "inc_median_per_capita": "9,250"},
    TOWNSHIP: {"hh_registered": "12", "hh_not_exited": "0", "pp_not_exited": "0",
               "hh_monitored": "7", "hh_unresolved": "4", "risk_eliminated_rate": "42.9%",
               "hh_monitored_per_1000": "4.12", "hh_unresolved_per_1000": "2.35",
               "identification_timeliness": "71.4%", "hh_below_monitoring_line": "4",
               "inc_mean_per_capita": "9,365", "inc_median_per_capita": "9,500"},
    COUNTY: {"hh_registered": "16", "hh_not_exited": "0", "pp_not_exited": "0",
             "hh_monitored": "9", "hh_unresolved": "5", "risk_eliminated_rate": "44.4%",
             "hh_monitored_per_1000": "3.75", "hh_unresolved_per_1000": "2.08",
             "identification_timeliness": "66.7%", "hh_below_monitoring_line": "5",
             "inc_mean_per_capita": "9,560", "inc_median_per_capita": "9,500"},
    PROVINCE: {"hh_registered": "22", "hh_not_exited": "0", "pp_not_exited": "0",
               "hh_monitored": "12", "hh_unresolved": "6", "risk_eliminated_rate": "50.0%",
               "hh_monitored_per_1000": "3.87", "hh_unresolved_per_1000": "1.94",
               "identification_timeliness": "75.0%", "hh_below_monitoring_line": "6",
               "inc_mean_per_capita": "9,612", "inc_median_per_capita": "9,500"},
}
# The overview's cards (poverty incidence aside, see above), as of 2026 / 2026-10, and
# for 2019 (no monitoring month: 2019-12 precedes the monitoring era, so "—"; no line).
#   incidence 2019: 7/1000 = 0.70%, 7/2100 = 0.33%, 10/2900 = 0.34%, 15/3700 = 0.41%.
OVERVIEW_CARDS = {
    VILLAGE: {"hh_registered": "7", "pp_registered": "22", "pp_exited": "22",
              "pp_not_exited": "0", "hh_monitored": "4", "risk_eliminated_rate": "50.0%",
              "hh_below_monitoring_line": "2"},
    TOWNSHIP: {"hh_registered": "12", "pp_registered": "38", "pp_exited": "38",
               "pp_not_exited": "0", "hh_monitored": "7", "risk_eliminated_rate": "42.9%",
               "hh_below_monitoring_line": "4"},
    COUNTY: {"hh_registered": "16", "pp_registered": "50", "pp_exited": "50",
             "pp_not_exited": "0", "hh_monitored": "9", "risk_eliminated_rate": "44.4%",
             "hh_below_monitoring_line": "5"},
    PROVINCE: {"hh_registered": "22", "pp_registered": "71", "pp_exited": "71",
               "pp_not_exited": "0", "hh_monitored": "12", "risk_eliminated_rate": "50.0%",
               "hh_below_monitoring_line": "6"},
}
OVERVIEW_CARDS_2019 = {
    VILLAGE: {"hh_registered": "7", "pp_registered": "22", "pp_exited": "15",
              "pp_not_exited": "7", "poverty_incidence": "0.7%"},
    TOWNSHIP: {"hh_registered": "12", "pp_registered": "38", "pp_exited": "31",
               "pp_not_exited": "7", "poverty_incidence": "0.3%"},
    COUNTY: {"hh_registered": "16", "pp_registered": "50", "pp_exited": "40",
             "pp_not_exited": "10", "poverty_incidence": "0.3%"},
    PROVINCE: {"hh_registered": "22", "pp_registered": "71", "pp_exited": "56",
               "pp_not_exited": "15", "poverty_incidence": "0.4%"},
}

# Rows per warehouse table: the data rows of each file (every row is clean).
ROWS = {"household": 30, "person": 94, "income": 83, "measure": 30, "unit": 6, "cadre": 9,
        "pairing": 31, "village": 7, "population": 78, "monitoring": 13,
        "monitoring_risk": 22, "condition_gap": 9, "dept_medical": 3, "dept_education": 3,
        "dept_disaster": 6, "dept_vehicle": 3, "dept_business": 1, "dept_payroll": 1,
        "dept_property": 1, "dept_death": 1, "dept_tax": 1}


# ----------------------------------------------------------------- helpers
def _missing(v) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _same(actual, expected) -> bool:
    """Exact equality for whole numbers, rel 1e-9 for a ratio; None is no data."""
    if expected is None:
        return _missing(actual)
    if _missing(actual):
        return False
    if isinstance(expected, float) and not expected.is_integer():
        return float(actual) == pytest.approx(expected, rel=1e-9)
    return float(actual) == float(expected)


_ABSENT = "<no such column>"


def _differences(got: dict, want: dict) -> dict:
    """column -> (got, expected) for every expected column that differs or is absent."""
    return {k: (got.get(k, _ABSENT), v) for k, v in want.items()
            if k not in got or not _same(got[k], v)}


def _row(series) -> dict:
    return {} if series is None else series.to_dict()


# ----------------------------------------------------------------- the data itself
def _read(name: str) -> list[dict]:
    with open(TINY / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_manifest_lists_every_file_with_its_rows_and_digest():
    manifest = json.loads((TINY / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["layout"], manifest["version"], manifest["kind"], manifest["as_of"]) \
        == ("jingzhun-registry", 1, "full", "2026-10-31")
    on_disk = {p.name for p in TINY.iterdir()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    for name, entry in manifest["files"].items():
        data = (TINY / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), \
            f"{name}: run tests/data/make_manifest.py tests/data/registry_tiny"
        assert entry["rows"] == len(_read(name)), name


# Codes a village-level row cannot carry: the region table gives these kinds to the
# units above the villages (divisions.csv), the villages file has level-5 units only.
NOT_APPLICABLE = {"kind": {"province", "city", "county", "township"}}


def test_every_code_of_every_code_table_is_used_and_valid():
    from etl import codes, layout

    used: dict[str, set[str]] = {}
    for f in layout.ALL:
        path = TINY / f"{f.name}.csv"
        if not path.exists():
            continue
        rows = _read(path.name)
        assert set(rows[0]) <= set(f.by_name), f"{f.name}: unknown columns"
        assert {c.name for c in f.columns if c.required} <= set(rows[0]), f.name
        for c in f.columns:
            if c.type != "code" or c.name not in rows[0]:
                continue
            values = {r[c.name] for r in rows if r[c.name] != ""}
            valid = {str(k) for k in codes.CODES[c.domain]}
            assert values <= valid, (f.name, c.name, values - valid)
            used.setdefault(c.domain, set()).update(values)
    domains = {c.domain for f in layout.ALL for c in f.columns if c.type == "code"}
    for domain in sorted(domains):
        every = {str(k) for k in codes.CODES[domain]} - NOT_APPLICABLE.get(domain, set())
        assert every <= used.get(domain, set()), (domain, every - used.get(domain, set()))


def _check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def test_id_numbers_agree_with_county_birth_date_and_sex():
    households = {r["household_no"]: r for r in _read("households.csv")}
    members = _read("members.csv")
    for m in members:
        n = m["id_number"]
        assert len(n) == 18 and _check_digit(n[:17]) == n[17], n
        assert n[:6] == households[m["household_no"]]["village_code"][:6], n
        assert n[6:14] == m["birth_date"].replace("-", ""), n
        assert int(n[16]) % 2 == (1 if m["sex"] == "1" else 0), n
    for name in ("dept_death", "dept_medical", "dept_education", "dept_disaster",
                 "dept_vehicle", "dept_business", "dept_payroll", "dept_property",
                 "dept_tax"):
        for r in _read(f"{name}.csv"):
            assert _check_digit(r["id_number"][:17]) == r["id_number"][17], (name, r)


def test_registered_members_were_born_before_registration():
    """The premise that makes the people counts above definition-proof (issue #16)."""
    households = {r["household_no"]: r for r in _read("households.csv")}
    for m in _read("members.csv"):
        h = households[m["household_no"]]
        if h["is_registered"] == "是":
            assert int(m["birth_date"][:4]) < int(h["identify_year"]), m


# ----------------------------------------------------------------- the load
@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    registry = pytest.importorskip("etl.registry")
    if not hasattr(registry, "load"):
        pytest.skip("etl.registry.load is not written yet")
    out = tmp_path_factory.mktemp("registry_tiny") / "warehouse.duckdb"
    report = out.with_name("report.csv")
    result = registry.load(TINY, out=out, report=report)
    return out, result, report


@pytest.fixture(scope="module")
def db(loaded):
    con = duckdb.connect(str(loaded[0]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def wh(loaded):
    from queries.runner import Warehouse

    return Warehouse(loaded[0], cache_dir=None, reload_seconds=3600)


@pytest.fixture(scope="module")
def scope():
    from queries.scope import Scope

    return Scope("province_leader", "leader", PROVINCE)


def test_load_rejects_nothing(loaded):
    _, result, report = loaded
    rejected = result.rejected  # a count, or the reported rows
    n = rejected if isinstance(rejected, int) else len(rejected)
    reported = []
    if report.exists():  # an empty report has its header only
        with open(report, encoding="utf-8-sig", newline="") as f:
            reported = list(csv.reader(f))[1:]
    assert (n, reported) == (0, [])


def test_row_counts(loaded, db):
    got = {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in ROWS}
    assert got == ROWS
    # The load's own summary says the same: every row of every file accepted.
    files = getattr(loaded[1], "files", None)
    if files:
        from etl import layout

        table = {f.name: f.table for f in layout.ALL}
        assert {table[k]: v["accepted"] for k, v in files.items()} == ROWS
        assert {v["rejected"] for v in files.values()} == {0}


def test_data_version(db):
    as_of, = db.execute("select as_of from data_version").fetchone()
    assert as_of == dt.date(2026, 10, 31)


def test_the_pages_can_read_the_data_version(wh):
    """Every page starts with queries.api.data_version; a province's own delivery has no
    generator (seed, scale), so the version must read without one."""
    from queries import api

    v = api.data_version(wh)
    assert (v.as_of, v.last_year, v.last_month) == (dt.date(2026, 10, 31), 2026, OCT)
    # Not the generator's: the header and the login page do not call it synthetic.
    assert (v.scale, v.synthetic) == (None, False)


def test_the_header_calls_only_the_generators_data_synthetic():
    from components import shell

    viewer = shell.Viewer("x", "leader", "陕西省", PROVINCE)

    def badge(synthetic: bool) -> bool:
        return "shell-synthetic" in str(shell.header(viewer, "zh", None, synthetic))

    assert (badge(True), badge(False)) == (True, False)


def test_what_the_loader_derives(db):
    """The derived columns the cards are made of (docs/registry.md §6)."""
    hh = {r[0]: r[1:] for r in db.execute(
        "select household_no, members, village_code, township_code, county_code, city_code, "
        "no_labour, per_capita_income::double, cadre_id from household").fetchall()}
    assert hh["6109241012000003"] == (5, VILLAGE, TOWNSHIP, COUNTY, "610900000000", False,
                                      10000.0, 3)
    assert hh["6101241082000004"] == (5, "610124108200", "610124108000", "610124000000",
                                      "610100000000", False, 9500.0, 8)
    # No labour: every member's labour is 4 (lost) or 5 (none).
    assert {k for k, v in hh.items() if v[5]} == {
        "6109241012000004", "6109241012000010", "6109241022000002"}
    # The current pairing that started last; none when the only pairing ended.
    assert hh["6109241012000001"][7] == 3  # 2 until 2018-12-31, then 3
    assert hh["6101241082000002"][7] == 8  # 7 until 2019-12-31, then 8
    assert hh["6109241012010002"][7] is None  # 3 until 2020-12-31
    assert hh["6109241012000009"][7] is None  # never paired
    assert sum(v[0] for v in hh.values()) == 94
    ages = dict(db.execute("select name, age from person where name in "
                           "('张建国', '钱程', '丁一', '陈翠英')").fetchall())
    # As of 2026-10-31: 1968-03-12 -> 58; 2007-11-11 -> 18 (birthday not yet);
    # 2022-02-22 -> 4; 1936-09-09 -> 90.
    assert ages == {"张建国": 58, "钱程": 18, "丁一": 4, "陈翠英": 90}
    mon = {r[0]: r[1:] for r in db.execute(
        "select monitoring_id, state, risk_count, main_risk, fast_elimination, village_code "
        "from monitoring").fetchall()}
    # state: 1 warned, awaiting approval; 2 identified, risk not eliminated; 3 eliminated.
    assert {k: v[0] for k, v in mon.items()} == {
        1: 3, 2: 2, 3: 3, 4: 1, 5: 2, 6: 2, 7: 3, 8: 2, 9: 3, 10: 2, 11: 3, 12: 2, 13: 3}
    assert {k: v[1] for k, v in mon.items()} == {
        1: 2, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2, 7: 1, 8: 2, 9: 1, 10: 2, 11: 2, 12: 2, 13: 1}
    assert {k: v[2] for k, v in mon.items()} == {
        1: 1, 2: 5, 3: 7, 4: 4, 5: 2, 6: 9, 7: 6, 8: 3, 9: 1, 10: 1, 11: 4, 12: 1, 13: 7}
    # Eliminated through assistance within 61 days of identification: none (the
    # quickest, M13, took 2022-03-10 -> 2023-06-30).
    assert not any(v[3] for v in mon.values())
    assert mon[5][4] == VILLAGE and mon[12][4] == "610124108200"
    # per_capita = net_income / members, to the cent.
    pc = db.execute("select per_capita::double from income as i join household as h "
                    "using (household_id) where h.household_no = '6109241012000007' "
                    "and i.year = 2019").fetchone()[0]
    assert pc == 3600.0  # 10800 / 3


# ----------------------------------------------------------------- the cards
def _overview(wh, scope, code, year):
    from queries import api

    return api.overview(wh, scope, code, year)


@pytest.mark.parametrize("code", UNITS)
def test_overview_year_cards(wh, scope, code):
    """The overview's yearly figures: as of 2026 (the default) with 2025 for the change,
    and 2019 with 2018 (the poverty era)."""
    ov = _overview(wh, scope, code, None)
    assert (ov.year, ov.month) == (2026, OCT)
    for year in (2026, 2025):
        want = {k: v for k, v in YEARS[code][year].items() if k not in AFTER_2020}
        assert _differences(_row(ov.year_row(year)), want) == {}, (code, year)
    ov = _overview(wh, scope, code, 2019)
    assert (ov.year, ov.month) == (2019, dt.date(2019, 12, 1))
    for year in (2019, 2018):
        assert _differences(_row(ov.year_row(year)), YEARS[code][year]) == {}, (code, year)
    assert ov.month_row(ov.month) is None  # no monitoring month before 2020


@pytest.mark.parametrize("code", UNITS)
def test_overview_month_cards(wh, scope, code):
    """Monitoring figures at the end of the as-of month and of the month before."""
    ov = _overview(wh, scope, code, None)
    for month in (OCT, SEP):
        want = {k: v for k, v in MONTHS[code][month].items() if k not in COVERAGE}
        assert _differences(_row(ov.month_row(month)), want) == {}, (code, month)


@pytest.mark.parametrize("code", UNITS)
def test_overview_cards_as_shown(wh, scope, code):
    from components import overview as view

    shown = {k.key: k.value for k in view.cards(_overview(wh, scope, code, None))}
    assert {k: shown.get(k) for k in OVERVIEW_CARDS[code]} == OVERVIEW_CARDS[code]
    shown = {k.key: k.value for k in view.cards(_overview(wh, scope, code, 2019))}
    assert {k: shown.get(k) for k in OVERVIEW_CARDS_2019[code]} == OVERVIEW_CARDS_2019[code]
    assert (shown["hh_monitored"], shown["risk_eliminated_rate"],
            shown["hh_below_monitoring_line"]) == ("—", "—", "—")


def _region_cards(wh, scope, code, year=None):
    """indicator key -> (current, previous) as the region page's card takes them."""
    from components import region as view
    from queries import api
    from queries.indicators import INDICATORS

    v = api.region_view(wh, scope, code, year, None)
    return v, {key: view._current_and_previous(v, ind) for key, ind in INDICATORS.items()}


def _expected_card(code, ind, year_now, year_before):
    if ind.period == "year":
        return YEARS[code][year_now].get(ind.column), YEARS[code][year_before].get(ind.column)
    return MONTHS[code][OCT][ind.column], MONTHS[code][SEP][ind.column]


@pytest.mark.parametrize("code", UNITS)
def test_region_cards_for_every_indicator(wh, scope, code):
    """Every indicator a user can choose on the region page: its card's figure and the
    one it is compared with, as of 2026 / 2026-10, and for 2019 (poverty era)."""
    from queries.indicators import INDICATORS

    for year, before in ((None, None), (2019, 2018)):
        v, cards = _region_cards(wh, scope, code, year)
        assert (v.year, v.month) == (year or 2026, OCT)
        wrong = {}
        for key, ind in INDICATORS.items():
            if ind.column in COVERAGE or (year is None and ind.column in AFTER_2020):
                continue
            want = _expected_card(code, ind, year or 2026, before or 2025)
            got = cards[key]
            if not (_same(got[0], want[0]) and _same(got[1], want[1])):
                wrong[key] = (got, want)
        assert wrong == {}, (code, year)


@pytest.mark.parametrize("code", UNITS)
def test_region_cards_as_shown(wh, scope, code):
    from components import region as view
    from queries import api
    from queries.indicators import INDICATORS

    v = api.region_view(wh, scope, code, None, None)
    shown = {k: view.card_for(v, INDICATORS[k]).value for k in REGION_CARDS[code]}
    assert shown == REGION_CARDS[code]
    # The page's default set: the chosen indicator, then the core figures.
    keys = [k.key for k in view.cards(v, INDICATORS["hh_monitored_per_1000"])]
    assert keys == ["hh_monitored_per_1000", "hh_registered", "hh_not_exited", "hh_monitored"]


# ----------------------------------------------------------------- known wrong definitions
@pytest.mark.parametrize("code", UNITS)
def test_measure_coverage(wh, scope, code):
    """Monitored households with at least one measure in place (domain.md §4) ÷
    monitored households; equal here to the lifecycle's assisted ÷ identified. An
    identified household with no monitoring measure (M5, H10 6109241012000010,
    identified 2026-10-09) is not covered: 3/4 (village), 6/7, 8/9, 11/12 in 2026-10
    (issue #16: greatest(identify_date, first_measure) skipped the NULL and gave 1.0)."""
    _, cards = _region_cards(wh, scope, code)
    want = (MONTHS[code][OCT]["measure_coverage"], MONTHS[code][SEP]["measure_coverage"])
    got = cards["measure_coverage"]
    assert _same(got[1], want[1]), (code, "2026-09", got, want)  # no uncovered yet
    assert _same(got[0], want[0]), (code, "2026-10", got, want)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "issue #16: after 2020 there is no poverty line and no one registered is still "
    "poor; incidence is 'not applicable' (no data), but views.sql gives 0 / population "
    "= 0.0, shown as 0.0%"))
@pytest.mark.parametrize("code", UNITS)
def test_incidence_after_2020_is_not_applicable(wh, scope, code):
    ov = _overview(wh, scope, code, None)
    got = [_row(ov.year_row(y))["poverty_incidence"] for y in (2026, 2025)]
    assert all(_missing(v) for v in got), (code, got)
