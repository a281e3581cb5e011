-- Per-capita net income of the as-of year below `ratio` times that year's line.
select i.household_id, i.per_capita::double as value,
       ($ratio * l.monitoring_line)::double as threshold,
       make_date(year($as_of), 1, 1) as warned_on, null as detail
from income as i
join lines as l using (year)
where i.year = year($as_of)
  and i.per_capita < $ratio * l.monitoring_line
