"""The simple baseline the HMM is measured against: volatility quantile plus trend slope.

Every quantity at bar ``t`` uses bars up to ``t`` only:

* short volatility ``vol`` -- root mean square of the last ``vol_bars`` log returns;
* its reference ``ref`` -- the median of ``vol`` over the last ``ref_bars`` bars (a
  rolling quantile of the series' own volatility, so the rule is scale free);
* the trend's t statistic ``t`` -- the log move over ``trend_bars`` in units of
  ``ref * sqrt(trend_bars)``, and Kaufman's efficiency ratio ``er`` over the same bars.

Labels: ``high_volatility`` when ``vol > hv_ratio * ref``; else ``trending_up`` /
``trending_down`` when ``|t| >= trend_t``; else ``mean_reverting`` when ``er <= mr_er``;
else ``transition``. Warm-up bars (``ref_bars // 2``) are ``transition``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.regime.config import TRANSITION


@dataclass(frozen=True)
class BaselineConfig:
    """The baseline's settings: chosen on the ``switching_garch`` family (seeds 1-10) by
    ``benchmarks/bench_regime.py``'s grid, reported on the other families."""

    vol_bars: int = 20
    ref_bars: int = 250
    trend_bars: int = 40
    hv_ratio: float = 1.6
    trend_t: float = 0.9
    mr_er: float = 0.15

    @property
    def warmup(self) -> int:
        return max(self.ref_bars // 2, self.trend_bars + 1, self.vol_bars + 1)


def baseline_regimes(close: np.ndarray, config: BaselineConfig = BaselineConfig()) -> np.ndarray:
    """The baseline label of every bar of one close series (oldest first)."""
    lc = np.log(np.asarray(close, dtype=float))
    n = len(lc)
    r = np.r_[np.nan, np.diff(lc)]
    vol = np.sqrt(pd.Series(r * r).rolling(config.vol_bars).mean().to_numpy())
    ref = pd.Series(vol).rolling(config.ref_bars, min_periods=config.ref_bars // 2).median()
    ref = ref.to_numpy()
    k = config.trend_bars
    move = np.full(n, np.nan)
    move[k:] = lc[k:] - lc[:-k]
    path = pd.Series(np.abs(r)).rolling(k).sum().to_numpy()
    t = move / (ref * np.sqrt(k))
    er = np.abs(move) / np.where(path > 0, path, np.nan)
    out = np.full(n, TRANSITION, dtype=object)
    out[er <= config.mr_er] = "mean_reverting"
    out[t >= config.trend_t] = "trending_up"
    out[t <= -config.trend_t] = "trending_down"
    out[vol > config.hv_ratio * ref] = "high_volatility"
    out[: config.warmup] = TRANSITION
    out[~np.isfinite(t)] = TRANSITION
    return out
