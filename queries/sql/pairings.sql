-- Pairings (结对帮扶): the households' assistance cadres (帮扶责任人), the cadres' loads
-- and the units they come from. A household needs a cadre while it is in the poverty
-- registry (exited ones keep theirs) or monitored with its risk not eliminated; a
-- pairing is current while it has no end day.

-- name: pairing_summary
-- The unit's households that need a cadre, how many have none, its current cadres and
-- those paired with more than $max_households households (counted over the whole scope:
-- a cadre may help households in two townships).
-- subject: filtered
with need as (
    select h.household_id,
           exists (select 1 from pairing as p
                   where p.household_id = h.household_id and p.end_date is null) as paired
    from household as h
    left join monitoring as m using (household_id)
    where starts_with(h.village_code, $unit_prefix)
      and starts_with(h.village_code, $_scope_prefix)
      and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
      and (h.is_registered or m.state = 2)
),
here as (
    select distinct p.cadre_id
    from pairing as p
    join household as h using (household_id)
    where p.end_date is null
      and starts_with(h.village_code, $unit_prefix)
      and starts_with(h.village_code, $_scope_prefix)
      and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
),
loads as (
    select p.cadre_id, count(distinct p.household_id) as households
    from pairing as p
    join here using (cadre_id)
    join household as h using (household_id)
    where p.end_date is null
      and starts_with(h.village_code, $_scope_prefix)
      and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
    group by p.cadre_id
)
select
    (select count(*) from need) as needing,
    (select count(*) from need where not paired) as unpaired,
    (select count(*) from loads) as cadres,
    (select count(*) from loads where households > $max_households) as overloaded,
    (select coalesce(max(households), 0) from loads) as most;

-- name: unpaired_households
-- The unit's households that need a cadre and have none, by village and number.
-- subject: filtered
select h.household_id, h.household_no, h.head_name, h.members, h.village_code,
       v.name as village_name, h.household_type, m.monitor_type, m.state as monitoring_state
from household as h
join region as v on v.code = h.village_code
left join monitoring as m using (household_id)
where starts_with(h.village_code, $unit_prefix)
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
  and (h.is_registered or m.state = 2)
  and not exists (select 1 from pairing as p
                  where p.household_id = h.household_id and p.end_date is null)
order by h.village_code, h.household_no
limit 1000;

-- name: overloaded_cadres
-- The unit's current cadres paired with more than $max_households households (counted
-- over the whole scope), most first.
-- subject: filtered
with here as (
    select distinct p.cadre_id
    from pairing as p
    join household as h using (household_id)
    where p.end_date is null
      and starts_with(h.village_code, $unit_prefix)
      and starts_with(h.village_code, $_scope_prefix)
      and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
)
select c.cadre_id, c.name, c.position, u.unit_id, u.name as unit_name,
       count(distinct p.household_id) as households
from pairing as p
join here using (cadre_id)
join household as h using (household_id)
join cadre as c on c.cadre_id = p.cadre_id
join unit as u on u.unit_id = c.unit_id
where p.end_date is null
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
group by all
having count(distinct p.household_id) > $max_households
order by households desc, c.cadre_id
limit 1000;

-- name: assisting_units
-- The units whose cadres are paired now with households of the unit: their cadres and
-- households there, most households first.
-- subject: filtered
select u.unit_id, u.name as unit_name, u.unit_type, u.level, u.region_code as unit_region,
       count(distinct c.cadre_id) as cadres, count(distinct p.household_id) as households
from pairing as p
join household as h using (household_id)
join cadre as c on c.cadre_id = p.cadre_id
join unit as u on u.unit_id = c.unit_id
where p.end_date is null
  and starts_with(h.village_code, $unit_prefix)
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
group by all
order by households desc, u.unit_id
limit 200;

-- name: cadre_households
-- One cadre's current households within the scope, with where they are and their
-- monitoring state; the cadre's name, unit and position on every row.
-- subject: filtered
select c.cadre_id, c.name, c.position, u.unit_id, u.name as unit_name,
       h.household_id, h.household_no, h.head_name, h.members, h.village_code,
       v.name as village_name, p.start_date, m.monitor_type, m.state as monitoring_state
from pairing as p
join household as h using (household_id)
join region as v on v.code = h.village_code
join cadre as c on c.cadre_id = p.cadre_id
join unit as u on u.unit_id = c.unit_id
left join monitoring as m on m.household_id = h.household_id
where p.cadre_id = $cadre_id and p.end_date is null
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
order by h.village_code, h.household_no;

-- name: unit_cadres
-- One assisting unit's cadres paired now with households within the scope, with how
-- many each has there.
-- subject: filtered
select u.unit_id, u.name as unit_name, u.unit_type, c.cadre_id, c.name, c.position,
       min(h.village_code) as village_code, count(*) as households
from pairing as p
join household as h using (household_id)
join cadre as c on c.cadre_id = p.cadre_id
join unit as u on u.unit_id = c.unit_id
where u.unit_id = $unit_id and p.end_date is null
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
group by all
order by households desc, c.cadre_id;

-- name: village_teams
-- The villages of the unit with their resident work team (驻村工作队: the unit that sends
-- it) and first secretary (第一书记), where they have them.
-- subject: none
select v.village_code, r.name as village_name, u.unit_id, u.name as team_unit,
       c.cadre_id as secretary_id, c.name as first_secretary
from village as v
join region as r on r.code = v.village_code
left join unit as u on u.unit_id = v.team_unit_id
left join cadre as c on c.cadre_id = v.first_secretary_id
where starts_with(v.village_code, $unit_prefix)
  and starts_with(v.village_code, $_scope_prefix)
order by v.village_code
limit 1000;
