-- name: wall_ranking
-- The units at one level under a unit, most households with risk not eliminated per
-- 1,000 first (the wall's ranking of the units most at risk).
select r.code, r.name, p.name as parent_name, m.hh_unresolved, m.hh_unresolved_per_1000,
       m.hh_monitored
from region as r
join region as p on p.code = r.parent_code
join indicator_month as m on m.region_code = r.code and m.month = $month
where starts_with(r.code, $_scope_prefix)
  and starts_with(r.code, $unit_prefix)
  and r.level = $level
  and m.hh_unresolved > 0
order by m.hh_unresolved_per_1000 desc, m.hh_unresolved desc, r.code
limit $limit;

-- name: wall_latest_warnings
-- The newest warnings of a unit, for the wall's ticker: where and which rule, never who.
select w.warned_on, w.rule_id, w.severity, c.name as county_name, t.name as township_name,
       v.name as village_name
from warning as w
join region as v on v.code = w.village_code
join region as t on t.code = v.parent_code
join region as c on c.code = t.parent_code
where starts_with(w.village_code, $_scope_prefix)
  and starts_with(w.village_code, $unit_prefix)
order by w.warned_on desc, w.severity desc, w.warning_id desc
limit $limit;
