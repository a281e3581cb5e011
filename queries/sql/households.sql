-- name: households_count
-- How many households of a unit match a list's filters.
-- dynamic: where
select count(*) as n
from household_list
where starts_with(village_code, $_scope_prefix)
  and starts_with(village_code, $unit_prefix)
  and {where};

-- name: households_page
-- One page of a unit's households, filtered and sorted, with village and township names.
-- dynamic: where, order
with ids as (
    -- Sort and page over the narrow key first; fetch the page's columns after.
    select household_id
    from household_list
    where starts_with(village_code, $_scope_prefix)
      and starts_with(village_code, $unit_prefix)
      and {where}
    order by {order}
    limit $limit offset $offset
)
select
    p.household_id, p.household_no, p.head_name, p.phone, p.village_code,
    v.name as village_name, t.name as township_name, p.members, p.is_registered,
    p.household_type, p.identify_year, p.exit_year, p.main_cause, p.monitor_type,
    p.monitor_state, p.per_capita_income, p.relocated
from ids
join household_list as p using (household_id)
join region as v on v.code = p.village_code
join region as t on t.code = p.township_code
order by {order};

