"""Calibration of the synthetic registry: the only place its shape is tuned.

Figures come from docs/domain.md; those marked there as unverified are used for shape only.
Nothing here is shown in the UI as a claim about the real province.
"""

from __future__ import annotations

HOUSEHOLDS_AT_SCALE_1 = 1_000_000
# Registered households by size 1..7: mean 3.0 people (about 3.0 million people).
SIZE_P = [0.19, 0.25, 0.20, 0.18, 0.11, 0.05, 0.02]

# Rural registered population (户籍农业人口) per unit at scale 1, before incidence.
VILLAGE_POP_MEDIAN = 1150
COMMUNITY_POP_MEDIAN = 180
POP_DECLINE_PER_YEAR = 0.008

# 2014 incidence (registered people / rural population) by county group.
REGION_OF_CITY = {
    "6101": "guanzhong",
    "6102": "guanzhong",
    "6103": "guanzhong",
    "6104": "guanzhong",
    "6105": "guanzhong",
    "6106": "north",
    "6107": "south",
    "6108": "north",
    "6109": "south",
    "6110": "south",
}
INCIDENCE_POVERTY_COUNTY = {"south": 0.26, "north": 0.18, "guanzhong": 0.17}
INCIDENCE_OTHER_COUNTY = {"south": 0.12, "north": 0.08, "guanzhong": 0.045}
URBAN_DISTRICT_FACTOR = 0.35  # a district (区) that is not a poverty county
DEEP_POVERTY_BONUS = 0.06
# A stand-in for the deep-poverty counties (docs/domain.md §2.1: about 11, list unverified):
# used only to make the poorest counties poorer; never stored or shown.
DEEP_POVERTY_NAMES = (
    "紫阳",
    "岚皋",
    "白河",
    "镇巴",
    "宁强",
    "佳县",
    "清涧",
    "子洲",
    "山阳",
    "商南",
    "丹凤",
)

# Year of identification (建档立卡 2014, then yearly adjustments).
IDENTIFY_YEARS = {2014: 0.80, 2015: 0.09, 2016: 0.06, 2017: 0.03, 2018: 0.015, 2019: 0.005}
# Exit year distribution by the county's exit year (None: not a poverty county).
# Each leaves under 3% incidence at the end of the county's exit year.
EXIT_YEARS = {
    2017: {2014: 0.06, 2015: 0.11, 2016: 0.21, 2017: 0.57, 2018: 0.035, 2019: 0.01, 2020: 0.005},
    2018: {2014: 0.05, 2015: 0.09, 2016: 0.12, 2017: 0.22, 2018: 0.46, 2019: 0.045, 2020: 0.015},
    2019: {2014: 0.04, 2015: 0.07, 2016: 0.10, 2017: 0.13, 2018: 0.29, 2019: 0.32, 2020: 0.05},
    None: {2014: 0.07, 2015: 0.12, 2016: 0.15, 2017: 0.25, 2018: 0.31, 2019: 0.07, 2020: 0.03},
}
NO_POLICY_SHARE = 0.03  # 脱贫不享受政策

CAUSE_P = {
    1: 0.42,
    2: 0.08,
    3: 0.07,
    4: 0.03,
    5: 0.005,
    6: 0.03,
    7: 0.02,
    8: 0.10,
    9: 0.10,
    10: 0.08,
    11: 0.02,
    12: 0.03,
    13: 0.015,
}
RELOCATION_SHARE = {"south": 0.20, "north": 0.08, "guanzhong": 0.04}
UNSAFE_HOUSING_SHARE = 0.22
UNSAFE_WATER_SHARE = 0.12

# Monitoring objects: people ≈ 5% of registered people; type shares of households.
MONITORED_PEOPLE_SHARE = 0.05
MONITOR_TYPE_SHARE = {1: 0.55, 2: 0.33, 3: 0.12}
SUDDEN_FROM_REGISTRY = 0.4  # share of 突发严重困难户 that were registered households
MONITOR_COUNTY_FACTOR = {"deep": 1.9, "poverty": 1.35, "other": 0.75}
# Identification intensity by year (the first sweep in 2020), and by month of the year.
MONITOR_YEAR_WEIGHT = {2020: 3.0, 2021: 1.6, 2022: 1.3, 2023: 1.1, 2024: 1.0, 2025: 0.9, 2026: 0.85}
MONITOR_MONTH_WEIGHT = [0.5, 0.6, 1.2, 1.3, 1.2, 1.1, 0.9, 0.9, 1.2, 1.2, 1.1, 0.8]
MONITOR_START = "2020-03-01"
# Identified within the 15 days the procedure allows (the rest late: a few issues).
IDENTIFIED_WITHIN_15_DAYS = 0.996
RISK_COUNT_P = [0.55, 0.28, 0.12, 0.04, 0.01]
RISK_WEIGHTS = {  # by monitoring type, over risk codes 1..13
    1: [30, 12, 8, 5, 4, 5, 14, 9, 3, 2, 1, 1, 3],
    2: [28, 10, 10, 6, 4, 5, 15, 10, 4, 3, 1, 1, 3],
    3: [30, 6, 6, 18, 20, 8, 5, 2, 2, 1, 0.5, 0.5, 2],
}
DISCOVERY_P = {1: 0.15, 2: 0.45, 3: 0.25, 4: 0.05, 5: 0.10}
ASSISTED_ELIMINATION = 0.8
# The share of households where a policy rule the platform checks is broken on purpose
# (an exit with a guarantee gap, an elimination of a household without labour...):
# the data-quality page shows a few issues, as a real registry would.
POLICY_FAULT = 0.002
FAST_ELIMINATION = 0.004  # 帮扶消除 within 2 months: the data-quality flag (and Q10)
MIN_MONITOR_DAYS = 184  # at least six calendar months from entry to elimination
ASSIST_LATE = 0.002  # first measure more than 30 days after entry
NO_ASSIST = 0.001  # no measure at all

