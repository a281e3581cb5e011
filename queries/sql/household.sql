-- name: household_get
-- One household with the names of its village, township and county. Every household_
-- query gives a department only the households behind its own cases and warnings.
-- subject: filtered
select
    h.*, v.name as village_name, t.name as township_name, c.name as county_name
from household as h
join region as v on v.code = h.village_code
join region as t on t.code = h.township_code
join region as c on c.code = h.county_code
where h.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules);

-- name: household_members
-- The members of a household, head first.
-- subject: filtered
select p.*
from person as p
join household as h using (household_id)
where p.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
order by p.relation, p.birth_date;

-- name: household_income
-- Yearly income of a household by component, with the lines of each year.
-- subject: filtered
select i.*, l.poverty_line, l.monitoring_line
from income as i
join household as h using (household_id)
join lines as l using (year)
where i.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
order by i.year;

-- name: household_measures
-- Assistance measures of a household, oldest first.
-- subject: filtered
select m.*
from measure as m
join household as h using (household_id)
where m.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
order by m.start_date, m.measure_id;

-- name: household_cadres
-- The cadres paired with a household over time, with their units.
-- subject: filtered
select p.start_date, p.end_date, c.cadre_id, c.name, c.phone, c.position, u.name as unit_name
from pairing as p
join household as h using (household_id)
join cadre as c on c.cadre_id = p.cadre_id
join unit as u on u.unit_id = c.unit_id
where p.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
order by p.start_date;

-- name: household_monitoring
-- The household's monitoring record, with its risk types in order.
-- subject: filtered
select
    m.*,
    (select list(k.risk_type order by k.seq) from monitoring_risk as k
     where k.monitoring_id = m.monitoring_id) as risks
from monitoring as m
join household as h using (household_id)
where m.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules);

-- name: household_subjects
-- The cross-checks and rules whose cases and warnings concern a household, within the
-- scope (a department: its own only): the departments the household concerns.
-- subject: filtered
select 'check' as kind, d.check_id as id
from doubt as d
where d.household_id = $household_id
  and starts_with(d.village_code, $_scope_prefix)
  and ($_scope_department = '' or list_contains($_scope_checks, d.check_id))
union
select 'rule' as kind, w.rule_id as id
from warning as w
where w.household_id = $household_id
  and starts_with(w.village_code, $_scope_prefix)
  and ($_scope_department = '' or list_contains($_scope_rules, w.rule_id))
order by kind, id;

-- name: case_household
-- A household as a monitoring case needs it (by its id or by its number): its number,
-- head and places, and the registry's monitoring record (at most one) with its state.
-- subject: filtered
select
    h.household_id, h.household_no, h.head_name, h.members, h.village_code,
    v.name as village_name, t.name as township_name, c.name as county_name,
    m.monitoring_id, m.state as monitoring_state, m.monitor_type
from household as h
join region as v on v.code = h.village_code
join region as t on t.code = h.township_code
join region as c on c.code = h.county_code
left join monitoring as m on m.household_id = h.household_id
where (h.household_id = $household_id or h.household_no = $household_no)
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules);

-- name: elimination_evidence
-- What the risk elimination standard is checked on for one household: whether anybody in
-- it can work, its latest yearly income in the registry against that year's monitoring
-- line, the monitoring line of $year (the latest one published by then), the guarantee
-- items still unmet in $year, and the monitoring measures begun since $since with their
-- categories (the registry's: the platform's own, ids from 2^40 on, are counted from the
-- store).
-- subject: filtered
select
    h.household_id, h.no_labour,
    i.year as registry_year, i.per_capita as registry_income,
    (select l.monitoring_line from lines as l where l.year = i.year) as registry_line,
    (select l.monitoring_line from lines as l
     where l.year <= $year and l.monitoring_line is not null
     order by l.year desc limit 1) as line,
    (select coalesce(list(distinct g.item order by g.item), []) from condition_gap as g
     where g.household_id = h.household_id and $year between g.from_year and g.to_year) as gaps,
    (select count(*) from measure as m
     where m.household_id = h.household_id and m.for_monitoring and m.start_date >= $since
       and m.measure_id < 1099511627776) as measures,
    (select coalesce(list(distinct m.category order by m.category), []) from measure as m
     where m.household_id = h.household_id and m.for_monitoring and m.start_date >= $since
       and m.measure_id < 1099511627776) as categories
from household as h
left join (select * from income where household_id = $household_id
           qualify row_number() over (order by year desc) = 1) as i using (household_id)
where h.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules);
