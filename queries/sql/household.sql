-- name: household_get
-- One household with the names of its village, township and county.
select
    h.*, v.name as village_name, t.name as township_name, c.name as county_name
from household as h
join region as v on v.code = h.village_code
join region as t on t.code = h.township_code
join region as c on c.code = h.county_code
where h.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix);

-- name: household_members
-- The members of a household, head first.
select p.*
from person as p
join household as h using (household_id)
where p.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
order by p.relation, p.birth_date;

-- name: household_income
-- Yearly income of a household by component, with the lines of each year.
select i.*, l.poverty_line, l.monitoring_line
from income as i
join household as h using (household_id)
join lines as l using (year)
where i.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
order by i.year;

-- name: household_measures
-- Assistance measures of a household, oldest first.
select m.*
from measure as m
join household as h using (household_id)
where m.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
order by m.start_date, m.measure_id;

-- name: household_cadres
-- The cadres paired with a household over time, with their units.
select p.start_date, p.end_date, c.cadre_id, c.name, c.phone, c.position, u.name as unit_name
from pairing as p
join household as h using (household_id)
join cadre as c on c.cadre_id = p.cadre_id
join unit as u on u.unit_id = c.unit_id
where p.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix)
order by p.start_date;

-- name: household_monitoring
-- The household's monitoring record, with its risk types in order.
select
    m.*,
    (select list(k.risk_type order by k.seq) from monitoring_risk as k
     where k.monitoring_id = m.monitoring_id) as risks
from monitoring as m
join household as h using (household_id)
where m.household_id = $household_id
  and starts_with(h.village_code, $_scope_prefix);
