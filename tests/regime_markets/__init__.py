"""Labelled markets for validating the regime detector, independent of the project's own
generator (:mod:`app.market.synthetic`): different processes, different in kind.

Each family is a function ``(n_bars, seed) -> (bars, truth)``: an OHLCV frame and a ``str``
Series of the regime that generated each bar (the move from the previous close to its
close), one of ``trending_up``, ``trending_down``, ``mean_reverting``, ``high_volatility``.

* :func:`switching_garch` -- Markov switching with geometric spell lengths, GARCH(1,1)
  volatility clustering inside every regime, Gaussian shocks, intrabar paths whose range
  scales with volatility, trend drifts of 0.08-0.2 sigma a bar;
* :func:`fat_flat` -- Student-t (3 degrees of freedom) shocks, uniform spell lengths,
  intrabar wicks of a fixed width whatever the volatility (ranges say little), a
  mean-reverting regime as wide as the trends;
* :func:`weak_long` -- log-normal spell lengths (25-600 bars), stochastic log volatility,
  drifts from 0.05 to 0.2 sigma a bar, sell-off drift in high volatility, overnight gaps.

A regime never follows itself; the next one is drawn evenly from the other three.
"""

from regime_markets.families import FAMILIES, fat_flat, switching_garch, weak_long

__all__ = ["FAMILIES", "fat_flat", "switching_garch", "weak_long"]
