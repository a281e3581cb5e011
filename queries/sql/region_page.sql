-- name: region_geometry
-- The outline and extent of one unit, for framing its map.
select code, level, geojson, is_schematic, lon_min, lat_min, lon_max, lat_max, lon, lat
from region_geom
where code = $code
  and starts_with(code, $_scope_prefix);

-- name: children_geometry
-- Geometry of the units below a unit (polygons, or points for villages).
select g.code, g.level, g.geojson, g.is_schematic, g.lon, g.lat
from region_geom as g
join region as r on r.code = g.code
where r.parent_code = $code
  and starts_with(g.code, $_scope_prefix)
order by g.code;

-- name: unit_causes
-- Registered households of a unit by main cause of poverty.
select c.cause, c.hh_registered, c.pp_registered
from rollup_cause as c
where c.region_code = $code
  and starts_with(c.region_code, $_scope_prefix)
order by c.hh_registered desc;

-- name: unit_risks
-- Monitoring objects of a unit by risk type.
select k.risk_type, k.hh_monitored, k.hh_unresolved
from rollup_risk as k
where k.region_code = $code
  and starts_with(k.region_code, $_scope_prefix)
order by k.hh_monitored desc;

-- name: unit_channels
-- Households reached by each of the eight channels, and the share of registered households.
with registered as (
    select hh_registered
    from rollup_year
    where region_code = $code
      and year = $year
      and starts_with(region_code, $_scope_prefix)
)
select c.channel, c.hh_reached, c.amount,
       c.hh_reached / nullif(r.hh_registered, 0) as coverage
from rollup_channel as c
cross join registered as r
where c.region_code = $code
  and starts_with(c.region_code, $_scope_prefix)
order by c.channel;