# Income of registered households (per capita, relative to the lines):
# before exit a share of the poverty line; in the exit year above it; from 2020 a
# household-specific multiple of the monitoring line, growing a little faster than the
# line, and from 2021 at or above it unless the household is at risk (INCOME_FAULT
# below). Between exit and 2020 income grows geometrically to that level.
PRE_EXIT_RATIO = (0.55, 0.92)
EXIT_RATIO = (1.1, 1.6)
LINE_MULTIPLE_LOG_MEAN, LINE_MULTIPLE_LOG_SD = 0.5, 0.22
DRIFT_MEAN, DRIFT_SD = 0.02, 0.02
# From 2021 a household not at risk stays at or above the monitoring line, but this
# share (the cases the early-warning rules exist to find, unhandled).
INCOME_FAULT = 0.0005

# Measures per registered household, amounts (median yuan) by channel.
MEASURES_MEAN = 2.2
CHANNEL_BASE = {1: 30, 2: 20, 3: 8, 4: 0, 5: 0, 6: 12, 7: 8, 8: 10}
CHANNEL_AMOUNT = {1: 3000, 2: 1500, 3: 900, 4: 45000, 5: 18000, 6: 2500, 7: 2000, 8: 4000}
# Cause -> channel boosts.
CAUSE_CHANNEL_BOOST = {
    1: {6: 4},
    2: {6: 2, 8: 3},
    3: {7: 5},
    4: {1: 2},
    6: {1: 2, 2: 2},
    7: {1: 2},
    8: {2: 3},
    9: {1: 3},
    10: {8: 3},
    12: {2: 2},
}
RISK_CATEGORY = {  # risk -> the categories that answer it
    1: [7, 10],
    2: [10, 4],
    3: [8, 9],
    4: [5, 1],
    5: [7, 11],
    6: [1, 3],
    7: [2, 4],
    8: [4, 10],
    9: [5],
    10: [6],
    11: [8],
    12: [7],
    13: [11, 15],
}

HOUSEHOLDS_PER_CADRE = 5.5

# Department records: share of people (or households) with a record.
DEPT = {
    "medical_rate": 0.09,
    "medical_sick_factor": 4.0,  # visits per person-year
    # Out-of-pocket cost of a visit after reimbursement (median yuan, log-sd), for the
    # seriously ill and the others.
    "oop_serious": 1700,
    "oop_median": 380,
    "oop_sd": 1.0,
    "college_cost": 6500,  # a year of higher education (median yuan)
    "dropout": 0.0003,  # compulsory-school pupils recorded as dropped out, a year
    "disaster_rate": {"south": 0.016, "north": 0.010, "guanzhong": 0.006},
    "disaster_loss": 6000,  # median yuan
    "vehicle": 0.012,
    "business": 0.004,
    "payroll": 0.0025,
    "property": 0.003,
    "death": 0.005,
    "noise": 0.25,
    # Deaths of listed members not yet recorded in the registry (with dated membership).
    "death_unrecorded": 0.0005,
    # Share of adults with personal income tax records (most small; a few high).
    "tax": 0.006,
}
# Early-warning leads (预警线索, rule hits) and what the offices did about them.
LEADS = {
    "handling_days": 20,  # a lead older than this has been checked (most of them)
    "backlog": 0.02,  # leads left unhandled beyond that
    "recent_warned": 0.5,  # recent leads already entered as warnings
    # Department leads a year before the lookback window, relative to it (data
    # sharing between departments grew over the years).
    "year_weight": {2020: 0.15, 2021: 0.3, 2022: 0.5, 2023: 0.7, 2024: 0.85, 2025: 1.0},
    # Households checked and not included after a self-report, a cadre visit,
    # supervision or platform analysis, per monitoring object.
    "other_share": 0.15,
    "other_discovery": {1: 0.25, 2: 0.55, 4: 0.05, 5: 0.15},
}
# Why a checked household was not included (code table exclude_reason), by main risk:
# 1 income above the monitoring range, 2 risk already resolved, 3 stable income or
# assets, 4 wrong information, 9 other. 0: any other risk.
EXCLUDE_REASON_P = {
    0: {1: 0.45, 2: 0.25, 3: 0.18, 4: 0.06, 9: 0.06},
    1: {2: 0.55, 1: 0.28, 3: 0.09, 4: 0.04, 9: 0.04},
    3: {1: 0.45, 2: 0.33, 3: 0.14, 4: 0.04, 9: 0.04},
    4: {2: 0.5, 1: 0.3, 3: 0.12, 4: 0.04, 9: 0.04},
    8: {3: 0.45, 1: 0.35, 2: 0.12, 9: 0.08},
    11: {2: 0.72, 4: 0.24, 9: 0.04},
}
# A village whose 2014 incidence is at least this is a poor village (贫困村).
POOR_VILLAGE_INCIDENCE = 0.2

