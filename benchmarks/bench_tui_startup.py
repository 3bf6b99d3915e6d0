"""TUI startup: time from a fresh process to the first screen, and the import cost.

Run: python benchmarks/bench_tui_startup.py [--repeat N]

Measured, each in fresh processes (median and max of N), in the order ``parley`` does it:
- ``import app.cli`` and ``build_parser()``: what ``parley COMMAND`` pays (building the parser
  imports every command module); ``parley`` with no arguments skips the parser;
- ``import app.tui.app``: Textual and the screens;
- first screen: process start -> settings, services, ``ParleyApp`` built -> the app's
  ``Ready`` event (the chat screen composed, mounted and painted once) under ``run_test``
  at 120x36 (the headless driver, so terminal I/O is not counted);
- interpreter: a bare ``python -c pass``, the floor every process pays;
- the peer: the smallest Textual app (a text and a footer) to its ``Ready`` the same way,
  the framework's floor; the ratio says what Parley adds on top.
Each repeat runs every measurement once, interleaved; min, median and max are printed.
The target (../shared/TARGETS.md) is the first screen in under 1 s after start.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import time, json
t0 = time.perf_counter()
import app.cli
t_cli = time.perf_counter()
if MODE == "import":
    app.cli.build_parser()
    t_parser = time.perf_counter()
    import app.tui.app
    t_tui = time.perf_counter()
    print(json.dumps({"cli": t_cli - t0, "parser": t_parser - t_cli, "tui": t_tui - t_parser}))
else:  # what `parley` with no arguments does: no parser, straight to the TUI
    import asyncio
    from textual import events
    import app.tui.app as app_mod
    from app.config import load_settings
    from app.tui.services import build_services
    ready = {}
    def hook(message):
        if isinstance(message, events.Ready) and "t" not in ready:
            ready["t"] = time.perf_counter()
    async def main():
        app = app_mod.ParleyApp(build_services(load_settings()), cursor_blink=False)
        async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
            await pilot.pause()
    asyncio.run(main())
    print(json.dumps({"ready": ready["t"] - t0, "tui_ready": ready["t"] - t_cli}))
"""


def _run(code: str, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    wall = time.perf_counter() - start
    return wall, (json.loads(out.strip().splitlines()[-1]) if out.strip() else {})


PEER = r"""
import time, json, asyncio
t0 = time.perf_counter()
from textual import events
from textual.app import App
from textual.widgets import Footer, Static
ready = {}
class Peer(App):
    def compose(self):
        yield Static("a plain Textual app: one text and a footer")
        yield Footer()
def hook(message):
    if isinstance(message, events.Ready) and "t" not in ready:
        ready["t"] = time.perf_counter()
async def main():
    async with Peer().run_test(size=(120, 36), message_hook=hook) as pilot:
        await pilot.pause()
asyncio.run(main())
print(json.dumps({"ready": ready["t"] - t0}))
"""
"""The peer: the smallest Textual app, to ready the same way: the framework's own floor."""


def _stats(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"min {ms[0]:7.1f} ms   median {statistics.median(ms):7.1f} ms   max {ms[-1]:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    bare: list[float] = []
    imports: list[dict[str, float]] = []
    peers: list[tuple[float, dict[str, float]]] = []
    screens: list[tuple[float, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PARLEY_HOME": home, "PYTHONPATH": str(ROOT)}
        for key in ("ANTHROPIC_API_KEY", "APCA_API_KEY_ID", "APCA_API_SECRET_KEY"):
            env.pop(key, None)
        for _ in range(args.repeat):  # interleaved, so load on the machine hits all alike
            bare.append(_run("pass", env)[0])
            imports.append(_run("MODE='import'\n" + CHILD, env)[1])
            peers.append(_run(PEER, env))
            screens.append(_run("MODE='screen'\n" + CHILD, env))
    ready = [r["ready"] for _, r in screens]
    peer_ready = [r["ready"] for _, r in peers]
    ratios = [a / b for a, b in zip(ready, peer_ready)]
    print(f"python -c pass (process floor, wall)    {_stats(bare)}")
    print(f"import app.cli                          {_stats([i['cli'] for i in imports])}")
    print(f"app.cli.build_parser() (command mods)   {_stats([i['parser'] for i in imports])}")
    print(f"import app.tui.app (Textual + screens)  {_stats([i['tui'] for i in imports])}")
    print(f"TUI alone: import -> first screen ready {_stats([r['tui_ready'] for _, r in screens])}")
    print(f"peer: plain Textual app -> ready        {_stats(peer_ready)}")
    print(f"parley start -> first screen ready      {_stats(ready)}")
    print(f"whole process, to ready and exit (wall) {_stats([w for w, _ in screens])}")
    print(
        f"ratio parley / plain Textual app, per run: min {min(ratios):.2f}  "
        f"median {statistics.median(ratios):.2f}  max {max(ratios):.2f}"
    )
    first = statistics.median(ready) + statistics.median(bare)
    verdict = "meets" if first < 1.0 else "misses"
    print(
        f"target: first screen < 1 s after start -> {verdict} "
        f"(ready + process floor = {first * 1000:.0f} ms; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
