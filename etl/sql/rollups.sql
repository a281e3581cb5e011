-- Rollups: every count indicator of domain.md §4 for every unit, by year and by month.
--
-- Counts are computed once per village and summed upwards with GROUPING SETS, so a
-- parent always equals the sum of its children, exactly. Medians are not additive and
-- are computed per level from the rows. Ratios are not stored: the views in views.sql
-- derive them from these counts. Inputs: getvariable('first_year'), ('last_year'),
-- ('as_of').

-- One row per village and year, dense: a unit with no households has zeros, not gaps.
create temp table v_year as
with
years as (
    select unnest(range(getvariable('first_year'), getvariable('last_year') + 1))::smallint as year
),
villages as (
    select code as village_code from region where level = 5
),
grid as (
    select v.village_code, y.year from villages as v cross join years as y
),
registry as (
    select village_code, members, identify_year, exit_year
    from household
    where is_registered
),
reg as (
    select
        g.village_code,
        g.year,
        count(x.identify_year) filter (where x.identify_year <= g.year) as hh_registered,
        coalesce(sum(x.members) filter (where x.identify_year <= g.year), 0) as pp_registered,
        count(*) filter (where x.exit_year <= g.year) as hh_exited,
        coalesce(sum(x.members) filter (where x.exit_year <= g.year), 0) as pp_exited,
        count(*) filter (where x.identify_year = g.year) as hh_identified,
        coalesce(sum(x.members) filter (where x.identify_year = g.year), 0) as pp_identified,
        count(*) filter (where x.exit_year = g.year) as hh_exited_in_year,
        coalesce(sum(x.members) filter (where x.exit_year = g.year), 0) as pp_exited_in_year
    from grid as g
    left join registry as x on x.village_code = g.village_code
    group by g.village_code, g.year
),
inc as (
    select
        h.village_code,
        i.year,
        i.household_id,
        i.members,
        i.net_income,
        i.per_capita,
        l.poverty_line,
        l.monitoring_line,
        -- The line a household can fall below: the monitoring line once it exists.
        coalesce(l.monitoring_line, l.poverty_line) as reference_line,
        lag(i.per_capita) over (partition by i.household_id order by i.year) as prev_per_capita
    from income as i
    join household as h on h.household_id = i.household_id
    join lines as l on l.year = i.year
),
inc_v as (
    select
        village_code,
        year,
        count(*) as inc_households,
        sum(members) as inc_people,
        sum(net_income) as inc_net_income,
        count(*) filter (where per_capita < poverty_line) as hh_below_poverty_line,
        count(*) filter (where per_capita < monitoring_line) as hh_below_monitoring_line,
        coalesce(sum(members) filter (
            where per_capita < reference_line and prev_per_capita >= reference_line
        ), 0) as pp_fell_below_line
    from inc
    group by village_code, year
),
gap as (
    select h.village_code, y.year, count(distinct g.household_id) as hh_guarantee_gap
    from condition_gap as g
    join household as h on h.household_id = g.household_id
    join years as y on y.year between g.from_year and g.to_year
    group by h.village_code, y.year
),
meas as (
    select
        h.village_code,
        m.year,
        count(distinct m.household_id) as hh_with_measure,
        count(*) as measures,
        sum(m.amount) as measure_amount
    from measure as m
    join household as h on h.household_id = m.household_id
    group by h.village_code, m.year
)
select
    g.village_code,
    g.year,
    r.hh_registered, r.pp_registered, r.hh_exited, r.pp_exited,
    r.hh_registered - r.hh_exited as hh_not_exited,
    r.pp_registered - r.pp_exited as pp_not_exited,
    r.hh_identified, r.pp_identified, r.hh_exited_in_year, r.pp_exited_in_year,
    p.rural_population,
    coalesce(i.inc_households, 0) as inc_households,
    coalesce(i.inc_people, 0) as inc_people,
    coalesce(i.inc_net_income, 0) as inc_net_income,
    coalesce(i.hh_below_poverty_line, 0) as hh_below_poverty_line,
    coalesce(i.hh_below_monitoring_line, 0) as hh_below_monitoring_line,
    coalesce(i.pp_fell_below_line, 0) as pp_fell_below_line,
    coalesce(gp.hh_guarantee_gap, 0) as hh_guarantee_gap,
    coalesce(m.hh_with_measure, 0) as hh_with_measure,
    coalesce(m.measures, 0) as measures,
    coalesce(m.measure_amount, 0) as measure_amount
from grid as g
join reg as r using (village_code, year)
join population as p using (village_code, year)
left join inc_v as i using (village_code, year)
left join gap as gp using (village_code, year)
left join meas as m using (village_code, year);

-- Medians of per-capita income for every unit and year (not additive: per level).
create temp table median_year as
select
    coalesce(h.village_code, h.township_code, h.county_code, h.city_code, '610000000000')
        as region_code,
    i.year,
    median(i.per_capita) as inc_median_per_capita
