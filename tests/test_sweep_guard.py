"""The overfitting guard: the deflated Sharpe ratio and PBO tell luck from an edge on
returns whose truth is known, and walk-forward folds fit the data or say why not."""

from __future__ import annotations

import numpy as np
import pytest

from app.sweep.folds import make_folds, stitched
from app.sweep.overfit import deflated_sharpe, expected_max_sharpe, pbo


def _noise(bars: int = 1000, variants: int = 200, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, size=(bars, variants))


def _sharpes(rets: np.ndarray) -> np.ndarray:
    return rets.mean(axis=0) / rets.std(axis=0, ddof=1)


def test_the_best_of_many_noise_variants_is_called_luck() -> None:
    significant = 0
    for seed in range(10):
        rets = _noise(seed=seed)
        best = int(np.argmax(_sharpes(rets)))
        assert _sharpes(rets)[best] * np.sqrt(252) > 1.0  # it looks good in sample...
        significant += deflated_sharpe(rets[:, best], _sharpes(rets)) > 0.95
    assert significant <= 1  # ...but is luck (a 5% test: at most 1 false alarm in 10)


def test_a_real_edge_survives_deflation() -> None:
    rets = _noise()
    rets[:, 7] += 0.002  # 0.2 sigma a bar: Sharpe ~3 a year
    assert deflated_sharpe(rets[:, 7], _sharpes(rets)) > 0.95


def test_expected_maximum_grows_with_the_number_of_trials() -> None:
    values = [expected_max_sharpe(n, 0.05) for n in (2, 10, 100, 1000)]
    assert values == sorted(values) and values[0] > 0


def test_pbo_is_near_one_half_on_noise_and_near_zero_with_an_edge() -> None:
    runs = [pbo(_noise(variants=50, seed=seed)) for seed in range(8)]
    assert all(r.splits == 252 for r in runs)
    assert 0.3 <= float(np.mean([r.probability for r in runs])) <= 0.7
    assert all(r.out_sample < r.in_sample for r in runs)  # the winner falls out of sample
    edge = _noise(variants=50)
    edge[:, 3] += 0.003
    assert pbo(edge).probability < 0.05


def test_folds_cover_the_data_and_refuse_too_many() -> None:
    folds = make_folds(1000, 4)
    assert [(f.split, f.end) for f in folds] == [(200, 400), (400, 600), (600, 800), (800, 1000)]
    with pytest.raises(ValueError, match="use at most 49 fold"):
        make_folds(1000, 999)


def test_stitching_consecutive_stretches_of_one_curve_gives_the_curve() -> None:
    curve = np.cumprod(1 + _noise(300, 1)[:, 0]) * 100
    parts = [curve[0:101], curve[100:201], curve[200:300]]
    np.testing.assert_allclose(stitched(parts), curve)
