-- name: quality_checks
-- The data-quality checks the warehouse was evaluated with, and whether each could be.
-- scope: public
select id, zh, en, severity, description, description_en, evaluable, missing, reason
from quality_check
order by id;

-- name: quality_unit
-- A unit's issues by check ('' for all checks), with its households as the denominator.
select q.check_id, q.households, q.issues, q.households_flagged, q.per_1000
from quality_rollup as q
where q.region_code = $code
  and starts_with(q.region_code, $_scope_prefix)
order by q.check_id;

-- name: quality_children
-- The units directly below a unit with their issues for one check ('' for all): a unit
-- with households and nothing found is 0, not "no data".
select r.code, r.name, coalesce(a.households, 0) as households,
       coalesce(q.issues, 0) as issues, coalesce(q.households_flagged, 0) as households_flagged,
       case when a.households > 0 then 1000.0 * coalesce(q.issues, 0) / a.households end
           as per_1000
from region as r
left join quality_rollup as a on a.region_code = r.code and a.check_id = ''
left join quality_rollup as q on q.region_code = r.code and q.check_id = $check
where r.parent_code = $code
  and starts_with(r.code, $_scope_prefix)
order by r.code;

-- name: quality_children_checks
-- The units directly below a unit by check: one row per unit and check with issues.
select q.region_code as code, q.check_id, q.issues
from quality_rollup as q
join region as r on r.code = q.region_code
where r.parent_code = $code
  and q.check_id <> ''
  and starts_with(q.region_code, $_scope_prefix)
order by q.region_code, q.check_id;

-- name: quality_league
-- The units of one level within a unit, most issues per 1,000 households first (one
-- check, or all).
with units as (
    select r.code, r.name, r.parent_code
    from region as r
    where r.level = $level
      and starts_with(r.code, $unit_prefix)
      and starts_with(r.code, $_scope_prefix)
),
totals as (
    select region_code, households from quality_rollup where check_id = ''
)
select u.code, u.name, p.name as parent_name, coalesce(t.households, 0) as households,
       coalesce(q.issues, 0) as issues,
       case when t.households > 0 then 1000.0 * coalesce(q.issues, 0) / t.households end
           as per_1000
from units as u
join region as p on p.code = u.parent_code
left join totals as t on t.region_code = u.code
left join quality_rollup as q on q.region_code = u.code and q.check_id = $check
where coalesce(t.households, 0) > 0
order by per_1000 desc nulls last, issues desc, u.code
limit $limit;

-- name: quality_issues
-- The issues of a unit (one check, or all), by check and household; ID and phone
-- numbers leave the query layer masked. The rows are picked first, then described (and
-- only the members they name are read: a plain left join scans every member).
with i as (
    select *
    from quality_issue
    where starts_with(village_code, $_scope_prefix)
      and starts_with(village_code, $unit_prefix)
      and ($check = '' or check_id = $check)
    order by check_id, household_id, person_id nulls first
    limit $limit
),
members as (
    select person_id, name, id_number
    from person
    where person_id in (select person_id from i where person_id is not null)
)
select i.issue_key, i.check_id, i.household_id, i.person_id, h.household_no, h.head_name,
       h.phone, t.name as township_name, v.name as village_name, p.name as person_name,
       p.id_number, i.detail, i.detail_en, i.value
from i
join household as h on h.household_id = i.household_id
join region as v on v.code = i.village_code
join region as t on t.code = i.township_code
left join members as p on p.person_id = i.person_id
where starts_with(h.village_code, $_scope_prefix)
order by i.check_id, i.household_id, i.person_id nulls first;
