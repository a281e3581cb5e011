"""The hand-written tiny registry (tests/data/registry_tiny) loads through etl.registry,
and every card of the overview and region pages shows the figure worked out by hand.

Nothing below is computed by the code under test: the expected values come from the
files and the written definitions (docs/indicators.md, docs/registry.md), with the
arithmetic shown. Cards are read through the functions the pages use (queries.api
overview / region_view, components.overview.cards, components.region); the other
figures from the warehouse tables the pages read.

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

Households (household_no = village code + 4 digits; H05 = 6109241012000005). "mem" is
the current members (no left_date); the members who joined or left are listed below.

    H   village mem  reg type identify exit  monitoring record (type, state)
    H01 V1      4    yes 1    2014     2016
    H02 V1      4    yes 2    2014     2017  M14 type 1, checked 2026-09-08, not included
    H03 V1      4    yes 1    2015     2018
    H04 V1      1    yes 3    2014     2019
    H05 V1      3    yes 1    2016     2020  M1  type 1, eliminated 2022-06
    H06 V1      2    yes 1    2015     2019  M2  type 3, not eliminated
    H07 V1      3    yes 2    2016     2020  M15 type 1, checked 2026-10-02, not included
    H08 V1      3    no  9                   M3  type 2, eliminated 2023-03
    H09 V1      4    no  9                   M4  type 2, warned 2026-10-20, pending
    H10 V1      2    no  9                   M5  type 3, identified 2026-10-09, no measure
    H11 V2      5    yes 1    2014     2016
    H12 V2      2    yes 1    2015     2017
    H13 V2      2    yes 2    2016     2018  M16 type 1, checked 2025-06-04, not included
    H14 V2      4    yes 1    2014     2019  M6  type 1, not eliminated
    H15 V2      3    no  9                   M7  type 3, eliminated 2026-10-15
    H16 V3      2    yes 1    2015     2017
    H17 V3      2    no  9                   M8  type 2, identified 2026-10-16
    H18 V4      5    yes 1    2014     2018
    H19 V4      1    yes 3    2016     2019
    H20 V4      3    yes 1    2015     2020  M9  type 1, eliminated 2021-12
    H21 V4      4    yes 2    2014     2017  M17 type 3, checked 2024-08-07, not included
    H22 V4      3    no  9                   M10 type 2, not eliminated
    H23 V5      3    yes 1    2014     2016
    H24 V5      3    yes 1    2015     2019
    H25 V5      2    yes 2    2016     2020  M18 type 1, checked 2026-10-28, not included
    H26 V5      5    yes 1    2014     2018  M11 type 1, eliminated 2022-09
    H27 V5      2    no  9                   M12 type 3, not eliminated
    H28 V6      3    yes 1    2015     2020
    H29 V6      4    yes 1    2016     2019
    H30 V6      4    no  9                   M13 type 2, eliminated 2023-06

Dated membership (members.csv: joined_date / join_reason, left_date / left_reason). 97
people are listed, 92 of them current members. Everyone else was a member since before
the household was identified (the four members of H01 say so: join_reason 1).

    who            H    event                                     present at the end of
    王小宝 (b. 2018-03-08) H02  born (join 2, no joined_date: since birth)  2018 on
    陈福            H03  died 2019-08-20 (leave 1; dept_death too)   2015-2018 only
    郭燕            H11  married in 2017-10-01 (join 3)               2017 on
    高玉兰          H18  moved in 2020-03-15 (join 4)                 2020 on
    毛丹            H29  joined 2019-06-01 (join 9, other)            2019 on (not 2016-18)
    韦德            H14  died 2023-02-10 (leave 1; dept_death too)   until 2022
    周小红          H05  married out 2024-10-01 (leave 2)             until 2023
    曹阳            H12  moved out 2025-09-01 (leave 3)               until 2024
    贺斌            H24  left 2026-03-01 (leave 9, other)             until 2025

So the people present at the end of a year differ from today's members for: H02 3 until
2017, 4 from 2018; H03 5 until 2018, 4 from 2019; H05 4 until 2023, 3 from 2024; H11 4
until 2016, 5 from 2017; H12 3 until 2024, 2 from 2025; H14 5 until 2022, 4 from 2023;
H18 4 until 2019, 5 from 2020; H24 4 until 2025, 3 in 2026; H29 3 in 2016-2018, 4 from
2019. Every other household has its current members in every year. income.members of a
year is the number present at its end (per capita unchanged, net = per capita x members).

Rural registered population (population.csv): 2014–2020 / 2021–2025 / 2026
    V1 1000/900/800  V2 600/550/500  V3 500/400/400  V4 800/750/700  V5 500/480/450
    V6 300/300/250
    T1 = V1+V2+V3: 2019 2100, 2025 1850, 2026 1700
    C1 = T1+V4:    2019 2900, 2025 2600, 2026 2400
    province = C1+V5+V6: 2019 3700, 2025 3380, 2026 3100

Lines (data/reference/lines.csv): poverty line 2014-2020 only; monitoring line 2025
7,600, 2026 7,900; none before 2020 (so "below the monitoring line" is no data in 2018
and 2019, and poverty incidence is not applicable after 2020).

EXPECT — registered poverty (year cards; hh = households, pp = people)
=======================================================================
hh_registered(y) = registered households with identify_year <= y; pp the people of
those households present at the end of y; exited: exit_year <= y; not exited =
registered - exited; incidence = pp_not_exited / rural population of the year (2014-2020
only: NULL after 2020).

V1: registered 2014 H01,H02,H04 (4+3+1 = 8 pp); 2015 +H03,H06; 2016+ +H05,H07: 7 hh.
    2018: H01 4, H02 4 (王小宝), H03 5, H04 1, H05 4, H06 2, H07 3 = 23 pp
          exited by 2018: H01 4 + H02 4 + H03 5 = 13 pp (3 hh) -> not exited 4 hh, 10 pp
    2019: 23 - 陈福 = 22 pp; exited by 2019: H01 4 + H02 4 + H03 4 + H04 1 + H06 2 = 15
          (5 hh) -> not exited 2 hh (H05 4, H07 3), 7 pp
    2025 and 2026: 22 - 周小红 = 21 pp, all exited.
    incidence 2018 = 10/1000, 2019 = 7/1000.
T1 = V1 + V2 (H11, H12, H13 2, H14) + V3 (H16 2): 12 hh.
    2018: V2 H11 5 + H12 3 + H13 2 + H14 5 = 15, V3 2 -> 23 + 15 + 2 = 40 pp
          exited by 2018: V1 13 + H11 5 + H12 3 + H13 2 + H16 2 = 25 (7 hh) -> 5 hh, 15 pp
    2019: 22 + 15 + 2 = 39 pp; exited by 2019: 15 + 15 + 2 = 32 (10 hh) -> 2 hh, 7 pp
    2025 and 2026: V2 H11 5 + H12 2 + H13 2 + H14 4 = 13 -> 21 + 13 + 2 = 36 pp.
    incidence 2018 = 15/2100, 2019 = 7/2100.
C1 = T1 + V4 (H18, H19 1, H20 3, H21 4): 16 hh.
    2018: V4 4 + 1 + 3 + 4 = 12 -> 52 pp; exited by 2018: 25 + H18 4 + H21 4 = 33 (9 hh)
          -> 7 hh, 19 pp
    2019: 39 + 12 = 51 pp; exited by 2019: 32 + 4 + 4 + H19 1 = 41 (13 hh) -> 3 hh
          (H05, H07, H20), 10 pp
    2025 and 2026: V4 H18 5 (高玉兰) + 1 + 3 + 4 = 13 -> 36 + 13 = 49 pp.
    incidence 2018 = 19/2900, 2019 = 10/2900.
province = C1 + V5 (H23 3, H24, H25 2, H26 5) + V6 (H28 3, H29): 22 hh.
    2018: V5 3 + 4 + 2 + 5 = 14, V6 3 + 3 (毛丹 not yet) = 6 -> 52 + 14 + 6 = 72 pp
          exited by 2018: 33 + H23 3 + H26 5 = 41 (11 hh) -> 11 hh, 31 pp
    2019: V6 3 + 4 = 7 -> 51 + 14 + 7 = 72 pp; exited by 2019: 41 + 3 + 5 + H24 4 + H29 4
          = 57 (17 hh) -> 5 hh, 15 pp
    2025: 49 + 14 + 7 = 70 pp; 2026: H24 3 (贺斌 gone) -> 49 + 13 + 7 = 69 pp.
    incidence 2018 = 31/3700, 2019 = 15/3700.
2014 (registrations only): V1 3 hh 8 pp; T1 + H11 4 + H14 5 = 5 hh 17 pp; C1 + H18 4 +
H21 4 = 7 hh 25 pp; province + H23 3 + H26 5 = 9 hh 33 pp; nobody exited.
2025 and 2026: everyone registered has exited: pp_exited = pp_registered, 0 not exited.

EXPECT — income (year cards)
============================
Per-capita income (pc, yuan) chosen per household; net_income = pc x income.members, so
per_capita = net / members exactly. Rows exist for 2019 (registered households), 2025
and 2026 (every household existing then; new monitoring households from their warning
year), plus elimination-year rows 2021-2023 that no card tested here reads. "mem" is
income.members (the people present at the year's end), by year.

    H    mem 19/25/26  2019   2025   2026      H    mem 19/25/26  2019   2025   2026
    H01  4/4/4         6000  12000  13000      H16  2/2/2         5000   9000  10000
    H02  4/4/4         5000  10000  11000      H17  -/-/2            -      -   6000
    H03  4/4/4         5000   9000  10000      H18  4/5/5         6000  12000  12500
    H04  1/1/1         4000   8000   9000      H19  1/1/1         4000   8000   8500
    H05  4/3/3         3500   9000   9500      H20  3/3/3         3000   9000  10000
    H06  2/2/2         4500   8000   7000      H21  4/4/4         5000  10000  11000
    H07  3/3/3         3600   8500   9000      H22  -/3/3            -   7000   7000
    H08  -/3/3            -   9000  10000      H23  3/3/3         6500  11000  12000
    H09  -/-/4            -      -   8000      H24  4/4/3         4500  10000  10000
    H10  -/-/2            -      -   5000      H25  2/2/2         3200   8000   9000
    H11  5/5/5         6000  11000  12000      H26  5/5/5         5000   9000   9500
    H12  3/2/2         5500  10000  10500      H27  -/-/2            -      -   6500
    H13  2/2/2         5000   9000   9500      H28  3/3/3         3400   9000   9500
    H14  5/4/4         4000   7000   7500      H29  4/4/4         4000  10000  11000
    H15  -/3/3            -   7000   8000      H30  -/4/4            -   9000   9000

mean = sum(net_income) / sum(members) (people-weighted); median = median of the rows'
per_capita (the mean of the two middle ones for an even count); below = rows with
per_capita < the year's monitoring line. The per-capita incomes are those of before
the dated membership, so the medians and the counts below the line are unchanged;
the means move with the members.

V1 2019: nets 24000+20000+20000+4000+14000+9000+10800 = 101800 over 4+4+4+1+4+2+3 = 22;
         pcs 3500 3600 4000 [4500] 5000 5000 6000 -> median 4500.
V1 2025: nets 48000+40000+36000+8000+27000+16000+25500+27000 = 227500 over
         4+4+4+1+3+2+3+3 = 24; pcs 8000 8000 8500 9000 | 9000 9000 10000 12000 -> median
         9000; below 7600: none.
V1 2026: nets 52000+44000+40000+9000+28500+14000+27000+30000+32000+10000 = 286500 over 30
         = 9550; pcs 5000 7000 8000 9000 9000 | 9500 10000 10000 11000 13000 ->
         (9000+9500)/2 = 9250; below 7900: H06 7000, H10 5000 -> 2.
T1 2019: + V2 30000+16500+10000+20000 = 76500 (15 pp) + V3 10000 (2 pp)
         = 188300 / 39; 12 pcs: 3500 3600 4000 4000 4500 5000 | 5000 5000 5000 5500 6000
         6000 -> 5000.
T1 2025: + V2 55000+20000+18000+28000+21000 = 142000 (16 pp) + V3 18000 (2 pp)
         = 387500 / 42; 14 pcs: 7000 7000 8000 8000 8500 9000 9000 | 9000 ... -> 9000;
         below 7600: H14 7000, H15 7000 -> 2.
T1 2026: + V2 60000+21000+19000+30000+24000 = 154000 (16 pp) + V3 20000+12000 (4 pp)
         = 472500 / 50 = 9450; 17 pcs: 5000 6000 7000 7500 8000 8000 9000 9000 [9500] 9500
         10000 10000 10000 10500 11000 12000 13000 -> 9500;
         below 7900: H06, H10, H14 7500, H17 6000 -> 4.
C1 2019: + V4 24000+4000+9000+20000 = 57000 (12 pp) = 245300 / 51;
         16 pcs: 3000 3500 3600 4000 4000 4000 4500 5000 | 5000 ... -> 5000.
C1 2025: + V4 60000+8000+27000+40000+21000 = 156000 (16 pp) = 543500 / 58;
         19 pcs: 7000x3 8000x3 8500 [9000]x6 ... (10th is a 9000) -> 9000;
         below 7600: 2 + H22 7000 -> 3.
C1 2026: + V4 62500+8500+30000+44000+21000 = 166000 (16 pp) = 638500 / 66;
         22 pcs: 5000 6000 7000 7000 7500 8000 8000 8500 9000 9000 9500 | 9500 10000x4
         10500 11000 11000 12000 12500 13000 -> 9500; below 7900: 4 + H22 -> 5.
province 2019: + V5 19500+18000+6400+25000 = 68900 (14 pp) + V6 10200+16000 = 26200
         (7 pp) = 340400 / 72; 22 pcs: 3000 3200 3400 3500 3600 4000x4 4500 4500 | 5000x6
         5500 6000x3 6500 -> (4500+5000)/2 = 4750.
province 2025: + V5 33000+40000+16000+45000 = 134000 (14 pp) + V6 27000+40000+36000
         = 103000 (11 pp) = 780500 / 83; 26 pcs: 7000x3 8000x4 8500 9000x9 10000x5
         11000x2 12000x2 -> 13th and 14th are 9000 -> 9000; below 7600: 3.
province 2026: + V5 36000+30000+18000+47500+13000 = 144500 (15 pp) + V6 28500+44000
         +36000 = 108500 (11 pp) = 891500 / 92; 30 pcs: 5000 6000 6500 7000 7000 7500
         8000 8000 8500 9000x4 9500x4 10000x5 ... -> 15th and 16th are 9500 -> 9500;
         below 7900: 5 + H27 6500 -> 6.
(The people of the income rows of 2019 are those of pp_registered 2019, and of 2026 the
92 current members: everyone has a 2026 row.)
2018: no income rows: mean, median and below-the-line are no data (None).

EXPECT — monitoring (month cards, as of each month's end)
=========================================================
hh_monitored = records identified by the month's end (eliminated ones stay monitoring
objects), by type; people = the members present on the identification day;
eliminated = eliminated by then; unresolved = monitored - eliminated; rate = eliminated
/ monitored; timeliness = identified within 15 days of the warning / monitored; per
1,000 = 1000 x households / rural population of the month's year; coverage = monitored
households with a monitoring measure (for_monitoring) started by the month's end /
monitored.

    M    H    unit type warned      identified  days  first measure  eliminated   pp
    M1   H05  V1   1    2021-03-01  2021-03-15  14    2021-04-01     2022-06-30 (1) 4
    M2   H06  V1   3    2025-11-03  2025-11-25  22    2025-12-10     -              2
    M3   H08  V1   2    2022-05-09  2022-05-20  11    2022-06-01     2023-03-15 (2) 3
    M4   H09  V1   2    2026-10-20  -           -     -              -   (pending)
    M5   H10  V1   3    2026-09-28  2026-10-09  11    - (none)       -              2
    M6   H14  V2   1    2024-04-01  2024-04-26  25    2024-05-10     -              4
    M7   H15  V2   3    2023-07-03  2023-07-14  11    2023-07-20     2026-10-15 (1) 3
    M8   H17  V3   2    2026-10-05  2026-10-16  11    2026-10-25     -              2
    M9   H20  V4   1    2020-06-01  2020-06-12  11    2020-07-01     2021-12-20 (2) 3
    M10  H22  V4   2    2025-02-10  2025-02-28  18    2025-03-15     -              3
    M11  H26  V5   1    2021-08-02  2021-08-13  11    2021-09-01     2022-09-30 (1) 5
    M12  H27  V5   3    2026-06-01  2026-06-15  14    2026-09-20     -              2
    M13  H30  V6   2    2022-03-01  2022-03-10   9    2022-03-20     2023-06-30 (1) 4
(The county decision is on the same side of 15 days as the identification each time.
People on the identification day: M1 4 (周小红 left only in 2024); M6 4,
not 5 (韦德 died in 2023, before the identification).)
check_result: 1 for the identified records (left empty for M9 and M11: read as 1),
empty for M4 (checked 2026-10-22, undecided); 2 for the five records checked and not
included, each with another exclude_reason:

    M    H    unit type warned      checked     exclude_reason
    M14  H02  V1   1    2026-09-03  2026-09-08  1 人均纯收入高于监测范围
    M15  H07  V1   1    2026-09-25  2026-10-02  2 风险已化解
    M16  H13  V2   1    2025-06-02  2025-06-04  3 家庭有稳定收入或较多资产 (village review
                                                  2025-06-09; a risk row, 因病)
    M17  H21  V4   3    2024-08-05  2024-08-07  4 信息有误
    M18  H25  V5   1    2026-10-26  2026-10-28  9 其他

V1 2026-10: monitored M1 M2 M3 M5 = 4 (type 1: M1; 2: M3; 3: M2 M5), people 4+2+3+2 = 11;
    eliminated M1 M3 = 2, unresolved 2, rate 2/4; timely M1 M3 M5 = 3/4;
    coverage M1 M2 M3 = 3/4; per 1,000: 4000/800 = 5.0, unresolved 2000/800 = 2.5.
V1 2026-09: monitored M1 M2 M3 = 3 (1/1/1), 9 people; eliminated 2, unresolved 1,
    rate 2/3; timely 2/3; coverage 3/3; 3000/800 = 3.75, 1000/800 = 1.25.
T1 2026-10: V1 + M6 M7 M8 = 7 (type 1: M1 M6; 2: M3 M8; 3: M2 M5 M7), people 11+4+3+2 = 20;
    eliminated M1 M3 M7 = 3, unresolved 4, rate 3/7; timely M1 M3 M5 M7 M8 = 5/7;
    coverage all but M5 = 6/7; 7000/1700, 4000/1700.
T1 2026-09: M1 M2 M3 M6 M7 = 5 (2/1/2), 16 people; eliminated M1 M3 = 2 (M7 in October),
    unresolved 3, rate 2/5; timely M1 M3 M7 = 3/5; coverage 5/5; 5000/1700, 3000/1700.
C1 2026-10: T1 + M9 M10 = 9 (3/3/3), 26 people; eliminated 3 + M9 = 4, unresolved 5,
    rate 4/9; timely 5 + M9 = 6/9; coverage 6 + 2 = 8/9; 9000/2400, 5000/2400.
C1 2026-09: 5 + 2 = 7 (3/2/2), 22 people; eliminated 3, unresolved 4, rate 3/7;
    timely M1 M3 M7 M9 = 4/7; coverage 7/7; 7000/2400, 4000/2400.
province 2026-10: C1 + M11 M12 M13 = 12 (4/4/4), 26+5+2+4 = 37 people; eliminated
    4 + M11 M13 = 6, unresolved 6, rate 6/12; timely 6 + 3 = 9/12; coverage 8 + 3 = 11/12;
    12000/3100, 6000/3100.
province 2026-09: 7 + 3 = 10 (4/3/3), 33 people; eliminated 3 + 2 = 5, unresolved 5,
    rate 5/10; timely 4 + 3 = 7/10; coverage 10/10 (M12's first measure is 2026-09-20);
    10000/3100, 5000/3100.

EXPECT — the procedure: warned, checked and not included, pending (month's end)
==============================================================================
warned (预警户) = records warned by the month's end; cleared (核实未纳入) = records
checked and not included by then (month of check_date); pending (待认定) = warned -
monitored - cleared.

V1 2026-09: warned M1 M2 M3 M5 M14 M15 = 6; cleared M14 = 1; pending 6 - 3 - 1 = 2 (M5,
    M15: warned 09-25, checked only 10-02). 2026-10: + M4 = 7; cleared M14 M15 = 2 (new
    in October: 1); pending 7 - 4 - 2 = 1 (M4).
T1: + M6 M7 M16 by September, + M8 in October: warned 9 / 11; cleared + M16 = 2 / 3;
    pending 9 - 5 - 2 = 2, 11 - 7 - 3 = 1.
C1: + M9 M10 M17: warned 12 / 14; cleared + M17 = 3 / 4; pending 12 - 7 - 3 = 2,
    14 - 9 - 4 = 1.
province: + M11 M12 M13 by September, + M18 in October: warned 15 / 18; cleared 3 / 5
    (new in October: M15 M18 = 2); pending 15 - 10 - 3 = 2, 18 - 12 - 5 = 1.
(warned - monitored alone would give 3 / 3 in V1 and 5 / 6 in the province: the
checked-and-not-included are not pending.)

返贫 / 致贫 people (cumulative, identified by the month's end, people on the
identification day): returned = type 1, and type 3 of a registered household; newly
poor = type 2, and type 3 of a household never registered.
    returned: M1 4, M2 2 (H06 registered), M6 4, M9 3, M11 5
    newly poor: M3 3, M5 2, M7 3, M8 2, M10 3, M12 2, M13 4
V1: returned 4+2 = 6 (both months); newly poor 3 (Sep), 3+2 = 5 (Oct; in October 2).
T1: returned 6+4 = 10; newly poor 3+3 = 6 (Sep), 5+3+2 = 10 (Oct; in October M5 M8 = 4).
C1: returned 10+3 = 13; newly poor 6+3 = 9 (Sep), 10+3 = 13 (Oct; in October 4).
province: returned 13+5 = 18; newly poor 9+2+4 = 15 (Sep), 13+2+4 = 19 (Oct; 4).
returned + newly poor = pp_monitored every time (6+3 = 9, 6+5 = 11, ..., 18+19 = 37).

EXPECT — 八个一批 reach (rollup_channel, region page share), by the end of a year
==============================================================================
Counted: measures with a channel, not for monitoring, of a registered household, in a
year from its identify_year to its exit_year (2020 at the latest). Not counted: #31 H01
channel 6 in 2018 (after its 2016 exit), #32 H09 channel 8 (never registered), and every
monitoring measure (e.g. #10 H05 channel 6 in 2021, #23 H20 channel 6 in 2020 while H20
was still registered and not exited).

    #   H    unit year ch amount      #   H    unit year ch amount
    34  H04  V1   2014  8   1200      4   H12  V2   2016  4  60000
    1   H01  V1   2015  6   3000      5   H11  V2   2015  1   5000
    2   H02  V1   2015  8   2400      6   H18  V4   2016  2   2000
    3   H03  V1   2016  7   5000      7   H24  V5   2017  3   1500
    9   H06  V1   2016  1   3000      8   H29  V6   2017  5  20000
    33  H06  V1   2018  1   2000

V1 (households reached, amount to date): ch1 0 until 2015, 1 from 2016 (3000; 5000 from
    2018: H06 twice, one household); ch6 1 from 2015 (3000); ch7 1 from 2016 (5000);
    ch8 1 in 2014 (1200), 2 from 2015 (3600). Share of hh_registered: ch8 2014 1/3
    (H01 H02 H04 registered), 2015 2/5, 2019 2/7; ch1 2026 1/7.
province: ch1 1 in 2015 (5000), 2 from 2016 (8000; 10000 from 2018); ch2 1 from 2016;
    ch3 and ch5 1 from 2017; ch4 1 from 2016 (60000); ch6 1 from 2015; ch7 1 from 2016;
    ch8 1 in 2014, 2 from 2015 (3600). 2014: ch8 1/9; 2020 and 2026 unchanged: ch1 2/22.

EXPECT — rule hits (预警线索, warning_counts as of 2026-10-31)
=============================================================
The rules fire 14 times for 9 households. A hit is handled when the household was
identified on or after it, or checked on or after it (included or not), or decided in
the operational store (none here):

    hit                          H    handled                              days
    income_below_line 01-01      H06  no (M2 identified 2025-11-25)        303 overdue
    income_below_line 01-01      H14  no (M6 identified 2024)              303 overdue
    water_unsafe 01-01           H14  no                                   303 overdue
    income_below_line 01-01      H22  no (M10 identified 2025-02-28)       303 overdue
    education_costs 09-01        H03  no (no record)                        60 overdue
    housing_unsafe 10-31         H09  no (M4 checked 10-22, before it)       0
    housing_unsafe 10-31         H14  no                                     0
    disaster_losses 10-18        H09  checked 10-22 (undecided yet)
    medical_costs 08-01          H02  checked 09-08 and not included (M14)
    income_below_line 01-01      H10  identified 10-09 (checked 09-29)
    income_below_line 01-01      H17  identified 10-16 (checked 10-06)
    school_dropout 09-01         H17  identified 10-16 (checked 10-06)
    income_below_line 01-01      H27  identified 06-15 (checked 06-02)
    medical_costs 05-01          H27  identified 06-15 (checked 06-02)

warnings 14, undecided 7, overdue 5, identified_after 5, checked_after 7, cleared_after 1;
households 9 (H02 H03 H06 H09 H10 H14 H17 H22 H27), undecided_households 5 (H03 H06
H09 H14 H22), overdue_households 4 (H03 H06 H14 H22). Deciding the education_costs hit
in the store: undecided 6, overdue 4, undecided_households 4, overdue_households 3.
周小红's medical costs of 2026-07 (30,000 out of pocket) are not H05's: she married out
in 2024, so no hit for H05.
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

PROVINCE, COUNTY, TOWNSHIP, VILLAGE = "610000000000", "610924000000", "610924101000", "610924101200"
UNITS = (PROVINCE, COUNTY, TOWNSHIP, VILLAGE)
OCT, SEP = dt.date(2026, 10, 1), dt.date(2026, 9, 1)


# ----------------------------------------------------------------- expected, by hand
# Year cards: unit -> year -> column -> value (None: no data).
def _poverty(hh, pp, pp_exited, hh_not, pp_not, population, year):
    return {
        "hh_registered": hh,
        "pp_registered": pp,
        "pp_exited": pp_exited,
        "hh_not_exited": hh_not,
        "pp_not_exited": pp_not,
        "rural_population": population,
        # not applicable after 2020 (no poverty line): no data, never 0.0%
        "poverty_incidence": pp_not / population if year <= 2020 else None,
    }


def _income(mean, median, below, line):
    return {
        "inc_mean_per_capita": mean,
        "inc_median_per_capita": median,
        "hh_below_monitoring_line": below,
        "monitoring_line": line,
    }


NO_INCOME = _income(None, None, None, None)

YEARS: dict[str, dict[int, dict]] = {
    VILLAGE: {
        2018: {**_poverty(7, 23, 13, 4, 10, 1000, 2018), **NO_INCOME},
        2019: {**_poverty(7, 22, 15, 2, 7, 1000, 2019), **_income(101800 / 22, 4500, None, None)},
        2025: {**_poverty(7, 21, 21, 0, 0, 900, 2025), **_income(227500 / 24, 9000, 0, 7600)},
        2026: {**_poverty(7, 21, 21, 0, 0, 800, 2026), **_income(9550, 9250, 2, 7900)},
    },
    TOWNSHIP: {
        2018: {**_poverty(12, 40, 25, 5, 15, 2100, 2018), **NO_INCOME},
        2019: {**_poverty(12, 39, 32, 2, 7, 2100, 2019), **_income(188300 / 39, 5000, None, None)},
        2025: {**_poverty(12, 36, 36, 0, 0, 1850, 2025), **_income(387500 / 42, 9000, 2, 7600)},
        2026: {**_poverty(12, 36, 36, 0, 0, 1700, 2026), **_income(9450, 9500, 4, 7900)},
    },
    COUNTY: {
        2018: {**_poverty(16, 52, 33, 7, 19, 2900, 2018), **NO_INCOME},
        2019: {**_poverty(16, 51, 41, 3, 10, 2900, 2019), **_income(245300 / 51, 5000, None, None)},
        2025: {**_poverty(16, 49, 49, 0, 0, 2600, 2025), **_income(543500 / 58, 9000, 3, 7600)},
        2026: {**_poverty(16, 49, 49, 0, 0, 2400, 2026), **_income(638500 / 66, 9500, 5, 7900)},
    },
    PROVINCE: {
        2018: {**_poverty(22, 72, 41, 11, 31, 3700, 2018), **NO_INCOME},
        2019: {**_poverty(22, 72, 57, 5, 15, 3700, 2019), **_income(340400 / 72, 4750, None, None)},
        2025: {**_poverty(22, 70, 70, 0, 0, 3380, 2025), **_income(780500 / 83, 9000, 3, 7600)},
        2026: {**_poverty(22, 69, 69, 0, 0, 3100, 2026), **_income(891500 / 92, 9500, 6, 7900)},
    },
}
# 2014: registrations only (hh, pp present at the end of 2014; nobody exited).
YEAR_2014 = {VILLAGE: (3, 8), TOWNSHIP: (5, 17), COUNTY: (7, 25), PROVINCE: (9, 33)}


def _month(monitored, types, people, eliminated, timely, covered, population, pending=1):
    unresolved = monitored - eliminated
    return {
        "hh_monitored": monitored,
        "hh_type1": types[0],
        "hh_type2": types[1],
        "hh_type3": types[2],
        "pp_monitored": people,
        "hh_eliminated": eliminated,
        "hh_unresolved": unresolved,
        "hh_pending": pending,
        "risk_eliminated_rate": eliminated / monitored,
        "identification_timeliness": timely / monitored,
        "measure_coverage": covered / monitored,
        "hh_monitored_per_1000": 1000 * monitored / population,
        "hh_unresolved_per_1000": 1000 * unresolved / population,
    }


MONTHS: dict[str, dict[dt.date, dict]] = {
    VILLAGE: {
        OCT: _month(4, (1, 1, 2), 11, 2, 3, 3, 800),
        SEP: _month(3, (1, 1, 1), 9, 2, 2, 3, 800, pending=2),
    },
    TOWNSHIP: {
        OCT: _month(7, (2, 2, 3), 20, 3, 5, 6, 1700),
        SEP: _month(5, (2, 1, 2), 16, 2, 3, 5, 1700, pending=2),
    },
    COUNTY: {
        OCT: _month(9, (3, 3, 3), 26, 4, 6, 8, 2400),
        SEP: _month(7, (3, 2, 2), 22, 3, 4, 7, 2400, pending=2),
    },
    PROVINCE: {
        OCT: _month(12, (4, 4, 4), 37, 6, 9, 11, 3100),
        SEP: _month(10, (4, 3, 3), 33, 5, 7, 10, 3100, pending=2),
    },
}


# The procedure and 返贫/致贫 (rollup_month): unit -> month -> column -> value.
def _procedure(warned, cleared, new_cleared, returned, newly, returned_in, newly_in):
    return {
        "hh_warned": warned,
        "hh_cleared": cleared,
        "hh_new_cleared": new_cleared,
        "pp_returned": returned,
        "pp_newly_poor": newly,
        "pp_returned_in_month": returned_in,
        "pp_newly_poor_in_month": newly_in,
    }


PROCEDURE = {
    VILLAGE: {SEP: _procedure(6, 1, 1, 6, 3, 0, 0), OCT: _procedure(7, 2, 1, 6, 5, 0, 2)},
    TOWNSHIP: {SEP: _procedure(9, 2, 1, 10, 6, 0, 0), OCT: _procedure(11, 3, 1, 10, 10, 0, 4)},
    COUNTY: {SEP: _procedure(12, 3, 1, 13, 9, 0, 0), OCT: _procedure(14, 4, 1, 13, 13, 0, 4)},
    PROVINCE: {SEP: _procedure(15, 3, 1, 18, 15, 0, 0), OCT: _procedure(18, 5, 2, 18, 19, 0, 4)},
}
# Measure coverage is asserted by test_measure_coverage (issue #16).
COVERAGE = ("measure_coverage",)

# What the cards show (the formatting of components/kpi.py's callers), as of the
# as-of year and month. Ratios: one decimal of a percentage; per 1,000: two decimals;
# yuan: whole, with separators.
#   village  mean 286500/30 = 9550; T1 472500/50 = 9450; C1 638500/66 = 9674.24;
#   province 891500/92 = 9690.22.  per 1,000: T1 7000/1700 = 4.118, 4000/1700 = 2.353;
#   C1 5000/2400 = 2.083; province 12000/3100 = 3.871, 6000/3100 = 1.935.
#   rates: 3/7 = 42.86%, 4/9 = 44.44%, 5/7 = 71.43%, 6/9 = 66.67%.
REGION_CARDS = {
    VILLAGE: {
        "hh_registered": "7",
        "hh_not_exited": "0",
        "pp_not_exited": "0",
        "hh_monitored": "4",
        "hh_unresolved": "2",
        "risk_eliminated_rate": "50.0%",
        "hh_monitored_per_1000": "5.00",
        "hh_unresolved_per_1000": "2.50",
        "identification_timeliness": "75.0%",
        "hh_below_monitoring_line": "2",
        "inc_mean_per_capita": "9,550",
        "inc_median_per_capita": "9,250",
    },
    TOWNSHIP: {
        "hh_registered": "12",
        "hh_not_exited": "0",
        "pp_not_exited": "0",
        "hh_monitored": "7",
        "hh_unresolved": "4",
        "risk_eliminated_rate": "42.9%",
        "hh_monitored_per_1000": "4.12",
        "hh_unresolved_per_1000": "2.35",
        "identification_timeliness": "71.4%",
        "hh_below_monitoring_line": "4",
        "inc_mean_per_capita": "9,450",
        "inc_median_per_capita": "9,500",
    },
    COUNTY: {
        "hh_registered": "16",
        "hh_not_exited": "0",
        "pp_not_exited": "0",
        "hh_monitored": "9",
        "hh_unresolved": "5",
        "risk_eliminated_rate": "44.4%",
        "hh_monitored_per_1000": "3.75",
        "hh_unresolved_per_1000": "2.08",
        "identification_timeliness": "66.7%",
        "hh_below_monitoring_line": "5",
        "inc_mean_per_capita": "9,674",
        "inc_median_per_capita": "9,500",
    },
    PROVINCE: {
        "hh_registered": "22",
        "hh_not_exited": "0",
        "pp_not_exited": "0",
        "hh_monitored": "12",
        "hh_unresolved": "6",
        "risk_eliminated_rate": "50.0%",
        "hh_monitored_per_1000": "3.87",
        "hh_unresolved_per_1000": "1.94",
        "identification_timeliness": "75.0%",
        "hh_below_monitoring_line": "6",
        "inc_mean_per_capita": "9,690",
        "inc_median_per_capita": "9,500",
    },
}
# The overview's cards, as of 2026 / 2026-10 (incidence: not applicable, "不适用"), and
# for 2019 (no monitoring month: 2019-12 precedes the monitoring era, so "—"; no line).
#   incidence 2019: 7/1000 = 0.70%, 7/2100 = 0.33%, 10/2900 = 0.34%, 15/3700 = 0.41%.
OVERVIEW_CARDS = {
    VILLAGE: {
        "hh_registered": "7",
        "pp_registered": "21",
        "pp_exited": "21",
        "pp_not_exited": "0",
        "hh_monitored": "4",
        "risk_eliminated_rate": "50.0%",
        "hh_below_monitoring_line": "2",
    },
    TOWNSHIP: {
        "hh_registered": "12",
        "pp_registered": "36",
        "pp_exited": "36",
        "pp_not_exited": "0",
        "hh_monitored": "7",
        "risk_eliminated_rate": "42.9%",
        "hh_below_monitoring_line": "4",
    },
    COUNTY: {
        "hh_registered": "16",
        "pp_registered": "49",
        "pp_exited": "49",
        "pp_not_exited": "0",
        "hh_monitored": "9",
        "risk_eliminated_rate": "44.4%",
        "hh_below_monitoring_line": "5",
    },
    PROVINCE: {
        "hh_registered": "22",
        "pp_registered": "69",
        "pp_exited": "69",
        "pp_not_exited": "0",
        "hh_monitored": "12",
        "risk_eliminated_rate": "50.0%",
        "hh_below_monitoring_line": "6",
    },
}
OVERVIEW_CARDS_2019 = {
    VILLAGE: {
        "hh_registered": "7",
        "pp_registered": "22",
        "pp_exited": "15",
        "pp_not_exited": "7",
        "poverty_incidence": "0.7%",
    },
    TOWNSHIP: {
        "hh_registered": "12",
        "pp_registered": "39",
        "pp_exited": "32",
        "pp_not_exited": "7",
        "poverty_incidence": "0.3%",
    },
    COUNTY: {
        "hh_registered": "16",
        "pp_registered": "51",
        "pp_exited": "41",
        "pp_not_exited": "10",
        "poverty_incidence": "0.3%",
    },
    PROVINCE: {
        "hh_registered": "22",
        "pp_registered": "72",
        "pp_exited": "57",
        "pp_not_exited": "15",
        "poverty_incidence": "0.4%",
    },
}

# Rows per warehouse table: the data rows of each file (every row is clean).
ROWS = {
    "household": 30,
    "person": 97,
    "income": 83,
    "measure": 34,
    "unit": 6,
    "cadre": 9,
    "pairing": 31,
    "village": 7,
    "population": 78,
    "monitoring": 18,
    "monitoring_risk": 23,
    "condition_gap": 9,
    "dept_medical": 5,
    "dept_education": 3,
    "dept_disaster": 6,
    "dept_vehicle": 3,
    "dept_business": 1,
    "dept_payroll": 1,
    "dept_property": 1,
    "dept_death": 3,
    "dept_tax": 1,
}


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
    return {
        k: (got.get(k, _ABSENT), v) for k, v in want.items() if k not in got or not _same(got[k], v)
    }


def _row(series) -> dict:
    return {} if series is None else series.to_dict()


# ----------------------------------------------------------------- the data itself
def _read(name: str) -> list[dict]:
    with open(TINY / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_manifest_lists_every_file_with_its_rows_and_digest():
    manifest = json.loads((TINY / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["layout"], manifest["version"], manifest["kind"], manifest["as_of"]) == (
        "jingzhun-registry",
        1,
        "full",
        "2026-10-31",
    )
    on_disk = {p.name for p in TINY.iterdir()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    for name, entry in manifest["files"].items():
        data = (TINY / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), (
            f"{name}: run tests/data/make_manifest.py tests/data/registry_tiny"
        )
        assert entry["rows"] == len(_read(name)), name


# Codes a village-level row cannot carry: the region table gives these kinds to the
# units above the villages (divisions.csv), the villages file has level-5 units only.
NOT_APPLICABLE = {"kind": {"province", "city", "county", "township"}}


def test_every_code_of_every_code_table_is_used_and_valid():
    from domain import codes
    from etl import layout

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
    for name in (
        "dept_death",
        "dept_medical",
        "dept_education",
        "dept_disaster",
        "dept_vehicle",
        "dept_business",
        "dept_payroll",
        "dept_property",
        "dept_tax",
    ):
        for r in _read(f"{name}.csv"):
            assert _check_digit(r["id_number"][:17]) == r["id_number"][17], (name, r)


def _present(m: dict, day: str) -> bool:
    """Present on ``day`` (YYYY-MM-DD): born and joined by then, not left (docs/registry.md)."""
    joined = m["joined_date"] or m["birth_date"]
    return m["birth_date"] <= day and joined <= day and (not m["left_date"] or m["left_date"] > day)


def test_the_fixture_has_dated_membership():
    """Issue #16: members born after registration, deaths, marriages in and out and moves,
    as in the GIVEN table; income.members is the number present at the end of the year
    (worked out here from the files alone, as quality check Q14 asks)."""
    households = {r["household_no"]: r for r in _read("households.csv")}
    members = _read("members.csv")
    born_late = [
        m["name"]
        for m in members
        if households[m["household_no"]]["is_registered"] == "是"
        and int(m["birth_date"][:4]) > int(households[m["household_no"]]["identify_year"])
    ]
    assert born_late == ["王小宝"]
    left = {m["name"]: (m["left_date"], m["left_reason"]) for m in members if m["left_date"]}
    assert left == {
        "陈福": ("2019-08-20", "1"),
        "韦德": ("2023-02-10", "1"),
        "周小红": ("2024-10-01", "2"),
        "曹阳": ("2025-09-01", "3"),
        "贺斌": ("2026-03-01", "9"),
    }
    joined = {
        m["name"]: (m["joined_date"], m["join_reason"])
        for m in members
        if m["join_reason"] and m["join_reason"] != "1"
    }
    assert joined == {
        "王小宝": ("", "2"),
        "郭燕": ("2017-10-01", "3"),
        "高玉兰": ("2020-03-15", "4"),
        "毛丹": ("2019-06-01", "9"),
    }
    deaths = {r["id_number"]: r["death_date"] for r in _read("dept_death.csv")}
    for m in members:
        if m["left_reason"] == "1":
            assert deaths[m["id_number"]] == m["left_date"], m["name"]
    for r in _read("income.csv"):
        n = sum(
            1
            for m in members
            if m["household_no"] == r["household_no"] and _present(m, f"{r['year']}-12-31")
        )
        assert int(r["members"]) == n, (r["household_no"], r["year"])
        net = sum(int(r[k]) for k in ("wages", "business", "property", "transfers")) - int(
            r["production_costs"]
        )
        assert int(r["net_income"]) == net and net % int(r["members"]) == 0, r


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
    from access import Scope

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
    (as_of,) = db.execute("select as_of from data_version").fetchone()
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
    hh = {
        r[0]: r[1:]
        for r in db.execute(
            "select household_no, members, village_code, township_code, county_code, city_code, "
            "no_labour, per_capita_income::double, cadre_id from household"
        ).fetchall()
    }
    # H03: 5 listed, 陈福 died in 2019: 4 current members; 2026 income 40000 / 4.
    assert hh["6109241012000003"] == (
        4,
        VILLAGE,
        TOWNSHIP,
        COUNTY,
        "610900000000",
        False,
        10000.0,
        3,
    )
    assert hh["6101241082000004"] == (
        5,
        "610124108200",
        "610124108000",
        "610124000000",
        "610100000000",
        False,
        9500.0,
        8,
    )
    # No labour: every member's labour is 4 (lost) or 5 (none).
    assert {k for k, v in hh.items() if v[5]} == {
        "6109241012000004",
        "6109241012000010",
        "6109241022000002",
    }
    # The current pairing that started last; none when the only pairing ended.
    assert hh["6109241012000001"][7] == 3  # 2 until 2018-12-31, then 3
    assert hh["6101241082000002"][7] == 8  # 7 until 2019-12-31, then 8
    assert hh["6109241012010002"][7] is None  # 3 until 2020-12-31
    assert hh["6109241012000009"][7] is None  # never paired
    # Current members: 97 listed, 5 left (陈福, 韦德, 周小红, 曹阳, 贺斌).
    assert sum(v[0] for v in hh.values()) == 92
    assert (
        hh["6109241012000002"][0],
        hh["6109241012000005"][0],
        hh["6109241012010001"][0],
        hh["6109241012010002"][0],
        hh["6101241082000002"][0],
    ) == (4, 3, 5, 2, 3)
    ages = dict(
        db.execute(
            "select name, age from person where name in "
            "('张建国', '钱程', '丁一', '陈翠英', '陈福', '韦德', '曹阳')"
        ).fetchall()
    )
    # As of 2026-10-31: 1968-03-12 -> 58; 2007-11-11 -> 18 (birthday not yet);
    # 2022-02-22 -> 4; 1936-09-09 -> 90. At left_date for those who left: 陈福
    # 1945-12-12 -> 2019-08-20: 73; 韦德 1948-11-11 -> 2023-02-10: 74; 曹阳 2007-04-04
    # -> 2025-09-01: 18.
    assert ages == {
        "张建国": 58,
        "钱程": 18,
        "丁一": 4,
        "陈翠英": 90,
        "陈福": 73,
        "韦德": 74,
        "曹阳": 18,
    }
    left = dict(
        db.execute("select name, left_reason from person where left_date is not null").fetchall()
    )
    assert left == {"陈福": 1, "韦德": 1, "周小红": 2, "曹阳": 3, "贺斌": 9}
    mon = {
        r[0]: r[1:]
        for r in db.execute(
            "select monitoring_id, state, risk_count, main_risk, fast_elimination, village_code, "
            "check_result, exclude_reason from monitoring"
        ).fetchall()
    }
    # state: 1 warned, awaiting approval; 2 identified, risk not eliminated; 3 eliminated;
    # 4 checked and not included.
    assert {k: v[0] for k, v in mon.items()} == {
        1: 3,
        2: 2,
        3: 3,
        4: 1,
        5: 2,
        6: 2,
        7: 3,
        8: 2,
        9: 3,
        10: 2,
        11: 3,
        12: 2,
        13: 3,
        14: 4,
        15: 4,
        16: 4,
        17: 4,
        18: 4,
    }
    assert {k: v[1] for k, v in mon.items()} == {
        1: 2,
        2: 1,
        3: 2,
        4: 2,
        5: 2,
        6: 2,
        7: 1,
        8: 2,
        9: 1,
        10: 2,
        11: 2,
        12: 2,
        13: 1,
        14: 0,
        15: 0,
        16: 1,
        17: 0,
        18: 0,
    }
    assert {k: v[2] for k, v in mon.items()} == {
        1: 1,
        2: 5,
        3: 7,
        4: 4,
        5: 2,
        6: 9,
        7: 6,
        8: 3,
        9: 1,
        10: 1,
        11: 4,
        12: 1,
        13: 7,
        14: None,
        15: None,
        16: 1,
        17: None,
        18: None,
    }
    # check_result 1 for every identified record (M9 and M11 left it empty: read as 1),
    # none for M4 (undecided), 2 with its reason for M14-M18.
    assert {k: (v[5], v[6]) for k, v in mon.items()} == {
        **{k: (1, None) for k in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13)},
        4: (None, None),
        14: (2, 1),
        15: (2, 2),
        16: (2, 3),
        17: (2, 4),
        18: (2, 9),
    }
    # Eliminated through assistance within 61 days of identification: none (the
    # quickest, M13, took 2022-03-10 -> 2023-06-30).
    assert not any(v[3] for v in mon.values())
    assert mon[5][4] == VILLAGE and mon[12][4] == "610124108200"
    # per_capita = net_income / members, to the cent.
    pc = db.execute(
        "select per_capita::double from income as i join household as h "
        "using (household_id) where h.household_no = '6109241012000007' "
        "and i.year = 2019"
    ).fetchone()[0]
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
        assert _differences(_row(ov.year_row(year)), YEARS[code][year]) == {}, (code, year)
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

    shown = {k.key: k.value for k in view.cards(_overview(wh, scope, code, None), lang="zh")}
    assert {k: shown.get(k) for k in OVERVIEW_CARDS[code]} == OVERVIEW_CARDS[code]
    shown = {k.key: k.value for k in view.cards(_overview(wh, scope, code, 2019), lang="zh")}
    assert {k: shown.get(k) for k in OVERVIEW_CARDS_2019[code]} == OVERVIEW_CARDS_2019[code]
    assert (
        shown["hh_monitored"],
        shown["risk_eliminated_rate"],
        shown["hh_below_monitoring_line"],
    ) == ("—", "—", "—")


def _region_cards(wh, scope, code, year=None):
    """indicator key -> (current, previous) as the region page's card takes them."""
    from components import region as view
    from domain.indicators import INDICATORS
    from queries import api

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
    from domain.indicators import INDICATORS

    for year, before in ((None, None), (2019, 2018)):
        v, cards = _region_cards(wh, scope, code, year)
        assert (v.year, v.month) == (year or 2026, OCT)
        wrong = {}
        for key, ind in INDICATORS.items():
            if ind.column in COVERAGE:
                continue
            want = _expected_card(code, ind, year or 2026, before or 2025)
            got = cards[key]
            if not (_same(got[0], want[0]) and _same(got[1], want[1])):
                wrong[key] = (got, want)
        assert wrong == {}, (code, year)


