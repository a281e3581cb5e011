-- name: risk_matrix
-- Households with risk not eliminated, by unit below and risk type, with the population.
with kids as (
    select code, name
    from region
    where parent_code = $code
      and starts_with(code, $_scope_prefix)
)
select k.code, k.name, r.risk_type, r.hh_unresolved, y.rural_population,
       1000.0 * r.hh_unresolved / nullif(y.rural_population, 0) as per_1000
from kids as k
join rollup_risk as r on r.region_code = k.code
join rollup_year as y on y.region_code = k.code and y.year = $year
where r.hh_unresolved > 0
order by k.code, r.risk_type;

-- name: risk_households
-- The households behind one cell of the matrix: risk not eliminated, of this type, in a unit.
select h.household_id, h.household_no, h.head_name, v.name as village_name,
       t.name as township_name, m.monitor_type, m.identify_date, h.members,
       h.per_capita_income
from monitoring_risk as k
join monitoring as m on m.monitoring_id = k.monitoring_id
join household as h on h.household_id = m.household_id
join region as v on v.code = h.village_code
join region as t on t.code = h.township_code
where k.risk_type = $risk_type
  and m.state = 2
  and starts_with(h.village_code, $unit_prefix)
  and starts_with(h.village_code, $_scope_prefix)
order by m.identify_date, h.household_id;

-- name: lifecycle
-- Warned households (预警户: every household that entered the procedure) of a unit through
-- it: counts and median days per stage. Checked and not included (核实未纳入, state 4)
-- and awaiting a decision (待认定 = warned − identified − not included, state 1) too.
select
    count(*) as warned,
    count(m.check_date) as checked,
    count(m.identify_date) as identified,
    count(*) filter (where m.state = 4) as cleared,
    count(*) filter (where m.state = 1) as pending,
    count(m.assist_date) as assisted,
    count(m.eliminate_date) as eliminated,
    count(*) filter (where m.identify_date - m.warning_date <= 15) as identified_timely,
    median(m.check_date - m.warning_date) as days_to_check,
    median(m.identify_date - m.warning_date) as days_to_identify,
    median(m.check_date - m.warning_date) filter (where m.state = 4) as days_to_clear,
    median(m.assist_date - m.identify_date) as days_to_assist,
    median(m.eliminate_date - m.identify_date) as days_to_eliminate
from monitoring as m
where starts_with(m.village_code, $unit_prefix)
  and starts_with(m.village_code, $_scope_prefix);

-- name: flows_to_day
-- Households of a unit newly warned, identified and with risk eliminated in days 1 to D
-- of the as-of month ($day_from .. $day_to) and in the same days of the month before
-- ($prev_from .. $prev_to): equal spans, for comparing a month that is still running.
select
    count(*) filter (where m.warning_date between $day_from and $day_to) as warned,
    count(*) filter (where m.warning_date between $prev_from and $prev_to) as warned_before,
    count(*) filter (where m.identify_date between $day_from and $day_to) as identified,
    count(*) filter (where m.identify_date between $prev_from and $prev_to)
        as identified_before,
    count(*) filter (where m.eliminate_date between $day_from and $day_to) as eliminated,
    count(*) filter (where m.eliminate_date between $prev_from and $prev_to)
        as eliminated_before
from monitoring as m
where starts_with(m.village_code, $unit_prefix)
  and starts_with(m.village_code, $_scope_prefix);

-- name: children_months
-- New warnings, identifications and eliminations by unit below and month.
select m.region_code as code, r.name, m.month, m.hh_new_warned, m.hh_new_identified,
       m.hh_new_eliminated
from rollup_month as m
join region as r on r.code = m.region_code
where r.parent_code = $code
  and m.month >= $since
  and starts_with(m.region_code, $_scope_prefix)
order by m.region_code, m.month;

