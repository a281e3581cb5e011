-- name: data_version
-- The build the warehouse comes from: version, as-of date, seed, scale.
-- scope: public
select version, as_of, built_at, seed, scale, generator
from data_version;

-- name: codes
-- Labels of every code table, both languages.
-- scope: public
select domain, code, name_zh, name_en
from code
order by domain, code;
