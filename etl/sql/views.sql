-- Indicators derived from the rollups: the one definition of every ratio (docs/domain.md §5).
-- A ratio whose denominator is zero is NULL ("no data"), never zero. Stored as tables
-- keyed by unit and period, so that every figure for any unit is a key lookup.

create table indicator_year as
select
    y.* replace (
        -- A count against a line that did not exist that year is "no data", not zero.
        case when l.poverty_line is null then null else y.hh_below_poverty_line end
            as hh_below_poverty_line,
        case when l.monitoring_line is null then null else y.hh_below_monitoring_line end
            as hh_below_monitoring_line
    ),
    -- 贫困发生率 exists only while there is a poverty line (2014-2020): after 2020 it
    -- is not applicable (NULL, shown as 不适用), never 0.
    case when l.poverty_line is not null
         then y.pp_not_exited / nullif(y.rural_population, 0) end as poverty_incidence,
    y.inc_net_income / nullif(y.inc_people, 0) as inc_mean_per_capita,
    l.poverty_line,
    l.monitoring_line
from rollup_year as y
join lines as l using (year)
order by y.region_code, y.year;

alter table indicator_year add primary key (region_code, year);

create table indicator_month as
select
    m.*,
    y.rural_population,
    1000.0 * m.hh_monitored / nullif(y.rural_population, 0) as hh_monitored_per_1000,
    1000.0 * m.hh_unresolved / nullif(y.rural_population, 0) as hh_unresolved_per_1000,
    m.hh_eliminated / nullif(m.hh_monitored, 0) as risk_eliminated_rate,
    m.hh_identified_timely / nullif(m.hh_monitored, 0) as identification_timeliness,
    m.hh_with_measure / nullif(m.hh_monitored, 0) as measure_coverage
from rollup_month as m
join rollup_year as y
    on y.region_code = m.region_code and y.year = year(m.month)
order by m.region_code, m.month;

