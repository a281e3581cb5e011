"""The briefing PDF: embedded CJK font, text that can be searched, the figures of the
query layer, its pages, and the scope of the user who makes it."""

from __future__ import annotations

import datetime as dt

import pytest

from access import AccessDenied, Scope
from components import region as region_view
from domain import indicators
from exports import briefing
from ops import tasks as T
from queries import api
from tests.exports.conftest import pdf_fonts, pdf_text

PROVINCE = Scope("province_admin", "admin", "610000000000")
ZIYANG = Scope("ziyang_manager", "manager", "610924000000")
MONTH = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def ctx(app_module):
    from web import context

    return context.get()


@pytest.fixture
def store(tmp_path):
    """An operational store of the test's own: what it writes is seen by no other test."""
    from ops import db, migrations

    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def _make(ctx, scope, code, month=MONTH, now=None, ops=None):
    b = briefing.collect(ctx.warehouse, ops or ctx.ops, scope, code, month, "测试人（tester）", now)
    return b, briefing.pdf(b, ctx.settings)


@pytest.fixture(scope="module")
def province(ctx):
    b, body = _make(ctx, PROVINCE, "610000000000")
    reader, text = pdf_text(body)
    return b, body, reader, text


def test_fonts_are_the_embedded_cjk_font(province):
    _, body, reader, _ = province
    assert body[:5] == b"%PDF-"
    fonts = pdf_fonts(reader)
    assert fonts, "no fonts"
    # One font, the CJK font, embedded as TrueType glyphs: no Type 3 bitmaps of text.
    assert {(f[0].split("+", 1)[1], f[1], f[2]) for f in fonts} == {
        ("WenQuanYiMicroHei", "/Type0", True)
    }


def test_charts_and_map_are_vector_graphics(province):
    """No page carries a raster image: the map, trends and breakdowns are drawn as
    paths, and their labels are text."""
    _, _, reader, _ = province
    assert [len(p.images) for p in reader.pages] == [0] * 7
    trends = reader.pages[3].extract_text()
    assert "监测户数（按类型）" in trends and "2026-09" in trends
    map_page = reader.pages[2].extract_text()
    assert "安康市" in map_page and "≤" in map_page  # unit names and the legend


def test_pages_and_cover(province):
    b, _, reader, text = province
    assert len(reader.pages) == 7
    first = reader.pages[0].extract_text()
    assert "陕西省防止返贫动态监测简报" in first
    assert "2026年10月" in first and "测试人（tester）" in first
    assert "地区 陕西省\n" in first and "610000000000" not in first  # names, not codes
    assert "数据截至 2026年10月31日" in first
    # Page numbers in every footer.
    for i, page in enumerate(reader.pages, start=1):
        assert f"{i} / 7" in page.extract_text()


def _raw(wh_con, ind, code, month):
    if ind.period == "month":
        row = wh_con.execute(
            f"select {ind.column} from indicator_month where region_code = ? and month = ?",
            [code, month],
        ).fetchone()
    else:
        row = wh_con.execute(
            f"select {ind.column} from indicator_year where region_code = ? and year = ?",
            [code, month.year],
        ).fetchone()
    return row[0] if row else None


def test_headline_figures_are_the_query_layers(province, wh):
    """Each headline figure, read from the warehouse directly and formatted as the
    dashboard formats it, is in the PDF; with its change as the region page shows it."""
    b, _, _, text = province
    page = text
    for key in briefing.HEADLINE:
        ind = indicators.INDICATORS[key]
        value = _raw(wh, ind, "610000000000", MONTH)
        shown = region_view.fmt_value(ind, value, exact=True, lang="zh")
        assert shown != "—" and shown in page, (key, shown)
    v = api.region_view(_ctx().warehouse, PROVINCE, "610000000000", 2026, MONTH)
    for key in briefing.HEADLINE:
        card = region_view.card_for(v, indicators.INDICATORS[key], lang="zh")
        assert card.delta in page, (key, card.delta)


def _ctx():
    from web import context

    return context.get()


def test_children_table_rows_are_the_query_layers(province, wh):
    """Every unit below: one line of the closing table with its figures in order."""
    _, _, reader, _ = province
    last = reader.pages[-1].extract_text().splitlines()
    inds = [indicators.INDICATORS[k] for k in briefing.CHILD_COLUMNS]
    cities = wh.execute(
        "select code, name from region where parent_code = '610000000000' order by code"
    ).fetchall()
    assert len(cities) == 10
    for code, name in cities:
        cells = [
            region_view.fmt_value(i, _raw(wh, i, code, MONTH), exact=True, lang="zh") for i in inds
        ]
        assert f"{name} {' '.join(cells)}" in last, (name, cells)


