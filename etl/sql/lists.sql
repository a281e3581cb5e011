-- The household list: one row per household with its monitoring state, stored in
-- household order for lists and exports (scoped, filtered and paged by the query layer).
create table household_list as
select
    h.household_id, h.household_no, h.head_name, h.phone, h.village_code, h.township_code,
    h.county_code, h.members, h.is_registered, h.household_type, h.identify_year,
    h.exit_year, h.main_cause, h.monitor_type, h.per_capita_income, h.relocated,
    m.state as monitor_state, m.warning_date, m.identify_date, m.eliminate_date
from household as h
left join monitoring as m using (household_id)
order by h.household_id;

-- Households below the monitoring line, by year: the rows of the "below the line" list.
create table household_below_line as
select i.household_id, i.year, i.per_capita, l.monitoring_line
from income as i
join lines as l using (year)
where i.per_capita < l.monitoring_line
order by i.year, i.household_id;
