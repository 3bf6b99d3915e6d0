"""`parley sweep` as a user runs it: the report, JSON, HTML, walk-forward, TPE, and
clear errors for what cannot run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SPEC = """strategy "Sweep me"
universe GOOG, NVDA
param fast = 10 in 5..20 step 5
param slow = 60 in 40..80 step 20
long when sma(close, fast) crosses above sma(close, slow)
exit when sma(close, fast) crosses below sma(close, slow)
stop loss 3%
size 40% of equity
"""


def _parley(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**__import__("os").environ, "PARLEY_HOME": str(cwd / "home")},
    )


@pytest.fixture()
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.strategy"
    path.write_text(SPEC)
    return path


def test_the_report_names_the_winner_and_the_guard(spec: Path, tmp_path: Path) -> None:
    done = _parley(
        "sweep",
        str(spec),
        "--walk-forward",
        "2",
        "--workers",
        "1",
        "--html",
        str(tmp_path / "s.html"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "12 variants (grid)" in out and "chosen: fast=" in out
    assert "deflated Sharpe ratio over 12 trials" in out and "probability of backtest" in out
    assert "stitched out-of-sample" in out and "sharpe by fast (rows) and slow" in out
    assert ("probably luck" in out) or ("survives the overfitting checks" in out)
    page = (tmp_path / "s.html").read_text()
    assert "<table class=heat>" in page and "<th>fold 2 Sharpe</th>" in page
    assert "Traceback" not in done.stderr


def test_json_is_one_object_with_every_variant(spec: Path, tmp_path: Path) -> None:
    done = _parley(
        "sweep",
        str(spec),
        "--json",
        "--workers",
        "1",
        "--objective",
        "return_over_dd",
        cwd=tmp_path,
    )
    data = json.loads(done.stdout)
    assert len(data["variants"]) == 12 and data["objective"] == "return_over_dd"
    assert {v["via"] for v in data["variants"]} == {"compiled"}
    assert data["chosen"] == data["best_in_sample"]
    assert 0.0 <= data["overfitting"]["pbo"] <= 1.0


def test_symbol_shards_give_the_same_sweep(spec: Path, tmp_path: Path) -> None:
    whole = _parley("sweep", str(spec), "--json", "--workers", "1", cwd=tmp_path)
    split = _parley(
        "sweep", str(spec), "--json", "--workers", "1", "--symbol-shards", "2", cwd=tmp_path
    )
    assert split.returncode == 0, split.stderr
    a, b = json.loads(whole.stdout), json.loads(split.stdout)
    assert a["variants"] == b["variants"] and a["chosen"] == b["chosen"]
    assert "symbol_shards" not in a
    shards = b["symbol_shards"]
    assert shards["groups"] == 2 and shards["merged"] + shards["whole_again"] == 12


def test_tpe_runs_the_trials_asked(spec: Path, tmp_path: Path) -> None:
    done = _parley(
        "sweep",
        str(spec),
        "--search",
        "tpe",
        "--trials",
        "5",
        "--json",
        "--workers",
        "1",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["variants"]) == 5


def test_trials_alone_asks_for_tpe_of_distinct_variants(spec: Path, tmp_path: Path) -> None:
    done = _parley("sweep", str(spec), "--trials", "10", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    tried = [tuple(v["values"].items()) for v in data["variants"]]
    assert data["search"] == "tpe" and len(tried) == 10 == len(set(tried))
    assert data["overfitting"]["trials"] == 10


def test_trials_over_the_grid_run_the_grid(spec: Path, tmp_path: Path) -> None:
    done = _parley("sweep", str(spec), "--trials", "50", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "12 variants (tpe)" in done.stdout
    assert "50 trials cover the whole grid of 12 variants: ran the grid" in done.stdout


def test_a_percent_parameter_reads_as_written(tmp_path: Path) -> None:
    path = tmp_path / "stop.strategy"
    path.write_text(
        SPEC.replace("stop loss 3%", "param stop = 3% in 2%..4% step 0.5%\nstop loss stop")
    )
    done = _parley("sweep", str(path), "--param", "stop", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "5 variants (grid)" in done.stdout and "stop=2.5%" in done.stdout
    chosen = next(line for line in done.stdout.splitlines() if line.startswith("chosen: "))
    assert chosen.endswith("%") and "fast" not in chosen


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--walk-forward", "999"], "use at most"),
        (["--trials", "0", "--search", "tpe"], "--trials must be at least 1"),
        (["--param", "nope"], "no parameter of that name"),
        (["--trials", "5", "--search", "grid"], "--trials sets the number of TPE trials"),
        (["--ray", "127.0.0.1:1"], "could not reach Ray at 127.0.0.1:1"),
        (["--symbol-shards", "-1"], "--symbol-shards must be at least 0"),
        (["--html", "/nonexistent-folder/x.html"], "the folder /nonexistent-folder does not exist"),
    ],
)
def test_what_cannot_run_is_said_plainly(
    spec: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    done = _parley("sweep", str(spec), *args, cwd=tmp_path)
    assert done.returncode == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_spec_without_parameters_says_how_to_add_one(tmp_path: Path) -> None:
    plain = tmp_path / "plain.strategy"
    plain.write_text(
        SPEC.replace("param fast = 10 in 5..20 step 5\n", "")
        .replace("param slow = 60 in 40..80 step 20\n", "")
        .replace("fast", "10")
        .replace("slow", "60")
    )
    done = _parley("sweep", str(plain), cwd=tmp_path)
    assert done.returncode == 1 and "has no parameters to sweep" in done.stderr
    assert "param fast = 10 in 5..50 step 5" in done.stderr
