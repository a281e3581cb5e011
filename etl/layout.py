"""The registry layout (docs/registry.md): the files a province delivers, their columns,
types, code tables, keys and references. One definition, used by the loader
(etl.registry), the synthetic generator's writer and the exchange export; the test in
tests/etl/test_layout.py keeps docs/registry.md in step with it.

Column types:
    int       a whole number (``lo``/``hi`` bound it)
    decimal   a number with at most two decimals
    date      YYYY-MM-DD (also YYYY/MM/DD, and an Excel date cell)
    bool      是/否, 1/0, Y/N, true/false
    code      a value of the code table ``domain`` (domain/codes.py)
    text      at most ``max`` characters
    id_number an 18-character resident ID number (GB 11643 check digit)
    region    a 12-digit Shaanxi division code (``level``: the level it must have)
"""

from __future__ import annotations

from dataclasses import dataclass, field

LAYOUT = "jingzhun-registry"
FIRST_YEAR = 2014  # the registry's first year (建档立卡): rollups start here
VERSION = 1
KINDS = ("full", "increment")
FORMATS = (".csv", ".xlsx", ".parquet")
MANIFEST = "manifest.json"
REMOVED = "removed"  # <file>.removed.csv lists the keys an increment takes away


@dataclass(frozen=True)
class Col:
    name: str
    type: str
    zh: str
    sql: str  # the warehouse column type
    required: bool = False
    domain: str | None = None
    max: int | None = None
    lo: float | None = None
    hi: float | None = None
    level: int | None = None
    unit: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Ref:
    column: str
    file: str  # the file whose key the column names
    target: str  # that file's key column


@dataclass(frozen=True)
class File:
    name: str
    zh: str
    table: str  # the warehouse table its rows become
    key: tuple[str, ...]
    columns: tuple[Col, ...]
    refs: tuple[Ref, ...] = ()
    required: bool = False  # a full delivery must have it
    order: tuple[str, ...] = ()  # date or year columns that may not decrease, in order
    derived: tuple[str, ...] = ()  # warehouse columns the loader computes (docs)
    informational: tuple[str, ...] = ()  # accepted, not stored: the loader computes them
    keyed: bool = True  # False: records without a key (department data)
    note: str = ""

    @property
    def by_name(self) -> dict[str, Col]:
        return {c.name: c for c in self.columns}


def _id(name: str, zh: str) -> Col:
    return Col(name, "int", zh, "BIGINT", required=True, lo=1, hi=2**53)


def _money(name: str, zh: str, required: bool = True, lo: float | None = 0) -> Col:
    return Col(name, "int", zh, "INTEGER", required=required, lo=lo, hi=2**31 - 1, unit="元")


def _year(name: str, zh: str, required: bool = False) -> Col:
    return Col(name, "int", zh, "SMALLINT", required=required, lo=2000, hi=2100)


def _bool(name: str, zh: str, required: bool = False) -> Col:
    return Col(name, "bool", zh, "BOOLEAN", required=required)


def _code(name: str, zh: str, domain: str, sql: str = "TINYINT", required: bool = False) -> Col:
    return Col(name, "code", zh, sql, required=required, domain=domain)


def _date(name: str, zh: str, required: bool = False) -> Col:
    return Col(name, "date", zh, "DATE", required=required)


HOUSEHOLD = Ref("household_no", "households", "household_no")

PROCEDURE = (
    "warning_date",
    "check_date",
    "consent_date",
    "comparison_date",
    "village_review_date",
    "notice_date",
    "notice_end_date",
    "township_review_date",
    "county_decision_date",
    "identify_date",
    "assist_date",
    "eliminate_date",
)

