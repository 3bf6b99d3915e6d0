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
from app.market.quality import Bars
from app.market.universe import load_universe, universe_symbols
from app.spec.models import AtrLevel, StrategySpec


REGIME_WARMUP = 150
"""Bars before the regime detector's first label: ``app.regime.config.DEFAULT_CONFIG.warmup``
(the market layer sits below the regime's, so it keeps its own copy; a test holds them
equal)."""


def load_for_spec(
    spec: StrategySpec,
    data: str | Path | None = None,
    *,
    start: Any = None,
    end: Any = None,
    settings: Any = None,
) -> Bars:
    """Bars of every symbol in the spec's universe, resampled to its timeframe when coarser.

    Args:
        data: A CSV file or folder; ``alpaca`` (or ``alpaca:sip``) to download through the
            cache of :mod:`app.market.alpaca_cache`; None for the bundled data.
        start, end: ``--from`` and ``--to``: the dates Alpaca bars are fetched for (with
            the spec's warm-up before ``start``). Files are loaded whole.

    Returns:
        Symbol -> bars, with the data's warnings and caveats (:class:`Bars`).

    Raises:
        DataError: the data is missing, malformed, lacks a symbol, or is coarser than the
            spec's timeframe; or Alpaca could not provide it.
    """
    feed = alpaca_feed(data)
    if feed is not None:
        frames = Bars(
            load_alpaca(
                list(spec.universe),
                spec.timeframe,
                start=start,
                end=end,
                warmup_bars=history_bars(spec),
                feed=feed,
                settings=settings,
            )
        )
    elif data is not None:
        frames = load_bars(data, symbols=list(spec.universe))
    else:
        frames = bundled_bars(spec.universe, getattr(spec, "universe_name", None), settings)
    return frames.derive(
        {symbol: _at_timeframe(frame, spec.timeframe) for symbol, frame in frames.items()}
    )


def source_name(data: str | Path | None) -> str:
    """How messages and reports name the data."""
    feed = alpaca_feed(data)
    if feed is not None:
        return f"Alpaca's bars ({feed} feed for stocks)"
    return str(data) if data is not None else "the bundled data"


def history_bars(spec: StrategySpec) -> int:
    """Bars the spec needs before its first decision: rules, ATR levels, regime filter."""
    from app.engine.warmup import warmup

    rules: list[object] = [spec.long_entry, spec.long_exit, spec.short_entry, spec.short_exit]
    if spec.screen is not None:
        rules += [spec.screen.rank_by, spec.screen.filter]
    needs = [warmup(r) for r in rules if r is not None]
    needs += [
        lvl.period
        for lvl in (spec.stop_loss, spec.take_profit, spec.trailing_stop)
        if isinstance(lvl, AtrLevel)
    ]
    if spec.regime is not None:
        needs.append(REGIME_WARMUP)
    return max(needs, default=0) + 1


def bundled_bars(symbols: Any, universe_name: str | None = None, settings: Any = None) -> Bars:
    """The bundled bars of ``symbols``, as a spec's universe reads them: a named universe
    (``sp500``), or a list the sp500 bundle holds entirely (and the CSV files do not), comes
    from the sp500 bundle alone, so every symbol covers the same years; otherwise each
    symbol from the CSV files first, then the sp500 bundle.

    Raises:
        DataError: a symbol is in neither (the message lists what is bundled).
    """
    wanted = [s.strip().upper() for s in symbols]
    if universe_name:
        return load_universe(wanted, universe_name)
    if "SPY" in wanted:  # the bundled SPY series (1999-2020), traded like any stock
        from app.market.universe import load_spy

        rest_of = [s for s in wanted if s != "SPY"]
        frames = bundled_bars(rest_of, None, settings) if rest_of else Bars()
        every = {**frames, "SPY": load_spy()}
        return frames.derive({s: every[s] for s in wanted})
    files = [s for s in wanted if s.replace("/", "") in bundled_symbols()]
    listed = set(universe_symbols())
    if len(files) < len(wanted) and all(s in listed for s in wanted):
        return load_universe(wanted)
    rest = [s for s in wanted if s not in files and s in listed]
    missing = [s for s in wanted if s not in files and s not in listed]
    if missing:
        raise _no_bundled(missing, settings)
    frames = load_bars(bundled_dir(), symbols=files) if files else Bars()
    if rest:
        extra = load_universe(rest)
        frames = Bars({**frames, **extra}, frames.warnings + extra.warnings, extra.caveats)
    return frames.derive({s: frames[s] for s in wanted})


def _no_bundled(missing: list[str], settings: Any) -> DataError:
    """No bundled data for some symbols; with Alpaca keys, a hint to download them."""
    known = (
        f"Bundled: {', '.join(bundled_symbols())}, SPY (1999-2020) and the "
        f"{len(universe_symbols())} stocks of the sp500 universe (2013-2018)."
    )
    if settings is None:
        from app.config import load_settings

        settings = load_settings()
    if settings.alpaca_enabled:
        return DataError(
            f"No data for {', '.join(missing)} in the bundled data. {known}",
            f"Alpaca keys are set: add --data alpaca to download {', '.join(missing)} "
            f"(cached in {cache_dir(settings)}), or pass --data with a CSV file or folder.",
        )
    return DataError(
        f"No data for {', '.join(missing)} in the bundled data. {known} Pass "
        "--data with a "
        "CSV file or folder, or set Alpaca keys and use --data alpaca."
    )


def _at_timeframe(frame: pd.DataFrame, timeframe: str) -> pd.DataFrame:
    if len(frame) < 2 or infer_timeframe(frame) == timeframe:
        return frame
    return resample(frame, timeframe)
