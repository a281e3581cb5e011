-- Rollups: every count indicator of docs/domain.md §5 for every unit, by year and by month.
-- docs/indicators.md defines each column (what it counts, over what, for which period).
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
    select household_id, village_code, identify_year, exit_year
    from household
    where is_registered
),
-- People present at the end of each year (docs/registry.md, dated membership): born and
-- joined (joined_date, else birth_date) by 31 December, not left by then (a left_date
-- in year Y means absent at the end of Y). Every yearly people figure counts these.
present as (
    select p.household_id, y.year, count(*) as people
    from person as p
    join registry as x on x.household_id = p.household_id
    join years as y
      on y.year >= year(greatest(p.birth_date, coalesce(p.joined_date, p.birth_date)))
     and (p.left_date is null or y.year < year(p.left_date))
    group by p.household_id, y.year
),
-- One row per registered household and year from its identification on.
hy as (
    select x.village_code, y.year, x.identify_year, x.exit_year,
           coalesce(n.people, 0) as people
    from registry as x
    join years as y on y.year >= x.identify_year
    left join present as n on n.household_id = x.household_id and n.year = y.year
),
reg as (
    select
        g.village_code,
        g.year,
        count(x.identify_year) as hh_registered,
        coalesce(sum(x.people), 0) as pp_registered,
        count(*) filter (where x.exit_year <= g.year) as hh_exited,
        coalesce(sum(x.people) filter (where x.exit_year <= g.year), 0) as pp_exited,
        count(*) filter (where x.identify_year = g.year) as hh_identified,
        coalesce(sum(x.people) filter (where x.identify_year = g.year), 0) as pp_identified,
        count(*) filter (where x.exit_year = g.year) as hh_exited_in_year,
        coalesce(sum(x.people) filter (where x.exit_year = g.year), 0) as pp_exited_in_year
    from grid as g
    left join hy as x on x.village_code = g.village_code and x.year = g.year
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
        -- The reference line: the monitoring line once it exists (2020 on), else the
        -- poverty line.
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
        ), 0) as pp_fell_below_monitoring_line
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
    coalesce(i.pp_fell_below_monitoring_line, 0) as pp_fell_below_monitoring_line,
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
        sum(pp_fell_below_monitoring_line)::bigint as pp_fell_below_monitoring_line,
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
-- Events (warned, identified, eliminated, cleared, ...) are counted per village and
-- month, summed up the levels, and then accumulated over the months. People are the
-- members present on the day of the event (docs/registry.md, dated membership).
create temp table month_events as
with
first_measure as (
    select household_id, min(start_date) as first_measure
    from measure
    where for_monitoring
    group by household_id
),
-- Members present on the identification day and on the elimination day: born, joined
-- (joined_date, else birth_date) on or before it and not left on or before it.
people_at as (
    select
        m.monitoring_id,
        count(*) filter (
            where p.birth_date <= m.identify_date
              and coalesce(p.joined_date, p.birth_date) <= m.identify_date
              and (p.left_date is null or p.left_date > m.identify_date)
        ) as at_identified,
        count(*) filter (
            where p.birth_date <= m.eliminate_date
              and coalesce(p.joined_date, p.birth_date) <= m.eliminate_date
              and (p.left_date is null or p.left_date > m.eliminate_date)
        ) as at_eliminated
    from monitoring as m
    join person as p on p.household_id = m.household_id
    group by m.monitoring_id
),
mon as (
    select
        h.village_code,
        m.monitor_type,
        coalesce(n.at_identified, 0) as identified_pp,
        coalesce(n.at_eliminated, 0) as eliminated_pp,
        -- 返贫 (returned to poverty): type 1 (exited, unstable), and type 3 (sudden
        -- hardship) of a registered household; 致贫 (newly poor): type 2 (marginal), and
        -- type 3 of a household never registered (docs/indicators.md).
        (m.monitor_type = 1 or (m.monitor_type = 3 and h.is_registered)) as returned,
        (m.monitor_type = 2 or (m.monitor_type = 3 and not h.is_registered)) as newly_poor,
        date_trunc('month', m.warning_date)::date as warned,
        date_trunc('month', m.identify_date)::date as identified,
        date_trunc('month', m.eliminate_date)::date as eliminated,
        -- 核实未纳入: checked and not included, in the month of the check.
        case when m.state = 4 then date_trunc('month', m.check_date)::date end as cleared,
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
    left join people_at as n on n.monitoring_id = m.monitoring_id
),
events as (
    select village_code, identified as month,
        1 as identified, identified_pp,
        (monitor_type = 1)::int as t1, (monitor_type = 2)::int as t2,
        (monitor_type = 3)::int as t3,
        (monitor_type = 1)::int * identified_pp as t1_pp,
        (monitor_type = 2)::int * identified_pp as t2_pp,
        (monitor_type = 3)::int * identified_pp as t3_pp,
        returned::int * identified_pp as returned_pp,
        newly_poor::int * identified_pp as newly_poor_pp,
        timely::int as timely
    from mon where identified is not null
    union all by name
    select village_code, eliminated as month, 1 as eliminated, eliminated_pp,
        fast_elimination::int as fast
    from mon where eliminated is not null
    union all by name
    select village_code, warned as month, 1 as warned
    from mon
    union all by name
    select village_code, cleared as month, 1 as cleared
    from mon where cleared is not null
    union all by name
    select village_code, covered as month, 1 as covered
    from mon where covered is not null
)
select
    coalesce(r.code, r.township_code, r.county_code, r.city_code,
             r.province_code) as region_code,
    e.month,
    coalesce(sum(identified), 0) as identified, coalesce(sum(identified_pp), 0) as identified_pp,
    coalesce(sum(t1), 0) as t1, coalesce(sum(t2), 0) as t2, coalesce(sum(t3), 0) as t3,
    coalesce(sum(t1_pp), 0) as t1_pp, coalesce(sum(t2_pp), 0) as t2_pp,
    coalesce(sum(t3_pp), 0) as t3_pp,
    coalesce(sum(returned_pp), 0) as returned_pp,
    coalesce(sum(newly_poor_pp), 0) as newly_poor_pp,
    coalesce(sum(eliminated), 0) as eliminated,
    coalesce(sum(eliminated_pp), 0) as eliminated_pp,
    coalesce(sum(warned), 0) as warned, coalesce(sum(cleared), 0) as cleared,
    coalesce(sum(timely), 0) as timely, coalesce(sum(covered), 0) as covered,
    coalesce(sum(fast), 0) as fast
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
        sum(e.returned_pp) as pp_returned, sum(e.newly_poor_pp) as pp_newly_poor,
        sum(e.eliminated) as hh_eliminated,
        sum(e.eliminated_pp) as pp_eliminated,
        sum(e.cleared) as hh_cleared,
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
    -- 待认定: warned, neither identified nor checked and not included by the month's end.
    coalesce(c.hh_warned - c.hh_monitored - c.hh_cleared, 0)::bigint as hh_pending,
    coalesce(c.hh_identified_timely, 0)::bigint as hh_identified_timely,
    coalesce(c.hh_with_measure, 0)::bigint as hh_with_measure,
    coalesce(c.hh_fast_eliminated, 0)::bigint as hh_fast_eliminated,
    coalesce(e.cleared, 0)::bigint as hh_new_cleared,
    coalesce(c.hh_cleared, 0)::bigint as hh_cleared,
    coalesce(e.returned_pp, 0)::bigint as pp_returned_in_month,
    coalesce(e.newly_poor_pp, 0)::bigint as pp_newly_poor_in_month,
    coalesce(c.pp_returned, 0)::bigint as pp_returned,
    coalesce(c.pp_newly_poor, 0)::bigint as pp_newly_poor
