"""Runs that behave: the agent gate sees the real book and rebuilds its state on resume;
stop then resume does not stop again; one process per run; flatten and stop; status of a
run with trades."""

from __future__ import annotations

import threading

import pytest

from app.backtest import run_backtest
from app.dsl import parse_spec
from app.errors import ParleyError
from app.feeds.replay import ReplayFeed
from app.market.data_source import load_for_spec
from app.runner import Runner
from app.runner import events as ev
from app.store import Store

TEAM = (
    'strategy "team"\nuniverse GOOG, NVDA\ntimeframe 1d\n'
    "long when close > sma(close, 20)\nexit when close < sma(close, 20)\n"
    "stop loss 2 atr(14)\nsize risk 1% of equity\nagents all\nmin conviction 40\n"
    "max drawdown 30%\n"
)


def _frames(text: str, bars: int = 300):
    spec = parse_spec(text)
    return spec, {s: f.iloc[-bars:] for s, f in load_for_spec(spec).items()}


def _snapshots(monkeypatch) -> list:
    """Every portfolio snapshot the agent team's risk manager is shown."""
    from app.agents.risk_manager import RiskManager

    seen, verdict = [], RiskManager.verdict

    def spy(self, ctx, feats):
        seen.append(ctx.portfolio)
        return verdict(self, ctx, feats)

    monkeypatch.setattr(RiskManager, "verdict", spy)
    return seen


def test_the_risk_manager_sees_the_real_book_in_a_backtest(monkeypatch):
    seen = _snapshots(monkeypatch)
    spec, frames = _frames(TEAM)
    result = run_backtest(spec, frames)
    assert any(p.positions for p in seen)  # it used to see none, ever
    equity = result.equity
    peak = float(equity.cummax().max())
    assert max(p.peak_equity for p in seen) == pytest.approx(peak, rel=0.02)
    assert any(p.drawdown_pct > 0 for p in seen)


def test_the_risk_manager_sees_the_same_book_in_a_run(monkeypatch):
    seen = _snapshots(monkeypatch)
    spec, frames = _frames(TEAM)
    run_backtest(spec, frames)
    in_backtest, seen[:] = list(seen), []
    store = Store("sqlite://")
    run = store.create_run(spec.name, TEAM)
    Runner(store, run.id, ReplayFeed(frames)).run(spec, lambda e: None, threading.Event())
    assert [p.model_dump() for p in seen] == [p.model_dump() for p in in_backtest]


def _stop_at(store, run_id, bars: int):
    def emit(e):
        if isinstance(e, ev.BarProcessed) and e.bars_done == bars:
            store.post_command(run_id, "stop")

    return emit


def test_a_resumed_agent_run_keeps_peak_day_start_and_theses(monkeypatch):
    seen = _snapshots(monkeypatch)
    spec, frames = _frames(TEAM)
    ref = Store("sqlite://")
    r0 = ref.create_run(spec.name, TEAM)
    Runner(ref, r0.id, ReplayFeed(frames)).run(spec, lambda e: None, threading.Event())
    uninterrupted, seen[:] = [p.model_dump() for p in seen], []
    store = Store("sqlite://")
    run = store.create_run(spec.name, TEAM)
    for stop_after in (90, 180, 10_000):
        Runner(store, run.id, ReplayFeed(frames)).run(
            spec,
            _stop_at(store, run.id, stop_after) if stop_after < 10_000 else (lambda e: None),
            threading.Event(),
        )
    assert [p.model_dump() for p in seen] == uninterrupted
    from app.store.lessons import SqlLessonStore

    def key(run_id):
        return lambda x: (x.id.replace(run_id, "RUN"), x.outcome_pct, x.conviction)

    assert sorted(map(key(run.id), SqlLessonStore(store).all())) == sorted(
        map(key(r0.id), SqlLessonStore(ref).all())
    )
    assert [(d.time_ns, d.qty, d.conviction) for d in store.decisions(run.id)] == [
        (d.time_ns, d.qty, d.conviction) for d in ref.decisions(r0.id)
    ]


