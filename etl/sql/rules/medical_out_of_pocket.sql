-- Out-of-pocket medical costs of one member over the lookback period, against the
-- threshold for the household's status (exited registered households: lower).
with cost as (
    select p.household_id, p.person_id, p.name,
           sum(d.out_of_pocket) as out_of_pocket, max(d.month) as last_month
    from dept_medical as d
    join person as p using (id_number)
    where d.month between $since and $as_of
      -- a member in the month (not one who had left the household before it)
      and (p.left_date is null or p.left_date >= d.month)
    group by p.household_id, p.person_id, p.name
),
ranked as (
    select c.*,
           case when h.is_registered and h.exit_year <= year($as_of)
                then $exited_threshold else $other_threshold end as threshold,
           row_number() over (partition by c.household_id
                              order by c.out_of_pocket desc, c.person_id) as rn
    from cost as c
    join household as h using (household_id)
)
select household_id, out_of_pocket::double as value, threshold::double as threshold,
       last_month as warned_on, name as detail
from ranked
where rn = 1 and out_of_pocket >= threshold
