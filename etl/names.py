"""Pools for synthetic Chinese names. Names made from them belong to nobody."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Common surnames of north-west China with rough relative weights.
_SURNAMES = (
    "王16 李15 张14 刘10 杨8 陈6 赵6 高5 马5 郭4 张4 任3 何3 周3 吴3 孙3 胡3 朱3 徐3 "
    "冯3 侯2 雷2 贾2 梁2 宋2 韩2 田2 杜2 董2 党2 曹2 薛2 白2 段2 鲁2 姚2 史2 魏2 黄2 "
    "罗2 程2 谢1 唐1 许1 邓1 彭1 苏1 蒋1 吕1 卢1 余1 潘1 袁1 万1 闫1 曾1 樊1 惠1 景1 "
    "屈1 强1 寇1 同1 豆1 贺1 呼1 牛1 齐1 拓1 刘1"
)
SURNAMES = np.array([s[0] for s in _SURNAMES.split()])
SURNAME_WEIGHTS = np.array([float(s[1:]) for s in _SURNAMES.split()])
SURNAME_WEIGHTS /= SURNAME_WEIGHTS.sum()

GIVEN_MALE = np.array(list("建国军伟强明平华军志勇刚海林峰东亮波涛斌文辉俊杰鹏飞宏永福贵"
                           "成兴旺宝山生金忠德有根全民利安康顺新春红卫锋龙虎晨浩宇轩博"))
GIVEN_FEMALE = np.array(list("秀英兰芳霞丽娟梅琴燕玲艳红娥萍凤花珍翠敏静婷雪琳娜慧佳欣"
                             "怡雨瑶桂莲香云月彩爱玉巧丹妮晶蕾"))


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int, p=None) -> pa.Array:
    return pa.array(pool).take(pa.array(rng.choice(len(pool), n, p=p)))


def _given(rng: np.random.Generator, male: np.ndarray) -> pa.Array:
    n = len(male)
    is_male = pa.array(male)
    first = pc.if_else(is_male, _pick(rng, GIVEN_MALE, n), _pick(rng, GIVEN_FEMALE, n))
    second = pc.if_else(is_male, _pick(rng, GIVEN_MALE, n), _pick(rng, GIVEN_FEMALE, n))
    second = pc.if_else(pa.array(rng.random(n) < 0.7), second, pa.scalar(""))
    return pc.binary_join_element_wise(first, second, "")


def full_names(rng: np.random.Generator, surname: pa.Array, male: np.ndarray) -> pa.Array:
    """Surname + one or two given-name characters chosen by sex."""
    return pc.binary_join_element_wise(surname, _given(rng, male), "")


def surnames(rng: np.random.Generator, n: int) -> pa.Array:
    return _pick(rng, SURNAMES, n, SURNAME_WEIGHTS)
