-- The household list: one row per household with its monitoring state, stored in
-- household order for lists and exports (scoped, filtered and paged by the query layer).
create table household_list as
with base as (
select
    h.household_id, h.household_no, h.head_name, h.phone, h.village_code, h.township_code,
    h.county_code, h.members, h.is_registered, h.household_type, h.identify_year,
    h.exit_year, h.main_cause, h.monitor_type, h.per_capita_income, h.relocated,
    m.state as monitor_state, m.warning_date, m.identify_date, m.eliminate_date,
    -- the check outcome, for "pending at a month's end" (not included = not pending)
    m.check_date, m.check_result
from household as h
left join monitoring as m using (household_id)
)
select
    *,
    -- Each household's position in every sort order the list offers (ties broken by
    -- household_id, NULLs last): paging deep into a sorted list then orders by one unique
    -- integer instead of sorting strings. A column that can be NULL also has its
    -- descending position (rkd_), so that NULLs stay last both ways.
    row_number() over (order by household_no asc nulls last, household_id)::integer as rk_household_no,
    row_number() over (order by head_name asc nulls last, household_id)::integer as rk_head_name,
    row_number() over (order by members asc nulls last, household_id)::integer as rk_members,
    row_number() over (order by household_type asc nulls last, household_id)::integer as rk_household_type,
    row_number() over (order by identify_year asc nulls last, household_id)::integer as rk_identify_year,
    row_number() over (order by exit_year asc nulls last, household_id)::integer as rk_exit_year,
    row_number() over (order by main_cause asc nulls last, household_id)::integer as rk_main_cause,
    row_number() over (order by monitor_type asc nulls last, household_id)::integer as rk_monitor_type,
    row_number() over (order by monitor_state asc nulls last, household_id)::integer as rk_monitor_state,
    row_number() over (order by per_capita_income asc nulls last, household_id)::integer as rk_per_capita_income,
    row_number() over (order by is_registered asc nulls last, household_id)::integer as rk_is_registered,
    row_number() over (order by relocated asc nulls last, household_id)::integer as rk_relocated,
    row_number() over (order by identify_year desc nulls last, household_id)::integer as rkd_identify_year,
    row_number() over (order by exit_year desc nulls last, household_id)::integer as rkd_exit_year,
    row_number() over (order by main_cause desc nulls last, household_id)::integer as rkd_main_cause,
    row_number() over (order by monitor_type desc nulls last, household_id)::integer as rkd_monitor_type,
    row_number() over (order by monitor_state desc nulls last, household_id)::integer as rkd_monitor_state
from base
order by household_id;

alter table household_list add primary key (household_id);

-- Households below the monitoring line, by year: the rows of the "below the line" list.
create table household_below_line as
select i.household_id, i.year, i.per_capita, l.monitoring_line
from income as i
join lines as l using (year)
where i.per_capita < l.monitoring_line
order by i.year, i.household_id;
