-- A member of compulsory-school age recorded as having dropped out.
select p.household_id, 1.0 as value, 1.0 as threshold,
       max(make_date(e.school_year, 9, 1)) as warned_on,
       string_agg(distinct p.name, '、' order by p.name) as detail
from dept_education as e
join person as p using (id_number)
where e.dropout and make_date(e.school_year, 9, 1) between $since and $as_of
  and (p.left_date is null or p.left_date >= make_date(e.school_year, 9, 1))
group by p.household_id
