-- Disaster losses recorded against the household (its head) over the lookback period.
select p.household_id, sum(d.loss)::double as value, $threshold::double as threshold,
       max(d.event_date) as warned_on, null as detail
from dept_disaster as d
join person as p using (id_number)
where d.event_date between $since and $as_of
  -- a member then (not one who had left the household before the event)
  and (p.left_date is null or p.left_date >= d.event_date)
group by p.household_id
having sum(d.loss) >= $threshold