from income as i
join household as h on h.household_id = i.household_id
group by grouping sets (
    (i.year), (h.city_code, i.year), (h.county_code, i.year),
    (h.township_code, i.year), (h.village_code, i.year)
);

create table rollup_year as
with summed as (
    select
        coalesce(r.code, r.township_code, r.county_code, r.city_code,
                 r.province_code) as region_code,
        v.year,
        sum(hh_registered)::bigint as hh_registered,
        sum(pp_registered)::bigint as pp_registered,
        sum(hh_exited)::bigint as hh_exited,
        sum(pp_exited)::bigint as pp_exited,
        sum(hh_not_exited)::bigint as hh_not_exited,
        sum(pp_not_exited)::bigint as pp_not_exited,
        sum(hh_identified)::bigint as hh_identified,
        sum(pp_identified)::bigint as pp_identified,
        sum(hh_exited_in_year)::bigint as hh_exited_in_year,
        sum(pp_exited_in_year)::bigint as pp_exited_in_year,
        sum(rural_population)::bigint as rural_population,
        sum(inc_households)::bigint as inc_households,
        sum(inc_people)::bigint as inc_people,
        sum(inc_net_income)::bigint as inc_net_income,
        sum(hh_below_poverty_line)::bigint as hh_below_poverty_line,
        sum(hh_below_monitoring_line)::bigint as hh_below_monitoring_line,
        sum(pp_fell_below_line)::bigint as pp_fell_below_line,
        sum(hh_guarantee_gap)::bigint as hh_guarantee_gap,
        sum(hh_with_measure)::bigint as hh_with_measure,
        sum(measures)::bigint as measures,
        sum(measure_amount)::bigint as measure_amount
    from v_year as v
    join region as r on r.code = v.village_code
    group by grouping sets (
        (r.province_code, v.year), (r.city_code, v.year), (r.county_code, v.year),
        (r.township_code, v.year), (r.code, v.year)
    )
)
select s.*, m.inc_median_per_capita
from summed as s
left join median_year as m using (region_code, year)
order by region_code, year;


-- One row per unit and month from 2020-01: monitoring objects as of the month's end.
-- Events (warned, identified, eliminated, ...) are counted per village and month, summed
-- up the levels, and then accumulated over the months.
create temp table month_events as
with
first_measure as (
    select household_id, min(start_date) as first_measure
    from measure
    where for_monitoring
    group by household_id
),
mon as (
    select
        h.village_code,
        m.monitor_type,
        h.members,
        date_trunc('month', m.warning_date)::date as warned,
        date_trunc('month', m.identify_date)::date as identified,
        date_trunc('month', m.eliminate_date)::date as eliminated,
        -- Covered from the month both exist: identification and a first measure (a
        -- household with no monitoring measure is not covered; greatest() would skip
        -- the NULL and count it from identification).
        case when m.identify_date is not null and f.first_measure is not null
             then date_trunc('month', greatest(m.identify_date, f.first_measure))::date
        end as covered,
        m.identify_date - m.warning_date <= 15 as timely,
        m.fast_elimination
    from monitoring as m
    join household as h on h.household_id = m.household_id
    left join first_measure as f on f.household_id = m.household_id
),
events as (
    select village_code, identified as month,
        1 as identified, members as identified_pp,
        (monitor_type = 1)::int as t1, (monitor_type = 2)::int as t2,
        (monitor_type = 3)::int as t3,
        (monitor_type = 1)::int * members as t1_pp,
        (monitor_type = 2)::int * members as t2_pp,
        (monitor_type = 3)::int * members as t3_pp,
        0 as eliminated, 0 as eliminated_pp, 0 as warned,
        timely::int as timely, 0 as covered, 0 as fast
    from mon where identified is not null
    union all
    select village_code, eliminated, 0, 0, 0, 0, 0, 0, 0, 0, 1, members, 0, 0, 0,
        fast_elimination::int
    from mon where eliminated is not null
    union all
    select village_code, warned, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0
    from mon
    union all
    select village_code, covered, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from mon where covered is not null
)
select
    coalesce(r.code, r.township_code, r.county_code, r.city_code,
             r.province_code) as region_code,
    e.month,
    sum(identified) as identified, sum(identified_pp) as identified_pp,
    sum(t1) as t1, sum(t2) as t2, sum(t3) as t3,
    sum(t1_pp) as t1_pp, sum(t2_pp) as t2_pp, sum(t3_pp) as t3_pp,
    sum(eliminated) as eliminated, sum(eliminated_pp) as eliminated_pp,
    sum(warned) as warned, sum(timely) as timely, sum(covered) as covered,
    sum(fast) as fast
from events as e
join region as r on r.code = e.village_code
group by grouping sets (
    (r.province_code, e.month), (r.city_code, e.month), (r.county_code, e.month),
    (r.township_code, e.month), (r.code, e.month)
);

