"""Rebuild the bundled S&P 500 universe, SPY and VIX Parquet files in ``app/data/``.

The sources are the CSV files in ``shared/data/extra`` (see its README for provenance);
their sha256 is checked first. Values are stored as published: empty fields stay empty
and bad bars stay bad, so the loader (:mod:`app.market.quality`) flags them at load time.

    python scripts/bundle_market_data.py [SOURCE_FOLDER]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "data"
SOURCES = {
    "sp500-stocks-daily-2013-2018.csv.gz": "273699c5d990f633df49cbd611736f0fc6b7f6cb898b2a4c2e9130cba1be24c6",
    "SPY-daily-1999-2020.csv": "87c91dd3fb860972fdfbda97ed38ff9b92d6ddec03e571788e2341e61a7f3717",
    "VIX-daily.csv": "fa8f8119bb2fa785bb408bcae541a1e630fef97f3acb160b94ed3115c1318db5",
}
COLUMNS = ["date", "open", "high", "low", "close", "volume"]


def main(source: Path) -> None:
    for name, digest in SOURCES.items():
        actual = hashlib.sha256((source / name).read_bytes()).hexdigest()
        if actual != digest:
            sys.exit(f"{source / name}: sha256 {actual} is not the published {digest}")
    universe = pd.read_csv(
        source / "sp500-stocks-daily-2013-2018.csv.gz", dtype={"symbol": str, "volume": "float64"}
    )
    _write(universe[["symbol", *COLUMNS]], OUT / "sp500-daily-2013-2018.parquet")
    symbols = list(dict.fromkeys(universe["symbol"]))
    (OUT / "sp500-symbols.txt").write_text("\n".join(symbols) + "\n", encoding="ascii")
    spy = pd.read_csv(source / "SPY-daily-1999-2020.csv").drop(columns=["Unnamed: 0"])
    _write(spy[COLUMNS], OUT / "SPY-daily-1999-2020.parquet")
    vix = pd.read_csv(source / "VIX-daily.csv").rename(columns=str.lower)
    vix["volume"] = 0.0  # an index has no volume; the loader's frames always carry one
    _write(vix[COLUMNS], OUT / "VIX-daily.parquet")


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Dates as date32, prices as float64 (bit-exact), zstd-compressed."""
    frame = frame.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=19,
        use_dictionary=["symbol"] if "symbol" in frame else False,
    )
    print(f"{path.relative_to(ROOT)}: {len(frame)} rows, {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent.parent / "shared/data/extra")