@pytest.mark.parametrize("code", UNITS)
def test_region_cards_as_shown(wh, scope, code):
    from components import region as view
    from domain.indicators import INDICATORS
    from queries import api

    v = api.region_view(wh, scope, code, None, None)
    shown = {k: view.card_for(v, INDICATORS[k], lang="zh").value for k in REGION_CARDS[code]}
    assert shown == REGION_CARDS[code]
    # The page's default set: the chosen indicator, then the core figures.
    keys = [k.key for k in view.cards(v, INDICATORS["hh_monitored_per_1000"], lang="zh")]
    assert keys == ["hh_monitored_per_1000", "hh_registered", "hh_not_exited", "hh_monitored"]


# ----------------------------------------------------------------- known wrong definitions
@pytest.mark.parametrize("code", UNITS)
def test_measure_coverage(wh, scope, code):
    """Monitored households with at least one measure in place (docs/domain.md §5) ÷
    monitored households; equal here to the lifecycle's assisted ÷ identified. An
    identified household with no monitoring measure (M5, H10 6109241012000010,
    identified 2026-10-09) is not covered: 3/4 (village), 6/7, 8/9, 11/12 in 2026-10
    (issue #16: greatest(identify_date, first_measure) skipped the NULL and gave 1.0)."""
    _, cards = _region_cards(wh, scope, code)
    want = (MONTHS[code][OCT]["measure_coverage"], MONTHS[code][SEP]["measure_coverage"])
    got = cards["measure_coverage"]
    assert _same(got[1], want[1]), (code, "2026-09", got, want)  # no uncovered yet
    assert _same(got[0], want[0]), (code, "2026-10", got, want)


