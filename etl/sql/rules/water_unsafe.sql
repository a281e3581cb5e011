-- Drinking water not safe in the as-of year.
select distinct household_id, 1.0 as value, 1.0 as threshold,
       make_date(year($as_of), 1, 1) as warned_on, null as detail
from condition_gap
where item = 'water' and year($as_of) between from_year and to_year
