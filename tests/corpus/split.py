"""The fixed dev/holdout split of the corpus: 60% dev, 40% holdout, by a seeded hash.

A record's side depends only on its source URL and text, so adding records never moves
the ones already placed, and re-running the split on the committed files changes nothing.

Usage:
  python tests/corpus/split.py [NEW.jsonl ...]   merge new records in, deduplicate, rewrite
                                                  dev.jsonl and holdout.jsonl
  python tests/corpus/split.py --check           exit 1 if any record is on the wrong side
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = "parley-corpus-split-v1"
DEV_SHARE = 60  # percent
FILES = {"dev": HERE / "dev.jsonl", "holdout": HERE / "holdout.jsonl"}


def side(record: dict[str, Any]) -> str:
    """``dev`` or ``holdout`` for one record, from a SHA-256 of seed, URL and text."""
    key = f"{SEED}\n{record['source_url']}\n{record['text']}".encode("utf-8")
    bucket = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % 100
    return "dev" if bucket < DEV_SHARE else "holdout"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def merge(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Keep the first record of each source URL and of each text; say what was dropped."""
    urls: set[str] = set()
    texts: set[str] = set()
    kept, dropped = [], []
    for rec in records:
        if rec["source_url"] in urls or _norm(rec["text"]) in texts:
            dropped.append(rec["id"])
            continue
        urls.add(rec["source_url"])
        texts.add(_norm(rec["text"]))
        kept.append(rec)
    return kept, dropped


def write(records: list[dict[str, Any]]) -> dict[str, int]:
    """Write each side sorted by id (stable diffs); return the counts."""
    sides: dict[str, list[dict[str, Any]]] = {"dev": [], "holdout": []}
    for rec in records:
        sides[side(rec)].append(rec)
    for name, recs in sides.items():
        lines = [json.dumps(r, ensure_ascii=False) for r in sorted(recs, key=lambda r: r["id"])]
        FILES[name].write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return {name: len(recs) for name, recs in sides.items()}


def check() -> int:
    wrong = [r["id"] for name, path in FILES.items() for r in read(path) if side(r) != name]
    print(f"{len(wrong)} record(s) on the wrong side" + (": " + ", ".join(wrong) if wrong else ""))
    return 1 if wrong else 0


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        return check()
    existing = read(FILES["dev"]) + read(FILES["holdout"])
    new = [rec for path in argv for rec in read(Path(path))]
    kept, dropped = merge(existing + new)
    counts = write(kept)
    print(f"{len(kept)} records: dev {counts['dev']}, holdout {counts['holdout']}"
          + (f"; dropped as duplicates: {', '.join(dropped)}" if dropped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
