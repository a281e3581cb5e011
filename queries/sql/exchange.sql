-- name: exchange_households
-- Households of a unit for the national system (layout docs/exchange.md, version 1).
select h.household_no, h.village_code, h.head_name, h.members, h.is_registered,
       h.household_type, h.identify_year, h.exit_year, h.exit_type, h.main_cause,
       h.monitor_type, h.housing_grade, h.relocated, h.no_labour, h.per_capita_income
from household as h
where starts_with(h.village_code, $_scope_prefix)
  and starts_with(h.village_code, $unit_prefix)
order by h.household_no;

-- name: exchange_members
-- Members of the unit's households, with full ID numbers (the national system keys on
-- them); only roles that may see them are given this export, and it is logged.
select h.household_no, p.name, p.id_number, p.relation, p.sex, p.birth_date, p.education,
       p.in_school, p.health, p.disability_grade, p.labour, p.migrant_months,
       p.medical_insurance, p.pension, p.dibao, p.tekun, p.welfare_job
from person as p
join household as h using (household_id)
where starts_with(h.village_code, $_scope_prefix)
  and starts_with(h.village_code, $unit_prefix)
order by h.household_no, p.person_id;

-- name: exchange_monitoring
-- Monitoring records of the unit known by the end of the period.
select h.household_no, m.monitor_type, m.discovery, m.warning_date, m.check_date,
       m.notice_date, m.identify_date, m.assist_date,
       case when m.eliminate_date <= $until then m.eliminate_date end as eliminate_date,
       case when m.eliminate_date <= $until then m.eliminate_method end as eliminate_method,
       m.main_risk
from monitoring as m
join household as h using (household_id)
where starts_with(m.village_code, $_scope_prefix)
  and starts_with(m.village_code, $unit_prefix)
  and m.warning_date <= $until
order by h.household_no;
