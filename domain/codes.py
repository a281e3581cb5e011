"""Code tables of the registry (docs/domain.md §3, §4): code -> (Chinese, English).

The warehouse stores small integer or short string codes; the ``code`` table built from
this module gives their labels, so pages and exports never hard-code a label.
"""

from __future__ import annotations

CODES: dict[str, dict[int | str, tuple[str, str]]] = {
    # 致贫原因: main cause of poverty
    "cause": {
        1: ("因病", "illness"),
        2: ("因残", "disability"),
        3: ("因学", "schooling costs"),
        4: ("因灾", "disaster"),
        5: ("因婚", "marriage"),
        6: ("缺土地", "lack of land"),
        7: ("缺水", "lack of water"),
        8: ("缺技术", "lack of skills"),
        9: ("缺资金", "lack of capital"),
        10: ("缺劳力", "lack of labour"),
        11: ("交通条件落后", "poor transport"),
        12: ("自身发展动力不足", "lack of drive"),
        13: ("其他", "other"),
    },
    # 贫困户属性: household type
    "household_type": {
        1: ("一般贫困户", "ordinary poor household"),
        2: ("低保贫困户", "minimum-living-allowance household"),
        3: ("特困供养贫困户", "extreme-hardship support household"),
        9: ("非建档立卡户", "not in the poverty registry"),
    },
    # 监测对象类型: monitoring type
    "monitor_type": {
        1: ("脱贫不稳定户", "exited but unstable"),
        2: ("边缘易致贫户", "marginal, at risk"),
        3: ("突发严重困难户", "sudden severe hardship"),
    },
    # 风险类型: risk type
    "risk": {
        1: ("因病", "illness"),
        2: ("因残", "disability"),
        3: ("因学", "schooling"),
        4: ("因灾", "disaster"),
        5: ("因意外事故", "accident"),
        6: ("因产业项目失败", "business failure"),
        7: ("因务工就业不稳", "unstable work"),
        8: ("因缺劳动力", "lack of labour"),
        9: ("住房安全", "unsafe housing"),
        10: ("饮水安全", "unsafe water"),
        11: ("义务教育辍学", "school dropout"),
        12: ("未参加基本医保", "no basic medical insurance"),
        13: ("其他", "other"),
    },
    # 发现方式: how a risk was found
    "discovery": {
        1: ("农户自主申报", "self-report"),
        2: ("干部走访排查", "cadre visit"),
        3: ("部门筛查预警", "department screening"),
        4: ("监督反馈", "supervision feedback"),
        5: ("平台数据分析", "platform analysis"),
    },
    # 风险消除方式: how a risk was eliminated
    "elimination": {1: ("帮扶消除", "through assistance"), 2: ("自然消除", "naturally")},
    # 监测状态 (derived: monitoring.state)
    "monitor_state": {
        1: ("待认定", "warned, awaiting approval"),
        2: ("风险未消除", "risk not eliminated"),
        3: ("风险已消除", "risk eliminated"),
        4: ("核实未纳入", "checked, not included"),
    },
    # 走访方式: how a cadre's visit (走访) was made (/m, domain/field.py)
    "visit_kind": {
        1: ("入户走访", "home visit"),
        2: ("电话回访", "phone call"),
        3: ("集中帮扶活动", "assistance activity"),
    },
    # 反馈类型: what a household's feedback (贫困户反馈) is about (domain/feedback.py)
    "feedback_type": {
        1: ("政策咨询", "policy question"),
        2: ("帮扶需求", "request for assistance"),
        3: ("问题反映", "complaint"),
        4: ("意见建议", "suggestion"),
    },
    # 反馈来源: how it reached the platform
    "feedback_channel": {
        1: ("明白卡扫码", "household card (QR code)"),
        2: ("干部代录", "cadre on the household's behalf"),
        3: ("12317 热线", "12317 hotline call"),
        4: ("热线系统导入", "hotline system import"),
    },
    # 满意度: the household's answer when the ticket is closed
    "satisfaction": {
        1: ("满意", "satisfied"),
        2: ("基本满意", "fairly satisfied"),
        3: ("不满意", "not satisfied"),
    },
    # 核实结论: the outcome of the home check of a warned household
    "check_result": {1: ("纳入监测", "included"), 2: ("核实后不纳入", "checked, not included")},
    # 不纳入原因: why a checked household was not included
    "exclude_reason": {
        1: ("人均纯收入高于监测范围", "income above the monitoring range"),
        2: ("风险已化解", "risk already resolved"),
        3: ("家庭有稳定收入或较多资产", "stable income or considerable assets"),
        4: ("信息有误", "wrong information"),
        9: ("其他", "other"),
    },
    # 增员原因 / 减员原因: why a person joined or left a household
    "member_join": {
        1: ("建档时在户", "a member when registered"),
        2: ("新生儿", "newborn"),
        3: ("婚入", "married in"),
        4: ("户口迁入", "moved in"),
        9: ("其他", "other"),
    },
    "member_leave": {
        1: ("死亡", "died"),
        2: ("婚出", "married out"),
        3: ("户口迁出", "moved out"),
        9: ("其他", "other"),
    },
    # 八个一批: the eight assistance channels
    "channel": {
        1: ("产业扶持", "industry"),
        2: ("就业扶持", "employment"),
        3: ("生态补偿", "ecological compensation"),
        4: ("易地搬迁", "relocation"),
        5: ("危房改造", "housing renovation"),
        6: ("健康扶贫", "health"),
        7: ("教育支持", "education"),
        8: ("兜底保障", "social safety net"),
    },
    # 帮扶措施类别 (monitoring era)
    "measure_category": {
        1: ("产业帮扶", "industry"),
        2: ("就业帮扶", "employment"),
        3: ("金融帮扶(小额信贷)", "finance (micro-credit)"),
        4: ("公益岗位", "public-welfare job"),
        5: ("住房保障", "housing"),
        6: ("饮水保障", "water"),
        7: ("健康帮扶", "health"),
        8: ("义务教育保障", "compulsory education"),
        9: ("其他教育帮扶", "other education"),
        10: ("综合保障", "comprehensive safety net"),
        11: ("社会帮扶", "social assistance"),
        12: ("易地搬迁后扶", "relocation follow-up"),
        13: ("人居环境改善", "living conditions"),
        14: ("基础设施", "infrastructure"),
        15: ("其他", "other"),
    },
    # 责任部门: the department responsible for a measure
    "department": {
        "agri": ("农业农村部门", "agriculture and rural affairs"),
        "hr": ("人社部门", "human resources and social security"),
        "forestry": ("林业部门", "forestry"),
        "drc": ("发改部门", "development and reform"),
        "housing": ("住建部门", "housing and construction"),
        "health": ("卫健部门", "health"),
        "medins": ("医保部门", "medical insurance"),
        "education": ("教育部门", "education"),
        "civil": ("民政部门", "civil affairs"),
        "water": ("水利部门", "water resources"),
        "finance": ("财政部门", "finance"),
        "transport": ("交通部门", "transport"),
        "disabled": ("残联", "disabled persons' federation"),
        "emergency": ("应急管理部门", "emergency management"),
        "police": ("公安部门", "public security"),
        "market": ("市场监管部门", "market regulation"),
        "tax": ("税务部门", "taxation"),
    },
    # 与户主关系: relation to the head
    "relation": {
        "01": ("户主", "self"),
        "10": ("配偶", "spouse"),
        "20": ("子", "son"),
        "30": ("女", "daughter"),
        "40": ("孙子女", "grandchild"),
        "50": ("父母", "parent"),
        "60": ("祖父母", "grandparent"),
        "70": ("兄弟姐妹", "sibling"),
        "99": ("其他", "other"),
    },
    "sex": {1: ("男", "male"), 2: ("女", "female")},
    "ethnicity": {
        1: ("汉族", "Han"),
        3: ("回族", "Hui"),
        11: ("满族", "Manchu"),
        2: ("蒙古族", "Mongol"),
        99: ("其他民族", "other"),
    },
    "education": {
        1: ("学龄前儿童", "pre-school"),
        2: ("在校生", "in school"),
        3: ("文盲或半文盲", "illiterate"),
        4: ("小学", "primary"),
        5: ("初中", "junior secondary"),
        6: ("高中", "senior secondary"),
        7: ("大专及以上", "college or above"),
    },
    "school_stage": {
        1: ("学前", "pre-school"),
        2: ("小学", "primary"),
        3: ("初中", "junior secondary"),
        4: ("高中/中职", "senior secondary or vocational"),
        5: ("高职/本科", "college"),
    },
    "health": {
        1: ("健康", "healthy"),
        2: ("长期慢性病", "chronic illness"),
        3: ("患有大病", "serious illness"),
        4: ("残疾", "disabled"),
    },
    "labour": {
        1: ("普通劳动力", "ordinary labour"),
        2: ("技能劳动力", "skilled labour"),
        3: ("弱劳动力或半劳动力", "weak or half labour"),
        4: ("丧失劳动力", "lost labour"),
        5: ("无劳动力", "no labour"),
    },
    "housing_grade": {
        "A": ("A级(安全)", "A (safe)"),
        "B": ("B级(基本安全)", "B (basically safe)"),
        "C": ("C级(局部危险)", "C (partly dangerous)"),
        "D": ("D级(整体危险)", "D (dangerous)"),
    },
    "exit_type": {
        1: ("正常脱贫", "exited"),
        2: ("脱贫不享受政策", "exited, no longer on policies"),
    },
    "disaster": {
        1: ("洪涝", "flood"),
        2: ("地质灾害", "geological"),
        3: ("干旱", "drought"),
        4: ("生物灾害", "biological"),
        5: ("气象灾害", "weather"),
        6: ("地震", "earthquake"),
    },
    "vehicle": {1: ("小型汽车", "car"), 2: ("货车", "lorry"), 3: ("工程机械", "heavy machinery")},
    "gap": {
        "housing": ("住房不安全", "unsafe housing"),
        "water": ("饮水不安全", "unsafe water"),
        "education": ("义务教育辍学", "compulsory-education dropout"),
        "medical": ("未参加基本医保", "no basic medical insurance"),
    },
    "kind": {
        "province": ("省", "province"),
        "city": ("市", "city"),
        "county": ("县", "county"),
        "township": ("乡镇", "township"),
        "village": ("村委会", "village committee"),
        "community": ("社区居委会", "community committee"),
        "other": ("其他", "other"),
    },
}

# Which department answers for a channel, and which channel a monitoring-era category
# counts towards (None: it is not one of the eight channels).
CHANNEL_DEPARTMENT = {
    1: "agri",
    2: "hr",
    3: "forestry",
    4: "drc",
    5: "housing",
    6: "health",
    7: "education",
    8: "civil",
}
CATEGORY_CHANNEL = {
    1: 1,
    2: 2,
    3: 1,
    4: 2,
    5: 5,
    6: None,
    7: 6,
    8: 7,
    9: 7,
    10: 8,
    11: None,
    12: 4,
    13: None,
    14: None,
    15: None,
}
CATEGORY_DEPARTMENT = {
    1: "agri",
    2: "hr",
    3: "finance",
    4: "hr",
    5: "housing",
    6: "water",
    7: "medins",
    8: "education",
    9: "education",
    10: "civil",
    11: "civil",
    12: "drc",
    13: "agri",
    14: "transport",
    15: "agri",
}


def rows() -> list[tuple[str, str, str, str]]:
    """(domain, code, zh, en) for the warehouse's ``code`` table."""
    return [
        (domain, str(code), zh, en)
        for domain, table in CODES.items()
        for code, (zh, en) in table.items()
    ]