def test_instructions_are_counted_from_the_store(ctx, store):
    """Issued and closed in the month, open and overdue now: counted here from the task
    list, and the briefing shows the same."""
    now = dt.datetime(2026, 10, 20, 4, tzinfo=dt.UTC)
    ankang = Scope("ankang_leader", "leader", "610900000000")
    data = {
        "title": "核实紫阳县监测户收入",
        "content": "",
        "type": "other",
        "priority": "normal",
        "assignee_region": "610924000000",
        "deadline": "2026-10-25",
    }
    ids = [T.create(store, ankang, dict(data), lambda c: True, now=now)["id"] for _ in range(3)]
    done = T.create(store, ankang, dict(data, deadline="2026-12-01"), lambda c: True, now=now)
    for action in ("acknowledge", "start", "report", "pass"):
        who = ankang if action == "pass" else ZIYANG
        done = T.act(
            store, who, done["id"], action, done["version"], "完成", now=now + dt.timedelta(days=1)
        )
    # Around the month's edges in China's time (UTC+8): 30 Sep 23:59 and 1 Nov 00:01
    # are outside October, 1 Oct 00:01 and 31 Oct 23:59 inside.
    for at in (
        (2026, 9, 30, 15, 59),
        (2026, 9, 30, 16, 1),
        (2026, 10, 31, 15, 59),
        (2026, 10, 31, 16, 1),
    ):
        T.create(
            store,
            ankang,
            dict(data, deadline="2026-12-31"),
            lambda c: True,
            now=dt.datetime(*at, tzinfo=dt.UTC),
        )
    later = dt.datetime(2026, 11, 5, 4, tzinfo=dt.UTC)
    b, body = _make(ctx, PROVINCE, "610924000000", now=later, ops=store)
    found = T.list_tasks(store, PROVINCE, later, region="610924000000")
    start = dt.datetime(2026, 9, 30, 16, tzinfo=dt.UTC)  # 1 October in China
    end = dt.datetime(2026, 10, 31, 16, tzinfo=dt.UTC)
    issued = sum(x["state"] != "draft" and start <= x["created_at"] < end for x in found)
    closed = sum(x["state"] == "closed" and start <= x["closed_at"] < end for x in found)
    overdue = sum(x["overdue"] for x in found)
    assert (issued, closed, overdue) == (6, 1, 3) and set(ids) <= {x["id"] for x in found}
    assert b.instructions == {"issued": 6, "closed": 1, "open": 7, "overdue": 3}
    _, text = pdf_text(body)
    assert "本期交办\n6\n本期办结\n1\n在办\n7\n已超期\n3" in text
    assert "核实紫阳县监测户收入" in text  # in the list of overdue instructions


def test_a_county_briefing_holds_its_county_only(ctx, wh):
    b, body = _make(ctx, ZIYANG, "610924000000")
    _, text = pdf_text(body)
    assert "紫阳县防止返贫动态监测简报" in text
    townships = [
        n
        for (n,) in wh.execute(
            "select name from region where parent_code = '610924000000'"
        ).fetchall()
    ]
    assert townships and all(n in text for n in townships)
    others = [
        n
        for (n,) in wh.execute(
            "select name from region where level in (3, 4) and not starts_with(code, '610924')"
            " and name not in (select name from region where starts_with(code, '610924'))"
        ).fetchall()
    ]
    leaked = [n for n in others if n in text]
    assert not leaked, leaked[:5]
    with pytest.raises(AccessDenied):
        briefing.collect(ctx.warehouse, ctx.ops, ZIYANG, "610000000000", MONTH, "x")
    with pytest.raises(AccessDenied):
        briefing.collect(ctx.warehouse, ctx.ops, ZIYANG, "610902000000", MONTH, "x")


def test_an_earlier_period_ends_its_trends_there(ctx):
    b, body = _make(ctx, PROVINCE, "610900000000", dt.date(2025, 6, 1))
    months = b.figures["fig-trend-month"]["data"][0]["x"]
    assert months[-1] == "2025-06" and len(months) == 12
    _, text = pdf_text(body)
    assert "安康市防止返贫动态监测简报" in text and "2025年6月" in text


def test_english(ctx):
    from i18n import language

    with language("en"):
        b, body = _make(ctx, PROVINCE, "610900000000")
    _, text = pdf_text(body)
    assert "poverty-monitoring briefing" in text and "Headline indicators" in text


@pytest.mark.parametrize(
    "period,message",
    [
        ("2026-13", "malformed period '2026-13' (expected YYYY-MM)"),
        ("26-10", "malformed period '26-10' (expected YYYY-MM)"),
        ("", "malformed period '' (expected YYYY-MM)"),
        ("2019-12", "no data for 2019-12: periods run from 2020-01 to 2026-10"),
        ("2026-11", "no data for 2026-11: periods run from 2020-01 to 2026-10"),
    ],
)
def test_periods_outside_the_data_are_refused(ctx, period, message):
    with pytest.raises(api.BadPeriod) as exc:
        api.strict_month(period, api.data_version(ctx.warehouse))
    assert str(exc.value) == message


def test_minutes(ctx, store):
    ankang = Scope("ankang_leader", "leader", "610900000000")
    mid = T.create_meeting(
        store, ankang, "十月调度会", "2026-10-12", "张三、李四", "研究紫阳县监测帮扶工作。"
    )
    T.create(
        store,
        ankang,
        {
            "title": "紫阳县完成入户核实",
            "content": "十五日内完成",
            "type": "meeting_decision",
            "priority": "high",
            "assignee_region": "610924000000",
            "deadline": "2026-12-30",
            "source": "meeting",
            "source_ref": str(mid),
            "meeting_id": mid,
        },
        lambda c: True,
    )
    name, body = briefing.minutes_pdf(store, ankang, mid, ctx.settings, "安康（ankang_leader）")
    assert name == f"minutes-{mid}.pdf"
    reader, text = pdf_text(body)
    assert len(reader.pages) == 1
    for s in (
        "会议纪要：十月调度会",
        "2026年10月12日",
        "张三、李四",
        "研究紫阳县监测帮扶工作。",
        "议定事项及交办情况（1 项）",
        "紫阳县完成入户核实",
        "十五日内完成",
        "紫阳县",
        "2026年12月30日",
        "已交办",
    ):
        assert s in text, s
    assert {(f[1], f[2]) for f in pdf_fonts(reader)} == {("/Type0", True)}
    # Another region's user cannot make it.
    with pytest.raises(T.TaskError):
        briefing.minutes_pdf(
            store, Scope("hanzhong_manager", "manager", "610700000000"), mid, ctx.settings, "x"
        )
