"""Calibration of the synthetic registry: the only place its shape is tuned.

Figures come from domain.md; those marked there as unverified are used for shape only.
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
REGION_OF_CITY = {"6101": "guanzhong", "6102": "guanzhong", "6103": "guanzhong",
                  "6104": "guanzhong", "6105": "guanzhong", "6106": "north", "6107": "south",
                  "6108": "north", "6109": "south", "6110": "south"}
INCIDENCE_POVERTY_COUNTY = {"south": 0.26, "north": 0.18, "guanzhong": 0.17}
INCIDENCE_OTHER_COUNTY = {"south": 0.12, "north": 0.08, "guanzhong": 0.045}
URBAN_DISTRICT_FACTOR = 0.35  # a district (区) that is not a poverty county
DEEP_POVERTY_BONUS = 0.06
# A stand-in for the deep-poverty counties (domain.md: about 11, list unverified):
# used only to make the poorest counties poorer; never stored or shown.
DEEP_POVERTY_NAMES = ("紫阳", "岚皋", "白河", "镇巴", "宁强", "佳县", "清涧", "子洲", "山阳",
                      "商南", "丹凤")

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

CAUSE_P = {1: 0.42, 2: 0.08, 3: 0.07, 4: 0.03, 5: 0.005, 6: 0.03, 7: 0.02, 8: 0.10,
           9: 0.10, 10: 0.08, 11: 0.02, 12: 0.03, 13: 0.015}
RELOCATION_SHARE = {"south": 0.20, "north": 0.08, "guanzhong": 0.04}
UNSAFE_HOUSING_SHARE = 0.22
UNSAFE_WATER_SHARE = 0.12

# Monitoring objects: people ≈ 5% of registered people; type shares of households.
MONITORED_PEOPLE_SHARE = 0.05
MONITOR_TYPE_SHARE = {1: 0.55, 2: 0.33, 3: 0.12}
SUDDEN_FROM_REGISTRY = 0.4  # share of 突发严重困难户 that were registered households
MONITOR_COUNTY_FACTOR = {"deep": 1.9, "poverty": 1.35, "other": 0.75}
# Identification intensity by year (the first sweep in 2020), and by month of the year.
MONITOR_YEAR_WEIGHT = {2020: 3.0, 2021: 1.6, 2022: 1.3, 2023: 1.1, 2024: 1.0, 2025: 0.9,
                       2026: 0.85}
MONITOR_MONTH_WEIGHT = [0.5, 0.6, 1.2, 1.3, 1.2, 1.1, 0.9, 0.9, 1.2, 1.2, 1.1, 0.8]
MONITOR_START = "2020-03-01"
IDENTIFIED_WITHIN_15_DAYS = 0.86
RISK_COUNT_P = [0.55, 0.28, 0.12, 0.04, 0.01]
RISK_WEIGHTS = {  # by monitoring type, over risk codes 1..13
    1: [30, 12, 8, 5, 4, 5, 14, 9, 3, 2, 1, 1, 3],
    2: [28, 10, 10, 6, 4, 5, 15, 10, 4, 3, 1, 1, 3],
    3: [30, 6, 6, 18, 20, 8, 5, 2, 2, 1, 0.5, 0.5, 2],
}
DISCOVERY_P = {1: 0.15, 2: 0.45, 3: 0.25, 4: 0.05, 5: 0.10}
ASSISTED_ELIMINATION = 0.8
FAST_ELIMINATION = 0.01  # 帮扶消除 within 2 months: the data-quality flag

# Income of registered households (per capita, relative to the lines):
# before exit a share of the poverty line; in the exit year above it; from 2020 a
# household-specific multiple of the monitoring line (about 1.2% fall below it without
# being monitored: the cases the early-warning rules exist to find), growing a little
# faster than the line. Between exit and 2020 income grows geometrically to that level.
PRE_EXIT_RATIO = (0.55, 0.92)
EXIT_RATIO = (1.1, 1.6)
LINE_MULTIPLE_LOG_MEAN, LINE_MULTIPLE_LOG_SD = 0.5, 0.22
DRIFT_MEAN, DRIFT_SD = 0.02, 0.02

# Measures per registered household, amounts (median yuan) by channel.
MEASURES_MEAN = 2.2
CHANNEL_BASE = {1: 30, 2: 20, 3: 8, 4: 0, 5: 0, 6: 12, 7: 8, 8: 10}
CHANNEL_AMOUNT = {1: 3000, 2: 1500, 3: 900, 4: 45000, 5: 18000, 6: 2500, 7: 2000, 8: 4000}
# Cause -> channel boosts.
CAUSE_CHANNEL_BOOST = {1: {6: 4}, 2: {6: 2, 8: 3}, 3: {7: 5}, 4: {1: 2}, 6: {1: 2, 2: 2},
                       7: {1: 2}, 8: {2: 3}, 9: {1: 3}, 10: {8: 3}, 12: {2: 2}}
RISK_CATEGORY = {  # risk -> the categories that answer it
    1: [7, 10], 2: [10, 4], 3: [8, 9], 4: [5, 1], 5: [7, 11], 6: [1, 3], 7: [2, 4],
    8: [4, 10], 9: [5], 10: [6], 11: [8], 12: [7], 13: [11, 15],
}

HOUSEHOLDS_PER_CADRE = 5.5

# Department records: share of people (or households) with a record.
DEPT = {
    "medical_rate": 0.09, "medical_sick_factor": 4.0,  # visits per person-year
    "disaster_rate": {"south": 0.016, "north": 0.010, "guanzhong": 0.006},
    "vehicle": 0.012, "business": 0.004, "payroll": 0.0025, "property": 0.003,
    "death": 0.005, "noise": 0.25,
    # Share of adults with personal income tax records (most small; a few high).
    "tax": 0.006,
}
# A village whose 2014 incidence is at least this is a poor village (贫困村).
POOR_VILLAGE_INCIDENCE = 0.2