# ---------------------------------------------------------------- members over time
# (the generator's people stage; rural Shaanxi 2014-2026, approximate shapes.)
# The rural registered population of a county-level unit is at most this share of its
# published population (data/reference/county_population.csv; 2020 census resident
# population for now), by the kind of unit: 县, county-level city (市), district (区).
RURAL_SHARE_CAP = {"county": 0.9, "city": 0.8, "district": 0.7}
# Registered people of a village are at most this share of its rural population.
MAX_VILLAGE_INCIDENCE = 0.6
# Registration (建档立卡) of 2014 ran from April to October; later yearly adjustments
# anywhere in the year up to November.
REGISTRATION_2014 = ("2014-04-01", "2014-10-31")
# Yearly probability of dying: Makeham constant + Gompertz term exp(a + b*age) by sex,
# about life expectancy 73 (men) / 78 (women); infants; a factor for registered poor
# households (illness is the main cause of poverty), and a decline per year from 2014.
MORTALITY = {"makeham": 0.0004, "infant": 0.005, "male": (-9.75, 0.088), "female": (-10.8, 0.097)}
MORTALITY_POOR = 1.45
MORTALITY_DECLINE = 0.015
# Births a year to a woman living with her husband, by age from (lower bound), times a
# factor by year (the two-child policy from 2016, the decline after 2019) and by the
# children she already has at home.
MARITAL_FERTILITY = {18: 0.12, 20: 0.26, 25: 0.2, 30: 0.11, 35: 0.04, 40: 0.01, 46: 0.0}
FERTILITY_YEAR = {
    2014: 1.0,
    2015: 0.95,
    2016: 1.15,
    2017: 1.2,
    2018: 1.0,
    2019: 0.92,
    2020: 0.8,
    2021: 0.72,
    2022: 0.66,
    2023: 0.6,
    2024: 0.62,
    2025: 0.58,
    2026: 0.55,
}
PARITY_FACTOR = (1.0, 0.8, 0.3, 0.06)  # 0, 1, 2, 3+ children at home
MALE_BIRTH_SHARE = 0.525  # sex ratio at birth about 110 (rural Shaanxi, 2010s)
# Yearly rates of leaving and joining, by age from (lower bound).
MARRY_OUT = {19: 0.05, 21: 0.12, 22: 0.19, 29: 0.08, 34: 0.02, 40: 0.0}  # daughters
MARRY_IN = {22: 0.07, 24: 0.13, 30: 0.06, 36: 0.015, 41: 0.0}  # sons bring a wife
MOVE_OUT = {16: 0.0, 18: 0.022, 23: 0.012, 31: 0.004, 41: 0.0}  # hukou moved out
OTHER_LEAVE = 0.001  # divorce and the like (spouses, daughters-in-law; reason 9)
MOVE_IN = 0.0015  # a relative moves their hukou in, per household and year
# At identification: the head of a one-person household is older; the heads of most
# larger households are men; parents living with the head are mostly mothers.
HEAD_AGE = {"single": ((0.7, 66, 10), (0.3, 48, 12)), "family": (50, 13)}
HEAD_MALE = {
    "single_tekun": 0.6,
    "single_old": 0.22,
    "single_young": 0.65,
    "family": 0.93,
    "family_no_spouse_young": 0.75,
    "family_no_spouse_old": 0.22,
}
PARENT_MALE = 0.5
OTHER_MALE = 0.515
# In an older couple (head aged 45+ at identification) the wife outlives her husband in
# about this share: she never leaves and heads the household when he dies.
WIFE_OUTLIVES = 0.65
# A family with a grown son: the share where he stays for good and takes over as head.
SON_ANCHOR = 0.6
UNINSURED = 0.0008  # members without basic medical insurance (and no recorded gap)
