"""The oracle ceiling of the labelled families (tests/regime_markets/oracle.py)."""

from __future__ import annotations

import numpy as np
from regime_markets.families import FAMILIES, LATENT
from regime_markets.oracle import hazard, oracle_labels


def test_the_latent_markets_are_the_families_markets() -> None:
    for name, family in FAMILIES.items():
        frame, truth = family(400, 3)
        again, same, latent = LATENT[name](400, 3)
        assert again.equals(frame) and same.equals(truth)
        assert np.allclose(np.diff(np.log(frame["close"].to_numpy())), np.diff(latent.log_close))


def test_hazards_give_the_spell_lengths_the_generators_draw() -> None:
    uniform = hazard(("uniform", 40, 300), 300)
    assert uniform[:39].sum() == 0 and uniform[39] == 1 / 261 and uniform[-1] == 1.0
    geo = hazard(("geometric", 20, 1 / 80), 600)
    assert geo[:20].sum() == 0 and np.allclose(geo[20:], 1 / 80)
    logn = hazard(("lognormal", np.log(120), 0.7, 25, 600), 600)
    survive = np.cumprod(1 - logn)
    pmf = -np.diff(np.r_[1.0, survive])
    mean = float((np.arange(1, 601) * pmf).sum())
    rng = np.random.default_rng(0)
    drawn = np.clip(np.round(np.exp(rng.normal(np.log(120), 0.7, 200_000))), 25, 600)
    assert abs(mean - drawn.mean()) < 1.0 and abs(pmf.sum() - 1) < 1e-9


def test_the_oracle_reads_the_regimes_far_better_than_chance() -> None:
    causal, smoothed, truth = oracle_labels("fat_flat", 1200, 4)
    c, s = np.mean(causal[200:] == truth[200:]), np.mean(smoothed[200:] == truth[200:])
    assert 0.7 < c < s  # hindsight helps; a four-way guess gets 25%
    told, _, truth = oracle_labels("switching_garch", 1200, 4, true_vol=True)
    plain, _, _ = oracle_labels("switching_garch", 1200, 4)
    assert np.mean(told[200:] == truth[200:]) > np.mean(plain[200:] == truth[200:])


def test_the_own_generators_latent_market_is_its_market() -> None:
    from app.market.synthetic import synthetic_regime_series
    from regime_markets.families import OWN

    frame, truth = synthetic_regime_series(400, 3)
    again, same, latent = LATENT[OWN](400, 3)
    assert again.equals(frame) and same.equals(truth)
    assert np.allclose(np.log(frame["close"].to_numpy()) - np.log(100.0), latent.log_close)
    causal, smoothed, truth = oracle_labels(OWN, 1200, 4)
    c, s = np.mean(causal[200:] == truth[200:]), np.mean(smoothed[200:] == truth[200:])
    assert 0.7 < c < s
