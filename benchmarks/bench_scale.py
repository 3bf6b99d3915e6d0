"""Scale: `parley backtest` over thousands of symbols as a whole process, and its memory.

Run: python benchmarks/bench_scale.py [--sizes 1250,2500,5000] [--bars 2520] [--rounds 3]

Writes seeded synthetic daily bars (``iter_synthetic_market``, seed 7) as one CSV per
symbol into a temporary folder (``--csv-dir`` keeps them between runs), then times
``parley backtest`` (SMA 10/30, 10 shares, next-open fills, cash that never binds, JSON
report) on the first N files for each size, each as its own process: wall, CPU (user +
system of the child) and peak RSS, with Parley's CSV cache off (every file parsed) and
warm (the second run on the same folder). The sizes are interleaved round by round.

Memory is set against the input arrays: N x bars x 6 values (timestamp and OHLCV) x 8
bytes. The target (issue 14): 5,000 x 2,520 in <= 20 s, peak RSS <= 3x the input arrays,
growing linearly with N; the printed slope is the RSS added per symbol between sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import whole_process  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 7


def make_folder(folder: Path, n: int, bars: int) -> list[str]:
    """N seeded symbols as SYMBOL.csv (Date, Open, High, Low, Close, Volume), written once."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    sys.path.insert(0, str(ROOT))
    from app.market.synthetic import iter_synthetic_market

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for symbol, df in iter_synthetic_market(n, bars, seed=SEED):
        names.append(symbol)
        path = folder / f"{symbol}.csv"
        if path.exists():
            continue
        table = pa.table(
            {
                "Date": df.index.strftime("%Y-%m-%d"),
                **{c.capitalize(): df[c].to_numpy() for c in df.columns},
            }
        )
        with open(path, "wb") as out:
            out.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(
                table, out, pacsv.WriteOptions(include_header=False, quoting_style="none")
            )
    return names


def subset(folder: Path, target: Path, symbols: list[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for s in symbols:
        link = target / f"{s}.csv"
        if not link.exists():
            link.symlink_to(folder / f"{s}.csv")


def spec_file(path: Path, symbols: list[str]) -> Path:
    path.write_text(
        'strategy "SMA 10/30 scale"\n'
        f"universe {', '.join(symbols)}\ntimeframe 1d\n"
        "long when sma(close, 10) crosses above sma(close, 30)\n"
        "exit when sma(close, 10) crosses below sma(close, 30)\n"
        "size 10 shares\n",
        encoding="utf-8",
    )
    return path


def timed(cmd: list[str], env: dict[str, str], out: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one child process, started through whole_process's
    small launcher so the peak RSS is the child's own; fails loudly on exit != 0."""
    wall, rss, cpu = whole_process.timed(cmd, env, out)
    return wall, cpu, rss


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return "/".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1250,2500,5000")
    ap.add_argument("--bars", type=int, default=2_520)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--csv-dir", type=Path, default=Path(tempfile.gettempdir()) / "parley-bench-scale"
    )
    args = ap.parse_args(argv)
    whole_process.start_launcher()  # before this process grows (make_folder writes the data)
    sizes = sorted(int(x) for x in args.sizes.split(","))
    work = args.csv_dir
    t0 = time.perf_counter()
    symbols = make_folder(work / f"all-{args.bars}", sizes[-1], args.bars)
    print(
        f"data: {sizes[-1]} CSV files x {args.bars} bars in {work} "
        f"({time.perf_counter() - t0:.0f} s to write or find)",
        flush=True,
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PARLEY_HOME": str(work / "home")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    modes = {"cache off": {**env, "PARLEY_NO_CSV_CACHE": "1"}, "cache warm": env}
    runs: dict[tuple[int, str], list[tuple[float, float, float]]] = {}

    def cmd(n: int) -> list[str]:
        folder = work / f"first-{n}-{args.bars}"
        subset(work / f"all-{args.bars}", folder, symbols[:n])
        spec = spec_file(work / f"scale-{n}.strategy", symbols[:n])
        return [
            sys.executable,
            "-m",
            "app",
            "backtest",
            str(spec),
            "--data",
            str(folder),
            "--cash",
            str(1_000_000.0 * n),
            "--json",
        ]

    for n in sizes:
        timed(cmd(n), env, work / f"parley-{n}.json")  # fills the CSV cache, writes bytecode
    for _ in range(args.rounds):
        for n in sizes:
            for mode, environ in modes.items():
                runs.setdefault((n, mode), []).append(
                    timed(cmd(n), environ, work / f"parley-{n}.json")
                )
    report(runs, sizes, args.bars, args.rounds)
    return 0


def report(runs: dict, sizes: list[int], bars: int, rounds: int) -> None:
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.1f}; {rounds} interleaved rounds; min/median/max"
    )
    rss_at: dict[str, list[tuple[int, float]]] = {}
    for n in sizes:
        arrays_mb = n * bars * 6 * 8 / 2**20
        print(f"\n{n} symbols x {bars} bars (input arrays {arrays_mb:.0f} MB):")
        for mode in ("cache off", "cache warm"):
            values = runs[(n, mode)]
            rss = statistics.median(v[2] for v in values)
            rss_at.setdefault(mode, []).append((n, rss))
            print(
                f"  {mode:10} wall {spread([v[0] for v in values])} s, CPU "
                f"{spread([v[1] for v in values])} s, peak RSS "
                f"{spread([v[2] for v in values], '{:.0f}')} MB = "
                f"{rss / arrays_mb:.2f}x the input arrays"
            )
    for mode, points in rss_at.items():
        slopes = [(b[1] - a[1]) / (b[0] - a[0]) * 1024 for a, b in zip(points, points[1:])]
        per_symbol = bars * 6 * 8 / 1024
        print(
            f"\nRSS added per symbol ({mode}): "
            + ", ".join(f"{s:.0f} KB" for s in slopes)
            + f" between sizes (input arrays: {per_symbol:.0f} KB a symbol)"
        )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
