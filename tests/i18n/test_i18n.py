"""Message catalogs and number formatting."""

from __future__ import annotations

import datetime as dt

import pytest

from i18n import CATALOG, fmt_count, fmt_date, fmt_money, fmt_pct, t


def test_catalogs_have_the_same_keys():
    assert set(CATALOG["zh"]) == set(CATALOG["en"])


def test_placeholders_agree():
    import string

    for key in CATALOG["zh"]:
        fields = [
            {f for _, f, _, _ in string.Formatter().parse(CATALOG[lang][key]) if f}
            for lang in ("zh", "en")
        ]
        assert fields[0] == fields[1], key


@pytest.mark.parametrize(
    "n,zh,en",
    [
        (0, "0", "0"),
        (9_999, "9,999", "9,999"),
        (12_345, "1.23万", "12,345"),
        (123_456, "12.3万", "123,456"),
        (3_062_358, "306万", "3,062,358"),
        (102_345_678, "1.02亿", "102,345,678"),
        (None, "—", "—"),
        (float("nan"), "—", "—"),
    ],
)
def test_counts(n, zh, en):
    assert (fmt_count(n, "zh"), fmt_count(n, "en")) == (zh, en)


def test_other_formats():
    assert fmt_pct(0.02745) == "2.7%" and fmt_pct(None) == "—"
    assert fmt_money(102_345_678, "zh") == "1.02亿元" and fmt_money(12_345, "zh") == "1.2万元"
    assert fmt_date(dt.date(2026, 10, 31), "zh") == "2026年10月31日"
    assert fmt_date(dt.date(2026, 10, 31), "en") == "31 Oct 2026"
    assert t("data.as_of", "en", date="x") == "Data as of x"


@pytest.mark.parametrize(
    "n,zh,en",
    [
        (0, "共 0 条记录", "0 entries"),
        (1, "共 1 条记录", "1 entry"),
        (2, "共 2 条记录", "2 entries"),
        (21, "共 21 条记录", "21 entries"),
    ],
)
def test_plurals(n, zh, en):
    """Chinese has one form, English two (gettext's rule: one for 1, the other for the rest)."""
    from i18n import tn

    assert tn("audit.count", "audit.count_plural", n, "zh") == zh
    assert tn("audit.count", "audit.count_plural", n, "en") == en


def test_plural_with_the_count_written():
    """The form follows the number; the text shows the count as written (12,345)."""
    from i18n import tn

    assert tn("hh.count", "hh.count_plural", 1, "en", n="1", period="2024") == "1 household (2024)"
    assert (
        tn("hh.count", "hh.count_plural", 12345, "en", n="12,345", period="2024")
        == "12,345 households (2024)"
    )
    assert tn("task.count", "task.count_plural", 1, "en") == "1 instruction"
    assert tn("task.count", "task.count_plural", 3, "zh") == CATALOG["zh"]["task.count"].format(n=3)