-- name: warning_queue
-- Rule hits (预警线索) of a unit not yet handled, oldest first. A hit is handled when the
-- household was identified on or after it, or its monitoring record was checked on or
-- after it (check_date >= warned_on: included or not), or a decision was recorded in the
-- operational store ($decided). A department sees the hits of its own rules only, and no
-- risk score (it is made of every rule's hits).
-- subject: filtered
with w as (
    select w.*, w.rule_id || ':' || w.household_id || ':' || w.warned_on as warning_key,
           h.household_no, h.head_name, h.township_code, m.identify_date, m.check_date,
           case when $_scope_department = '' then k.score end as score,
           case when $_scope_department = '' then k.factors end as factors
    from warning as w
    join household as h using (household_id)
    left join monitoring as m using (household_id)
    left join household_risk as k using (household_id)
    where starts_with(w.village_code, $_scope_prefix)
      and starts_with(w.village_code, $unit_prefix)
      and ($rule = '' or w.rule_id = $rule)
      and ($_scope_department = '' or list_contains($_scope_rules, w.rule_id))
)
select w.warning_id, w.warning_key, w.rule_id, w.household_id, w.village_code,
       v.name as village_name, t.name as township_name, w.household_no, w.head_name,
       w.risk_type, w.severity, w.value, w.threshold, w.warned_on,
       $as_of - w.warned_on as days_waiting, w.score, w.factors, w.detail
from w
join region as v on v.code = w.village_code
join region as t on t.code = w.township_code
where not coalesce(w.identify_date >= w.warned_on, false)
  and not coalesce(w.check_date >= w.warned_on, false)
  and not list_contains($decided, w.warning_key)
order by w.warned_on, w.warning_id
limit $limit;

-- name: warning_counts
-- Rule hits (预警线索) of a unit and the households they concern, counted separately:
-- hits (warnings, undecided, overdue = undecided and older than 15 days) and distinct
-- households (households, undecided_households, overdue_households: with at least one
-- such hit). Handled as in warning_queue; identified_after / checked_after /
-- cleared_after / decided_in_store say how the handled hits were handled (a hit may be
-- counted in more than one of them). A department: the hits of its own rules.
-- subject: filtered
with w as (
    select w.household_id, w.warned_on,
           coalesce(m.identify_date >= w.warned_on, false) as identified_after,
           coalesce(m.check_date >= w.warned_on, false) as checked_after,
           coalesce(m.check_result = 2 and m.check_date >= w.warned_on, false)
               as cleared_after,
           list_contains($decided, w.rule_id || ':' || w.household_id || ':' || w.warned_on)
               as decided_in_store
    from warning as w
    left join monitoring as m using (household_id)
    where starts_with(w.village_code, $_scope_prefix)
      and starts_with(w.village_code, $unit_prefix)
      and ($_scope_department = '' or list_contains($_scope_rules, w.rule_id))
),
f as (
    select *,
           not (identified_after or checked_after or decided_in_store) as undecided,
           not (identified_after or checked_after or decided_in_store)
               and $as_of - warned_on > 15 as overdue
    from w
)
select
    count(*) as warnings,
    count(*) filter (where undecided) as undecided,
    count(*) filter (where overdue) as overdue,
    count(*) filter (where identified_after) as identified_after,
    count(distinct household_id) as households,
    count(distinct household_id) filter (where undecided) as undecided_households,
    count(distinct household_id) filter (where overdue) as overdue_households,
    count(*) filter (where checked_after) as checked_after,
    count(*) filter (where cleared_after) as cleared_after,
    count(*) filter (where decided_in_store) as decided_in_store,
    count(*) filter (where not undecided) as handled
from f;

-- name: household_score
-- A household's risk score and the rules behind it (not for a department: the score is
-- made of every rule's hits, most of them other departments' data).
-- subject: filtered
select k.score, k.rules_fired, k.factors
from household_risk as k
where k.household_id = $household_id
  and starts_with(k.village_code, $_scope_prefix)
  and $_scope_department = '';

-- name: warning_get
-- One warning by its key, with where the household lives (a department: its rules').
-- subject: filtered
select w.*, w.rule_id || ':' || w.household_id || ':' || w.warned_on as warning_key,
       h.household_no, h.head_name, v.name as village_name, t.name as township_name
from warning as w
join household as h using (household_id)
join region as v on v.code = h.village_code
join region as t on t.code = h.township_code
where w.rule_id = $rule_id
  and w.household_id = $household_id
  and w.warned_on = $warned_on
  and starts_with(w.village_code, $_scope_prefix)
  and ($_scope_department = '' or list_contains($_scope_rules, w.rule_id));

-- name: household_numbers
-- The household numbers (户编号) of the households named, within the scope: lists of
-- decisions name a household by the number people know, not by its internal id. A
-- department: the households behind its cases and warnings only.
-- subject: filtered
select h.household_id, h.household_no
from household as h
where list_contains($household_ids, h.household_id)
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
order by h.household_id;