# ------------------------------------------------------------------ commands and the lock
SMA_TEXT = (
    'strategy "s"\nuniverse GOOG\ntimeframe 1d\nlong when close > sma(close, 10)\n'
    "exit when close < sma(close, 10)\nsize 10 shares\n"
)


def test_stop_then_resume_does_not_stop_again():
    spec, frames = _frames(SMA_TEXT, 400)
    store = Store("sqlite://")
    run = store.create_run(spec.name, SMA_TEXT)
    stop = threading.Event()
    store.post_command(run.id, "stop")  # posted; the run is stopped by a signal instead
    stop.set()
    Runner(store, run.id, ReplayFeed(frames)).run(spec, lambda e: None, stop)
    assert store.take_commands(run.id) == []  # the stop is done, not left pending
    status = Runner(store, run.id, ReplayFeed(frames)).run(spec, lambda e: None, threading.Event())
    assert status == "finished" and store.get_run(run.id).bars_done == 400


def test_stop_of_a_run_with_no_process_leaves_nothing_pending():
    from app.runner.launch import request

    store = Store("sqlite://")
    run = store.create_run("s", SMA_TEXT)
    request(store, run.id, "stop")
    assert store.get_run(run.id).status == "stopped"
    assert store.take_commands(run.id) == []


@pytest.mark.parametrize("status", ["finished", "stopped"])
def test_flatten_of_a_run_with_no_process_is_refused_with_a_message(status):
    from app.runner.launch import request

    store = Store("sqlite://")
    run = store.create_run("s", SMA_TEXT)
    store.update_run(run.id, status=status)
    with pytest.raises(ParleyError, match="finished" if status == "finished" else "no process"):
        request(store, run.id, "flatten")
    assert store.take_commands(run.id) == []


def test_flatten_and_stop_closes_everything_then_stops():
    spec, frames = _frames(SMA_TEXT, 400)
    store = Store("sqlite://")
    run = store.create_run(spec.name, SMA_TEXT)

    def emit(e):
        if isinstance(e, ev.Filled) and e.side == "buy":
            store.post_command(run.id, "flatten_stop")

    status = Runner(store, run.id, ReplayFeed(frames)).run(spec, emit, threading.Event())
    row = store.get_run(run.id)
    assert status == "stopped" and row.reason == "flattened and stopped by the user"
    assert store.positions(run.id) == [] and row.bars_done < 400
    assert [f.reason for f in store.fills(run.id)][-1] == "flatten"


def test_a_second_process_is_told_who_holds_the_run(tmp_path):
    from app.runner.lock import RunLock, RunLocked, holder

    path = tmp_path / "r1.lock"
    with RunLock(path, "r1"):
        with pytest.raises(RunLocked, match=r"held by process \d+"):
            RunLock(path, "r1").acquire()
        assert holder(path) is not None
    assert holder(path) is None
    with RunLock(path, "r1"):  # free again once released (or the holder died)
        pass


def test_resume_while_another_process_runs_it(tmp_path, monkeypatch, capsys):
    import subprocess
    import sys
    from app.cli import main
    from app.config import load_settings
    from app.runner.lock import lock_path

    assert main(["run", "strategies/sma_crossover.strategy", "--quiet"]) == 0
    run_id = capsys.readouterr().out.split()[1]
    path = lock_path(run_id, load_settings())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl,sys,time; f=open(sys.argv[1],'a+'); fcntl.flock(f,fcntl.LOCK_EX);"
                "f.truncate(0); f.write('4242'); f.flush(); print('held', flush=True); time.sleep(60)"
            ),
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        from app.store import Store as S

        S.from_settings(load_settings()).update_run(run_id, status="stopped")
        assert main(["resume", run_id]) == 1
        assert "held by process 4242" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_status_of_a_run_with_closed_trades(capsys):
    from app.cli import main

    assert main(["run", "strategies/sma_crossover.strategy", "--quiet"]) == 0
    run_id = capsys.readouterr().out.split()[1]
    assert main(["status", run_id]) == 0
    out = capsys.readouterr().out
    assert "32 closed trades" in out and "trade GOOG long 2" in out