@pytest.mark.parametrize("code", UNITS)
def test_incidence_after_2020_is_not_applicable(wh, scope, code):
    """After 2020 there is no poverty line and no one registered is still poor:
    incidence is not applicable (NULL, shown as 不适用), never 0 / population = 0.0%."""
    ov = _overview(wh, scope, code, None)
    got = [_row(ov.year_row(y))["poverty_incidence"] for y in (2026, 2025)]
    assert all(_missing(v) for v in got), (code, got)
    assert not _missing(_row(ov.year_row(2020))["poverty_incidence"])


# ----------------------------------------------------------------- issue #16 figures
@pytest.mark.parametrize("code", UNITS)
def test_people_are_those_present_at_the_end_of_the_year(db, code):
    """pp_* of a year count the people present at its end (EXPECT, registered poverty),
    for every year worked out, with 2014."""
    got = {
        r[0]: r[1:]
        for r in db.execute(
            "select year, hh_registered, pp_registered, pp_exited, hh_not_exited, pp_not_exited "
            "from rollup_year where region_code = ? and year in (2014, 2018, 2019, 2025, 2026)",
            [code],
        ).fetchall()
    }
    want = {
        y: tuple(
            YEARS[code][y][k]
            for k in (
                "hh_registered",
                "pp_registered",
                "pp_exited",
                "hh_not_exited",
                "pp_not_exited",
            )
        )
        for y in (2018, 2019, 2025, 2026)
    }
    hh, pp = YEAR_2014[code]
    want[2014] = (hh, pp, 0, hh, pp)
    assert got == want


