"""Export SVG screenshots of each screen of the real TUI into screenshots/.

Run: python scripts/export_screenshots.py [--out screenshots]

The app is the one `parley` runs, built by ``build_services`` with the default (offline)
compiler, driven with ``run_test(size=(120, 36))``. It works on a copy of strategies/ and
a throwaway PARLEY_HOME, so nothing of yours is read or written, and no keys are used.

The backtest is golden_cross.strategy on the bundled data (b in the library), then its
Evaluate tab (e, when ``parley evaluate`` is in the build) and the Sweep tab of a spec with
two ``param`` lines (s); the monitor
shows two real detached runs on the replay feed (one finished, one running), which are
stopped, and waited for, before the throwaway folder goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZE = (120, 36)


async def export(out: Path, work: Path) -> list[Path]:
    from app.config import Settings
    from app.tui.app import ParleyApp
    from app.tui.messages import OpenSpec
    from app.tui.screens.editor import EditorScreen
    from app.tui.screens.error_modal import ErrorModal
    from app.tui.services import build_services
    from app.tui.widgets.chat_log import EXAMPLE
    from app.tui.widgets.dsl_editor import DslEditor

    strategies = work / "strategies"
    shutil.copytree(ROOT / "strategies", strategies)
    app = ParleyApp(build_services(Settings(strategies_dir=strategies)), cursor_blink=False)
    saved: list[Path] = []

    def shot(name: str) -> None:
        if isinstance(app.screen, ErrorModal):
            message = app.screen.message
            raise SystemExit(f"not saving {name}.svg: the app shows an error: {message}")
        saved.append(out / app.save_screenshot(f"{name}.svg", str(out)))

    async with app.run_test(size=SIZE) as pilot:
        for turn in (EXAMPLE, "add ORCL"):  # the intro's example, as typed
            await pilot.press(*turn, "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        shot("chat")

        await pilot.press("f3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shot("library")

        app.post_message(OpenSpec(strategies / "golden_cross.strategy"))
        await pilot.pause()
        await pilot.pause()
        editor = app.screen.query_one(DslEditor)
        editor.move_cursor((6, len("stop loss ")))
        await pilot.press("delete", *"two", "ctrl+l")
        await pilot.pause(EditorScreen.CHECK_DELAY + 0.1)
        await pilot.pause()
        shot("editor-error")

        await pilot.press("f1")
        await pilot.pause()
        shot("help")
        await pilot.press("escape", "f2", "ctrl+t")
        await pilot.pause()
        shot("chat-light")
        await pilot.press("ctrl+t")

        await backtest_shot(pilot, shot)
        await evaluate_shot(pilot, shot)
        await sweep_shot(pilot, shot)
        await monitor_shot(pilot, shot, strategies)
    return saved


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def backtest_shot(pilot, shot) -> None:  # type: ignore[no-untyped-def]
    """golden_cross.strategy backtested (b in the library); its third trade picked."""
    from app.tui.widgets.spec_table import SpecTable
    from app.tui.widgets.trade_table import TradeTable

    await pilot.press("f3")
    await settle(pilot)
    table = pilot.app.screen.query_one(SpecTable)
    table.move_cursor(row=[e.path.name for e in table.entries].index("golden_cross.strategy"))
    await pilot.pause()
    await pilot.press("b")
    await settle(pilot)
    pilot.app.screen.query_one(TradeTable).focus()
    await pilot.press("down", "down")
    await pilot.pause()
    shot("backtest")


async def evaluate_shot(pilot, shot) -> None:  # type: ignore[no-untyped-def]
    """The Evaluate tab of golden_cross.strategy (e), with 50 null draws a layer."""
    import importlib.util

    if importlib.util.find_spec("app.evaluate") is None:
        print("no evaluate screenshot: parley evaluate is not in this build", file=sys.stderr)
        return
    pilot.app.services.backtests.draws = 50
    await pilot.press("e")
    await settle(pilot)
    shot("evaluate")


SWEEP_SPEC = """strategy "SMA crossover sweep"
universe GOOG
timeframe 1d
param fast = 10 in 5..25 step 5
param slow = 40 in 30..70 step 10
long when sma(close, fast) crosses above sma(close, slow)
exit when sma(close, fast) crosses below sma(close, slow)
size 10% of equity
"""


async def sweep_shot(pilot, shot) -> None:  # type: ignore[no-untyped-def]
    """A spec with two param lines backtested, then its Sweep tab (s)."""
    from app.tui.messages import BacktestRequested

    pilot.app.post_message(BacktestRequested(SWEEP_SPEC, "sma_sweep.strategy"))
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    shot("sweep")


async def monitor_shot(pilot, shot, strategies: Path) -> None:  # type: ignore[no-untyped-def]
    """Two detached replay runs: one run to its end, one caught running; then both stop."""
    from app.tui.messages import RunRequested

    app = pilot.app
    runs = app.services.runs
    for name, speed in (("sma_crossover", "max"), ("golden_cross", "200")):
        app.post_message(
            RunRequested((strategies / f"{name}.strategy").read_text(), f"{name}.strategy", speed)
        )
        await settle(pilot)
    screen = app.screen
    store = runs.store
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = {r.name: r for r in store.list_runs()}
        golden = rows.get("Golden cross")
        if (
            golden is not None
            and rows["SMA 10/30 crossover"].status == "finished"
            and len(store.decisions(golden.id)) >= 6
        ):
            break
        await asyncio.sleep(0.2)
    else:
        raise SystemExit("the runs did not get far enough for the monitor screenshot")
    screen._select(golden.id)
    await settle(pilot)
    await asyncio.sleep(0.6)  # one more poll of the store, then draw
    await settle(pilot)
    shot("monitor")
    for row in store.list_runs():
        if row.status in ("running", "paused", "created"):
            runs.control(row.id, "stop")
    await wait_stopped(store)


async def wait_stopped(store) -> None:  # type: ignore[no-untyped-def]
    from app.runner.launch import alive

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not any(alive(r.pid) for r in store.list_runs()):
            return
        await asyncio.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PARLEY_HOME"] = str(Path(tmp) / "home")
        for key in ("ANTHROPIC_API_KEY", "APCA_API_KEY_ID", "APCA_API_SECRET_KEY"):
            os.environ.pop(key, None)
        for path in asyncio.run(export(args.out.resolve(), Path(tmp))):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
