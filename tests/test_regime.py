"""Regime detection: the API contract, no look-ahead, the live tracker, the filter, the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from app.errors import ParleyError
from app.backtest import run_backtest
from app.cli import main
from app.dsl import format_spec, load_spec
from app.market.synthetic import synthetic_regime_series
from app.regime import (
    LABELS,
    REGIMES,
    RegimeConfig,
    RegimeError,
    RegimeFilter,
    RegimeTracker,
    detect_regimes,
)
from app.cli.regime_demo import SYMBOL, demo_spec, format_means, run_demo
from app.regime.features import compute_features
from app.regime.gate import regime_gate
from app.regime.hmm import HIGH_VOLATILITY, MEAN_REVERTING, TREND, name_states
from app.regime.switching import SwitchingConfig
from app.spec.models import RegimeSpec, StrategySpec
from tests.conftest import STRATEGIES

CONFIG = RegimeConfig()


@pytest.fixture(scope="module")
def market() -> pd.DataFrame:
    frame, _ = synthetic_regime_series(900, seed=5)
    return frame


@pytest.fixture(scope="module")
def full(market: pd.DataFrame) -> pd.DataFrame:
    return detect_regimes(market)


# ---------------------------------------------------------------- the output contract


def test_output_shape_and_values(market: pd.DataFrame, full: pd.DataFrame) -> None:
    assert list(full.columns) == ["regime", "confidence"]
    assert full.index.equals(market.index)
    assert set(full["regime"]) <= set(LABELS)
    assert full["confidence"].between(0.0, 1.0).all()
    warm = full.iloc[: CONFIG.warmup - 1]
    assert (warm["regime"] == "transition").all() and (warm["confidence"] == 0.0).all()
    labelled = full.iloc[CONFIG.warmup :]
    assert (labelled["confidence"] > 0).all()
    assert labelled["regime"].nunique() >= 4
    firm = labelled[labelled["regime"] != "transition"]
    assert (firm["confidence"] >= CONFIG.switching.min_confidence).all()


def test_same_bars_same_labels(market: pd.DataFrame, full: pd.DataFrame) -> None:
    again = detect_regimes(market, seed=0)
    pd.testing.assert_frame_equal(full, again)


def test_too_few_bars_are_all_transition(market: pd.DataFrame) -> None:
    short = detect_regimes(market.iloc[:50])
    assert (short["regime"] == "transition").all()
    assert len(detect_regimes(market.iloc[:0])) == 0


def test_bad_frames_are_user_errors(market: pd.DataFrame) -> None:
    with pytest.raises(RegimeError, match="close"):
        detect_regimes(market.drop(columns="close"))
    bad = market.copy()
    bad.iloc[10, bad.columns.get_loc("low")] = -1.0
    with pytest.raises(RegimeError, match="positive"):
        detect_regimes(bad)


def test_config_is_checked() -> None:
    with pytest.raises(ValueError):
        RegimeConfig(window=50, warmup=120)
    with pytest.raises(ValueError):
        RegimeConfig(min_confidence=1.5)


# ---------------------------------------------------------------- no look-ahead


@pytest.mark.parametrize("cut", [300, 467, 700])
def test_appending_bars_never_changes_earlier_labels(
    market: pd.DataFrame, full: pd.DataFrame, cut: int
) -> None:
    """Labels up to bar t are the same whether or not bars after t exist."""
    prefix = detect_regimes(market.iloc[:cut])
    pd.testing.assert_frame_equal(prefix, full.iloc[:cut])


def test_a_changed_future_bar_changes_nothing_before_it(
    market: pd.DataFrame, full: pd.DataFrame
) -> None:
    shocked = market.copy()
    shocked.iloc[600:, :4] *= 3.0  # a wild future from bar 600 on
    shocked.iloc[600:, shocked.columns.get_loc("high")] *= 1.2
    after = detect_regimes(shocked)
    pd.testing.assert_frame_equal(after.iloc[:600], full.iloc[:600])


def test_features_are_causal(market: pd.DataFrame) -> None:
    cols = [market[c].to_numpy() for c in ("open", "high", "low", "close", "volume")]
    whole = compute_features(*cols, replace(CONFIG, use_volume=True))
    part = compute_features(*[c[:400] for c in cols], replace(CONFIG, use_volume=True))
    for name in ("lvol", "z", "er", "lvolume"):
        np.testing.assert_array_equal(getattr(part, name), getattr(whole, name)[:400])


# ---------------------------------------------------------------- the live tracker


def test_tracker_gives_the_batch_labels_bar_for_bar(
    market: pd.DataFrame, full: pd.DataFrame
) -> None:
    tracker = RegimeTracker()
    readings = [tracker.update(bar) for _, bar in market.iloc[:560].iterrows()]
    assert [r.regime for r in readings] == full["regime"].iloc[:560].tolist()
    np.testing.assert_array_equal(
        [r.confidence for r in readings], full["confidence"].iloc[:560].to_numpy()
    )
    last = readings[-1]
    assert last.ready and abs(sum(last.probabilities) - 1.0) < 1e-9
    assert last.most_likely in REGIMES
    assert not readings[0].ready and readings[0].most_likely is None


def test_fitted_model_tracker_gives_its_batch_labels(market: pd.DataFrame) -> None:
    fitted = RegimeConfig(model="fitted", warmup=40, window=80, refit_every=10)
    batch = detect_regimes(market.iloc[:200], config=fitted)
    tracker = RegimeTracker(fitted)
    readings = [tracker.update(bar) for _, bar in market.iloc[:200].iterrows()]
    assert [r.regime for r in readings] == batch["regime"].tolist()
    assert batch["regime"].iloc[40:].ne("transition").any()


def test_tracker_takes_plain_dicts_without_volume(market: pd.DataFrame) -> None:
    tracker = RegimeTracker()
    for row in market.iloc[:200].itertuples():
        reading = tracker.update(
            {"open": row.open, "high": row.high, "low": row.low, "close": row.close}
        )
    assert reading.ready and reading.regime in LABELS
    with pytest.raises(RegimeError):
        tracker.update({"open": 1.0, "high": 1.0, "low": 1.0})


def test_volume_feature_runs(market: pd.DataFrame) -> None:
    out = detect_regimes(market.iloc[:300], config=replace(CONFIG, use_volume=True))
    assert set(out["regime"]) <= set(LABELS)


# ---------------------------------------------------------------- naming states


def test_states_are_named_by_statistics_not_index() -> None:
    vol = {"calm": 0.0055, "trend": 0.010, "wild": 0.035}
    rng = np.random.default_rng(0)
    window_lvol = np.log(
        np.r_[np.full(200, vol["calm"]), np.full(200, vol["trend"]), np.full(100, vol["wild"])]
    )
    window_er = np.r_[np.full(200, 0.12), np.full(200, 0.3), np.full(100, 0.2)]
    kinds = ["calm", "trend", "trend", "wild"]
    expected = {"calm": MEAN_REVERTING, "trend": TREND, "wild": HIGH_VOLATILITY}
    for _ in range(5):
        order = rng.permutation(4)
        states = [kinds[i] for i in order]
        lvol = np.log([vol[k] * (1.05 if j == 2 else 1.0) for j, k in enumerate(states)])
        owner = {"calm": slice(0, 200), "trend": slice(200, 400), "wild": slice(400, 500)}
        posterior = np.zeros((500, 4))
        for j, k in enumerate(states):
            posterior[owner[k], j] = 1.0
        posterior /= np.maximum(posterior.sum(axis=1, keepdims=True), 1e-12)
        classes = name_states(
            lvol, posterior.mean(axis=0), posterior, window_lvol, window_er, CONFIG
        )
        assert [int(c) for c in classes] == [expected[k] for k in states]


def test_a_quiet_steady_climb_is_not_called_mean_reverting() -> None:
    lvol = np.log([0.006, 0.011])
    posterior = np.repeat(np.eye(2), 250, axis=0)
    window_lvol = np.repeat(lvol, 250)
    er = np.r_[np.full(250, 0.45), np.full(250, 0.3)]  # the calm state trends cleanly
    classes = name_states(lvol, posterior.mean(axis=0), posterior, window_lvol, er, CONFIG)
    assert list(classes) == [TREND, TREND]
    er[:250] = 0.1  # now it chops
    classes = name_states(lvol, posterior.mean(axis=0), posterior, window_lvol, er, CONFIG)
    assert list(classes) == [MEAN_REVERTING, TREND]


# ---------------------------------------------------------------- the regime filter


def test_filter_allows_listed_regimes_only() -> None:
    f = RegimeFilter(RegimeSpec(allow=("trending_up", "mean_reverting")))
    ok = f.check("trending_up", 0.8, 50)
    assert ok.allowed and ok.min_conviction_needed == 50 and "allowed" in ok.reason
    no = f.check("high_volatility", 0.9, 50)
    assert not no.allowed and "trending up, mean reverting" in no.reason
    allowed, needed, reason = f.check("mean_reverting", 0.7, 40)  # unpacks as a tuple
    assert allowed and needed == 40 and "70%" in reason


@pytest.mark.parametrize(
    ("policy", "allowed", "needed"),
    [("raise", True, 60), ("block", False, 50), ("allow", True, 50)],
)
def test_filter_transition_policy(policy: str, allowed: bool, needed: int) -> None:
    f = RegimeFilter(RegimeSpec(allow=("trending_up",), transition=policy, transition_raise=10))
    verdict = f.check("transition", 0.4, 50)
    assert (verdict.allowed, verdict.min_conviction_needed) == (allowed, needed)
    assert "transition" in verdict.reason


def test_filter_raise_is_capped_and_default_allows_all() -> None:
    f = RegimeFilter(RegimeSpec(transition="raise", transition_raise=30))
    assert f.check("transition", 0.3, 90).min_conviction_needed == 100
    default = RegimeFilter()
    assert all(default.check(r, 0.9, 50).allowed for r in REGIMES)
    with pytest.raises(ValueError, match="unknown regime"):
        default.check("bullish", 0.9, 50)


# ---------------------------------------------------------------- the demo, on the engine


def test_demo_specs_differ_only_by_the_regime_filter() -> None:
    plain, gated = demo_spec(False), demo_spec(True)
    assert plain.regime is None
    assert gated.regime == RegimeSpec(allow=("trending_up",), transition="block")
    assert gated.model_copy(update={"name": plain.name, "regime": None}) == plain
    assert "long when close > highest(high, 20)[1]" in format_spec(plain)


def test_demo_runs_both_specs_through_the_backtest_engine(
    market: pd.DataFrame, full: pd.DataFrame
) -> None:
    """run_demo(seed 5, 900 bars) is the engine on that market; every entry the filter let
    through was decided in a bar the walk-forward detector called trending_up."""
    result = run_demo(seed=5, n_bars=900)
    engine = {
        f: run_backtest(demo_spec(f), {SYMBOL: market}, agents="none", commission="0.05%")
        for f in (False, True)
    }
    for stats, f in zip(result.runs[:2], (False, True)):
        m = engine[f].metrics
        assert stats.sharpe == pytest.approx(m["sharpe"])
        assert stats.max_drawdown == pytest.approx(m["max_drawdown_pct"] / 100)
        assert stats.trades == len(engine[f].trades) + len(engine[f].open_positions)
    assert engine[True].settings["gates"] == ["regime"]
    approved = [d for d in engine[True].decisions if d.approved]
    assert approved and all(
        full["regime"].loc[pd.Timestamp(d.time_ns)] == "trending_up" for d in approved
    )
    refused = [d for d in engine[True].decisions if not d.approved]
    assert len(refused) == result.blocked_entries > 0
    assert all(d.reasons[0].startswith("regime: ") for d in refused)


def test_means_over_seeds() -> None:
    a, b = run_demo(seed=3, n_bars=400), run_demo(seed=4, n_bars=400)
    text = format_means([a, b])
    assert text.startswith("Mean over seeds 3-4 (2 markets of 400 bars):")
    sharpe = (a.runs[0].sharpe + b.runs[0].sharpe) / 2
    assert f"{sharpe:8.2f}" in text.splitlines()[2]


# ---------------------------------------------------------------- the command


def _write_csv(frame: pd.DataFrame, path) -> None:
    out = frame.reset_index().rename(columns=str.title)
    out.to_csv(path, index=False, date_format="%Y-%m-%d")


def test_cli_json(
    market: pd.DataFrame, full: pd.DataFrame, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "SYN.csv"
    _write_csv(market.iloc[:300], path)
    assert main(["regime", "--data", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 300
    assert set(rows[0]) == {"date", "symbol", "regime", "confidence"}
    assert rows[0]["symbol"] == "SYN" and rows[0]["date"] == "2010-01-04"
    assert [r["regime"] for r in rows] == full["regime"].iloc[:300].tolist()


def test_cli_timeline(market: pd.DataFrame, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "SYN.csv"
    _write_csv(market.iloc[:300], path)
    assert main(["regime", "--data", str(path), "--width", "30", "--last", "3"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("SYN  300 bars, 2010-01-04 to ")
    assert len(lines[1]) == 30 and "\x1b[" not in out  # not a terminal: no colour
    assert "trending_up" in lines[2] and "transition" in lines[2]
    assert lines[3] == "last bars:" and len(lines) == 7


def test_cli_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regime", "--demo", "--seed", "2", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "breakout rule" in out and "+ regime filter" in out and "Sharpe" in out
    assert "the backtest engine" in out and "seed 2," in out
    assert "regime allow trending_up; regime transition block" in out
    assert "Mean over seeds 1-2 (2 markets of 2,520 bars):" in out
    assert out.count("buy and hold") == 2


def test_cli_errors(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regime", "--demo", "--data", "x.csv"]) == 1
    assert main(["regime", "--data", str(tmp_path / "missing.csv")]) == 1
    assert main(["regime", "--seeds", "3"]) == 1
    assert main(["regime", "--demo", "--seeds", "0"]) == 1
    assert main(["regime", "--demo", "--model", "fitted"]) == 1
    bad = tmp_path / "BAD.csv"
    bad.write_text("date,open,high,low,close,volume\n2020-01-02,1,1,1,-1,5\n")
    assert main(["regime", "--data", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("error:") == 6 and "Traceback" not in err
    with pytest.raises(SystemExit) as usage:
        main(["regime", "--model", "bogus"])
    assert usage.value.code == 2


def test_cli_reads_the_bundled_sp500_universe_as_backtest_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["regime", "--symbol", "AAPL", "--symbol", "GOOG", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["symbol"] for r in rows} == {"AAPL", "GOOG"}
    assert rows[-1]["date"] > "2018" and any(r["regime"] != "transition" for r in rows)
    assert main(["regime", "--symbol", "NOPE"]) == 1
    err = capsys.readouterr().err
    assert "No data for NOPE" in err and "sp500 universe" in err


def test_cli_fitted_model(
    market: pd.DataFrame, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    market.iloc[:300].to_csv(tmp_path / "SYN.csv", index_label="date")
    assert main(["regime", "--data", str(tmp_path / "SYN.csv"), "--model", "fitted", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    fitted = detect_regimes(market.iloc[:300], config=RegimeConfig(model="fitted"))
    assert [r["regime"] for r in rows] == fitted["regime"].tolist()


# ---------------------------------------------------------------- replay and the engine gate


def test_update_many_in_chunks_matches_the_batch(market: pd.DataFrame, full: pd.DataFrame) -> None:
    tracker = RegimeTracker()
    readings = []
    for lo, hi in [(0, 1), (1, 150), (150, 151), (151, 530)]:
        part = market.iloc[lo:hi]
        readings += tracker.update_many(
            part["open"], part["high"], part["low"], part["close"], part["volume"]
        )
    readings.append(tracker.update(market.iloc[530]))
    assert [r.regime for r in readings] == full["regime"].iloc[:531].tolist()
    assert [r.confidence for r in readings] == full["confidence"].iloc[:531].tolist()
    assert tracker.update_many([], [], [], []) == []


def _candidate(frame: pd.DataFrame, bar: int, symbol: str = "SYN") -> SimpleNamespace:
    cut = frame.iloc[: bar + 1]
    bars = SimpleNamespace(
        index=cut.index.to_numpy(dtype="datetime64[ns]"),
        **{c: cut[c].to_numpy() for c in ("open", "high", "low", "close", "volume")},
    )
    return SimpleNamespace(symbol=symbol, bars=bars, time_ns=int(cut.index[-1].value))


def _spec(**regime: object) -> StrategySpec:
    spec = load_spec(str(STRATEGIES / "bollinger_reversion.strategy"))
    return spec.model_copy(update={"regime": RegimeSpec(**regime)})


def test_engine_gate_sees_the_regime_of_the_bars_so_far(
    market: pd.DataFrame, full: pd.DataFrame
) -> None:
    gate = regime_gate(_spec(allow=("trending_up",), transition="block"))
    assert gate.name == "regime"
    for bar in (100, 300, 301, 455, 700):
        reading = gate.reading(_candidate(market, bar))
        assert reading.regime == full["regime"].iloc[bar]
        assert reading.confidence == full["confidence"].iloc[bar]
    view = gate.view(_candidate(market, 700))
    assert view.label == full["regime"].iloc[700]
    assert view.in_transition == (view.label == "transition")


def test_engine_gate_decisions(market: pd.DataFrame, full: pd.DataFrame) -> None:
    pytest.importorskip("app.execution.gate")
    gate = regime_gate(_spec(allow=("trending_up",), transition="block"))
    for bar in range(200, 900, 37):
        decision = gate.decide(_candidate(market, bar))
        assert decision.approved == (full["regime"].iloc[bar] == "trending_up")
        assert decision.record is not None
        assert decision.record.model_dump()["regime"] == full["regime"].iloc[bar]
        assert decision.reasons[0].startswith("regime: market ")


def test_engine_gate_reads_the_benchmark_as_of_the_candidate(
    market: pd.DataFrame, full: pd.DataFrame
) -> None:
    other, _ = synthetic_regime_series(900, seed=9)
    gate = regime_gate(_spec(benchmark="BENCH"))
    assert gate.reading(_candidate(other, 500, "XYZ")).regime == "transition"  # no universe
    gate = regime_gate(_spec(benchmark="BENCH"))
    with pytest.raises(ParleyError, match="regime benchmark BENCH: .* not one of them"):
        gate.use_universe({"XYZ": other})  # never read: every bar would say transition
    gate = regime_gate(_spec(benchmark="BENCH"))
    gate.use_universe({"XYZ": other, "bench": market})
    for bar in (250, 640):
        reading = gate.reading(_candidate(other, bar, "XYZ"))
        assert reading.regime == full["regime"].iloc[bar]  # the benchmark's, at that date


# ---------------------------------------------------------------- switching model, baseline


def test_forward_kernel_agrees_with_numpy() -> None:
    from app.regime.switching import SwitchingConfig, forward, forward_numpy

    rows = np.random.default_rng(3).random((300, 4))
    trans = SwitchingConfig().transitions()
    start = np.full(4, 0.25)
    np.testing.assert_allclose(
        forward(start, trans, rows), forward_numpy(start, trans, rows), rtol=0, atol=1e-12
    )


def test_detecting_imports_neither_sklearn_nor_the_backtester() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\nfrom app.market.synthetic import synthetic_regime_series\n"
        "from app.regime import detect_regimes\n"
        "detect_regimes(synthetic_regime_series(400, 1)[0])\n"
        "bad = [m for m in sys.modules if m.startswith(('sklearn', 'hmmlearn.hmm', "
        "'app.backtest'))]\nassert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_baseline_is_causal(market: pd.DataFrame) -> None:
    from app.regime.baseline import baseline_regimes

    close = market["close"].to_numpy()
    whole = baseline_regimes(close)
    shocked = close.copy()
    shocked[600:] *= np.linspace(1.0, 3.0, len(close) - 600)
    assert (baseline_regimes(close[:500]) == whole[:500]).all()
    assert (baseline_regimes(shocked)[:600] == whole[:600]).all()
    assert set(whole[300:]) > {"high_volatility"}


def test_switching_features_are_causal(market: pd.DataFrame) -> None:
    from app.regime.switching import SwitchingConfig, switching_features

    close = market["close"].to_numpy()
    z, dev = switching_features(close, SwitchingConfig())
    z_part, dev_part = switching_features(close[:400], SwitchingConfig())
    np.testing.assert_array_equal(z_part, z[:400])
    np.testing.assert_array_equal(dev_part, dev[:400])


def test_rolling_median_is_pandas_median() -> None:
    from app.regime.switching import rolling_median

    x = np.random.default_rng(5).random(900)
    x[:30] = np.nan
    expected = pd.Series(x).rolling(250, min_periods=125).median().to_numpy()
    np.testing.assert_array_equal(rolling_median(x, 250, 125), expected)
    short = x[:200]
    np.testing.assert_array_equal(
        rolling_median(short, 250, 125),
        pd.Series(short).rolling(250, min_periods=125).median().to_numpy(),
    )


def test_labels_are_bayes_decisions_that_price_the_opposite_trend() -> None:
    from app.regime.switching import SwitchingConfig, decide

    probs = np.array([[0.45, 0.35, 0.2, 0.0], [0.7, 0.1, 0.1, 0.1]])
    assert decide(probs, SwitchingConfig(opposite_cost=0.0)).tolist() == [0, 0]
    priced = SwitchingConfig(opposite_cost=1.0)
    assert decide(probs, priced).tolist() == [2, 0]  # up is 0.45 - 0.35: range-bound wins
    with pytest.raises(ValueError, match="opposite_cost"):
        SwitchingConfig(opposite_cost=-1.0)


def test_rolling_quantile_is_each_windows_own_quantile() -> None:
    from app.regime.switching import rolling_quantile

    x = np.random.default_rng(8).random(1400)
    x[:40] = np.nan
    whole = rolling_quantile(x, 1000, 125, 0.45)
    window = x[1399 - 999 : 1400]
    assert whole[-1] == pytest.approx(np.nanquantile(window, 0.45), abs=1e-15)
    tail = rolling_quantile(x[300:], 1000, 125, 0.45)  # a tracker's shorter history
    np.testing.assert_array_equal(tail[-100:], whole[-100:])
    assert np.isnan(whole[163]) and np.isfinite(whole[164])  # 125 values needed


def test_student_emissions_weigh_a_lone_shock_less() -> None:
    from app.regime.switching import SwitchingConfig, frame_probs

    z, dev = np.array([0.1, 4.0]), np.zeros(2)
    gauss = frame_probs(z, dev, SwitchingConfig(tail_df=0.0))
    student = frame_probs(z, dev, SwitchingConfig(tail_df=5.0))
    gauss, student = gauss / gauss.sum(axis=1)[:, None], student / student.sum(axis=1)[:, None]
    assert student[1, 3] < gauss[1, 3]  # a 4-sigma bar: less sure of a wild spell
    assert gauss[0].argmax() == student[0].argmax()
    with pytest.raises(ValueError, match="tail_df"):
        SwitchingConfig(tail_df=2.0)
    with pytest.raises(ValueError, match="ref_quantile"):
        SwitchingConfig(ref_quantile=1.0)


def test_the_reference_width_survives_a_long_wild_spell() -> None:
    """A 400-bar spell at three times the volatility: by its end a 250-bar median has
    become the wild width (its bars look calm); the default 1,000-bar 45% quantile has not."""
    from app.regime.switching import SwitchingConfig, switching_features

    rng = np.random.default_rng(4)
    r = rng.standard_normal(1600) * 0.01
    r[1200:] *= 3.0
    close = 100 * np.exp(np.cumsum(r))
    z_old, _ = switching_features(
        close, SwitchingConfig(ref_bars=250, ref_quantile=0.5, abs_vol=False, vol_bars=20)
    )
    z_new, _ = switching_features(close, SwitchingConfig())
    assert np.std(z_old[-50:]) < 1.5 < 2.2 < np.std(z_new[-50:])  # measured 1.09, 2.51


@pytest.mark.parametrize(
    "switching",
    [
        SwitchingConfig(),
        SwitchingConfig(
            ref_bars=200, ref_quantile=0.4, fit_tails=True, tail_bars=120, tail_vol_bars=20
        ),
    ],
)
def test_tracker_past_its_lookback_gives_the_batch_labels(switching: SwitchingConfig) -> None:
    """Beyond ``lookback`` bars the tracker keeps only the tail: every rolling window (the
    reference quantile, the fitted tails) must give the batch's numbers from it."""
    config = RegimeConfig(switching=switching)
    frame, _ = synthetic_regime_series(config.lookback + 260, seed=9)
    batch = detect_regimes(frame, config=config)
    tracker = RegimeTracker(config)
    readings = []
    for lo, hi in [(0, config.lookback - 40), (config.lookback - 40, config.lookback + 200)]:
        part = frame.iloc[lo:hi]
        readings += tracker.update_many(part["open"], part["high"], part["low"], part["close"])
    readings += [tracker.update(bar) for _, bar in frame.iloc[config.lookback + 200 :].iterrows()]
    assert [r.regime for r in readings] == batch["regime"].tolist()
    assert [r.confidence for r in readings] == batch["confidence"].tolist()


def test_fitted_tails_follow_the_series() -> None:
    from app.regime.switching import switching_tails

    rng = np.random.default_rng(12)
    config = SwitchingConfig(fit_tails=True)
    gauss = 100 * np.exp(np.cumsum(0.01 * rng.standard_normal(1500)))
    fat = 100 * np.exp(np.cumsum(0.01 * rng.standard_t(3, 1500) / np.sqrt(3.0)))
    df_gauss, df_fat = switching_tails(gauss, config), switching_tails(fat, config)
    assert np.isnan(df_gauss[:541]).all() and np.isfinite(df_gauss[541:]).all()
    assert np.mean(df_gauss[600:] == 0.0) > 0.8  # Gaussian, or nearly
    assert np.mean(df_fat[600:] == 4.0) > 0.8
    part = switching_tails(fat[:900], config)
    np.testing.assert_array_equal(part, df_fat[:900])  # causal
    assert switching_tails(fat, SwitchingConfig()) is None
