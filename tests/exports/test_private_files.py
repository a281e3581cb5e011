"""Export, job and import files are readable by the service's user only (issue #17, V5):
folders 0700 and files 0600 whatever the umask, and a folder made open before is closed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # the usual umask, which leaves files 0644 and folders 0755
    yield
    os.umask(old)


def test_a_job_file_and_its_folder(tmp_path, open_umask):
    from config import load
    from exports import jobs

    exports = tmp_path / "exports"
    exports.mkdir(mode=0o755)
    os.chmod(exports, 0o755)  # made open by an older version
    settings = load({"JZ_EXPORT_DIR": str(exports), "JZ_CACHE_DIR": str(tmp_path / "c")})
    jobs._write(settings, "abc", b"%PDF-1.7")
    assert (_mode(exports), _mode(jobs.file_path(settings, "abc"))) == (0o700, 0o600)
    assert jobs.file_path(settings, "abc").read_bytes() == b"%PDF-1.7"
    assert sorted(p.name for p in exports.iterdir()) == ["abc.out"]  # no part file left


def test_write_private_ignores_a_permissive_umask(tmp_path):
    from exports.jobs import private_dir, write_private

    old = os.umask(0o000)
    try:
        folder = private_dir(tmp_path / "a" / "b")
        write_private(folder / "f.zip", b"PK")
    finally:
        os.umask(old)
    assert (_mode(folder), _mode(folder / "f.zip")) == (0o700, 0o600)


def test_an_imported_batch_and_its_report(tmp_path, open_umask):
    from etl import feeds as F
    from etl.idnumber import check_digit
    from ops import db, migrations
    from services import imports as I

    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    first = "61092419800101001"
    good = f"{first}{check_digit(first)},张三,陕G12345,1,2025-03-01,610924000000"
    data = "\n".join(
        [
            "身份证号,姓名,号牌号码,车辆类型,登记日期,登记地区划代码",
            good,
            "1,李四,陕G1,1,2025-03-01,610924000000",
        ]
    ).encode()
    directory = tmp_path / "imports"
    batch = I.load(
        engine,
        directory,
        F.of_department(F.load(), "police"),
        "v.csv",
        data,
        "tester",
        {"610924000000"},
    )
    assert (batch.accepted, batch.rejected) == (1, 1)
    files = sorted(directory.iterdir())
    assert [f.suffix for f in files] == [".csv", ".parquet"]
    assert {_mode(f) for f in files} == {0o600} and _mode(directory) == 0o700
