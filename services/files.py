"""Files only this service's user may read: export files, staged registry deliveries,
their state and reports (an image of a page or a delivery can hold what only its user
may see, or ID numbers). Folders 0700 and files 0600 whatever the umask, written whole
or not at all."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def private_dir(path: Path) -> Path:
    """``path`` as a folder only this service's user may enter (0700), made if missing
    and closed if it was open (mkdir's mode is reduced by the umask, and a folder made
    before is left as it was)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, body: bytes) -> None:
    """``body`` to ``path`` whole or not at all, readable by this service's user only
    (0600, whatever the umask: os.open's mode is reduced by it, so it is set again)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
