-- name: region_get
-- One unit, if it lies within the scope.
-- subject: none
select code, name, level, parent_code, kind, path, is_poverty_county, exit_year, is_schematic
from region
where code = $code
  and starts_with(code, $_scope_prefix);

-- name: region_ancestors
-- The unit and its ancestors within the scope, from the top down (the breadcrumb).
-- subject: none
with unit as (
    select path
    from region
    where code = $code
      and starts_with(code, $_scope_prefix)
)
select r.code, r.name, r.level
from region as r
join unit as u on list_contains(string_split(u.path, '/'), r.code)
where starts_with(r.code, $_scope_prefix)
order by r.level;

-- name: region_children
-- The units directly below a unit, within the scope.
select code, name, level, kind, is_poverty_county, exit_year, is_schematic
from region
where parent_code = $code
  and starts_with(code, $_scope_prefix)
order by code;

-- name: units_within
-- The units of the scope down to a level (the choice of units to brief on).
select code, name, level, parent_code
from region
where starts_with(code, $_scope_prefix)
  and level <= $max_level
order by code;
