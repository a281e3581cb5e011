-- The highest schooling costs of a member in a school year of the lookback period.
with costs as (
    select p.household_id, p.name, e.school_year, e.costs,
           row_number() over (partition by p.household_id
                              order by e.costs desc, e.school_year desc, p.person_id) as rn
    from dept_education as e
    join person as p using (id_number)
    -- a school year's record arrives when it starts, in September
    where make_date(e.school_year, 9, 1) between $since and $as_of
      and (p.left_date is null or p.left_date >= make_date(e.school_year, 9, 1))
)
select household_id, costs::double as value, $threshold::double as threshold,
       make_date(school_year, 9, 1) as warned_on, name as detail
from costs
where rn = 1 and costs >= $threshold
