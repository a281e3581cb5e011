-- Field work on phones (掌上扶贫, /m): the households a cadre of a unit visits. A household
-- is visited while it is in the poverty registry or monitored (any state but "checked,
-- not included"): the households a cadre is paired with (pairings.sql) and those a
-- village's work team looks after.

-- name: field_households
-- The unit's households that cadres visit, with their village, types, monitoring state and
-- current assistance cadres (names, comma-separated), by village and number; at most $limit.
-- $cadre_id: only those a cadre is paired with now (null: all).
-- subject: filtered
select
    h.household_id, h.household_no, h.head_name, h.phone, h.members, h.village_code,
    v.name as village_name, h.household_type, m.monitor_type, m.state as monitor_state,
    (select string_agg(c.name, '、' order by c.name)
     from pairing as p join cadre as c on c.cadre_id = p.cadre_id
     where p.household_id = h.household_id and p.end_date is null) as cadres
from household as h
join region as v on v.code = h.village_code
left join monitoring as m on m.household_id = h.household_id
where starts_with(h.village_code, $unit_prefix)
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
  and (h.is_registered or coalesce(m.state, 4) <> 4)
  and ($cadre_id is null or exists (
      select 1 from pairing as p
      where p.household_id = h.household_id and p.cadre_id = $cadre_id and p.end_date is null))
order by h.village_code, h.household_no
limit $limit;

-- name: card_household
-- The household a card's code names, once the code is verified (services/feedback.py):
-- its number and village, for a ticket of its township; nothing else of it.
-- scope: public
-- subject: none
select household_id, household_no, village_code
from household
where household_id = $household_id;

-- name: card_households
-- The households whose cards a unit prints (明白卡): those cadres visit, with head,
-- number, village and township names and current cadres, by village and number.
-- subject: filtered
select
    h.household_id, h.household_no, h.head_name, h.members, v.name as village_name,
    t.name as township_name,
    (select string_agg(c.name, '、' order by c.name)
     from pairing as p join cadre as c on c.cadre_id = p.cadre_id
     where p.household_id = h.household_id and p.end_date is null) as cadres
from household as h
join region as v on v.code = h.village_code
join region as t on t.code = h.township_code
left join monitoring as m on m.household_id = h.household_id
where starts_with(h.village_code, $unit_prefix)
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
  and (h.is_registered or coalesce(m.state, 4) <> 4)
order by h.village_code, h.household_no
limit $limit;

-- name: field_villages
-- The villages of a unit with how many households cadres visit in each (a township's
-- cadre picks one when the township's list is too long for a phone).
-- subject: filtered
select h.village_code, v.name as village_name, count(*) as households
from household as h
join region as v on v.code = h.village_code
left join monitoring as m on m.household_id = h.household_id
where starts_with(h.village_code, $unit_prefix)
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules)
  and (h.is_registered or coalesce(m.state, 4) <> 4)
group by 1, 2
order by 1;

-- name: change_household
-- What a change request on a household compares with (services/changes.py): the fields
-- it may change as the warehouse holds them, its village and its members.
-- subject: filtered
select household_id, household_no, head_name, village_code, phone, housing_grade,
       sanitary_toilet, road_access, members
from household
where household_id = $household_id
  and starts_with(village_code, $_scope_prefix)
  and in_subject(household_id, $_scope_department, $_scope_checks, $_scope_rules);

-- name: change_member
-- A member of a household as a change request on them compares with: their key, name,
-- the fields a request may change, and whether (when) they left.
-- subject: filtered
select p.person_id, p.id_number, p.name, p.relation, p.birth_date, p.joined_date, p.health,
       p.disability_grade, p.labour, p.medical_insurance, p.migrant_months, p.left_date,
       p.left_reason
from person as p
join household as h on h.household_id = p.household_id
where p.household_id = $household_id
  and ($person_id is null or p.person_id = $person_id)
  and ($id_number is null or p.id_number = $id_number)
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules);

-- name: change_income
-- A household's income row of one year as an income declaration compares with.
-- subject: filtered
select i.year, i.wages, i.business, i.property, i.transfers, i.production_costs
from income as i
join household as h on h.household_id = i.household_id
where i.household_id = $household_id and i.year = $year
  and starts_with(h.village_code, $_scope_prefix)
  and in_subject(h.household_id, $_scope_department, $_scope_checks, $_scope_rules);
