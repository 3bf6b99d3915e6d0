"""Rebuild the agent team's offline evidence in app/data/evidence/ from the shared originals.

    python scripts/bundle_evidence.py [SHARED_EXTRA_DIR]

Checks each original's sha256 (as app/data/README.md lists it), then writes
``treasury-2y-10y.csv`` (DGS2 and DGS10, daily, FRED's "." as empty) and
``sp500-fundamentals-2018-02-08.csv`` (the snapshot's columns the fundamentals analyst
reads; the name, the swapped 52-week columns, EBITDA and the SEC link are left out).
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

SHA256 = {
    "treasury/DGS2.csv": "ebf45f2fa3750eb6b0c1db255ff02532241b5d039d3c089231feaad38ae16532",
    "treasury/DGS10.csv": "664fdcf719dbcbfb43998106c5477b9ac218299481693598ba616928c7e98e59",
    "sp500-constituents-financials-2018-02-08.csv": "3af45bb5418e276a1d590825c1571b0b4698610ae54c3e9040a40accf3a75239",
}
KEEP = (
    "Symbol",
    "Sector",
    "Price",
    "Price/Earnings",
    "Dividend Yield",
    "Earnings/Share",
    "Market Cap",
    "Price/Sales",
    "Price/Book",
)
OUT = Path(__file__).resolve().parent.parent / "app" / "data" / "evidence"


def _checked(src: Path, name: str) -> Path:
    path = src / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256[name]:
        raise SystemExit(f"{path}: sha256 {digest} is not the one recorded")
    return path


def _series(path: Path) -> dict[str, str]:
    with path.open(newline="") as f:
        rows = list(csv.reader(f))[1:]
    return {d: ("" if v.strip() == "." else v.strip()) for d, v in rows}


def main(src: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    two = _series(_checked(src, "treasury/DGS2.csv"))
    ten = _series(_checked(src, "treasury/DGS10.csv"))
    start = min(two)
    with (OUT / "treasury-2y-10y.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "dgs2", "dgs10"])
        for day in sorted(d for d in set(two) | set(ten) if d >= start):
            if two.get(day, "") or ten.get(day, ""):
                w.writerow([day, two.get(day, ""), ten.get(day, "")])
    name = "sp500-constituents-financials-2018-02-08.csv"
    with _checked(src, name).open(newline="") as f:
        rows = list(csv.DictReader(f))
    with (OUT / "sp500-fundamentals-2018-02-08.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(KEEP)
        for row in rows:
            w.writerow([row[k] for k in KEEP])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data/extra"))