@pytest.mark.parametrize("code", UNITS)
def test_the_procedure_cleared_pending_and_returned_people(db, code):
    """预警户, 核实未纳入, 待认定 and 返贫/致贫 people at the end of September and
    October 2026 (EXPECT, the procedure)."""
    cols = list(PROCEDURE[code][SEP])
    for month in (SEP, OCT):
        row = db.execute(
            f"select {', '.join(cols)}, hh_pending, hh_warned - hh_monitored "
            "- hh_cleared, pp_returned + pp_newly_poor - pp_monitored "
            "from rollup_month where region_code = ? and month = ?",
            [code, month],
        ).fetchone()
        assert dict(zip(cols, row[: len(cols)])) == PROCEDURE[code][month], (code, month)
        assert row[len(cols) :] == (
            MONTHS[code][month]["hh_pending"],
            MONTHS[code][month]["hh_pending"],
            0,
        )


# unit -> year -> channel -> (households reached, amount): EXPECT, 八个一批 reach.
CHANNELS = {
    VILLAGE: {
        2014: {1: (0, 0), 6: (0, 0), 7: (0, 0), 8: (1, 1200)},
        2015: {1: (0, 0), 6: (1, 3000), 7: (0, 0), 8: (2, 3600)},
        2016: {1: (1, 3000), 6: (1, 3000), 7: (1, 5000), 8: (2, 3600)},
        2018: {1: (1, 5000), 6: (1, 3000), 7: (1, 5000), 8: (2, 3600)},
        2026: {1: (1, 5000), 6: (1, 3000), 7: (1, 5000), 8: (2, 3600)},
    },
    PROVINCE: {
        2014: {c: (0, 0) for c in range(1, 8)} | {8: (1, 1200)},
        2020: {
            1: (2, 10000),
            2: (1, 2000),
            3: (1, 1500),
            4: (1, 60000),
            5: (1, 20000),
            6: (1, 3000),
            7: (1, 5000),
            8: (2, 3600),
        },
    },
}
CHANNELS[PROVINCE][2026] = CHANNELS[PROVINCE][2020]


