"""Write (or refresh) the manifest.json of a registry delivery directory.

    .venv/bin/python tests/data/make_manifest.py tests/data/registry_tiny

For every data file of the directory (everything but manifest.json) it records the
number of data rows (the header is not counted) and the SHA-256 of the file's bytes, as
docs/registry.md §1 asks. The other manifest fields (layout, version, kind, as_of,
period, source) are kept from the existing manifest, or taken from the options.

Run it after editing any file of a fixture delivery: the loader refuses a file whose
row count or digest disagrees with the manifest. Only CSV files are counted here (the
fixtures are CSV); it is deliberately independent of etl.registry, the code under test.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
from pathlib import Path

MANIFEST = "manifest.json"


def csv_rows(data: bytes) -> int:
    """Data rows of a CSV file (UTF-8 with or without BOM, or GB18030), header excluded."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("neither UTF-8 nor GB18030")
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    return max(len(rows) - 1, 0)


def describe(directory: Path) -> dict[str, dict]:
    files = {}
    for path in sorted(directory.iterdir()):
        if path.name == MANIFEST or not path.is_file():
            continue
        if path.suffix.lower() != ".csv":
            raise SystemExit(f"{path.name}: only CSV files are counted by this helper")
        data = path.read_bytes()
        files[path.name] = {"rows": csv_rows(data), "sha256": hashlib.sha256(data).hexdigest()}
    return files


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--as-of", help="YYYY-MM-DD (default: kept from the manifest)")
    ap.add_argument("--kind", choices=("full", "increment"))
    ap.add_argument("--period", help="YYYY-MM")
    ap.add_argument("--source")
    args = ap.parse_args(argv)
    path = args.directory / MANIFEST
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    manifest = {
        "layout": "jingzhun-registry",
        "version": 1,
        "kind": args.kind or old.get("kind", "full"),
        "as_of": args.as_of or old.get("as_of"),
        "period": args.period or old.get("period"),
        "source": args.source or old.get("source"),
    }
    if not manifest["as_of"]:
        raise SystemExit("as_of is needed: pass --as-of YYYY-MM-DD")
    manifest = {k: v for k, v in manifest.items() if v is not None}
    manifest["files"] = describe(args.directory)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    total = sum(f["rows"] for f in manifest["files"].values())
    print(f"{path}: {len(manifest['files'])} files, {total} rows")


if __name__ == "__main__":
    main()
