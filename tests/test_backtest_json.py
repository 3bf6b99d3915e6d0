"""``--json`` written in chunks is the one JSON object of the whole result, NaN as null."""

from __future__ import annotations

import io
import json

import pytest

from app.backtest import result as R
from app.backtest import run_backtest
from app.dsl import parse_spec
from app.market.synthetic import synthetic_market


@pytest.fixture(scope="module")
def result():
    frames = synthetic_market(5, 600, seed=3)
    spec = parse_spec('strategy "json"\n'
                      f"universe {', '.join(frames)}\ntimeframe 1d\n"
                      "long when sma(close, 5) crosses above sma(close, 20)\n"
                      "exit when sma(close, 5) crosses below sma(close, 20)\n"
                      "size 10 shares\n")
    return run_backtest(spec, frames, cash=1_000_000.0)


@pytest.mark.parametrize("chunk", [1, 7, 20_000])
def test_chunked_text_is_the_whole_objects_json(result, monkeypatch, chunk: int) -> None:
    assert len(result.trades) > 20 and len(result.decisions) > 20
    monkeypatch.setattr(R, "_CHUNK", chunk)
    text = result.to_json()
    assert text == json.dumps(result.to_dict(), allow_nan=False)
    out = io.StringIO()
    result.write_json(out)
    assert out.getvalue() == text


def test_nan_anywhere_is_null_and_the_rest_unchanged(result, monkeypatch) -> None:
    monkeypatch.setattr(R, "_CHUNK", 5)
    monkeypatch.setitem(result.metrics, "odd", float("nan"))
    plain = json.loads(result.to_json())
    assert plain["metrics"]["odd"] is None
    assert plain == json.loads(json.dumps(result.to_dict()))
    assert len(plain["trades"]) == len(result.trades)
