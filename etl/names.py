"""Pools for synthetic Chinese names. Names made from them belong to nobody.

Surnames: the shape of the national ranking published by the Ministry of Public
Security from the household registration (公安部户政管理研究中心《2020年全国姓名报告》 and
the yearly reports before it: 王 李 张 刘 陈 杨 黄 赵 吴 周 … in that order, 王 and 李
each about 7% of the population, the top 100 about 85%). There is no internet access
where this list was written: the ORDER follows the published ranking as remembered, and
the FREQUENCIES are approximate — the top ten as published (rounded), the rest a smooth
Zipf-like curve over the rank, then tilted towards Shaanxi (more 王 李 张 刘 杨 赵 高 马
郭 and the local 党 雷 薛 屈 强 寇 同 豆 呼 拓 惠 雒 …, fewer of the southern 黄 林 罗 郑
覃 韦 …). Compound surnames (欧阳, 司马, 上官 …) are rare, as they are.

Given names follow the birth cohort: 建国/国庆/红/英 for the 1950s-60s, 卫东/红卫 around
the Cultural Revolution, 伟/丽/军/敏/勇 in the 1970s-80s, 浩/婷/磊/静 in the 1980s-90s,
子涵/梓轩/一诺/欣怡/浩然 in the 2000s-2010s; one-character given names were common from
the 1960s to the 1990s and became rare after 2000.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Single-character surnames in the order of the national ranking (approximate beyond
# the first hundred or so).
_RANKED = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶"
    "程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛"
    "郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文施洪辛柯庄葛牛樊殷聂邢温耿甘安祝倪关齐左申焦景"
    "颜季柴宁鲁梅成路舒霍单包岳章吉蓝涂卓屈阮翟粟伍游盛俞裴纪冉欧尚车项代靳苗祁滕褚凌邬晏谷"
    "房管桂党华窦蒙麦宫商米牟占鄢邸杭姬薄戚司郎惠强寇同豆呼拓井冀卜时官席符瞿廉费仇谈隋丛芦"
    "宗连明习仲艾贝荣蔺郁巩简麻全栾苟师乐冷訾庞曲喻蔚沙衡雍解支敖鞠满昌原边佘闻卞茹权迟刁位"
    "卫燕巴都母归雒员续穆桑阴庹和鱼畅仵弥淡昝亢折来延仝冶禹相海晋"
    "阎柏鲍毕伏赫邝冼查尤缪臧邰谯於楚银汝逯甄索竺奚暴宿芮门练扈栗苑言"
)
# Compound surnames, rare (weights relative to the single ones at the end of the list).
_COMPOUND = {
    "欧阳": 6.0,
    "司马": 2.5,
    "上官": 2.0,
    "诸葛": 1.5,
    "慕容": 0.8,
    "令狐": 1.5,
    "皇甫": 2.0,
    "东方": 1.0,
    "夏侯": 0.8,
    "尉迟": 0.8,
    "公孙": 0.5,
    "宇文": 0.5,
    "长孙": 0.4,
    "独孤": 0.4,
    "司徒": 1.2,
    "端木": 0.5,
    "西门": 0.4,
    "南宫": 0.4,
    "呼延": 1.0,
    "申屠": 0.4,
    "闻人": 0.3,
    "赫连": 0.3,
    "拓跋": 0.3,
    "第五": 1.0,
    "钟离": 0.3,
    "百里": 0.3,
    "万俟": 0.2,
    "左丘": 0.2,
}
# The top ten as published (share of the population, %), rounded.
_TOP_SHARE = {
    "王": 7.1,
    "李": 7.1,
    "张": 6.8,
    "刘": 5.1,
    "陈": 4.6,
    "杨": 3.3,
    "黄": 2.4,
    "赵": 2.0,
    "吴": 2.0,
    "周": 1.9,
}
# The tilt towards rural Shaanxi (a multiplier of the national share).
_SHAANXI = {
    "王": 1.35,
    "李": 1.3,
    "张": 1.3,
    "刘": 1.35,
    "杨": 1.4,
    "赵": 1.5,
    "高": 2.0,
    "马": 1.6,
    "郭": 1.6,
    "孙": 1.1,
    "任": 1.6,
    "何": 0.8,
    "侯": 2.0,
    "雷": 2.5,
    "贾": 1.8,
    "梁": 1.2,
    "宋": 1.3,
    "韩": 1.4,
    "田": 1.5,
    "杜": 1.8,
    "董": 1.4,
    "党": 5.0,
    "曹": 1.4,
    "薛": 2.2,
    "白": 2.2,
    "段": 1.8,
    "姚": 1.3,
    "史": 1.6,
    "魏": 1.3,
    "冯": 1.5,
    "闫": 1.8,
    "樊": 2.5,
    "惠": 3.0,
    "景": 2.5,
    "屈": 2.5,
    "强": 3.0,
    "寇": 3.0,
    "同": 3.0,
    "豆": 3.0,
    "呼": 4.0,
    "拓": 4.0,
    "牛": 1.8,
    "齐": 1.3,
    "霍": 2.0,
    "申": 1.5,
    "焦": 1.5,
    "路": 1.5,
    "折": 2.0,
    "雒": 4.0,
    "员": 3.0,
    "畅": 3.0,
    "仵": 3.0,
    "弥": 2.0,
    "淡": 2.0,
    "昝": 2.0,
    "亢": 2.0,
    "米": 3.0,
    "艾": 2.0,
    "訾": 2.0,
    "鱼": 2.0,
    "师": 3.0,
    "权": 3.0,
    "卫": 2.0,
    "来": 3.0,
    "延": 3.0,
    "仝": 3.0,
    "蔺": 2.0,
    "茹": 2.0,
    "宁": 1.5,
    "尚": 1.5,
    "靳": 1.5,
    "巩": 2.0,
    "黄": 0.45,
    "陈": 0.7,
    "林": 0.3,
    "罗": 0.6,
    "郑": 0.6,
    "谢": 0.6,
    "曾": 0.4,
    "肖": 0.6,
    "潘": 0.5,
    "蔡": 0.4,
    "叶": 0.4,
    "钟": 0.4,
    "廖": 0.4,
    "邱": 0.4,
    "余": 0.7,
    "覃": 0.05,
    "韦": 0.15,
    "莫": 0.15,
    "黎": 0.2,
    "赖": 0.1,
    "洪": 0.3,
    "庄": 0.2,
    "柯": 0.2,
    "欧": 0.2,
    "温": 0.5,
    "卓": 0.3,
    "蓝": 0.2,
    "粟": 0.2,
    "麦": 0.1,
    "蒙": 0.3,
    "阮": 0.3,
    "涂": 0.4,
    "游": 0.4,
    "邬": 0.4,
    "占": 0.3,
    "庹": 0.5,
    "龚": 0.5,
    "彭": 0.7,
    "唐": 0.8,
    "许": 0.8,
    "汤": 0.6,
    "沈": 0.6,
    "陆": 0.5,
    "顾": 0.4,
    "钱": 0.5,
    "施": 0.4,
    "俞": 0.4,
    "戴": 0.6,
}


def _surname_table() -> tuple[np.ndarray, np.ndarray]:
    singles = list(dict.fromkeys(c for c in _RANKED if "\u4e00" <= c <= "\u9fff"))
    w = np.empty(len(singles))
    for r, s in enumerate(singles, start=1):
        # A smooth decline after the tenth: about 0.8% at rank 20, 0.25% at 50, 0.1% at
        # 100, 0.03% at 300 (the published curve, approximately).
        w[r - 1] = _TOP_SHARE.get(s, 1.9 * (10 / r) ** 1.2)
        w[r - 1] *= _SHAANXI.get(s, 1.0)
    tail = 1.9 * (10 / len(singles)) ** 1.2 / 3  # a compound weight of 1.0
    comp = list(_COMPOUND)
    cw = np.array([_COMPOUND[c] * tail for c in comp])
    names = np.array(singles + comp)
    weights = np.concatenate([w, cw])
    return names, weights / weights.sum()


SURNAMES, SURNAME_WEIGHTS = _surname_table()
COMPOUND_SURNAMES = frozenset(_COMPOUND)

# ---------------------------------------------------------------------- given names
# Birth cohorts: upper bound of the birth year (inclusive) -> pools. Each pool has common
# whole two-character names, the characters two-character names are made of (first,
# second), one-character names, and the share of two-character given names.
_COHORTS = (
    (
        1949,
        {
            "m2": "福贵 有才 德胜 永福 金山 长生 满仓 根生 全福 天德 万福 玉山 宝山 明德 忠义 "
            "长林 生荣 守仁 世昌 树林 福田 双喜 来福 银锁 发财 进财 富贵 金锁 天福 志孝",
            "m1": "福贵财山林生成明德忠义仁喜发根旺全宝顺礼智信海",
            "mf": "福德有永金长满根天万玉宝明忠世树双来银进富志守生",
            "ms": "贵才胜福山生仓林德义仁昌田喜锁财孝成荣堂旺海全顺",
            "f2": "秀英 桂英 秀兰 桂兰 玉兰 凤英 秀珍 翠英 玉珍 桂芳 淑珍 凤兰 秀梅 兰英 翠兰 "
            "改娥 桂花 玉梅 巧云 金花 梅英 秀云 素珍 月英 彩云 银花 玉英 桂珍 凤莲 引弟",
            "f1": "英兰珍花娥芳梅凤莲香翠桂秀巧玉",
            "ff": "秀桂玉凤翠淑巧金梅素月彩银改兰引",
            "fs": "英兰珍芳梅花云娥莲香琴凤荣弟女",
            "two": 0.78,
        },
    ),
    (
        1965,
        {
            "m2": "建国 建华 国庆 建军 国强 卫国 振国 国华 建平 建设 胜利 援朝 跃进 志强 建民 "
            "新民 红旗 永红 立新 爱国 国平 建明 建林 建成 保国 兴国 建新 抗美 和平 解放",
            "m1": "军平强华明林刚勇斌成忠新民国红东",
            "mf": "建国振卫志新立爱保兴永红跃援和抗胜解",
            "ms": "国华军平民强设林明成新红利进朝庆伟东",
            "f2": "玉兰 桂芳 秀芳 淑珍 红梅 红霞 建华 建英 国英 秀琴 玉琴 春花 冬梅 翠萍 改芳 "
            "玉梅 凤琴 红英 秀荣 爱华 新华 秀萍 春梅 玉霞 桂香 素芳 美英 爱玲 淑芳 亚琴",
            "f1": "红英芳霞华萍琴梅兰珍荣芬娟",
            "ff": "秀玉红建国爱新春冬翠淑美素凤桂亚",
            "fs": "英芳梅霞华琴萍兰珍荣香花玲芬娟",
            "two": 0.72,
        },
    ),
    (
        1979,
        {
            "m2": "卫东 卫国 红卫 文革 向东 建军 志刚 志勇 国栋 海军 建伟 永刚 小平 利民 军强 "
            "卫红 东升 向阳 红军 战军 立军 建强 小军 海涛 志明 晓明 文军 卫华 建峰 永强",
            "m1": "伟军勇强刚平斌涛华明峰辉波东杰宏",
            "mf": "卫向红建志国海永小利东立晓文战",
            "ms": "东军刚勇强明伟平华峰涛辉波红阳宏",
            "f2": "红梅 红霞 丽华 小红 彩霞 艳红 丽萍 秀丽 小燕 玉霞 海燕 春燕 亚玲 卫红 爱红 "
            "红英 丽娟 小梅 晓红 艳萍 秀娟 丽霞 小芳 建红 向红 卫萍 红艳 亚丽 丽君 淑娟",
            "f1": "丽敏红霞燕萍芳娟艳玲琴静洁",
            "ff": "红丽小彩艳秀玉海春亚卫爱晓建向淑",
            "fs": "梅霞华红萍丽燕玲娟芳艳君琴英",
            "two": 0.58,
        },
    ),
    (
        1989,
        {
            "m2": "志强 海涛 建波 小军 晓东 俊杰 文博 鹏飞 小龙 晓峰 建斌 亚军 小勇 晓军 志军 "
            "海龙 宏伟 军军 伟伟 小刚 永平 晓辉 振华 宝平 文涛 少华 小兵 国峰 红波 利军",
            "m1": "伟磊勇军涛斌超鹏浩杰强亮峰刚波辉",
            "mf": "志海建小晓俊文鹏亚宏少利国振永宝",
            "ms": "强涛波军东杰博飞龙峰斌勇辉华伟刚",
            "f2": "丽娟 晓燕 丽丽 婷婷 小丽 晓丽 艳艳 娟娟 静静 亚楠 海燕 晓霞 小娟 丽娜 春艳 "
            "晓娟 小燕 艳丽 美丽 丽霞 小静 晓静 小霞 亚丽 丽萍 小敏 晓敏 金凤 彩霞 盼盼",
            "f1": "静丽娟婷燕敏艳芳霞倩娜莉琳",
            "ff": "丽晓小艳娟静亚海春美婷金彩盼",
            "fs": "娟燕丽婷艳静楠霞娜敏萍凤琴盼",
            "two": 0.55,
        },
    ),
    (
        1999,
        {
            "m2": "佳豪 家豪 浩然 俊杰 鹏飞 文杰 晓东 子龙 嘉伟 志鹏 宇航 嘉乐 浩东 振宇 博文 "
            "凯凯 帅帅 少鹏 家乐 鹏辉 一帆 晨阳 俊峰 浩楠 宇峰 江涛 文龙 天宇 晓龙 泽宇",
            "m1": "浩磊鹏杰帅超亮宇阳凯斌涛鑫龙",
            "mf": "佳家浩俊鹏文子嘉志宇振博少晨天泽江",
            "ms": "豪杰飞龙伟鹏航乐东宇文峰阳辉帆楠",
            "f2": "婷婷 佳佳 欢欢 欣欣 晓雪 佳慧 雨婷 梦瑶 倩倩 嘉欣 丹丹 雪莹 佳琪 文静 甜甜 "
            "梦婷 晓婷 雅琪 璐璐 思雨 楠楠 晶晶 雪婷 佳欣 玉洁 美玲 梦洁 艳妮 盼盼 瑶瑶",
            "f1": "婷静倩雪佳丹妮莹欢晶蕾璐娜琳",
            "ff": "婷佳欢欣晓雨梦倩嘉丹雪文雅思玉美",
            "fs": "婷佳欢欣雪慧瑶琪静甜洁玲璐妮楠",
            "two": 0.72,
        },
    ),
    (
        2009,
        {
            "m2": "浩然 子豪 宇轩 浩宇 俊豪 博文 思远 嘉豪 梓豪 宇航 子轩 文轩 明轩 家乐 一鸣 "
            "天宇 俊熙 浩轩 子健 博涵 宇豪 皓轩 嘉怡 奕航 梓航 睿哲 俊宇 鑫磊 泽宇 子阳",
            "m1": "浩宇博轩豪鑫鹏阳凯涛",
            "mf": "浩子宇俊博思嘉梓文明家一天皓奕睿泽",
            "ms": "然豪轩宇文远航鸣熙涵健哲阳磊泽辰",
            "f2": "欣怡 雨涵 梓涵 佳怡 子涵 诗涵 梦琪 雨欣 欣悦 佳琪 思雨 可馨 紫涵 心怡 雨萱 "
            "佳欣 欣妍 梦瑶 雅琪 诗雨 雨彤 思琪 婧怡 佳慧 晨曦 语嫣 可欣 紫怡 梓萱 嘉怡",
            "f1": "欣怡涵琪瑶悦婷雪妍",
            "ff": "欣雨梓佳子诗梦思可紫心雅语晨婧",
            "fs": "怡涵琪悦雨馨萱妍瑶彤欣慧曦嫣",
            "two": 0.92,
        },
    ),
    (
        9999,
        {
            "m2": "梓轩 浩宇 宇轩 子墨 沐宸 浩然 奕辰 一诺 梓睿 子轩 宇泽 皓轩 俊熙 梓豪 明轩 "
            "煜祺 锦程 梓航 思源 子豪 睿泽 宇辰 逸辰 亦辰 诗博 沐阳 梓宸 铭泽 书豪 承泽",
            "m1": "轩宸睿泽浩宇辰",
            "mf": "梓浩宇子沐奕一俊明煜锦思睿逸亦铭书承",
            "ms": "轩宇墨宸然辰诺睿泽熙豪祺程航源阳",
            "f2": "一诺 欣怡 梓涵 子涵 依诺 若汐 语桐 可欣 梓萱 诗涵 雨桐 欣妍 思涵 芷若 梦瑶 "
            "安琪 语汐 沐晴 梓晴 诗琪 一涵 雨萱 可馨 佳怡 若曦 星语 紫萱 欣悦 梓彤 语嫣",
            "f1": "诺涵萱桐妍悦琪",
            "ff": "一欣梓子依若语可诗雨思芷梦安沐星紫",
            "fs": "诺怡涵汐桐欣萱妍若琪晴曦语彤嫣悦",
            "two": 0.95,
        },
    ),
)


def _pools():
    out = []
    for upper, p in _COHORTS:
        out.append(
            (
                upper,
                {
                    "m2": np.array(p["m2"].split()),
                    "f2": np.array(p["f2"].split()),
                    "m1": np.array(list(p["m1"])),
                    "f1": np.array(list(p["f1"])),
                    "mf": np.array(list(p["mf"])),
                    "ms": np.array(list(p["ms"])),
                    "ff": np.array(list(p["ff"])),
                    "fs": np.array(list(p["fs"])),
                    "two": p["two"],
                },
            )
        )
    return out


_POOLS = _pools()
# Born when, for names of people whose birth year is not given (cadres): working age.
_DEFAULT_BIRTH_YEARS = (1966, 2000)


def _choose(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), n)]


def given_names(rng: np.random.Generator, male: np.ndarray, birth_year=None) -> np.ndarray:
    """Given names for people of the sex and birth year given (numpy array of str)."""
    male = np.asarray(male, bool)
    n = len(male)
    if birth_year is None:
        birth_year = rng.integers(*_DEFAULT_BIRTH_YEARS, n)
    birth_year = np.asarray(birth_year)
    u_two, u_whole = rng.random(n), rng.random(n)
    out = np.empty(n, dtype=object)
    lower = -10_000
    for upper, p in _POOLS:
        sel = np.flatnonzero((birth_year > lower) & (birth_year <= upper))
        lower = upper
        if not len(sel):
            continue
        for sex, is_m in (("m", True), ("f", False)):
            s = sel[male[sel] == is_m]
            k = len(s)
            if not k:
                continue
            whole = _choose(rng, p[sex + "2"], k)
            made = np.char.add(_choose(rng, p[sex + "f"], k), _choose(rng, p[sex + "s"], k))
            single = _choose(rng, p[sex + "1"], k)
            two = np.where(u_whole[s] < 0.55, whole, made)
            out[s] = np.where(u_two[s] < p["two"], two, single)
    return out.astype(str)


def full_names(
    rng: np.random.Generator, surname: pa.Array, male: np.ndarray, birth_year=None
) -> pa.Array:
    """Surname + a given name chosen by sex and birth cohort."""
    return pc.binary_join_element_wise(surname, pa.array(given_names(rng, male, birth_year)), "")


def surnames(rng: np.random.Generator, n: int) -> pa.Array:
    return pa.array(SURNAMES).take(pa.array(rng.choice(len(SURNAMES), n, p=SURNAME_WEIGHTS)))
