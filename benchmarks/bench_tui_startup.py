"""TUI startup: time from a fresh process to the first screen, and the import cost.

Run: python benchmarks/bench_tui_startup.py [--repeat N]

Measured, each in fresh processes (median and max of N), in the order ``parley`` does it:
- ``import app.cli`` and ``build_parser()``: what ``python -m app`` runs before it opens the
  TUI (building the parser imports every command module: the runner, the store, pandas);
- ``import app.tui.app``: Textual and the screens;
- first screen: process start -> settings, services, ``ParleyApp`` built -> the app's
  ``Ready`` event (the chat screen composed, mounted and painted once) under ``run_test``
  at 120x36 (the headless driver, so terminal I/O is not counted);
- interpreter: a bare ``python -c pass``, the floor every process pays, as the peer figure.
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
app.cli.build_parser()
t_parser = time.perf_counter()
import app.tui.app
t_tui = time.perf_counter()
if MODE == "screen":
    import asyncio
    from textual import events
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
    app_mod = app.tui.app
    asyncio.run(main())
    print(json.dumps({"cli": t_cli - t0, "parser": t_parser - t_cli, "tui": t_tui - t_parser,
                      "ready": ready["t"] - t0, "tui_ready": ready["t"] - t_parser}))
else:
    print(json.dumps({"cli": t_cli - t0, "parser": t_parser - t_cli, "tui": t_tui - t_parser}))
"""


def _run(code: str, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    return wall, (json.loads(out.strip().splitlines()[-1]) if out.strip() else {})


def _stats(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PARLEY_HOME": home, "PYTHONPATH": str(ROOT)}
        for key in ("ANTHROPIC_API_KEY", "APCA_API_KEY_ID", "APCA_API_SECRET_KEY"):
            env.pop(key, None)
        bare = [_run("pass", env)[0] for _ in range(args.repeat)]
        imports = [_run("MODE='import'\n" + CHILD, env)[1] for _ in range(args.repeat)]
        screens = [_run("MODE='screen'\n" + CHILD, env) for _ in range(args.repeat)]
    ready = [r["ready"] for _, r in screens]
    print(f"python -c pass (process floor, wall)    {_stats(bare)}")
    print(f"import app.cli                          {_stats([i['cli'] for i in imports])}")
    print(f"app.cli.build_parser() (command mods)   {_stats([i['parser'] for i in imports])}")
    print(f"import app.tui.app (Textual + screens)  {_stats([i['tui'] for i in imports])}")
    print(f"TUI alone: import -> first screen ready {_stats([r['tui_ready'] for _, r in screens])}")
    print(f"parley start -> first screen ready      {_stats(ready)}")
    print(f"whole process, to ready and exit (wall) {_stats([w for w, _ in screens])}")
    verdict = "meets" if statistics.median(ready) + statistics.median(bare) < 1.0 else "misses"
    print(f"target: first screen < 1 s after start -> {verdict} "
          f"(ready + process floor = "
          f"{(statistics.median(ready) + statistics.median(bare)) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