create table rollup_month as
with
months as (
    select unnest(range(date '2020-01-01', date_trunc('month', getvariable('as_of')::date)
                        + interval 1 month, interval 1 month))::date as month
),
active as (
    select distinct region_code from month_events
),
cumulative as (
    select
        a.region_code,
        m.month,
        sum(e.warned) as hh_warned,
        sum(e.identified) as hh_monitored,
        sum(e.identified_pp) as pp_monitored,
        sum(e.t1) as hh_type1, sum(e.t2) as hh_type2, sum(e.t3) as hh_type3,
        sum(e.t1_pp) as pp_type1, sum(e.t2_pp) as pp_type2, sum(e.t3_pp) as pp_type3,
        sum(e.eliminated) as hh_eliminated,
        sum(e.eliminated_pp) as pp_eliminated,
        sum(e.timely) as hh_identified_timely,
        sum(e.covered) as hh_with_measure,
        sum(e.fast) as hh_fast_eliminated
    from active as a
    cross join months as m
    join month_events as e on e.region_code = a.region_code and e.month <= m.month
    group by a.region_code, m.month
),
grid as (
    select r.code as region_code, m.month from region as r cross join months as m
)
select
    g.region_code,
    g.month,
    coalesce(e.warned, 0)::bigint as hh_new_warned,
    coalesce(e.identified, 0)::bigint as hh_new_identified,
    coalesce(e.eliminated, 0)::bigint as hh_new_eliminated,
    coalesce(c.hh_warned, 0)::bigint as hh_warned,
    coalesce(c.hh_monitored, 0)::bigint as hh_monitored,
    coalesce(c.pp_monitored, 0)::bigint as pp_monitored,
    coalesce(c.hh_type1, 0)::bigint as hh_type1,
    coalesce(c.hh_type2, 0)::bigint as hh_type2,
    coalesce(c.hh_type3, 0)::bigint as hh_type3,
    coalesce(c.pp_type1, 0)::bigint as pp_type1,
    coalesce(c.pp_type2, 0)::bigint as pp_type2,
    coalesce(c.pp_type3, 0)::bigint as pp_type3,
    coalesce(c.hh_eliminated, 0)::bigint as hh_eliminated,
    coalesce(c.pp_eliminated, 0)::bigint as pp_eliminated,
    coalesce(c.hh_monitored - c.hh_eliminated, 0)::bigint as hh_unresolved,
    coalesce(c.hh_warned - c.hh_monitored, 0)::bigint as hh_pending,
    coalesce(c.hh_identified_timely, 0)::bigint as hh_identified_timely,
    coalesce(c.hh_with_measure, 0)::bigint as hh_with_measure,
    coalesce(c.hh_fast_eliminated, 0)::bigint as hh_fast_eliminated
from grid as g
left join cumulative as c using (region_code, month)
left join month_events as e using (region_code, month)
order by g.region_code, g.month;


-- Breakdowns shown beside the map: causes (by year), risk types and channels.
create table rollup_cause as
select
    coalesce(r.code, r.township_code, r.county_code, r.city_code,
             r.province_code) as region_code,
    h.main_cause as cause,
    count(*)::bigint as hh_registered,
    sum(h.members)::bigint as pp_registered
from household as h
join region as r on r.code = h.village_code
where h.is_registered
group by grouping sets (
    (r.province_code, h.main_cause), (r.city_code, h.main_cause),
    (r.county_code, h.main_cause), (r.township_code, h.main_cause),
    (r.code, h.main_cause)
)
order by region_code, cause;

create table rollup_risk as
select
    coalesce(r.code, r.township_code, r.county_code, r.city_code,
             r.province_code) as region_code,
    k.risk_type,
    count(*)::bigint as hh_monitored,
    count(*) filter (where m.state = 2)::bigint as hh_unresolved
from monitoring_risk as k
join monitoring as m on m.monitoring_id = k.monitoring_id
join household as h on h.household_id = m.household_id
join region as r on r.code = h.village_code
where m.state in (2, 3)
group by grouping sets (
    (r.province_code, k.risk_type), (r.city_code, k.risk_type),
    (r.county_code, k.risk_type), (r.township_code, k.risk_type),
    (r.code, k.risk_type)
)
order by region_code, risk_type;

create table rollup_channel as
select
    coalesce(r.code, r.township_code, r.county_code, r.city_code,
             r.province_code) as region_code,
    m.channel,
    count(distinct m.household_id)::bigint as hh_reached,
    sum(m.amount)::bigint as amount
from measure as m
join household as h on h.household_id = m.household_id
join region as r on r.code = h.village_code
where m.channel is not null
group by grouping sets (
    (r.province_code, m.channel), (r.city_code, m.channel), (r.county_code, m.channel),
    (r.township_code, m.channel), (r.code, m.channel)
)
order by region_code, channel;