def test_eight_channel_reach(db, wh, scope):
    """Only poverty-era measures of registered households in their registered years, by
    the end of each year; the region page's share is over the same year's registered
    households, so at most 100%."""
    for code, years in CHANNELS.items():
        for year, want in years.items():
            got = {
                r[0]: (r[1], r[2])
                for r in db.execute(
                    "select channel, hh_reached, amount from rollup_channel where region_code = ? "
                    "and year = ?",
                    [code, year],
                ).fetchall()
            }
            assert got == want, (code, year)
    share = {}
    for year in (2014, 2015, 2019, 2026):
        df = wh.run("unit_breakdowns", scope, code=VILLAGE, year=year)
        ch = df[df["breakdown"] == "channel"].set_index("item")
        share[year] = {int(k): v for k, v in ch["share"].items()}
    assert share[2014][8] == pytest.approx(1 / 3) and share[2015][8] == pytest.approx(2 / 5)
    assert share[2019][8] == pytest.approx(2 / 7) and share[2026][1] == pytest.approx(1 / 7)
    assert share[2014][1] == 0
    over = db.execute(
        "select count(*) from rollup_channel c join rollup_year y "
        "using (region_code, year) where c.hh_reached > y.hh_registered"
    ).fetchone()[0]
    assert over == 0


