"""`parley evaluate`: layers against rules only and a matched null, and the look-ahead audit."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest

from app.backtest import BacktestError, run_backtest
from app.cli import main
from app.dsl import parse_spec
from app.evaluate import stats
from app.evaluate.arms import RandomGate, Tally, TapeRegimeGate
from app.evaluate.audit import lookahead_audit
from app.evaluate.report import summary, verdict
from app.evaluate.run import evaluate
from app.execution.gate import Decision, GateChain
from app.market.bundled import bundled_dir
from app.market.loader import load_bars

SPEC = """strategy "Small"
universe GOOG, NVDA
timeframe 1d
long when sma(close, 10) crosses above sma(close, 30)
exit when sma(close, 10) crosses below sma(close, 30)
size 50% of equity
regime allow trending_up, mean_reverting
agents all
min conviction 55
"""


@cache
def frames() -> dict[str, pd.DataFrame]:
    full = load_bars(bundled_dir(), symbols=["GOOG", "NVDA"])
    return {s: f.loc["2005-01-01":"2008-12-31"] for s, f in full.items()}


@cache
def report() -> dict:
    one = {"GOOG": frames()["GOOG"]}
    return evaluate(
        parse_spec(SPEC.replace("GOOG, NVDA", "GOOG")), one, folds=3, draws=200, seed=7, cuts=2
    )


def test_every_layer_is_measured_against_its_base_and_a_matched_null() -> None:
    r = report()
    assert [f["layer"] for f in r["layers"]] == ["regime", "agents", "memory", "all"]
    assert [f["base"] for f in r["layers"]] == ["rules", "rules", "agents", "rules"]
    assert r["draws"] == 200 and len(r["folds"]) == 3
    for f in r["layers"]:
        assert 0 <= f["null_percentile"] <= 100
        lo, hi = f["difference_interval_95"]
        assert lo <= hi
        assert f["trades"] >= 0 and 0 <= f["time_in_market_pct"] <= 100
        assert f["verdict"].startswith(("the ", "memory", "all"))
        assert f"{round(f['null_percentile'])}" in f["verdict"]
    assert r["rules"]["candidates"] == 0  # the rules arm asks no gate
    assert r["audit"]["clean"], r["audit"]["summary"]


def test_the_evaluation_is_repeatable_and_the_seed_moves_only_the_null() -> None:
    runs = [
        evaluate(parse_spec(SPEC), frames(), folds=2, draws=8, seed=seed, cuts=0)
        for seed in (3, 3, 4)
    ]
    assert json.dumps(runs[0], sort_keys=True) == json.dumps(runs[1], sort_keys=True)
    assert [f["sharpe"] for f in runs[0]["layers"]] == [f["sharpe"] for f in runs[2]["layers"]]


def test_sharing_signals_and_analysis_across_runs_changes_no_figure() -> None:
    """The fast path (each fold's signals and the team's per-candidate analysis computed
    once for all its runs) gives the very report the slow path (all afresh) gives."""
    spec = parse_spec(SPEC.replace("size 50% of equity", "size 30% of equity\nmax positions 2"))
    fast, slow = (
        evaluate(spec, frames(), folds=2, draws=6, seed=5, cuts=0, shared=s) for s in (True, False)
    )
    assert sum(f["candidates"] for f in fast["layers"]) > 20
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)


def test_the_null_blocks_exactly_as_many_candidates_and_reuses_the_sizes() -> None:
    tally = Tally(seen=10, blocked=4, sizes=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    gate = RandomGate(tally, np.random.default_rng(1))
    out = [gate.decide(None) for _ in range(10)]  # type: ignore[arg-type]
    assert sum(not d.approved for d in out) == 4
    assert sorted(d.size_factor for d in out if d.approved) == tally.sizes


def test_the_regime_tape_decides_as_the_live_regime_gate() -> None:
    from app.regime.gate import RegimeGate

    spec = parse_spec(SPEC.replace("agents all\nmin conviction 55\n", ""))
    live = run_backtest(spec, frames(), gate=GateChain((RegimeGate(spec),)))
    tape = run_backtest(spec, frames(), gate=GateChain((TapeRegimeGate(spec),)))
    assert len(live.decisions) > 5
    assert live.decisions == tape.decisions


class Peeking:
    """A gate that cheats: it approves only when the last price it was given is higher."""

    name = "peek"

    def use_universe(self, given: dict) -> None:
        self.frames = given

    def decide(self, c: object) -> Decision:
        f = self.frames[c.symbol]  # type: ignore[attr-defined]
        i = int(f.index.searchsorted(c.time))  # type: ignore[attr-defined]
        return Decision(bool(f["close"].iloc[-1] > f["close"].iloc[i]))


def test_the_audit_finds_look_ahead_and_passes_a_clean_spec() -> None:
    spec = parse_spec(SPEC)
    start, end = pd.Timestamp("2006-01-03"), pd.Timestamp("2008-12-31")
    cheat = lookahead_audit(
        spec, frames(), 3, start, end, 10_000.0, gate=lambda: GateChain((Peeking(),))
    )
    assert not cheat["clean"] and cheat["summary"].startswith("LOOK-AHEAD: cut at")
    clean = lookahead_audit(spec, frames(), 3, start, end, 10_000.0)
    assert clean["clean"] and len(clean["cuts"]) == 3


def test_verdicts_say_plainly_what_the_figures_say() -> None:
    base = {
        "layer": "regime",
        "base": "rules",
        "sharpe_difference": 0.01,
        "difference_interval_95": [-0.2, 0.2],
    }
    assert verdict({**base, "null_percentile": 48.0}).startswith(
        "the regime filter did not beat random blocking here (48th percentile)"
    )
    assert "beat random blocking here (97th" in verdict({**base, "null_percentile": 97.0})
    assert "did worse than random" in verdict({**base, "null_percentile": 2.0})
    assert "it beat rules only" in verdict(
        {**base, "null_percentile": 50.0, "difference_interval_95": [0.05, 0.3]}
    )
    assert verdict(
        {**base, "null_percentile": 50.0, "changed_nothing": True, "blocked": 0, "candidates": 9}
    ).startswith("the regime filter changed nothing here: the same trades and equity as rules only")


def test_stats() -> None:
    assert stats.percentile(1.0, [0.0, 1.0, 2.0, 3.0]) == 37.5
    assert stats.percentile(1.0, [1.0 + 1e-12] * 4) == 50.0  # the same trades: a tie
    assert stats.ordinal(1) == "1st" and stats.ordinal(12) == "12th" and stats.ordinal(23) == "23rd"
    rng = np.random.default_rng(0)
    a = rng.normal(0.001, 0.01, 500)
    lo, hi = stats.bootstrap_difference(a, a, 252, 0)
    assert lo == hi == 0.0


def test_the_summary_has_the_table_the_verdicts_and_the_audit() -> None:
    text = summary(report())
    assert "null pct" in text and text.count("\n- ") >= 4 and "look-ahead audit:" in text
    assert report()["caveats"] == [] and "data caveat" not in text
    assert text.startswith("Evaluation of Small on GOOG\n")
    many = {**report(), "symbols": [f"S{i:03d}" for i in range(505)]}
    assert summary(many).startswith(
        "Evaluation of Small on 505 symbols (S000, S001, S002, S003, S004, ..., S504)\n"
    )


def test_the_datas_caveats_reach_the_report() -> None:
    """The bundled sp500 universe's survivorship bias is stated in every report using it."""
    from app.market.quality import Bars

    one = Bars({"GOOG": frames()["GOOG"]}, caveats=["Survivorship bias: test caveat."])
    spec = parse_spec(
        SPEC.replace("GOOG, NVDA", "GOOG")
        .replace("agents all\n", "")
        .replace("min conviction 55\n", "")
    )
    out = evaluate(spec, one, folds=2, draws=2, seed=1, cuts=0)
    assert out["caveats"] == ["Survivorship bias: test caveat."]
    assert summary(out).rstrip().endswith("data caveat: Survivorship bias: test caveat.")