def test_status_shows_the_runs_equity_marked_at_its_last_bar(capsys):
    """The equity and return `status` prints are the backtest's own final figures (a
    replay equals its backtest bar for bar), cash and open positions marked at the close."""
    import json

    from app.cli import main

    assert main(["run", "strategies/sma_crossover.strategy", "--quiet"]) == 0
    run_id = capsys.readouterr().out.split()[1]
    spec = parse_spec(open("strategies/sma_crossover.strategy").read())
    result = run_backtest(spec, load_for_spec(spec))
    final = float(result.equity.iloc[-1])
    assert main(["status", run_id]) == 0
    out = capsys.readouterr().out
    assert f"equity {final:,.2f} ({final / 10_000 - 1:+.2%})" in out
    assert main(["status", run_id, "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    assert run["equity"] == pytest.approx(final, abs=0.01)
    assert run["realized_pnl"] == pytest.approx(sum(t.pnl for t in result.trades), abs=0.01)
    assert run["cash_now"] < run["equity"]  # a position is open at the end


@pytest.mark.parametrize("cash", ["-1", "0", "1e300", "nan"])
def test_run_refuses_a_cash_it_cannot_trade_before_any_run_is_made(cash, capsys):
    from app.cli import main
    from app.config import load_settings

    with pytest.raises(SystemExit):
        main(["run", "strategies/sma_crossover.strategy", "--cash", cash])
    assert "argument --cash: the cash " in capsys.readouterr().err
    assert Store.from_settings(load_settings()).list_runs() == []


def test_a_run_whose_output_closes_stops_cleanly_and_resumes(monkeypatch, capsys):
    """`parley run SPEC | head -3`: the pipe closes, the run stops after its bar (not
    'failed (BrokenPipeError)' with an order left submitted), says why, and resumes to the
    uninterrupted run's result."""
    import io
    import json

    from app.cli import main

    class Head(io.StringIO):
        def write(self, text: str) -> int:
            if self.getvalue().count("\n") >= 3:
                raise BrokenPipeError(32, "Broken pipe")
            return super().write(text)

    with monkeypatch.context() as m:
        m.setattr("sys.stdout", Head())
        assert main(["run", "strategies/sma_crossover.strategy"]) == 1
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["status"] == "stopped" and row["reason"].startswith("its output was closed")
    assert f"`parley resume {row['id']}` continues it" in row["reason"]
    assert main(["status", row["id"], "--json"]) == 0
    orders = json.loads(capsys.readouterr().out)["orders"]
    assert orders and all(o["status"] == "filled" for o in orders)
    assert main(["resume", row["id"], "--quiet"]) == 0
    assert "finished: the data ended" in capsys.readouterr().out
    assert main(["status", row["id"], "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    assert run["status"] == "finished" and run["equity"] == pytest.approx(17_739.40, abs=0.01)


def test_run_with_llm_agents_and_no_key_makes_no_run(monkeypatch, capsys):
    from app.cli import main
    from app.config import load_settings

    for name in (
        "ANTHROPIC_API_KEY",
        "PARLEY_ANTHROPIC_API_KEY",
        "PARLEY_LLM_BASE_URL",
        "OPENAI_BASE_URL",
        "PARLEY_LLM_API_KEY",
        "OPENAI_API_KEY",
        "PARLEY_PROVIDER",
    ):
        monkeypatch.delenv(name, raising=False)
    assert main(["run", "strategies/golden_cross.strategy", "--agents", "llm"]) == 1
    assert "--agents llm needs ANTHROPIC_API_KEY" in capsys.readouterr().err
    assert Store.from_settings(load_settings()).list_runs() == []
