-- A member with ordinary or skilled labour ability recorded as deceased.
select p.household_id, 1.0 as value, 1.0 as threshold, max(d.death_date) as warned_on,
       string_agg(p.name, '、' order by p.person_id) as detail
from dept_death as d
join person as p using (id_number)
where d.death_date between $since and $as_of
  and p.labour in (1, 2)
  -- a member until the death (left on that day at the earliest), not one who had left
  and (p.left_date is null or p.left_date >= d.death_date)
group by p.household_id
