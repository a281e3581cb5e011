-- Wages of the as-of year down by at least `drop` on the year before.
select cur.household_id, cur.wages::double as value,
       ((1 - $drop) * prev.wages)::double as threshold,
       make_date(year($as_of), 1, 1) as warned_on, prev.wages::varchar as detail
from income as cur
join income as prev
  on prev.household_id = cur.household_id and prev.year = cur.year - 1
where cur.year = year($as_of)
  and prev.wages >= $min_wages
  and cur.wages <= (1 - $drop) * prev.wages
