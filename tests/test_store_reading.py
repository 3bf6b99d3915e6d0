"""A read of the store sees one moment: `parley status` and the monitor read a run's row
and its lists in one read transaction, so a runner committing bars meanwhile never shows
a header of one bar above lists of another."""

from __future__ import annotations

from sqlmodel import select

from app.store import Store
from app.store.overview import run_snapshot
from app.store.repo import BarCommit
from app.store.tables import RunRow, TradeRow


def _trade(run_id: str, i: int) -> TradeRow:
    return TradeRow(
        run_id=run_id,
        symbol="GOOG",
        side="long",
        qty=1,
        entry_price=1.0,
        exit_price=2.0,
        entry_time_ns=i,
        exit_time_ns=i + 1,
        pnl=1.0,
        pnl_pct=1.0,
        bars_held=1,
        exit_reason="rule",
    )


def one_moment(url: str) -> None:
    """Rows a runner commits while a snapshot is open appear in the next snapshot only."""
    reader, writer = Store(url), Store(url)
    run = writer.create_run("r", 'strategy "r"\n', cash=1000.0)
    writer.commit_bar(
        run.id, BarCommit(bar_ns=1, bars_done=1, checkpoint={}, trades=[_trade(run.id, 1)])
    )
    with reader.reading() as s:
        row = s.get(RunRow, run.id)
        assert row is not None
        writer.commit_bar(
            run.id, BarCommit(bar_ns=2, bars_done=2, checkpoint={}, trades=[_trade(run.id, 2)])
        )
        trades = s.exec(select(TradeRow).where(TradeRow.run_id == run.id)).all()
        assert (row.bars_done, len(trades)) == (1, 1)
    snap = run_snapshot(reader, run.id)
    assert snap is not None
    assert (snap.run.bars_done, len(snap.trades)) == (2, 2)
    assert run_snapshot(reader, "r-none") is None


def test_a_snapshot_reads_one_moment_on_sqlite(tmp_path) -> None:
    one_moment(f"sqlite:///{tmp_path / 'parley.db'}")
