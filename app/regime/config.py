"""Settings of the regime detector.

``model`` picks the labeller: ``"switching"`` (the default, :mod:`app.regime.switching`,
settings in :class:`~app.regime.switching.SwitchingConfig`, chosen on one independent
labelled family and reported on the others by ``benchmarks/bench_regime.py``) or
``"fitted"``, the walk-forward Gaussian HMM of :mod:`app.regime.hmm`, whose settings below
were tuned on the project's own generator (:func:`app.market.synthetic.synthetic_regime_series`)
and do not carry over to other markets (see the benchmark). Per-bar quantities are in bars
of the series' own timeframe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.regime.switching import SwitchingConfig

REGIMES: tuple[str, ...] = ("trending_up", "trending_down", "mean_reverting", "high_volatility")
"""The named regimes, in the order probability vectors use."""
TRANSITION = "transition"
"""The label of a bar whose regime is uncertain or has just changed (and of warm-up bars)."""
LABELS: tuple[str, ...] = (*REGIMES, TRANSITION)
"""Every label :func:`app.regime.detect_regimes` can emit."""


@dataclass(frozen=True)
class RegimeConfig:
    """How regimes are learned, mapped and labelled. Immutable; ``replace()`` to vary."""

    model: str = "switching"
    """``"switching"`` (default) or ``"fitted"`` (the walk-forward HMM below)."""
    switching: SwitchingConfig = field(default_factory=SwitchingConfig)
    """Settings of the switching model."""

    # --- the walk-forward HMM
    n_states: int = 4
    """Hidden states of the Gaussian HMM."""
    window: int = 500
    """Trailing bars each refit learns from."""
    warmup: int = 150
    """Bars before the first label (and the first fit); earlier bars are ``transition``.
    The switching model also waits for its first feature row (``switching.vol_bars +
    switching.ref_min_bars`` bars)."""
    refit_every: int = 21
    """Bars between refits (monthly on daily bars); the model filters forward in between."""
    n_iter: int = 15
    """EM iterations per refit (each starts from the window's vol quantiles)."""
    persistence: float = 0.99
    """Probability a hidden state persists to the next bar (fixed, not learned: on a
    500-bar window that holds three or four regime spells EM has too few transitions to
    learn it, and a learned matrix starved the rarer states)."""
    min_state_share: float = 0.05
    """States holding less of the window than this are not trusted to name a regime; they
    take the regime of the nearest state by volatility."""
    remember_regimes: bool = True
    """Keep the last-seen emission of each regime and add it to the filter when a refit's
    window no longer contains that regime, so its return is recognised at once."""
    filter_bars: int = 250
    """Bars the forward filter is re-run over after a refit (the filter forgets its start
    within ~100 bars at ``persistence`` 0.99)."""

    # --- features (all causal: the row of bar t uses bars up to t only)
    vol_bars: int = 1
    """Bars of Garman-Klass variance averaged into the HMM's log-volatility feature."""
    scale_bars: int = 10
    """Bars of Garman-Klass volatility (up to the previous bar) that standardise returns."""
    er_bars: int = 20
    """Kaufman efficiency-ratio lookback."""
    use_volume: bool = False
    """Add log relative volume as a second HMM feature. Off: on the synthetic market volume
    carries no regime information and it cost accuracy; real feeds may differ."""
    volume_bars: int = 20
    """Lookback of the average volume that relative volume is measured against."""

    # --- naming states by their statistics
    hv_gap: float = 2.3
    """High volatility: states above the widest volatility gap between neighbouring
    states, when that gap is at least this ratio."""
    hv_ratio: float = 2.0
    """...or states whose volatility is at least this multiple of the window's median."""
    mr_gap: float = 1.45
    """Mean reverting: among the other states, those below a volatility gap of this ratio
    (and below ``mr_gap_max_er``); with no such gap, those whose bars' average efficiency
    ratio is below ``mr_max_er``."""
    mr_max_er: float = 0.18
    mr_gap_max_er: float = 0.25
    """A calm state is named mean reverting only if its bars' average efficiency ratio is
    below this: a quiet, steady climb is a trend, not a range (on GOOG 2004-2013 without
    this test 57% of bars, rallies included, came out mean reverting)."""

    # --- direction within a trend (a Bayesian drift filter joined to the HMM)
    trend_drift: float = 0.12
    """Drift of a trend, in standard deviations per bar (0.15 on the synthetic market)."""
    direction_switch: float = 0.01
    """Per-bar probability that a trend reverses without passing through another regime."""

    # --- efficiency-ratio overlay and labelling
    er_weight: float = 4.0
    """Trend probabilities are multiplied by ``exp(er_weight * (ER - er_neutral))``."""
    er_neutral: float = 0.2
    min_confidence: float = 0.54
    """Below this posterior the bar is labelled ``transition``."""
    settle_bars: int = 1
    """Also label ``transition`` for this many bars after the most likely regime changes."""

    def __post_init__(self) -> None:
        if self.model not in ("switching", "fitted"):
            raise ValueError("RegimeConfig.model must be 'switching' or 'fitted'")
        positive = (
            "n_states",
            "window",
            "warmup",
            "refit_every",
            "n_iter",
            "vol_bars",
            "scale_bars",
            "er_bars",
            "volume_bars",
            "filter_bars",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"RegimeConfig.{name} must be at least 1")
        if self.n_states < 2:
            raise ValueError("RegimeConfig.n_states must be at least 2")
        if self.warmup < 5 * self.n_states:
            raise ValueError("RegimeConfig.warmup must be at least 5 bars per state")
        if self.window < self.warmup:
            raise ValueError("RegimeConfig.window must be at least warmup")
        for name in ("persistence", "min_confidence", "direction_switch", "min_state_share"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"RegimeConfig.{name} must be in [0, 1)")
        if min(self.hv_gap, self.hv_ratio, self.mr_gap) <= 1.0:
            raise ValueError("RegimeConfig volatility ratios must be above 1")
        if self.settle_bars < 0 or self.trend_drift < 0 or self.er_weight < 0:
            raise ValueError("RegimeConfig.settle_bars, trend_drift, er_weight must be >= 0")

    @property
    def lookback(self) -> int:
        """Bars of history one feature row needs (the incremental tracker keeps this many)."""
        if self.model == "switching":
            return self.switching.lookback
        return max(self.vol_bars, self.scale_bars + 1, self.er_bars + 1, self.volume_bars) + 1


DEFAULT_CONFIG = RegimeConfig()
"""The measured defaults (a frozen instance, safe to share)."""
