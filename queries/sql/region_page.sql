-- name: region_geometry
-- The outline and extent of one unit, for framing its map.
-- subject: none
select code, level, geojson, is_schematic, lon_min, lat_min, lon_max, lat_max, lon, lat
from region_geom
where code = $code
  and starts_with(code, $_scope_prefix);

-- name: children_geometry
-- Geometry of the units below a unit (polygons, or points for villages).
-- subject: none
select g.code, g.level, g.geojson, g.is_schematic, g.lon, g.lat
from region_geom as g
join region as r on r.code = g.code
where r.parent_code = $code
  and starts_with(g.code, $_scope_prefix)
order by g.code;

-- name: unit_breakdowns
-- A unit's breakdowns in one go: registered households by main cause, monitored
-- households by risk type, and the reach of the eight channels by the end of the year
-- (as a share of the registered households of the same year: at most 100%).
with registered as (
    select hh_registered
    from rollup_year
    where region_code = $code
      and year = $year
      and starts_with(region_code, $_scope_prefix)
)
select 'cause' as breakdown, c.cause as item, c.hh_registered as households,
       c.pp_registered as people, null::double as share
from rollup_cause as c
where c.region_code = $code
  and starts_with(c.region_code, $_scope_prefix)
union all
select 'risk', k.risk_type, k.hh_monitored, k.hh_unresolved, null
from rollup_risk as k
where k.region_code = $code
  and starts_with(k.region_code, $_scope_prefix)
union all
select 'channel', c.channel, c.hh_reached, c.amount, c.hh_reached / nullif(r.hh_registered, 0)
from rollup_channel as c
cross join registered as r
where c.region_code = $code
  and c.year = $year
  and starts_with(c.region_code, $_scope_prefix);
