"""Regime detection speed (and, on the same run, accuracy) on 2,520 daily bars.

Run: PYTHONPATH=. python benchmarks/bench_regime.py [--repeat N] [--seeds N]

Prints:
* the fit of one HMM on all 2,520 bars (Parley's fit: quantile start, 15 EM iterations),
  beside hmmlearn's own defaults (k-means start, up to 100 iterations) on the same data;
* the fit of one 500-bar refit window, the size every walk-forward refit uses;
* the walk-forward pass over 2,520 bars (115 refits + forward filtering every bar; target
  < 2 s), and the live tracker's per-bar latency over the same bars;
* the share right on firm bars and the share marked transition, on seed 7 and as a mean
  over ``--seeds`` seeds of the synthetic regime market.
Imports and a first tiny fit are done before timing (hmmlearn and scikit-learn take
~0.5-1 s to import).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from dataclasses import replace

import numpy as np


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _score(labels: np.ndarray, truth: np.ndarray, warmup: int) -> tuple[float, float, float]:
    firm = labels != "transition"
    return (float((labels[firm] == truth[firm]).mean()),
            float((labels[warmup:] == "transition").mean()), float(1 - firm.mean()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=10, help="seeds 1..N for mean accuracy")
    args = parser.parse_args()

    from hmmlearn.hmm import GaussianHMM

    from app.market.synthetic import synthetic_regime_series
    from app.regime import RegimeConfig, RegimeTracker, detect_regimes
    from app.regime.detector import frame_features
    from app.regime.hmm import fit_states

    config = RegimeConfig()
    frame, truth = synthetic_regime_series(2520, 7)
    feats = frame_features(frame, config)
    x, er = feats.hmm_matrix(), feats.er
    fit_states(x[:200], er[:200], config, 0)  # warm up imports and code paths

    whole = replace(config, window=2520)
    t_fit = _median_time(lambda: fit_states(x, er, whole, 0), args.repeat)
    t_window = _median_time(lambda: fit_states(x[-500:], er[-500:], config, 0), args.repeat)

    def peer_fit() -> None:
        # one BLAS/OpenMP thread: scikit-learn's k-means start otherwise spins threads
        # and takes seconds on a busy 2-core machine
        from threadpoolctl import threadpool_limits

        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            GaussianHMM(4, "diag", n_iter=100, random_state=0).fit(x)

    t_peer = _median_time(peer_fit, args.repeat)

    t_walk = _median_time(lambda: detect_regimes(frame, config=config), args.repeat)
    refits = 1 + (len(frame) - config.warmup) // config.refit_every

    tracker = RegimeTracker(config)
    lat = []
    for row in frame.itertuples():
        t0 = time.perf_counter()
        tracker.update({"open": row.open, "high": row.high, "low": row.low,
                        "close": row.close, "volume": row.volume})
        lat.append(time.perf_counter() - t0)
    lat_ms = np.array(lat) * 1e3

    labels = detect_regimes(frame, config=config)["regime"].to_numpy()
    right7, trans7, all7 = _score(labels, truth.to_numpy(), config.warmup)
    scores = []
    for seed in range(1, args.seeds + 1):
        f, t = synthetic_regime_series(2520, seed)
        scores.append(_score(detect_regimes(f, config=config)["regime"].to_numpy(),
                             t.to_numpy(), config.warmup))
    mean = np.mean(scores, axis=0)

    print("Regime detection, 2,520 daily bars of the seeded synthetic regime market (seed 7)")
    print(f"  one HMM fit on 2,520 bars       {t_fit * 1e3:8.1f} ms   "
          f"(hmmlearn defaults -- k-means start, EM to convergence -- on the same bars: "
          f"{t_peer * 1e3:.1f} ms, {t_peer / t_fit:.0f}x longer)")
    print(f"  one refit on a 500-bar window   {t_window * 1e3:8.1f} ms")
    print(f"  walk-forward pass, 2,520 bars   {t_walk:8.2f} s    ({refits} refits; target < 2 s)")
    print(f"  live tracker per bar            mean {lat_ms.mean():.2f} ms, p50 "
          f"{np.percentile(lat_ms, 50):.2f} ms, p99 {np.percentile(lat_ms, 99):.2f} ms, "
          f"max {lat_ms.max():.1f} ms (refit bars)")
    print(f"  seed 7: right on firm bars {right7:.1%}; transition {trans7:.1%} of bars after "
          f"the {config.warmup}-bar warm-up ({all7:.1%} of all bars)")
    print(f"  seeds 1-{args.seeds}: right on firm bars {mean[0]:.1%} (worst "
          f"{min(s[0] for s in scores):.1%}); transition {mean[1]:.1%} after warm-up "
          f"({mean[2]:.1%} of all bars); targets >= 85% and <= 15%")
    print(json.dumps({"fit_2520_ms": round(t_fit * 1e3, 2), "walk_forward_s": round(t_walk, 3),
                      "tracker_p99_ms": round(float(np.percentile(lat_ms, 99)), 2),
                      "accuracy_seed7": round(right7, 4), "transition_seed7": round(trans7, 4),
                      "accuracy_mean": round(float(mean[0]), 4),
                      "transition_mean": round(float(mean[1]), 4)}))


if __name__ == "__main__":
    main()
