-- Housing graded unsafe now.
select household_id, 1.0 as value, 1.0 as threshold, $as_of as warned_on,
       housing_grade as detail
from household
where list_contains($grades, housing_grade)