FILES: tuple[File, ...] = (
    File(
        "households",
        "农户",
        "household",
        ("household_no",),
        (
            Col(
                "household_no",
                "text",
                "户编号",
                "VARCHAR",
                required=True,
                max=20,
                note="the household's number in the national system; never reused",
            ),
            Col(
                "village_code", "region", "所在村(社区)区划代码", "VARCHAR", required=True, level=5
            ),
            Col("head_name", "text", "户主姓名", "VARCHAR", required=True, max=30),
            Col("phone", "text", "联系电话", "VARCHAR", max=20),
            _bool("is_registered", "是否建档立卡户", required=True),
            _code("household_type", "贫困户属性", "household_type", required=True),
            _year("identify_year", "识别年度"),
            _year("exit_year", "脱贫年度"),
            _code("exit_type", "脱贫属性", "exit_type"),
            _code("main_cause", "主要致贫原因", "cause"),
            _code("monitor_type", "监测对象类型", "monitor_type"),
            _code("housing_grade", "住房安全等级", "housing_grade", sql="VARCHAR"),
            _bool("relocated", "是否易地扶贫搬迁", required=True),
            _year("relocation_year", "搬迁年度"),
            _bool("sanitary_toilet", "是否有卫生厕所", required=True),
            _bool("road_access", "是否通硬化路", required=True),
            Col("farmland_mu", "decimal", "耕地面积", "DOUBLE", lo=0, hi=1e6, unit="亩"),
            Col("forest_mu", "decimal", "林地面积", "DOUBLE", lo=0, hi=1e6, unit="亩"),
        ),
        required=True,
        order=("identify_year", "exit_year"),
        derived=(
            "household_id",
            "township_code",
            "county_code",
            "city_code",
            "members",
            "no_labour",
            "per_capita_income",
            "cadre_id",
        ),
        informational=("members", "no_labour", "per_capita_income"),
        note="A registered household (is_registered 是) needs identify_year and main_cause; "
        "a relocated one needs relocation_year. household_type 9 marks a household "
        "that is not in the poverty registry (a monitoring object added later).",
    ),
    File(
        "members",
        "家庭成员",
        "person",
        ("id_number",),
        (
            Col("id_number", "id_number", "身份证号", "VARCHAR", required=True),
            Col("household_no", "text", "户编号", "VARCHAR", required=True, max=20),
            Col("name", "text", "姓名", "VARCHAR", required=True, max=30),
            _code("relation", "与户主关系", "relation", sql="VARCHAR", required=True),
            _code("sex", "性别", "sex", required=True),
            _date("birth_date", "出生日期", required=True),
            _code("ethnicity", "民族", "ethnicity"),
            _code("education", "文化程度", "education"),
            _bool("in_school", "是否在校生"),
            _code("school_stage", "在校阶段", "school_stage"),
            _code("health", "健康状况", "health"),
            Col(
                "disability_grade",
                "int",
                "残疾等级",
                "TINYINT",
                lo=1,
                hi=4,
                note="1 (most severe) to 4; empty when not disabled",
            ),
            _code("labour", "劳动技能", "labour"),
            Col("migrant_months", "int", "务工时间", "TINYINT", lo=0, hi=12, unit="月"),
            _bool("medical_insurance", "是否参加基本医疗保险"),
            _bool("pension", "是否参加基本养老保险"),
            _bool("dibao", "是否享受低保"),
            _bool("tekun", "是否特困供养"),
            _bool("welfare_job", "是否公益岗位"),
            Col("phone", "text", "联系电话", "VARCHAR", max=20),
            _date("joined_date", "入户日期"),
            _code("join_reason", "增员原因", "member_join"),
            _date("left_date", "减员日期"),
            _code("left_reason", "减员原因", "member_leave"),
        ),
        refs=(HOUSEHOLD,),
        required=True,
        order=("birth_date", "joined_date", "left_date"),
        derived=("person_id", "household_id", "age"),
        note="The ID number's birth date and sex digit must agree with birth_date and sex. "
        "A member is listed once, in the household of which they are or were last a "
        "member. joined_date is the day they became a member (empty: since before "
        "the household was identified, or since birth if born later); left_date the "
        "day they stopped being one (empty: a current member), given with "
        "left_reason exactly. A person is present at the end of year Y when born, "
        "joined and not yet left by then (left_date > Y-12-31): every yearly people "
        "figure counts those. household.members counts the current members; age is "
        "at as_of for them, at left_date for those who left.",
    ),
    File(
        "income",
        "家庭年收入",
        "income",
        ("household_no", "year"),
        (
            Col("household_no", "text", "户编号", "VARCHAR", required=True, max=20),
            _year("year", "年度", required=True),
            Col("members", "int", "当年家庭人口", "TINYINT", required=True, lo=1, hi=99, unit="人"),
            _money("wages", "工资性收入"),
            _money("business", "生产经营性收入"),
            _money("property", "财产性收入"),
            _money("transfers", "转移性收入"),
            _money("production_costs", "生产经营性支出"),
            _money("net_income", "家庭纯收入", lo=None),
        ),
        refs=(HOUSEHOLD,),
        derived=("household_id", "per_capita"),
        note="Amounts in whole yuan for the calendar year; net_income = wages + business + "
        "property + transfers − production_costs (quality check Q13).",
    ),
    File(
        "measures",
        "帮扶措施",
        "measure",
        ("measure_id",),
        (
            _id("measure_id", "措施编号"),
            Col("household_no", "text", "户编号", "VARCHAR", required=True, max=20),
            _year("year", "年度", required=True),
            _date("start_date", "实施日期", required=True),
            _code("channel", "八个一批", "channel"),
            _code("category", "帮扶措施类别", "measure_category"),
            Col("amount", "int", "投入资金", "BIGINT", required=True, lo=0, hi=2**53, unit="元"),
            _code("department", "责任部门", "department", sql="VARCHAR", required=True),
            _bool("for_monitoring", "是否监测帮扶措施", required=True),
        ),
        refs=(HOUSEHOLD,),
        derived=("household_id",),
    ),
    File(
        "units",
        "帮扶单位",
        "unit",
        ("unit_id",),
        (
            _id("unit_id", "单位编号"),
            Col("name", "text", "单位名称", "VARCHAR", required=True, max=60),
            Col(
                "level",
                "int",
                "单位层级",
                "BIGINT",
                required=True,
                lo=1,
                hi=4,
                note="1 省 / 2 市 / 3 县 / 4 乡镇",
            ),
            Col("region_code", "region", "所在区划代码", "VARCHAR", required=True),
            Col("unit_type", "text", "单位性质", "VARCHAR", required=True, max=20),
        ),
    ),
    File(
        "cadres",
        "帮扶干部",
        "cadre",
        ("cadre_id",),
        (
            _id("cadre_id", "干部编号"),
            Col("name", "text", "姓名", "VARCHAR", required=True, max=30),
            _code("sex", "性别", "sex"),
            Col("unit_id", "int", "派出单位编号", "BIGINT", required=True, lo=1, hi=2**53),
            Col(
                "township_code", "region", "帮扶所在乡镇区划代码", "VARCHAR", required=True, level=4
            ),
            Col(
                "position",
                "text",
                "职责",
                "VARCHAR",
                required=True,
                max=20,
                note="帮扶责任人, 第一书记, 驻村工作队员 …",
            ),
            Col("phone", "text", "联系电话", "VARCHAR", max=20),
        ),
        refs=(Ref("unit_id", "units", "unit_id"),),
    ),
    File(
        "pairings",
        "结对帮扶",
        "pairing",
        ("household_no", "cadre_id", "start_date"),
        (
            Col("household_no", "text", "户编号", "VARCHAR", required=True, max=20),
            Col("cadre_id", "int", "帮扶干部编号", "BIGINT", required=True, lo=1, hi=2**53),
            _date("start_date", "结对日期", required=True),
            _date("end_date", "解除日期"),
        ),
        refs=(HOUSEHOLD, Ref("cadre_id", "cadres", "cadre_id")),
        order=("start_date", "end_date"),
        derived=("household_id",),
        note="A pairing with no end_date is current; the household's cadre is the current "
        "pairing that started last.",
    ),
    File(
        "villages",
        "村情",
        "village",
        ("village_code",),
        (
            Col("village_code", "region", "村(社区)区划代码", "VARCHAR", required=True, level=5),
            _code("kind", "类别", "kind", sql="VARCHAR", required=True),
            Col("natural_villages", "int", "自然村数", "SMALLINT", lo=0, hi=999),
            _year("road_hardened_year", "通硬化路年度"),
            _year("tap_water_year", "通自来水年度"),
            _year("housing_safe_year", "住房安全全部达标年度"),
            _bool("has_clinic", "是否有标准化卫生室"),
            _bool("has_collective_economy", "是否有集体经济收入"),
            Col("team_unit_id", "int", "驻村工作队派出单位编号", "BIGINT", lo=1, hi=2**53),
            Col("first_secretary_id", "int", "第一书记干部编号", "BIGINT", lo=1, hi=2**53),
            _bool("poor_village", "是否贫困村"),
            _year("poor_village_exit_year", "贫困村退出年度"),
        ),
        refs=(
            Ref("team_unit_id", "units", "unit_id"),
            Ref("first_secretary_id", "cadres", "cadre_id"),
        ),
    ),
    File(
        "population",
        "农村户籍人口",
        "population",
        ("village_code", "year"),
        (
            Col("village_code", "region", "村(社区)区划代码", "VARCHAR", required=True, level=5),
            _year("year", "年度", required=True),
            Col(
                "rural_population",
                "int",
                "农村户籍人口",
                "BIGINT",
                required=True,
                lo=0,
                hi=10**7,
                unit="人",
            ),
        ),
        note="The denominator of incidence and of monitoring per 1,000: at the year's end.",
    ),
    File(
        "monitoring",
        "防返贫监测对象",
        "monitoring",
        ("monitoring_id",),
        (
            _id("monitoring_id", "监测记录编号"),
            Col("household_no", "text", "户编号", "VARCHAR", required=True, max=20),
            _code("monitor_type", "监测对象类型", "monitor_type", required=True),
            _code("discovery", "发现方式", "discovery"),
            _date("warning_date", "预警日期", required=True),
            _date("check_date", "入户核实日期"),
            _code("check_result", "核实结论", "check_result"),
            _code("exclude_reason", "不纳入原因", "exclude_reason"),
            _date("consent_date", "农户承诺授权日期"),
            _date("comparison_date", "数据比对日期"),
            _date("village_review_date", "村级民主评议日期"),
            _date("notice_date", "村级公示开始日期"),
            _date("notice_end_date", "村级公示结束日期"),
            _date("township_review_date", "乡镇审核日期"),
            _date("county_decision_date", "县级审定日期"),
            _date("identify_date", "录入(纳入监测)日期"),
            _date("assist_date", "落实帮扶日期"),
            _date("eliminate_date", "风险消除日期"),
            _code("eliminate_method", "风险消除方式", "elimination"),
        ),
        refs=(HOUSEHOLD,),
        order=PROCEDURE,
        derived=(
            "household_id",
            "village_code",
            "state",
            "risk_count",
            "main_risk",
            "fast_elimination",
        ),
        note="The dates follow the procedure in this order; a later step may be empty "
        "while it has not happened. eliminate_method is given exactly when "
        "eliminate_date is, and an elimination needs identify_date. check_result "
        "is the outcome of the check: empty while undecided; 1 (included) whenever "
        "identify_date is given (an empty check_result with identify_date is read "
        "as 1, as deliveries before this column have it); 2 (checked and not "
        "included) needs check_date and no identify_date, assist_date or "
        "eliminate_date. exclude_reason is given exactly when check_result is 2. "
        "state: 1 awaiting a decision, 2 monitored, 3 risk eliminated, 4 checked "
        "and not included. A household has at most one monitoring record.",
    ),
    File(
        "monitoring_risks",
        "监测风险类型",
        "monitoring_risk",
        ("monitoring_id", "seq"),
        (
            Col("monitoring_id", "int", "监测记录编号", "BIGINT", required=True, lo=1, hi=2**53),
            Col(
                "seq",
                "int",
                "序号",
                "TINYINT",
                required=True,
                lo=1,
                hi=13,
                note="1 is the main risk",
            ),
            _code("risk_type", "风险类型", "risk", required=True),
        ),
        refs=(Ref("monitoring_id", "monitoring", "monitoring_id"),),
        derived=("household_id",),
    ),
    File(
        "guarantee_gaps",
        "两不愁三保障未达标",
        "condition_gap",
        ("household_no", "item", "from_year"),
        (
            Col("household_no", "text", "户编号", "VARCHAR", required=True, max=20),
            _code("item", "保障项目", "gap", sql="VARCHAR", required=True),
            _year("from_year", "起始年度", required=True),
            _year("to_year", "结束年度", required=True),
        ),
        refs=(HOUSEHOLD,),
        order=("from_year", "to_year"),
        derived=("household_id",),
        note="One row per spell of years (inclusive) in which a household's housing, "
        "drinking water, compulsory education or basic medical insurance was not "
        "assured; years not listed were assured.",
    ),
)