def test_rule_hits_and_households_handled(wh, scope):
    """warning_counts and warning_queue (EXPECT, rule hits): a hit is handled by an
    identification or a check on or after it, or a decision in the store."""
    import datetime as _dt

    as_of = _dt.date(2026, 10, 31)
    counts = (
        wh.run("warning_counts", scope, unit_prefix="61", decided=[], as_of=as_of).iloc[0].to_dict()
    )
    assert {k: int(v) for k, v in counts.items()} == {
        "warnings": 14,
        "undecided": 7,
        "overdue": 5,
        "identified_after": 5,
        "households": 9,
        "undecided_households": 5,
        "overdue_households": 4,
        "checked_after": 7,
        "cleared_after": 1,
        "decided_in_store": 0,
        "handled": 7,
    }
    decided = wh.run(
        "warning_counts",
        scope,
        unit_prefix="61",
        decided=["education_costs:3:2026-09-01"],
        as_of=as_of,
    ).iloc[0]
    assert (
        decided["undecided"],
        decided["overdue"],
        decided["undecided_households"],
        decided["overdue_households"],
    ) == (6, 4, 4, 3)
    queue = wh.run(
        "warning_queue", scope, unit_prefix="61", rule="", decided=[], as_of=as_of, limit=50
    )
    assert list(queue["warning_key"]) == [
        "income_below_line:6:2026-01-01",
        "income_below_line:14:2026-01-01",
        "water_unsafe:14:2026-01-01",
        "income_below_line:22:2026-01-01",
        "education_costs:3:2026-09-01",
        "housing_unsafe:9:2026-10-31",
        "housing_unsafe:14:2026-10-31",
    ]


def test_members_who_left_are_no_longer_the_households(db):
    """周小红 married out in 2024: her medical costs of 2026 raise no rule hit for H05;
    the deaths recorded as left (reason 1) are not quality issues (Q18) nor doubtful
    cases; income members agree with the people present (Q14)."""
    hits = db.execute(
        "select count(*) from warning w join household h using (household_id) "
        "where h.household_no = '6109241012000005'"
    ).fetchone()[0]
    assert hits == 0
    issues = dict(
        db.execute(
            "select id, count from quality_check where id in ('Q14', 'Q16', 'Q18', 'Q36', 'Q37')"
        ).fetchall()
    )
    assert issues == {"Q14": 0, "Q16": 0, "Q18": 0, "Q36": 0, "Q37": 0}
    doubts = db.execute("select count(*) from doubt where check_id = 'deceased_member'").fetchone()[
        0
    ]
    assert doubts == 0