from grid as g
left join cumulative as c using (region_code, month)
left join month_events as e using (region_code, month)
order by g.region_code, g.month;


-- Breakdowns shown beside the map: causes (registered households and their current
-- members, i.e. the people present at the end of the as-of year), risk types and
-- channels (by year).
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

-- 八个一批 reach by year: registered households reached by the end of the year by a
-- poverty-era measure of the channel (not for monitoring, in a year from the household's
-- identification to its exit, 2020 at the latest), and those measures' amounts; over the
-- same year's hh_registered the share is at most 1 (docs/indicators.md). The figures
-- stop growing after 2020: monitoring-era measures never count.
create table rollup_channel as
with
years as (
    select unnest(range(getvariable('first_year'), getvariable('last_year') + 1))::smallint as year
),
reach as (
    select h.village_code, m.household_id, m.channel,
           greatest(m.year, getvariable('first_year'))::smallint as year, m.amount
    from measure as m
    join household as h on h.household_id = m.household_id
    where m.channel is not null and not m.for_monitoring and h.is_registered
      and m.year between h.identify_year and least(h.exit_year, 2020)
),
events as (
    -- a household counts from the year of its first such measure of the channel
    select village_code, channel, year, count(*) as hh_new
    from (select village_code, household_id, channel, min(year) as year
          from reach group by village_code, household_id, channel)
    group by village_code, channel, year
    union all by name
    select village_code, channel, year, sum(amount) as amount
    from reach group by village_code, channel, year
),
by_unit as (
    select
        coalesce(r.code, r.township_code, r.county_code, r.city_code,
                 r.province_code) as region_code,
        e.channel,
        e.year,
        coalesce(sum(e.hh_new), 0) as hh_new,
        coalesce(sum(e.amount), 0) as amount
    from events as e
    join region as r on r.code = e.village_code
    group by grouping sets (
        (r.province_code, e.channel, e.year), (r.city_code, e.channel, e.year),
        (r.county_code, e.channel, e.year), (r.township_code, e.channel, e.year),
        (r.code, e.channel, e.year)
    )
),
cells as (
    select distinct region_code, channel from by_unit
)
select
    c.region_code,
    y.year,
    c.channel,
    (sum(coalesce(b.hh_new, 0)) over w)::bigint as hh_reached,
    (sum(coalesce(b.amount, 0)) over w)::bigint as amount
from cells as c
cross join years as y
left join by_unit as b
    on b.region_code = c.region_code and b.channel = c.channel and b.year = y.year
window w as (partition by c.region_code, c.channel order by y.year)
order by region_code, year, channel;
