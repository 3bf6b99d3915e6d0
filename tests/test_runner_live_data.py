"""The universe the runner hands the gates: each symbol's frame as it was, one shared index
for symbols in step."""

from __future__ import annotations

import pandas as pd

from app.dsl import parse_spec
from app.market.synthetic import synthetic_market
from app.runner.live_data import LiveSymbol, universe_frames

SPEC = parse_spec('strategy "u"\nuniverse SYN000, SYN001, SYN002\ntimeframe 1d\n'
                  "long when sma(close, 5) crosses above sma(close, 20)\n"
                  "exit when sma(close, 5) crosses below sma(close, 20)\nsize 10 shares\n")


def test_universe_frames_equal_each_frame_and_share_one_index_when_in_step() -> None:
    frames = synthetic_market(3, 60, seed=5)
    live = {s: LiveSymbol(SPEC, s, window=50) for s in frames}
    for s, f in frames.items():
        live[s].extend(f.iloc[:40] if s != "SYN002" else f.iloc[:39])
    got = universe_frames(list(live.values()))
    assert list(got) == list(frames)
    for s, sym in live.items():
        pd.testing.assert_frame_equal(got[s], sym.frame())
    assert got["SYN000"].index is got["SYN001"].index  # in step: one index
    assert got["SYN002"].index is not got["SYN001"].index  # a bar short: its own
    live["SYN000"].append(int(frames["SYN000"].index[40].value), [1.0, 2.0, 0.5, 1.5, 10.0])
    assert len(got["SYN000"]) == 40  # a frame handed out never grows with later bars
