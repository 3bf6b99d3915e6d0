"""A real PostgreSQL server for the tests: initdb into a temporary folder, started on a
free loopback port, stopped at the end. The server refuses to run as root, so as root it
runs as the ``postgres`` account that Debian's package creates.

In CI (``CI`` set) a missing server is a failure, not a skip: ``.ci/run`` installs it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


@contextmanager
def postgres_server(folder: Path) -> Iterator[str]:
    """Yields ``postgresql://parley@127.0.0.1:PORT/postgres``."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise FileNotFoundError(
            "PostgreSQL's initdb/pg_ctl are not installed (Debian: apt-get install postgresql)"
        )
    owner = None
    if os.geteuid() == 0:
        owner = "postgres"
        pwd.getpwnam(owner)  # KeyError when the account is missing
    data, sock = folder / "data", folder / "sock"
    for d in (folder, data, sock):
        d.mkdir(parents=True, exist_ok=True)
        if owner:
            shutil.chown(d, owner)
    subprocess.run(
        _as_server_user(
            [initdb, "-D", str(data), "-U", "parley", "-A", "trust", "-E", "UTF8", "--no-sync"],
            owner,
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    subprocess.run(
        _as_server_user(
            [
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "-l",
                str(folder / "server.log"),
                "start",
            ],
            owner,
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://parley@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], owner),
            capture_output=True,
        )
