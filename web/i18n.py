"""Message catalogs (Chinese first, English available) and locale-aware formatting.

Every piece of UI text comes from ``CATALOG``; a key missing from a language falls back
to Chinese, and a missing key altogether shows the key (and fails the catalog test).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

CATALOG: dict[str, dict[str, str]] = {
    "zh": {
        "app.name": "精准 · 防返贫监测指挥平台",
        "app.short": "精准",
        "lang.switch": "English",
        "nav.overview": "总览",
        "nav.admin_users": "用户管理",
        "admin.title": "用户管理",
        "admin.scope_note": "可管理辖区 {region} 及下级单位的账户。",
        "admin.col.username": "用户名",
        "admin.col.display_name": "姓名",
        "admin.col.role": "角色",
        "admin.col.region_code": "所属地区代码",
        "admin.col.department": "行业部门",
        "admin.col.state": "状态",
        "admin.active": "正常",
        "admin.disabled": "已停用",
        "admin.new_password": "新密码（至少 10 位）",
        "admin.reset_password": "重置密码",
        "admin.disable": "停用",
        "admin.enable": "启用",
        "admin.create": "新建账户",
        "admin.created": "已创建账户 {username}。",
        "admin.outside_scope": "该地区或账户不在您的辖区内，操作未执行。",
        "admin.select_first": "请先在表格中选择一个账户。",
        "admin.done.user_set_password": "已重置 {username} 的密码。",
        "admin.done.user_disable": "已停用 {username}。",
        "admin.done.user_enable": "已启用 {username}。",
        "user.logout": "退出",
        "user.region": "辖区",
        "role.leader": "领导",
        "role.manager": "管理人员",
        "role.department": "行业部门",
        "role.cadre": "帮扶干部",
        "role.admin": "系统管理员",
        "login.title": "登录",
        "login.username": "用户名",
        "login.password": "密码",
        "login.submit": "登录",
        "login.bad_credentials": "用户名或密码错误。",
        "login.locked": "连续输错密码次数过多，账户已锁定，请 15 分钟后再试。",
        "login.disabled": "该账户已停用，请联系管理员。",
        "login.bad_request": "登录请求无效，请刷新页面后重试。",
        "login.csrf": "页面已过期或请求来源无效，请刷新页面后重新登录。",
        "login.offline_note": "本系统所有数据均为合成演示数据，不涉及真实个人信息。",
        "error.forbidden": "无权访问：该地区不在您的辖区范围内。",
        "error.not_found": "未找到该地区：代码格式不正确或不存在。",
        "error.warehouse": "数据仓库尚未构建，请先运行 make run 或 python manage.py build-data。",
        "error.login_required": "请先登录。",
        "error.page_not_found": "页面不存在。",
        "error.back_home": "返回总览",
        "data.as_of": "数据截至 {date}",
        "data.synthetic": "合成演示数据",
        "data.no_data": "无数据",
        "unit.households": "户",
        "unit.people": "人",
        "unit.yuan": "元",
        "overview.title": "{region} 总览",
        "overview.year": "年度",
        "overview.kpi.registered_hh": "建档立卡户数",
        "overview.kpi.registered_pp": "建档立卡人数",
        "overview.kpi.exited_pp": "已脱贫人数",
        "overview.kpi.not_exited_pp": "未脱贫人数",
        "overview.kpi.incidence": "贫困发生率",
        "overview.kpi.monitored_hh": "监测对象户数",
        "overview.kpi.monitored_types": "不稳定户 {t1} · 边缘户 {t2} · 突发严重困难户 {t3}",
        "overview.kpi.eliminated_rate": "风险消除率",
        "overview.kpi.below_line": "低于监测线户数",
        "overview.kpi.unresolved": "风险未消除 {n} 户",
        "overview.kpi.line": "监测线 {line} 元/人·年",
        "overview.kpi.no_line": "该年度无监测线",
        "overview.change.year": "较上年 {delta}",
        "overview.change.month": "较上月 {delta}",
        "overview.change.none": "无可比数据",
        "overview.period.year_end": "{year} 年末",
        "overview.period.month_end": "{month} 末",
        "overview.trend.poverty": "{region} 未脱贫人口与贫困发生率（{start}–{end} 年）",
        "overview.trend.monitoring": "{region} 监测对象户数（各年末，{start}–{end} 年）",
        "overview.trend.not_exited": "未脱贫人口（人）",
        "overview.trend.incidence": "贫困发生率（%）",
        "overview.trend.type1": "脱贫不稳定户",
        "overview.trend.type2": "边缘易致贫户",
        "overview.trend.type3": "突发严重困难户",
        "overview.trend.eliminated": "风险已消除（户）",
        "overview.trend.households": "户数",
        "overview.trend.people": "人数",
        "overview.children.title": "下级单位（{year} 年末 · 监测数据截至 {month}）",
        "overview.children.none": "没有下级单位。",
        "overview.col.name": "单位",
        "overview.col.hh_registered": "建档立卡户",
        "overview.col.pp_registered": "建档立卡人口",
        "overview.col.pp_not_exited": "未脱贫人口",
        "overview.col.poverty_incidence": "贫困发生率",
        "overview.col.hh_monitored": "监测户",
        "overview.col.hh_unresolved": "风险未消除户",
        "overview.col.risk_eliminated_rate": "风险消除率",
        "overview.col.hh_below_monitoring_line": "低于监测线户",
        "breadcrumb.label": "当前位置",
    },
    "en": {
        "app.name": "Jingzhun · Poverty Monitoring Command Centre",
        "app.short": "Jingzhun",
        "lang.switch": "中文",
        "nav.overview": "Overview",
        "nav.admin_users": "Users",
        "admin.title": "User administration",
        "admin.scope_note": "You manage the accounts of {region} and the units below it.",
        "admin.col.username": "Username",
        "admin.col.display_name": "Name",
        "admin.col.role": "Role",
        "admin.col.region_code": "Region code",
        "admin.col.department": "Department",
        "admin.col.state": "State",
        "admin.active": "Active",
        "admin.disabled": "Disabled",
        "admin.new_password": "New password (10 or more characters)",
        "admin.reset_password": "Reset password",
        "admin.disable": "Disable",
        "admin.enable": "Enable",
        "admin.create": "New account",
        "admin.created": "Account {username} created.",
        "admin.outside_scope": "That region or account is outside your jurisdiction: nothing was changed.",
        "admin.select_first": "Select an account in the table first.",
        "admin.done.user_set_password": "Password of {username} reset.",
        "admin.done.user_disable": "{username} disabled.",
        "admin.done.user_enable": "{username} enabled.",
        "user.logout": "Log out",
        "user.region": "Region",
        "role.leader": "Leader",
        "role.manager": "Manager",
        "role.department": "Department",
        "role.cadre": "Cadre",
        "role.admin": "Administrator",
        "login.title": "Log in",
        "login.username": "Username",
        "login.password": "Password",
        "login.submit": "Log in",
        "login.bad_credentials": "Wrong username or password.",
        "login.locked": "Too many wrong passwords: the account is locked. Try again in 15 minutes.",
        "login.disabled": "This account is disabled. Ask your administrator.",
        "login.bad_request": "The login request was not valid. Reload the page and try again.",
        "login.csrf": "The page has expired or the request did not come from it. Reload and log in again.",
        "login.offline_note": "All data in this system is synthetic demonstration data.",
        "error.forbidden": "Not allowed: this region is outside your jurisdiction.",
        "error.not_found": "No such region: the code is malformed or unknown.",
        "error.warehouse": "The warehouse has not been built yet: run make run or python manage.py build-data.",
        "error.login_required": "Please log in.",
        "error.page_not_found": "No such page.",
        "error.back_home": "Back to the overview",
        "data.as_of": "Data as of {date}",
        "data.synthetic": "Synthetic demonstration data",
        "data.no_data": "No data",
        "unit.households": "households",
        "unit.people": "people",
        "unit.yuan": "yuan",
        "overview.title": "{region}: overview",
        "overview.year": "Year",
        "overview.kpi.registered_hh": "Registered households",
        "overview.kpi.registered_pp": "Registered people",
        "overview.kpi.exited_pp": "People exited",
        "overview.kpi.not_exited_pp": "People not yet exited",
        "overview.kpi.incidence": "Poverty incidence",
        "overview.kpi.monitored_hh": "Monitored households",
        "overview.kpi.monitored_types": "Unstable {t1} · Marginal {t2} · Sudden hardship {t3}",
        "overview.kpi.eliminated_rate": "Risk-eliminated rate",
        "overview.kpi.below_line": "Households below the monitoring line",
        "overview.kpi.unresolved": "{n} with risk not eliminated",
        "overview.kpi.line": "Line: {line} yuan per person-year",
        "overview.kpi.no_line": "No monitoring line that year",
        "overview.change.year": "{delta} on last year",
        "overview.change.month": "{delta} on last month",
        "overview.change.none": "Nothing to compare",
        "overview.period.year_end": "End of {year}",
        "overview.period.month_end": "End of {month}",
        "overview.trend.poverty": "{region}: people not yet exited and poverty incidence, {start}–{end}",
        "overview.trend.monitoring": "{region}: monitored households at each year's end, {start}–{end}",
        "overview.trend.not_exited": "Not yet exited (people)",
        "overview.trend.incidence": "Poverty incidence (%)",
        "overview.trend.type1": "Exited but unstable",
        "overview.trend.type2": "Marginal, at risk",
        "overview.trend.type3": "Sudden severe hardship",
        "overview.trend.eliminated": "Risk eliminated (households)",
        "overview.trend.households": "Households",
        "overview.trend.people": "People",
        "overview.children.title": "Units below (end of {year}; monitoring as of {month})",
        "overview.children.none": "No units below.",
        "overview.col.name": "Unit",
        "overview.col.hh_registered": "Registered households",
        "overview.col.pp_registered": "Registered people",
        "overview.col.pp_not_exited": "Not yet exited",
        "overview.col.poverty_incidence": "Poverty incidence",
        "overview.col.hh_monitored": "Monitored households",
        "overview.col.hh_unresolved": "Risk not eliminated",
        "overview.col.risk_eliminated_rate": "Risk-eliminated rate",
        "overview.col.hh_below_monitoring_line": "Below monitoring line",
        "breadcrumb.label": "You are here",
    },
}


def get_lang() -> str:
    """The language of the current request (session), Chinese by default."""
    try:
        from flask import has_request_context, session

        if has_request_context():
            lang = session.get("lang")
            if lang in LANGS:
                return lang
    except RuntimeError:
        pass
    return DEFAULT_LANG


def t(key: str, lang: str | None = None, **kw) -> str:
    """The message ``key`` in ``lang`` (default: the request's), formatted with ``kw``."""
    lang = lang or get_lang()
    text = CATALOG.get(lang, {}).get(key) or CATALOG[DEFAULT_LANG].get(key) or key
    return text.format(**kw) if kw else text


def _missing(x) -> bool:
    """None, NaN, NaT and pandas' NA are "no data"."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fmt_count(n, lang: str | None = None) -> str:
    """A count: 万 and 亿 in Chinese (12.3万, 1.02亿), thousands separators in English."""
    if _missing(n):
        return "—"
    lang = lang or get_lang()
    n = int(n)
    if lang == "zh":
        a = abs(n)
        if a >= 100_000_000:
            return f"{n / 1e8:.2f}亿"
        if a >= 1_000_000:
            return f"{n / 1e4:.0f}万"
        if a >= 100_000:
            return f"{n / 1e4:.1f}万"
        if a >= 10_000:
            return f"{n / 1e4:.2f}万"
    return f"{n:,}"


def fmt_exact(n) -> str:
    """A count with thousands separators, whatever the language."""
    return "—" if _missing(n) else f"{int(n):,}"


def fmt_pct(x, digits: int = 1) -> str:
    """A ratio as a percentage with one decimal; '—' for no data."""
    return "—" if _missing(x) else f"{x * 100:.{digits}f}%"


def fmt_points(x, lang: str | None = None) -> str:
    """A change of a ratio, in percentage points, signed."""
    if _missing(x):
        return "—"
    unit = "个百分点" if (lang or get_lang()) == "zh" else " pp"
    return f"{x * 100:+.1f}{unit}"


def fmt_signed(n, lang: str | None = None) -> str:
    if _missing(n):
        return "—"
    s = fmt_count(abs(n), lang)
    return ("+" if n > 0 else "−" if n < 0 else "±") + s


def fmt_money(yuan, lang: str | None = None) -> str:
    """Money in 元 / 万元 / 亿元 (Chinese) or yuan (English)."""
    if _missing(yuan):
        return "—"
    lang = lang or get_lang()
    if lang == "zh":
        a = abs(yuan)
        if a >= 1e8:
            return f"{yuan / 1e8:.2f}亿元"
        if a >= 1e4:
            return f"{yuan / 1e4:.1f}万元"
        return f"{yuan:,.0f}元"
    return f"{yuan:,.0f} yuan"


def fmt_date(d, lang: str | None = None) -> str:
    if _missing(d):
        return "—"
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    lang = lang or get_lang()
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return d.strftime("%-d %b %Y")


def fmt_month(d, lang: str | None = None) -> str:
    if _missing(d):
        return "—"
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    lang = lang or get_lang()
    return f"{d.year}年{d.month}月" if lang == "zh" else d.strftime("%b %Y")
