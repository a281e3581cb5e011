-- name: doubt_summary
-- Doubtful cases of a unit by check: all, and those nobody has acted on yet (a
-- department: its own checks only, here and in every doubt_ query).
-- subject: filtered
select d.check_id, count(*) as cases,
       count(*) filter (where d.doubt_key not in (select unnest($decided))) as undecided
from doubt as d
where starts_with(d.village_code, $_scope_prefix)
  and starts_with(d.village_code, $unit_prefix)
  and ($_scope_department = '' or list_contains($_scope_checks, d.check_id))
group by d.check_id
order by d.check_id;

-- name: doubt_totals
-- Households of a unit with doubtful cases (one check, or any), and with open ones.
-- subject: filtered
select count(distinct d.household_id) as households,
       count(distinct d.household_id) filter (
           where d.doubt_key not in (select unnest($decided))) as open_households
from doubt as d
where starts_with(d.village_code, $_scope_prefix)
  and starts_with(d.village_code, $unit_prefix)
  and ($check = '' or d.check_id = $check)
  and ($_scope_department = '' or list_contains($_scope_checks, d.check_id));

-- name: doubt_children
-- Undecided doubtful cases by the units below a unit (all checks, or one), with the
-- households of each unit for a rate (not for a department: no figures of the registry).
-- subject: filtered
with u as (
    select r.code, r.name, r.level
    from region as r
    where r.parent_code = $code and starts_with(r.code, $_scope_prefix)
),
d as (
    select distinct d.village_code, d.household_id
    from doubt as d
    where starts_with(d.village_code, $_scope_prefix)
      and ($check = '' or d.check_id = $check)
      and d.doubt_key not in (select unnest($decided))
      and ($_scope_department = '' or list_contains($_scope_checks, d.check_id))
)
select u.code, u.name,
       (select count(*) from d
        where starts_with(d.village_code, left(u.code, case u.level when 1 then 2
              when 2 then 4 when 3 then 6 when 4 then 9 else 12 end))) as undecided,
       case when $_scope_department = '' then y.hh_registered end as hh_registered
from u
left join indicator_year as y on y.region_code = u.code and y.year = $year
order by u.code;

-- name: doubt_list
-- The cases of a unit (one check, or all), undecided first, oldest evidence first.
-- subject: filtered
select d.doubt_key, d.check_id, d.household_id, d.village_code, d.members, d.value,
       d.threshold, d.found_on, h.household_no, h.head_name,
       v.name as village_name, t.name as township_name,
       d.doubt_key in (select unnest($decided)) as decided
from doubt as d
join household as h using (household_id)
join region as v on v.code = d.village_code
join region as t on t.code = h.township_code
where starts_with(d.village_code, $_scope_prefix)
  and starts_with(d.village_code, $unit_prefix)
  and ($check = '' or d.check_id = $check)
  and ($_scope_department = '' or list_contains($_scope_checks, d.check_id))
order by decided, d.found_on, d.household_id
limit $limit;

-- name: doubt_undecided
-- Every undecided case of a unit and check (for sending them in bulk).
-- subject: filtered
select d.doubt_key, d.check_id, d.household_id, d.village_code, d.members,
       h.household_no, h.head_name
from doubt as d
join household as h using (household_id)
where starts_with(d.village_code, $_scope_prefix)
  and starts_with(d.village_code, $unit_prefix)
  and ($check = '' or d.check_id = $check)
  and d.doubt_key not in (select unnest($decided))
  and ($_scope_department = '' or list_contains($_scope_checks, d.check_id))
order by d.village_code, d.household_id
limit $limit;

-- name: doubt_get
-- One case by its key.
-- subject: filtered
select d.*, h.household_no, h.head_name
from doubt as d
join household as h using (household_id)
where d.doubt_key = $doubt_key
  and starts_with(d.village_code, $_scope_prefix)
  and ($_scope_department = '' or list_contains($_scope_checks, d.check_id));

-- name: checks_in_force
-- The cross-checks the warehouse was evaluated with (JSON).
-- scope: public
select checks from check_set;
