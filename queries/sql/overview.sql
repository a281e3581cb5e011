-- name: unit_years
-- Yearly indicators of one unit, every year (trend and cards).
select
    region_code, year,
    hh_registered, pp_registered, hh_exited, pp_exited, hh_not_exited, pp_not_exited,
    rural_population, poverty_incidence, inc_households, inc_mean_per_capita,
    inc_median_per_capita, hh_below_monitoring_line, hh_below_poverty_line,
    pp_fell_below_monitoring_line, hh_guarantee_gap, poverty_line, monitoring_line
from indicator_year
where region_code = $code
  and starts_with(region_code, $_scope_prefix)
order by year;

-- name: unit_months
-- Monthly monitoring indicators of one unit, every month (trend and cards).
select
    region_code, month,
    hh_monitored, pp_monitored, hh_type1, hh_type2, hh_type3, pp_type1, pp_type2, pp_type3,
    hh_eliminated, hh_unresolved, hh_pending, hh_new_warned, hh_new_identified,
    hh_new_eliminated, risk_eliminated_rate, identification_timeliness, measure_coverage,
    hh_monitored_per_1000, hh_unresolved_per_1000
from indicator_month
where region_code = $code
  and starts_with(region_code, $_scope_prefix)
order by month;

-- name: children_indicators
-- The units below a unit with every mappable indicator for a year and a month.
with kids as (
    select code, name, level, is_schematic
    from region
    where parent_code = $code
      and starts_with(code, $_scope_prefix)
)
select
    k.code, k.name, k.level, k.is_schematic,
    y.hh_registered, y.pp_registered, y.pp_exited, y.hh_not_exited, y.pp_not_exited,
    y.poverty_incidence, y.hh_below_monitoring_line, y.inc_mean_per_capita,
    y.inc_median_per_capita, y.rural_population,
    m.hh_monitored, m.pp_monitored, m.hh_unresolved, m.risk_eliminated_rate,
    m.hh_monitored_per_1000, m.hh_unresolved_per_1000, m.measure_coverage,
    m.identification_timeliness
from kids as k
join indicator_year as y on y.region_code = k.code and y.year = $year
-- no monitoring before 2020: those columns are NULL, not missing rows
left join indicator_month as m on m.region_code = k.code and m.month = $month
order by k.code;
