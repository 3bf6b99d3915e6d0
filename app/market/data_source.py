"""The bars a spec runs on: from ``--data PATH``, Alpaca (``--data alpaca``) or the bundled
data, at the spec's timeframe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from app.market.alpaca_cache import alpaca_feed, cache_dir, load_alpaca
from app.market.bundled import bundled_dir, bundled_symbols
from app.market.errors import DataError
from app.market.loader import infer_timeframe, load_bars, resample
from app.spec.models import AtrLevel, StrategySpec


def load_for_spec(spec: StrategySpec, data: str | Path | None = None, *, start: Any = None,
                  end: Any = None, settings: Any = None) -> dict[str, pd.DataFrame]:
    """Bars of every symbol in the spec's universe, resampled to its timeframe when coarser.

    Args:
        data: A CSV file or folder; ``alpaca`` (or ``alpaca:sip``) to download through the
            cache of :mod:`app.market.alpaca_cache`; None for the bundled data.
        start, end: ``--from`` and ``--to``: the dates Alpaca bars are fetched for (with
            the spec's warm-up before ``start``). Files are loaded whole.

    Raises:
        DataError: the data is missing, malformed, lacks a symbol, or is coarser than the
            spec's timeframe; or Alpaca could not provide it.
    """
    feed = alpaca_feed(data)
    if feed is not None:
        frames = load_alpaca(list(spec.universe), spec.timeframe, start=start, end=end,
                             warmup_bars=history_bars(spec), feed=feed, settings=settings)
    else:
        source = data if data is not None else _bundled(spec, settings)
        frames = load_bars(source, symbols=list(spec.universe))
    return {symbol: _at_timeframe(frame, spec.timeframe) for symbol, frame in frames.items()}


def source_name(data: str | Path | None) -> str:
    """How messages and reports name the data."""
    feed = alpaca_feed(data)
    if feed is not None:
        return f"Alpaca's bars ({feed} feed for stocks)"
    return str(data) if data is not None else "the bundled data"


def history_bars(spec: StrategySpec) -> int:
    """Bars the spec needs before its first decision: rules, ATR levels, regime filter."""
    from app.engine.warmup import warmup

    rules = [spec.long_entry, spec.long_exit, spec.short_entry, spec.short_exit]
    if spec.screen is not None:
        rules += [spec.screen.rank_by, spec.screen.filter]
    needs = [warmup(r) for r in rules if r is not None]
    needs += [lvl.period for lvl in (spec.stop_loss, spec.take_profit, spec.trailing_stop)
              if isinstance(lvl, AtrLevel)]
    if spec.regime is not None:
        from app.regime.config import DEFAULT_CONFIG  # the detector's first label

        needs.append(DEFAULT_CONFIG.warmup)
    return max(needs, default=0) + 1


def _bundled(spec: StrategySpec, settings: Any) -> Path:
    """The bundled data's folder; with Alpaca keys, a hint when it lacks a symbol."""
    missing = [s for s in spec.universe
               if s.strip().upper().replace("/", "") not in bundled_symbols()]
    if missing:
        if settings is None:
            from app.config import load_settings

            settings = load_settings()
        if settings.alpaca_enabled:
            raise DataError(
                f"No bundled data for {', '.join(missing)}. Bundled symbols: "
                f"{', '.join(bundled_symbols())}.",
                f"Alpaca keys are set: add --data alpaca to download {', '.join(missing)} "
                f"(cached in {cache_dir(settings)}), or pass --data with a CSV file or folder.")
    return bundled_dir()


def _at_timeframe(frame: pd.DataFrame, timeframe: str) -> pd.DataFrame:
    if len(frame) < 2 or infer_timeframe(frame) == timeframe:
        return frame
    return resample(frame, timeframe)
