"""The bars a spec runs on: from ``--data PATH`` or the bundled data, at the spec's timeframe."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from app.market.bundled import bundled_dir
from app.market.loader import infer_timeframe, load_bars, resample
from app.spec.models import StrategySpec


def load_for_spec(spec: StrategySpec, data: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Bars of every symbol in the spec's universe, resampled to its timeframe when coarser.

    Raises:
        DataError: the data is missing, malformed, lacks a symbol, or is coarser than the
            spec's timeframe.
    """
    frames = load_bars(data if data is not None else bundled_dir(), symbols=list(spec.universe))
    return {symbol: _at_timeframe(frame, spec.timeframe) for symbol, frame in frames.items()}


def _at_timeframe(frame: pd.DataFrame, timeframe: str) -> pd.DataFrame:
    if len(frame) < 2 or infer_timeframe(frame) == timeframe:
        return frame
    return resample(frame, timeframe)
