"""The fault matrix: each fault is set up for real (a broken file, a read-only mount, a
stopped server, a closed port, a fake that refuses the keys) and the real ``parley``
process is run against it. Shared by tests/test_fault_matrix.py and
scripts/fault_matrix.py.

Fake key values are in every environment, so a test can check that none is printed.
"""

from __future__ import annotations

import os
import pty
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "strategies" / "sma_crossover.strategy"
FAKE_KEYS = {
    "APCA_API_KEY_ID": "PKFAULTKEY0123456789",
    "APCA_API_SECRET_KEY": "fault-secret-do-not-print-987654321",
    "ANTHROPIC_API_KEY": "sk-ant-fault-key-do-not-print-1234567",
}
PG_PASSWORD = "pg-password-do-not-print"


@dataclass
class Outcome:
    fault: str
    command: list[str]
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("APCA_", "ANTHROPIC_", "PARLEY_", "OPENAI_"))
    }
    env.update(FAKE_KEYS, PARLEY_HOME=str(home), PYTHONPATH=str(ROOT), **extra)
    return env


def parley(
    fault: str,
    args: list[str],
    env: dict[str, str],
    timeout: float = 60,
    wrap: list[str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
) -> Outcome:
    command = [sys.executable, "-m", "app", *args]
    done = subprocess.run(
        [*(wrap or []), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=stdin,
        cwd=ROOT,
    )
    return Outcome(fault, ["parley", *args], done.returncode, done.stdout, done.stderr)


def seeded_home(home: Path) -> str:
    """A store in ``home`` with one run; returns its id."""
    from app.store.repo import Store

    home.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{home / 'parley.db'}")
    run = store.create_run(
        "fault matrix run", SPEC.read_text(), status="stopped", broker="sim", feed="replay"
    )
    store.engine.dispose()
    return run.id


def read_only_wrap(target: Path) -> list[str] | None:
    """A command prefix that runs the command with ``target`` read-only (a read-only bind
    mount in a private mount namespace; root ignores file modes). None: not possible."""
    if not shutil.which("unshare"):
        return None
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        return None
    t = str(target)
    return [
        "unshare",
        "-rm",
        "sh",
        "-c",
        f'mount --bind "{t}" "{t}" && mount -o remount,ro,bind "{t}" "{t}" && exec "$@"',
        "sh",
    ]


# ----------------------------------------------------------------- the faults
def corrupt_text(tmp: Path) -> Outcome:
    home = tmp / "home"
    home.mkdir()
    (home / "parley.db").write_text("this is a note, not a database\n")
    return parley("parley.db is a text file", ["status"], base_env(home))


def truncated(tmp: Path) -> Outcome:
    home = tmp / "home"
    seeded_home(home)
    db = home / "parley.db"
    for _ in range(3):  # grow it past a few pages, then cut it
        seeded_home(home)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    return parley("parley.db truncated to a third", ["status"], base_env(home))


def read_only_home(tmp: Path, args: list[str] | None = None) -> Outcome | None:
    home = tmp / "home"
    run_id = seeded_home(home)
    wrap = read_only_wrap(home)
    if wrap is None:
        return None
    args = args or ["status"]  # also: status RUN, decisions RUN
    return parley(
        f"read-only PARLEY_HOME: {' '.join(args)}",
        [a.replace("RUN", run_id) for a in args],
        base_env(home),
        wrap=wrap,
    )


def read_only_db(tmp: Path) -> Outcome | None:
    home = tmp / "home"
    run_id = seeded_home(home)
    wrap = read_only_wrap(home / "parley.db")
    if wrap is None:
        return None
    return parley("read-only parley.db: stop", ["stop", run_id], base_env(home), wrap=wrap)


def creation_race(tmp: Path, processes: int = 4) -> list[Outcome]:
    """``processes`` processes open the same new store at the same moment."""
    home = tmp / "home"
    env = base_env(home)
    command = [sys.executable, "-m", "app", "status"]
    procs = [
        subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        outs.append(
            Outcome(
                f"{processes} processes create one new store",
                ["parley", "status"],
                p.returncode,
                out,
                err,
            )
        )
    return outs


def postgres_down(tmp: Path) -> Outcome | None:
    from tests.pg_server import pg_bin, postgres_server

    if not pg_bin("initdb"):
        return None
    folder = Path(tempfile.mkdtemp(prefix="parley-pg-"))
    folder.chmod(0o755)  # the server runs as the postgres account
    try:
        with postgres_server(folder) as url:
            pass  # started, then stopped: nothing listens on its port any more
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    url = url.replace("parley@", f"parley:{PG_PASSWORD}@")
    return parley(
        "PostgreSQL server down", ["status"], base_env(tmp / "home", PARLEY_DATABASE_URL=url)
    )


def network_down(tmp: Path) -> Outcome:
    nowhere = f"http://127.0.0.1:{closed_port()}"
    env = base_env(tmp / "home", APCA_API_DATA_URL=nowhere, APCA_API_BASE_URL=nowhere)
    return parley("network down: run --feed alpaca", ["run", str(SPEC), "--feed", "alpaca"], env)


def bad_keys_live(tmp: Path) -> Outcome:
    """The live confirmation against a fake Alpaca that refuses the keys (401)."""
    from tests.fakes.alpaca_server import FakeAlpaca

    with FakeAlpaca() as fake:
        env = base_env(
            tmp / "home", APCA_API_BASE_URL=fake.base_url, APCA_API_DATA_URL=fake.base_url
        )
        leader, follower = pty.openpty()  # the confirmation needs a terminal
        try:
            os.write(leader, b"LIVE\n")
            return parley(
                "bad keys (401) at the live confirmation",
                ["run", str(SPEC), "--live", "--feed", "alpaca"],
                env,
                stdin=follower,
            )
        finally:
            os.close(leader)
            os.close(follower)


def llm_down(tmp: Path) -> Outcome:
    env = base_env(tmp / "home", ANTHROPIC_BASE_URL=f"http://127.0.0.1:{closed_port()}")
    return parley(
        "LLM API unreachable: backtest --agents llm",
        ["backtest", str(SPEC), "--agents", "llm", "--from", "2011-01-01"],
        env,
        timeout=90,
    )


def stored_reasons(home: Path) -> list[str]:
    """The reasons of every run in the store under ``home``."""
    from app.store.repo import Store

    store = Store(f"sqlite:///{home / 'parley.db'}")
    try:
        return [r.reason or "" for r in store.list_runs()]
    finally:
        store.engine.dispose()


def leaked(home: Path) -> list[str]:
    """Files under ``home`` (the database, the logs) that hold a fake key value."""
    secrets = [v.encode() for v in (*FAKE_KEYS.values(), PG_PASSWORD)]
    return [
        str(f) for f in home.rglob("*") if f.is_file() and any(s in f.read_bytes() for s in secrets)
    ]


MATRIX = (
    corrupt_text,
    truncated,
    read_only_home,
    read_only_db,
    creation_race,
    postgres_down,
    network_down,
    bad_keys_live,
    llm_down,
)
