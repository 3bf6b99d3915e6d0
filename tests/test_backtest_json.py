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
    spec = parse_spec(
        'strategy "json"\n'
        f"universe {', '.join(frames)}\ntimeframe 1d\n"
        "long when sma(close, 5) crosses above sma(close, 20)\n"
        "exit when sma(close, 5) crosses below sma(close, 20)\n"
        "size 10 shares\n"
    )
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


def test_trades_with_odd_values_are_written_as_the_encoder_writes_them(result, monkeypatch) -> None:
    import dataclasses

    import numpy as np

    trades = list(result.trades)
    trades[0] = dataclasses.replace(trades[0], pnl=float("nan"))
    trades[1] = dataclasses.replace(trades[1], qty=np.float64(10.0), bars_held=True)
    trades[2] = dataclasses.replace(trades[2], symbol='É"x')
    monkeypatch.setattr(result, "trades", trades)
    monkeypatch.setattr(R, "_CHUNK", 2)
    text = result.to_json()
    assert text == json.dumps(result.to_dict(), allow_nan=False)
    rows = json.loads(text)["trades"]
    assert rows[0]["pnl"] is None and rows[1]["bars_held"] is True and rows[2]["symbol"] == 'É"x'


def test_decisions_plain_or_not_are_written_as_the_encoder_writes_them(result, monkeypatch) -> None:
    import dataclasses

    decisions = list(result.decisions)
    decisions[0] = dataclasses.replace(decisions[0], conviction=61.5, reasons=('a "b"',))
    decisions[1] = dataclasses.replace(decisions[1], approved=False, qty=float("inf"))
    decisions[3] = dataclasses.replace(decisions[3], orders=("r1-X-C",))
    monkeypatch.setattr(result, "decisions", decisions)
    for chunk in (2, 20_000):
        monkeypatch.setattr(R, "_CHUNK", chunk)
        text = result.to_json()
        assert text == json.dumps(result.to_dict(), allow_nan=False)
    rows = json.loads(text)["decisions"]
    assert rows[0]["conviction"] == 61.5 and rows[0]["reasons"] == ['a "b"']
    assert rows[1]["approved"] is False and rows[1]["qty"] is None
    assert rows[3]["orders"] == ["r1-X-C"]
