"""ID-number layout and ISO 7064 MOD 11-2 check digit."""

from __future__ import annotations

import numpy as np
import pytest

from etl import idnumber


@pytest.mark.parametrize(
    "first17,check",
    [
        ("11010519491231002", "X"),  # the example printed in GB 11643-1999
        ("44052418800101001", "4"),
        ("61092419800101001", "7"),
    ],
)
def test_check_digit(first17, check):
    assert idnumber.check_digit(first17) == check


@pytest.mark.parametrize(
    "value,valid",
    [
        ("11010519491231002X", True),
        ("11010519491231002x", False),  # lower-case x is not the layout
        ("110105194912310021", False),  # wrong check digit
        ("110105194902300024", False),  # 30 February
        ("11010519491231002", False),  # 17 characters
        ("A1010519491231002X", False),
        (None, False),
    ],
)
def test_is_valid(value, valid):
    assert idnumber.is_valid(value) is valid


def test_make_matches_the_scalar_rules():
    area = np.array([610924, 610102, 611026])
    birth = np.array(["1949-12-31", "2001-02-28", "1980-01-01"], dtype="datetime64[D]")
    seq = np.array([1, 42, 998])
    ids = idnumber.make(area, birth, seq).to_pylist()
    assert ids[0][:17] == "61092419491231001" and idnumber.is_valid(ids[0])
    assert ids[1][:17] == "61010220010228042" and idnumber.is_valid(ids[1])
    assert ids[2][:17] == "61102619800101998" and idnumber.is_valid(ids[2])
    assert [idnumber.sex_of(i) for i in ids] == [1, 2, 2]