def _dept(name: str, zh: str, cols: tuple[Col, ...]) -> File:
    return File(
        name,
        zh,
        name,
        (),
        (Col("id_number", "id_number", "身份证号", "VARCHAR", required=True),) + cols,
        keyed=False,
        note="Department records as the department delivered them (no key)."
        " Later deliveries come as imports (/imports).",
    )


DEPARTMENT_FILES: tuple[File, ...] = (
    _dept(
        "dept_medical",
        "医保结算",
        (
            _date("month", "结算月份", required=True),
            Col(
                "total_cost",
                "int",
                "医疗总费用",
                "BIGINT",
                required=True,
                lo=0,
                hi=2**53,
                unit="元",
            ),
            Col(
                "out_of_pocket",
                "int",
                "个人自付",
                "BIGINT",
                required=True,
                lo=0,
                hi=2**53,
                unit="元",
            ),
        ),
    ),
    _dept(
        "dept_education",
        "学籍",
        (
            _year("school_year", "学年", required=True),
            Col("stage", "int", "学段", "TINYINT", required=True, lo=1, hi=5),
            Col("costs", "int", "教育支出", "BIGINT", lo=0, hi=2**53, unit="元"),
            _bool("dropout", "是否辍学"),
        ),
    ),
    _dept(
        "dept_disaster",
        "灾情",
        (
            _date("event_date", "受灾日期", required=True),
            _code("disaster_type", "灾害类型", "disaster"),
            Col("loss", "int", "损失", "BIGINT", lo=0, hi=2**53, unit="元"),
        ),
    ),
    _dept(
        "dept_vehicle",
        "机动车登记",
        (
            Col("plate", "text", "号牌号码", "VARCHAR", required=True, max=12),
            _code("vehicle_type", "车辆类型", "vehicle"),
            _date("registered_on", "登记日期"),
        ),
    ),
    _dept(
        "dept_business",
        "市场主体登记",
        (
            Col("enterprise", "text", "市场主体名称", "VARCHAR", required=True, max=100),
            _date("registered_on", "成立日期"),
            Col("capital", "int", "注册资本", "BIGINT", lo=0, hi=2**53, unit="元"),
        ),
    ),
    _dept(
        "dept_payroll",
        "财政供养人员",
        (
            Col("employer", "text", "工作单位", "VARCHAR", required=True, max=100),
            _date("start_date", "入职日期"),
            Col("monthly_pay", "int", "月工资", "BIGINT", lo=0, hi=2**53, unit="元"),
        ),
    ),
    _dept(
        "dept_property",
        "不动产登记",
        (
            Col("city", "text", "房屋所在城市", "VARCHAR", max=20),
            _date("purchased_on", "登记日期"),
            Col("area_m2", "int", "面积", "INTEGER", lo=0, hi=100000, unit="平方米"),
            Col("price", "int", "价格", "BIGINT", lo=0, hi=2**53, unit="元"),
        ),
    ),
    _dept("dept_death", "死亡注销", (_date("death_date", "死亡日期", required=True),)),
    _dept(
        "dept_tax",
        "个人所得税",
        (
            _year("tax_year", "纳税年度", required=True),
            Col("tax_paid", "int", "已缴税额", "BIGINT", required=True, lo=0, hi=2**53, unit="元"),
        ),
    ),
)

ALL: tuple[File, ...] = FILES + DEPARTMENT_FILES
BY_NAME: dict[str, File] = {f.name: f for f in ALL}


@dataclass
class Manifest:
    layout: str
    version: int
    kind: str
    as_of: str  # the last day the data covers, YYYY-MM-DD
    files: dict[str, dict] = field(default_factory=dict)  # file name -> rows, sha256
    source: str = ""
    extra: dict = field(default_factory=dict)
