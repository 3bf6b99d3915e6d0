"""A binary cache of loaded CSV files, keyed by their content, under ``PARLEY_HOME``.

A user who reruns a backtest on the same folder pays for parsing once. Each file's checked
bars (after :func:`app.market.quality.repair_bars`, warnings included) are stored as raw
arrays in ``PARLEY_HOME/cache/csv/<sha1 of the file's bytes, its name's symbol and the loader
version>.bars``; the same file anywhere hits the same entry, and a changed or renamed file
gets a new key, so a stale entry is never read. The name is part of the key because a file
without a Symbol column holds the symbol its name says (``GOOG.csv`` holds GOOG even when
its rows are byte for byte those of ``FOO.csv``).

Hashing 100 MB costs about as much as parsing it, so a per-folder index remembers each
file's (size, mtime in ns, inode) with its digest: a file whose stat is unchanged is not
read again. Any other file is read and hashed. The cache is best effort: a home that
cannot be written, or a damaged entry, only means parsing again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from app.caches import current
from app.market.quality import DataWarning

VERSION = 1
"""Bump when the loader's rules change what a file loads as."""
_MAGIC = b"PARLEYB1"


class CsvCache:
    """Cached loads of the CSV files of one folder (or one file's folder)."""

    def __init__(self, root: Path | None, folder: Path) -> None:
        self.root = root
        self.index_path = (
            None
            if root is None
            else root
            / (
                f"index-v{VERSION}-"
                + hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:20]
                + ".json"
            )
        )  # the version too: a digest remembered under another is not this one
        self.index: dict[str, list[Any]] = self._read_index()
        self.changed = False

    @classmethod
    def for_folder(cls, folder: Path) -> CsvCache:
        """The cache in ``PARLEY_HOME/cache/csv`` as the faces set it (:mod:`app.caches`), or
        a disabled one when it is off or cannot be made."""
        caches = current()
        root = caches.folder("csv") if caches.csv else None
        if root is None:
            return cls(None, folder)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError:
            return cls(None, folder)
        return cls(root, folder)

    def digest(self, path: Path) -> tuple[str, bytes | None]:
        """The file's content key, and its bytes when they had to be read (a disabled
        cache reads and hashes nothing: the key is empty)."""
        if self.root is None:
            return "", None
        stat = path.stat()
        mark = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        known = self.index.get(path.name)
        if known is not None and known[:3] == mark:
            return known[3], None
        from app.market.loader import symbol_from_stem

        data = path.read_bytes()
        named = symbol_from_stem(path.stem).encode()
        key = hashlib.sha1(data + b"\0" + named + VERSION.to_bytes(2, "little")).hexdigest()
        self.index[path.name] = [*mark, key]
        self.changed = True
        return key, data

    def get(self, key: str) -> tuple[dict[str, Any], list[DataWarning]] | None:
        """symbol -> (dates, values) and the warnings of a cached file, or None."""
        if self.root is None:
            return None
        try:
            raw = (self.root / f"{key}.bars").read_bytes()
            return _decode(raw)
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return None

    def put(
        self,
        key: str,
        frames: dict[str, tuple[np.ndarray, np.ndarray]],
        warnings: list[DataWarning],
    ) -> None:
        if self.root is None:
            return
        target = self.root / f"{key}.bars"
        try:
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(_encode(frames, warnings))
            os.replace(tmp, target)
        except OSError:
            return

    def save_index(self) -> None:
        if self.root is None or not self.changed or self.index_path is None:
            return
        try:
            tmp = self.index_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.index), encoding="utf-8")
            os.replace(tmp, self.index_path)
        except OSError:
            return

    def _read_index(self) -> dict[str, list[Any]]:
        if self.index_path is None:
            return {}
        try:
            return dict(json.loads(self.index_path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}


def _encode(frames: dict[str, tuple[np.ndarray, np.ndarray]], warnings: list[DataWarning]) -> bytes:
    """Header (JSON: symbols with row counts, warnings), then dates int64, values float64."""
    symbols = [[s, int(len(d))] for s, (d, _) in frames.items()]
    head = json.dumps(
        {"symbols": symbols, "warnings": [[w.symbol, w.date, w.problem] for w in warnings]}
    ).encode()
    dates = b"".join(
        np.ascontiguousarray(d.astype("datetime64[us]").view("int64")).tobytes()
        for d, _ in frames.values()
    )
    values = b"".join(
        np.ascontiguousarray(np.asarray(v, dtype=np.float64).T).tobytes()
        for _, v in frames.values()
    )  # column by column, as pandas keeps them
    return _MAGIC + len(head).to_bytes(8, "little") + head + dates + values


def _decode(raw: bytes) -> tuple[dict[str, Any], list[DataWarning]]:
    if raw[:8] != _MAGIC:
        raise ValueError("not a cache entry")
    size = int.from_bytes(raw[8:16], "little")
    head = json.loads(raw[16 : 16 + size])
    total = sum(n for _, n in head["symbols"])
    start = 16 + size
    dates = np.frombuffer(raw, dtype=np.int64, count=total, offset=start)
    values = np.frombuffer(raw, dtype=np.float64, count=total * 5, offset=start + 8 * total)
    if len(raw) != start + 48 * total:
        raise ValueError("truncated cache entry")
    dates, values = dates.copy(), values.copy()  # writable, like a parse
    frames, row = {}, 0
    for symbol, n in head["symbols"]:
        block = values[5 * row : 5 * (row + n)].reshape(5, n)
        frames[symbol] = (dates[row : row + n].view("datetime64[us]"), block.T)
        row += n
    return frames, [DataWarning(*w) for w in head["warnings"]]
