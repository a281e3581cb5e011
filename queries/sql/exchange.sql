-- name: exchange_households
-- Households of a unit for the national system: the `households` file of the registry
-- layout (docs/registry.md; docs/exchange.md), with the computed columns members,
-- no_labour and per_capita_income, which a loader accepts and recomputes; members are
-- the members of the household on the period's last day ($until).
with present as (
    select household_id, count(*) as members
    from person
    where coalesce(joined_date, birth_date) <= $until and birth_date <= $until
      and (left_date is null or left_date > $until)
    group by household_id
)
select h.household_no, h.village_code, h.head_name, h.phone, h.is_registered,
       h.household_type, h.identify_year, h.exit_year, h.exit_type, h.main_cause,
       h.monitor_type, h.housing_grade, h.relocated, h.relocation_year, h.sanitary_toilet,
       h.road_access, h.farmland_mu, h.forest_mu, coalesce(n.members, 0) as members,
       h.no_labour, h.per_capita_income
from household as h
left join present as n using (household_id)
where starts_with(h.village_code, $_scope_prefix)
  and starts_with(h.village_code, $unit_prefix)
order by h.household_no;

-- name: exchange_members
-- Members of the unit's households, with full ID numbers (the national system keys on
-- them); only roles that may see them are given this export, and it is logged. Dated
-- membership as it stood on the period's last day ($until): a person who joined (or
-- was born) later is left out, one who left later is still a member then.
select p.id_number, h.household_no, p.name, p.relation, p.sex, p.birth_date, p.ethnicity,
       p.education, p.in_school, p.school_stage, p.health, p.disability_grade, p.labour,
       p.migrant_months, p.medical_insurance, p.pension, p.dibao, p.tekun, p.welfare_job,
       p.phone, p.joined_date, p.join_reason,
       case when p.left_date <= $until then p.left_date end as left_date,
       case when p.left_date <= $until then p.left_reason end as left_reason
from person as p
join household as h using (household_id)
where starts_with(h.village_code, $_scope_prefix)
  and starts_with(h.village_code, $unit_prefix)
  and p.birth_date <= $until and coalesce(p.joined_date, p.birth_date) <= $until
order by h.household_no, p.person_id;

-- name: exchange_monitoring
-- Monitoring records of the unit warned by the end of the period, each step as it
-- stood then (a later date is left empty).
select m.monitoring_id, h.household_no, m.monitor_type, m.discovery, m.warning_date,
       case when m.check_date <= $until then m.check_date end as check_date,
       -- the outcome as known then: included once identified, not included once checked
       case when m.check_result = 1 and m.identify_date <= $until then 1
            when m.check_result = 2 and m.check_date <= $until then 2 end as check_result,
       case when m.check_result = 2 and m.check_date <= $until then m.exclude_reason end
           as exclude_reason,
       case when m.consent_date <= $until then m.consent_date end as consent_date,
       case when m.comparison_date <= $until then m.comparison_date end as comparison_date,
       case when m.village_review_date <= $until then m.village_review_date end
           as village_review_date,
       case when m.notice_date <= $until then m.notice_date end as notice_date,
       case when m.notice_end_date <= $until then m.notice_end_date end as notice_end_date,
       case when m.township_review_date <= $until then m.township_review_date end
           as township_review_date,
       case when m.county_decision_date <= $until then m.county_decision_date end
           as county_decision_date,
       case when m.identify_date <= $until then m.identify_date end as identify_date,
       case when m.assist_date <= $until then m.assist_date end as assist_date,
       case when m.eliminate_date <= $until then m.eliminate_date end as eliminate_date,
       case when m.eliminate_date <= $until then m.eliminate_method end as eliminate_method
from monitoring as m
join household as h using (household_id)
where starts_with(m.village_code, $_scope_prefix)
  and starts_with(m.village_code, $unit_prefix)
  and m.warning_date <= $until
order by m.monitoring_id;

-- name: exchange_monitoring_risks
-- The risk types of those records.
select r.monitoring_id, r.seq, r.risk_type
from monitoring_risk as r
join monitoring as m using (monitoring_id)
where starts_with(m.village_code, $_scope_prefix)
  and starts_with(m.village_code, $unit_prefix)
  and m.warning_date <= $until
order by r.monitoring_id, r.seq;
