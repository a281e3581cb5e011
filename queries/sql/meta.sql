-- name: rules_in_force
-- The early-warning rules the warehouse was evaluated with (no region data).
-- scope: public
select version, lookback_months, rules
from rule_set;