def test_cli_json_and_clear_errors(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "small.strategy"
    path.write_text(SPEC)
    data = tmp_path / "data"
    data.mkdir()
    for s, f in frames().items():
        f.loc["2007-01-01":].to_csv(data / f"{s}.csv")
    assert (
        main(
            [
                "evaluate",
                str(path),
                "--data",
                str(data),
                "--draws",
                "3",
                "--folds",
                "2",
                "--cuts",
                "1",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["draws"] == 3 and len(out["layers"]) == 4
    assert main(["evaluate", str(path), "--folds", "1"]) == 1
    assert "--folds must be at least 2" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "nope.strategy")]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["evaluate", str(path), "--data", str(data), "--folds", "400"]) == 1
    assert "walk-forward" in capsys.readouterr().err
    assert main(["evaluate", str(path), "--from", "2012-01-01", "--to", "2011-01-01"]) == 1
    err = capsys.readouterr().err
    assert "--from 2012-01-01 is after --to 2011-01-01" in err and "Traceback" not in err
    with pytest.raises(BacktestError, match="is after --to"):
        evaluate(parse_spec(SPEC), frames(), start="2008-01-01", end="2007-01-01")


def test_a_spec_with_parameters_is_evaluated_at_their_defaults() -> None:
    """The README's sweep spec: evaluate runs it at its defaults, as every command does
    (it raised 'parameter fast is unbound', and the TUI's e showed 'a bug in Parley')."""
    swept = SPEC.replace("sma(close, 10)", "sma(close, fast)").replace(
        "timeframe 1d\n", "timeframe 1d\nparam fast = 10 in 5..20 step 5\n"
    )
    one = {"GOOG": frames()["GOOG"]}
    at_defaults = evaluate(parse_spec(swept), one, folds=2, draws=4, seed=3, cuts=0)
    plain = evaluate(
        parse_spec(SPEC.replace("GOOG, NVDA", "GOOG")), one, folds=2, draws=4, seed=3, cuts=0
    )
    assert at_defaults["rules"]["trades"] == plain["rules"]["trades"] > 0


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_a_seed_numpy_cannot_take_is_a_message(seed: int) -> None:
    with pytest.raises(BacktestError, match="--seed must be a whole number from 0"):
        evaluate(parse_spec(SPEC), frames(), folds=2, draws=4, seed=seed, cuts=0)
