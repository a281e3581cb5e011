"""Write a delivery in the registry layout (docs/registry.md): files by table, appended
chunk by chunk, and a manifest with each file's rows and SHA-256.

Used by the synthetic generator (``manage.py generate``) and the national exchange
export, so whatever Jingzhun writes, its loader reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from etl import layout as L
from etl.reference import sha256  # noqa: F401  (one digest of a file, used by the loader)

FORMATS = ("parquet", "csv")


def _csv_ready(table: pa.Table) -> pa.Table:
    """Booleans as 1/0 (the layout's bool), everything else as pyarrow writes it."""
    cols = []
    for col in table.columns:
        if pa.types.is_boolean(col.type):
            col = pa.chunked_array(
                [pa.compute.if_else(c, "1", "0") for c in col.chunks], pa.string()
            )
        cols.append(col)
    return pa.table(cols, names=table.column_names)


class Delivery:
    """``append(file, table)`` any number of times per file; ``close()`` writes the
    manifest. Columns are written in the layout's order; a column the layout does not
    have is an error (the writer and the loader must agree)."""

    def __init__(
        self,
        directory: Path,
        fmt: str = "parquet",
        kind: str = "full",
        as_of: str = "",
        source: str = "",
        extra: dict | None = None,
    ):
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fmt, self.kind, self.as_of, self.source = fmt, kind, as_of, source
        self.extra = extra or {}
        self.writers: dict[str, object] = {}
        self.rows: dict[str, int] = {}
        self.paths: dict[str, Path] = {}

    def _columns(self, name: str, table: pa.Table) -> list[str]:
        spec = L.BY_NAME[name.removesuffix("." + L.REMOVED)]
        if name.endswith("." + L.REMOVED):
            known = list(spec.key)
        else:
            known = [c.name for c in spec.columns]
        unknown = [c for c in table.column_names if c not in known]
        if unknown:
            raise ValueError(f"{name}: columns not in the layout: {', '.join(unknown)}")
        return [c for c in known if c in table.column_names]

    def append(self, name: str, table: pa.Table) -> None:
        table = table.select(self._columns(name, table))
        path = self.dir / f"{name}.{self.fmt}"
        if name not in self.writers:
            self.paths[name] = path
            if self.fmt == "parquet":
                self.writers[name] = pq.ParquetWriter(path, table.schema, compression="zstd")
            else:
                table = _csv_ready(table)
                self.writers[name] = pacsv.CSVWriter(path, table.schema)
            self.rows[name] = 0
        elif self.fmt == "csv":
            table = _csv_ready(table)
        self.writers[name].write_table(table)
        self.rows[name] += table.num_rows

    def close(self) -> Path:
        for w in self.writers.values():
            w.close()
        files = {
            p.name: {"rows": self.rows[n], "sha256": sha256(p)}
            for n, p in sorted(self.paths.items())
        }
        manifest = {
            "layout": L.LAYOUT,
            "version": L.VERSION,
            "kind": self.kind,
            "as_of": self.as_of,
            **({"source": self.source} if self.source else {}),
            **self.extra,
            "files": files,
        }
        out = self.dir / L.MANIFEST
        out.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        return out
