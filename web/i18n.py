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
        "task.err.invalid": "输入有误，请按提示修改。",
        "task.err.not_object": "请求内容应为一个 JSON 对象。",
        "task.err.title_empty": "标题不能为空。",
        "task.err.title_long": "标题不能超过 200 个字。",
        "task.err.not_text": "应为文本。",
        "task.err.text_long": "内容不能超过 10,000 个字。",
        "task.err.bad_type": "事项类型无效。",
        "task.err.bad_priority": "优先级无效。",
        "task.err.bad_source": "来源无效。",
        "task.err.bad_region": "地区代码无效或不存在。",
        "task.err.region_outside": "该地区不在您的辖区内，不能向其交办。",
        "task.err.bad_date": "日期格式无效（应为 YYYY-MM-DD）。",
        "task.err.deadline_past": "期限不能早于今天。",
        "task.err.bad_households": "关联户应为户 ID 列表。",
        "task.err.bad_meeting": "会议不存在或不在您的辖区内。",
        "task.err.version_missing": "缺少版本号：更新须带上您看到的版本。",
        "task.err.bad_edit": "只能修改标题、内容、优先级和期限。",
        "task.err.comment_empty": "意见不能为空。",
        "task.err.not_found": "督办事项不存在，或不在您的辖区内。",
        "task.err.not_visible": "该事项不在您的辖区内。",
        "task.err.cannot_issue": "只有领导和管理人员可以交办事项。",
        "task.err.not_issuer": "只有交办人或其上级可以执行此操作。",
        "task.err.not_assignee": "只有承办单位的人员可以执行此操作。",
        "task.err.not_superior": "只有承办单位的上级领导或管理人员可以催办。",
        "task.err.not_open": "该事项未在办理中，不能催办。",
        "task.err.final": "该事项已办结或已撤回，不能修改。",
        "task.err.unknown_action": "未知的操作。",
        "task.err.illegal_transition": "当前状态为“{state}”，不能执行“{action}”。",
        "task.err.conflict": "该事项已被他人更新，请查看最新状态后再操作。",
        "task.action.issue": "交办",
        "task.action.acknowledge": "签收",
        "task.action.start": "开始办理",
        "task.action.report": "反馈办理情况",
        "task.action.pass": "审核通过",
        "task.action.return": "退回重办",
        "task.action.withdraw": "撤回",
        "task.action.urge": "催办",
        "task.action.edit": "修改",
        "task.action.comment": "发表意见",
        "task.state.draft": "待交办",
        "task.state.issued": "已交办",
        "task.state.acknowledged": "已签收",
        "task.state.in_progress": "办理中",
        "task.state.reported": "已反馈",
        "task.state.closed": "已办结",
        "task.state.withdrawn": "已撤回",
        "api.err.json_required": "请以 application/json 发送请求内容。",
        "api.err.bool": "应为 true 或 false。",
        "api.err.limit": "条数应在 1 到 5000 之间。",
        "api.err.method": "该地址不支持此请求方法。",
        "api.err.no_such_path": "没有这个接口地址。",
        "nav.households": "户列表",
        "error.household_not_found": "未找到该户，或该户不在您的辖区内。",
        "hh.title": "{region} 户列表",
        "hh.preset": "范围",
        "hh.preset.all": "全部在册户",
        "hh.preset.registered": "建档立卡户",
        "hh.preset.not_exited": "未脱贫户",
        "hh.preset.exited": "已脱贫户",
        "hh.preset.monitored": "监测户",
        "hh.preset.unresolved": "风险未消除户",
        "hh.preset.eliminated": "风险已消除户",
        "hh.preset.pending": "待认定户",
        "hh.preset.below_line": "低于监测线户",
        "hh.count": "共 {n} 户",
        "hh.export_cap": "导出上限 {cap} 行，请先缩小范围",
        "hh.export_csv": "导出 CSV",
        "hh.export_xlsx": "导出 Excel",
        "hh.back_to_region": "返回地区",
        "hh.bad_filter": "筛选条件无效：{reason}",
        "hh.col.household_no": "户编号",
        "hh.col.head_name": "户主",
        "hh.col.village": "乡镇 · 村",
        "hh.col.township_name": "乡镇",
        "hh.col.village_name": "村",
        "hh.col.phone": "联系电话",
        "hh.col.members": "人口",
        "hh.col.household_type": "户属性",
        "hh.col.identify_year": "识别年度",
        "hh.col.exit_year": "脱贫年度",
        "hh.col.main_cause": "主要致贫原因",
        "hh.col.monitor_type": "监测类型",
        "hh.col.monitor_state": "监测状态",
        "hh.col.per_capita_income": "人均纯收入(元)",
        "export.bad_format": "不支持的导出格式。",
        "export.too_many": "共 {n} 行，超过导出上限 {cap} 行，未导出。请缩小范围或增加筛选条件。",
        "hhd.title": "{name} 户（{no}）",
        "hhd.registered": "{year} 年建档立卡",
        "hhd.not_registered": "非建档立卡户",
        "hhd.phone": "电话",
        "hhd.reveal": "显示完整证件号",
        "hhd.revealed_note": "正在显示完整证件号与电话，本次查看已记入审计日志。",
        "hhd.members": "家庭成员",
        "hhd.per_capita": "人均纯收入",
        "hhd.line": "贫困线 / 监测线",
        "hhd.income_title": "{name} 户人均纯收入（元）",
        "hhd.monitoring": "监测记录",
        "hhd.not_monitored": "该户不是监测对象。",
        "hhd.risks": "风险类型：{risks}",
        "hhd.discovery": "发现方式：{how}",
        "hhd.ev.warning": "预警",
        "hhd.ev.check": "入户核实",
        "hhd.ev.notice": "村级评议公示",
        "hhd.ev.identify": "县级审定纳入监测",
        "hhd.ev.assist": "落实帮扶措施",
        "hhd.ev.eliminate": "风险消除",
        "hhd.measures": "帮扶措施",
        "hhd.cadres": "帮扶责任人",
        "hhd.current": "至今",
        "hhd.col.name": "姓名",
        "hhd.col.relation": "与户主关系",
        "hhd.col.sex": "性别",
        "hhd.col.age": "年龄",
        "hhd.col.id_number": "证件号码",
        "hhd.col.health": "健康状况",
        "hhd.col.labour": "劳动能力",
        "hhd.col.education": "文化程度",
        "hhd.col.migrant_months": "务工月数",
        "hhd.col.insured": "基本医保",
        "hhd.col.phone": "联系电话",
        "hhd.m.year": "年度",
        "hhd.m.start": "开始日期",
        "hhd.m.channel": "八个一批",
        "hhd.m.category": "措施类别",
        "hhd.m.amount": "金额(元)",
        "hhd.m.department": "责任部门",
        "hhd.c.name": "姓名",
        "hhd.c.unit": "帮扶单位",
        "hhd.c.position": "职责",
        "hhd.c.phone": "电话",
        "hhd.c.start": "开始",
        "hhd.c.end": "结束",
        "nav.region": "地区下钻",
        "region.indicator": "指标",
        "region.month": "月份",
        "region.households": "户列表",
        "region.map_title": "{region} · {indicator}",
        "region.ranking": "下级单位排名（{period}）",
        "region.causes": "致贫原因",
        "region.risks": "风险类型",
        "region.channels": "帮扶措施",
        "region.causes_title": "{region} 建档立卡户主要致贫原因（户）",
        "region.risks_title": "{region} 监测对象风险类型（户）",
        "region.channels_title": "{region} 八个一批覆盖率（2014–{year} 年，占建档立卡户）",
        "region.trend": "{region} {indicator} 趋势",
        "map.schematic": "乡镇边界与村点位为示意，不代表实际界线。",
        "indicator.poverty_incidence": "贫困发生率",
        "indicator.pp_not_exited": "未脱贫人口",
        "indicator.hh_not_exited": "未脱贫户数",
        "indicator.hh_registered": "建档立卡户数",
        "indicator.hh_monitored_per_1000": "每千人监测户数",
        "indicator.hh_monitored": "监测户数",
        "indicator.hh_unresolved": "风险未消除户数",
        "indicator.risk_eliminated_rate": "风险消除率",
        "indicator.hh_below_monitoring_line": "低于监测线户数",
        "indicator.inc_mean_per_capita": "人均纯收入（平均，元）",
        "indicator.inc_median_per_capita": "人均纯收入（中位数，元）",
        "indicator.measure_coverage": "帮扶措施覆盖率",
        "indicator.identification_timeliness": "识别及时率",
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
        "task.err.invalid": "Some input is not valid: see the fields.",
        "task.err.not_object": "The request body must be a JSON object.",
        "task.err.title_empty": "The title is empty.",
        "task.err.title_long": "The title is longer than 200 characters.",
        "task.err.not_text": "Must be text.",
        "task.err.text_long": "Longer than 10,000 characters.",
        "task.err.bad_type": "Unknown instruction type.",
        "task.err.bad_priority": "Unknown priority.",
        "task.err.bad_source": "Unknown source.",
        "task.err.bad_region": "Malformed or unknown region code.",
        "task.err.region_outside": "That region is outside your jurisdiction: you cannot assign to it.",
        "task.err.bad_date": "Not a date (YYYY-MM-DD).",
        "task.err.deadline_past": "The deadline is in the past.",
        "task.err.bad_households": "Linked households must be a list of household ids.",
        "task.err.bad_meeting": "No such meeting in your region.",
        "task.err.version_missing": "The version you saw is missing: updates must send it.",
        "task.err.bad_edit": "Only title, content, priority and deadline can be edited.",
        "task.err.comment_empty": "The comment is empty.",
        "task.err.not_found": "No such instruction, or it is outside your region.",
        "task.err.not_visible": "That instruction is outside your region.",
        "task.err.cannot_issue": "Only leaders and managers issue instructions.",
        "task.err.not_issuer": "Only the issuer or a superior can do this.",
        "task.err.not_assignee": "Only the assignee unit's staff can do this.",
        "task.err.not_superior": "Only a leader or manager above the assignee unit can urge.",
        "task.err.not_open": "The instruction is not being handled: nothing to urge.",
        "task.err.final": "The instruction is closed or withdrawn: it cannot change.",
        "task.err.unknown_action": "Unknown action.",
        "task.err.illegal_transition": "The instruction is {state}: {action} is not possible.",
        "task.err.conflict": "Someone else updated this instruction: look at the current state and try again.",
        "task.action.issue": "issue",
        "task.action.acknowledge": "acknowledge",
        "task.action.start": "start work",
        "task.action.report": "report",
        "task.action.pass": "pass the review",
        "task.action.return": "return for more work",
        "task.action.withdraw": "withdraw",
        "task.action.urge": "urge",
        "task.action.edit": "edit",
        "task.action.comment": "comment",
        "task.state.draft": "draft",
        "task.state.issued": "issued",
        "task.state.acknowledged": "acknowledged",
        "task.state.in_progress": "in progress",
        "task.state.reported": "reported",
        "task.state.closed": "closed",
        "task.state.withdrawn": "withdrawn",
        "api.err.json_required": "Send the body as application/json.",
        "api.err.bool": "Must be true or false.",
        "api.err.limit": "The limit must be between 1 and 5000.",
        "api.err.method": "This address does not take that method.",
        "api.err.no_such_path": "No such API address.",
        "nav.households": "Households",
        "error.household_not_found": "No such household, or it is outside your jurisdiction.",
        "hh.title": "{region}: households",
        "hh.preset": "Which households",
        "hh.preset.all": "All in the registry",
        "hh.preset.registered": "Registered poor",
        "hh.preset.not_exited": "Not yet exited",
        "hh.preset.exited": "Exited",
        "hh.preset.monitored": "Monitored",
        "hh.preset.unresolved": "Risk not eliminated",
        "hh.preset.eliminated": "Risk eliminated",
        "hh.preset.pending": "Awaiting approval",
        "hh.preset.below_line": "Below the monitoring line",
        "hh.count": "{n} households",
        "hh.export_cap": "exports stop at {cap} rows: narrow the list first",
        "hh.export_csv": "Export CSV",
        "hh.export_xlsx": "Export Excel",
        "hh.back_to_region": "Back to the region",
        "hh.bad_filter": "Filter not valid: {reason}",
        "hh.col.household_no": "Household no.",
        "hh.col.head_name": "Head",
        "hh.col.village": "Township · village",
        "hh.col.township_name": "Township",
        "hh.col.village_name": "Village",
        "hh.col.phone": "Phone",
        "hh.col.members": "Members",
        "hh.col.household_type": "Type",
        "hh.col.identify_year": "Registered",
        "hh.col.exit_year": "Exited",
        "hh.col.main_cause": "Main cause",
        "hh.col.monitor_type": "Monitoring type",
        "hh.col.monitor_state": "Monitoring state",
        "hh.col.per_capita_income": "Per-capita income (yuan)",
        "export.bad_format": "That export format is not offered.",
        "export.too_many": "{n} rows: more than the export limit of {cap}. Nothing was exported; narrow the list.",
        "hhd.title": "Household of {name} ({no})",
        "hhd.registered": "registered in {year}",
        "hhd.not_registered": "not a registered poor household",
        "hhd.phone": "phone",
        "hhd.reveal": "Show full ID numbers",
        "hhd.revealed_note": "Full ID and phone numbers are shown; this view is in the audit log.",
        "hhd.members": "Members",
        "hhd.per_capita": "Per-capita net income",
        "hhd.line": "Poverty / monitoring line",
        "hhd.income_title": "Household of {name}: per-capita net income (yuan)",
        "hhd.monitoring": "Monitoring",
        "hhd.not_monitored": "This household is not a monitoring object.",
        "hhd.risks": "Risks: {risks}",
        "hhd.discovery": "Found by: {how}",
        "hhd.ev.warning": "Warning",
        "hhd.ev.check": "Home check",
        "hhd.ev.notice": "Village review and notice",
        "hhd.ev.identify": "County approval",
        "hhd.ev.assist": "Assistance in place",
        "hhd.ev.eliminate": "Risk eliminated",
        "hhd.measures": "Assistance measures",
        "hhd.cadres": "Assistance cadres",
        "hhd.current": "now",
        "hhd.col.name": "Name",
        "hhd.col.relation": "Relation",
        "hhd.col.sex": "Sex",
        "hhd.col.age": "Age",
        "hhd.col.id_number": "ID number",
        "hhd.col.health": "Health",
        "hhd.col.labour": "Labour",
        "hhd.col.education": "Education",
        "hhd.col.migrant_months": "Migrant months",
        "hhd.col.insured": "Insured",
        "hhd.col.phone": "Phone",
        "hhd.m.year": "Year",
        "hhd.m.start": "Start",
        "hhd.m.channel": "Channel",
        "hhd.m.category": "Category",
        "hhd.m.amount": "Amount (yuan)",
        "hhd.m.department": "Department",
        "hhd.c.name": "Name",
        "hhd.c.unit": "Unit",
        "hhd.c.position": "Role",
        "hhd.c.phone": "Phone",
        "hhd.c.start": "From",
        "hhd.c.end": "To",
        "nav.region": "Drill down",
        "region.indicator": "Indicator",
        "region.month": "Month",
        "region.households": "Households",
        "region.map_title": "{region} · {indicator}",
        "region.ranking": "Units below, ranked ({period})",
        "region.causes": "Causes",
        "region.risks": "Risk types",
        "region.channels": "Assistance",
        "region.causes_title": "{region}: registered households by main cause",
        "region.risks_title": "{region}: monitored households by risk type",
        "region.channels_title": "{region}: reach of the eight channels, 2014–{year} (share of registered households)",
        "region.trend": "{region}: {indicator}",
        "map.schematic": "Township areas and village points are schematic, not real boundaries.",
        "indicator.poverty_incidence": "Poverty incidence",
        "indicator.pp_not_exited": "People not yet exited",
        "indicator.hh_not_exited": "Households not yet exited",
        "indicator.hh_registered": "Registered households",
        "indicator.hh_monitored_per_1000": "Monitored households per 1,000 people",
        "indicator.hh_monitored": "Monitored households",
        "indicator.hh_unresolved": "Households with risk not eliminated",
        "indicator.risk_eliminated_rate": "Risk-eliminated rate",
        "indicator.hh_below_monitoring_line": "Households below the monitoring line",
        "indicator.inc_mean_per_capita": "Per-capita net income (mean, yuan)",
        "indicator.inc_median_per_capita": "Per-capita net income (median, yuan)",
        "indicator.measure_coverage": "Measure coverage",
        "indicator.identification_timeliness": "Identification timeliness",
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
