-- name: registry_version
-- The registry delivery the warehouse was loaded from: its version, day, source and kind.
-- scope: public
select version, as_of, built_at, source, kind, rejected
from data_version;

-- name: registry_load_summary
-- The last load's rows per file: accepted, rejected, added, changed, removed.
-- scope: public
select file, accepted, rejected, added, changed, removed
from load_summary;

-- name: registry_rejected
-- The rows the last load reported, in report order, ID and phone numbers masked here
-- (610***********123X, as in the loader's report) so no full number leaves the warehouse.
-- scope: public
select r.file, r.row_number, r.field,
       case
           when r.value is null then ''
           when r.field in ('id_number', 'phone') and length(r.value) > 7
               then left(r.value, 3) || repeat('*', length(r.value) - 7) || right(r.value, 4)
           else r.value
       end as value,
       r.reason
from load_rejected as r
order by r.file, r.row_number;
