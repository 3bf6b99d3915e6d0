"""The quick CSV reader and the content-keyed cache load exactly what the careful path does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app import caches, environment
from app.caches import Caches
from app.market.bundled import bundled_dir, bundled_symbols
from app.market.csv_cache import CsvCache
from app.market.errors import DataError
from app.market.fast_csv import read_standard
from app.market.loader import _load_file, load_bars

HEADER = "Date,Open,High,Low,Close,Volume"


def _same(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for symbol in a:
        pd.testing.assert_frame_equal(a[symbol], b[symbol], check_exact=True)
    assert getattr(a, "warnings", []) == getattr(b, "warnings", [])


def _entries(home: Path) -> list[Path]:
    return sorted((home / "cache" / "csv").glob("*.bars"))


@pytest.mark.parametrize("symbol", list(bundled_symbols()))
def test_quick_and_cached_loads_equal_the_careful_one(symbol: str) -> None:
    path = bundled_dir() / bundled_symbols()[symbol].file
    careful = _load_file(path)
    first, second = load_bars(path), load_bars(path)  # parse and store, then a cache hit
    _same(first, careful)
    _same(second, careful)
    second[symbol].iloc[0, 0] = -1.0  # cached frames are the caller's to change
    _same(load_bars(path), careful)


def test_the_quick_reader_declines_what_it_cannot_answer_exactly() -> None:
    assert read_standard(f"{HEADER}\n2020-01-02,1,2,0.5,1.5,10\n".encode()) is not None
    for text in (
        f"{HEADER}\n2020-01-02T09:30:00+05:00,1,2,0.5,1.5,10\n",  # an offset
        f"{HEADER}\n2020-01-03,1,2,0.5,1.5,10\n2020-01-02,1,2,0.5,1.5,10\n",  # order
        f"{HEADER}\n2020-01-02,1,abc,0.5,1.5,10\n",  # text in a number column
        "Date,Time,Open,High,Low,Close,Volume\n2020-01-02,09:30,1,2,0.5,1.5,10\n",
        f"{HEADER},Symbol\n2020-01-02,1,2,0.5,1.5,10,X\n",
        "not,a,price,file\n1,2,3,4\n",
    ):
        assert read_standard(text.encode()) is None, text


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    home = Path(os.environ["PARLEY_HOME"])
    path = tmp_path / "AAA.csv"
    path.write_text(f"{HEADER}\n2020-01-02,1,2,0.5,1.5,10\n2020-01-03,1,2,0.5,1.5,10\n")
    before = set(_entries(home))
    assert load_bars(tmp_path)["AAA"].close.tolist() == [1.5, 1.5]
    assert len(set(_entries(home)) - before) == 1
    path.write_text(f"{HEADER}\n2020-01-02,1,2,0.5,1.5,10\n2020-01-03,1,2,0.5,1.7,10\n")
    os.utime(path, ns=(1, 1))  # any change of size or time stamp: read and hashed again
    assert load_bars(tmp_path)["AAA"].close.tolist() == [1.5, 1.7]


def test_same_size_rewrite_with_a_new_time_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "BBB.csv"
    path.write_text(f"{HEADER}\n2020-01-02,1,2,0.5,1.5,10\n")
    load_bars(path)
    stat = path.stat()
    path.write_text(f"{HEADER}\n2020-01-02,1,2,0.5,1.6,10\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000))
    assert load_bars(path)["BBB"].close.tolist() == [1.6]


def test_a_damaged_entry_only_means_parsing_again(tmp_path: Path) -> None:
    home = Path(os.environ["PARLEY_HOME"])
    path = tmp_path / "CCC.csv"
    path.write_text(f"{HEADER}\n2020-01-02,1,2,0.5,1.5,10\n2020-01-03,1,2,0.5,1.5,10\n")
    before = set(_entries(home))
    load_bars(path)
    (entry,) = set(_entries(home)) - before
    entry.write_bytes(entry.read_bytes()[:40])
    assert load_bars(path)["CCC"].close.tolist() == [1.5, 1.5]


def test_errors_are_the_careful_paths_and_nothing_is_cached(tmp_path: Path) -> None:
    home = Path(os.environ["PARLEY_HOME"])
    path = tmp_path / "BAD.csv"
    path.write_text(f"{HEADER}\n2020-01-03,1,2,0.5,1.5,10\n2020-01-02,1,2,0.5,1.5,10\n")
    before = set(_entries(home))
    for _ in range(2):
        with pytest.raises(DataError, match="not in order"):
            load_bars(path)
    assert set(_entries(home)) == before


def test_same_content_elsewhere_hits_the_same_entry(tmp_path: Path) -> None:
    home = Path(os.environ["PARLEY_HOME"])
    text = f"{HEADER}\n2021-01-04,1,2,0.5,1.5,10\n2021-01-05,1,2,0.5,1.25,10\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "X.csv").write_text(text)
    (tmp_path / "b" / "X.csv").write_text(text)
    before = set(_entries(home))
    load_bars(tmp_path / "a")
    load_bars(tmp_path / "b")
    assert len(set(_entries(home)) - before) == 1


def test_an_unwritable_home_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    caches.use(Caches(root=blocked / "cache"))
    cache = CsvCache.for_folder(tmp_path)
    assert cache.root is None
    path = tmp_path / "D.csv"
    path.write_text(f"{HEADER}\n2020-01-02,1,2,0.5,1.5,10\n")
    assert np.array_equal(load_bars(path)["D"].to_numpy(), [[1, 2, 0.5, 1.5, 10]])


def test_a_file_holds_the_symbol_its_name_says_even_with_another_files_bytes(
    tmp_path: Path,
) -> None:
    # The cache is keyed by content: the same rows saved as GOOG.csv once loaded as FOO
    # ("No data for GOOG in c2/GOOG.csv. It holds: FOO.").
    text = f"{HEADER}\n2021-01-04,1,2,0.5,1.5,10\n2021-01-05,1,2,0.5,1.25,10\n"
    (tmp_path / "c1").mkdir()
    (tmp_path / "c2").mkdir()
    (tmp_path / "c1" / "FOO.csv").write_text(text)
    (tmp_path / "c2" / "GOOG.csv").write_text(text)
    assert list(load_bars(tmp_path / "c1" / "FOO.csv")) == ["FOO"]
    assert list(load_bars(tmp_path / "c2" / "GOOG.csv", ["GOOG"])) == ["GOOG"]
    assert list(load_bars(tmp_path / "c2")) == ["GOOG"]
    (tmp_path / "c1" / "FOO.csv").rename(tmp_path / "c1" / "BAR.csv")  # same stat, new name
    assert list(load_bars(tmp_path / "c1")) == ["BAR"]


def test_the_faces_read_the_cache_switches_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """PARLEY_HOME, PARLEY_NO_CSV_CACHE (any value) and PARLEY_KERNEL=jit, read by the faces
    (app.environment) and handed to the core (app.caches), which reads no variable."""
    home = Path(os.environ["PARLEY_HOME"])
    assert environment.caches() == Caches(root=home / "cache", csv=True, built_kernel=True)
    monkeypatch.setenv("PARLEY_NO_CSV_CACHE", "0")  # any value: as before, not a boolean
    monkeypatch.setenv("PARLEY_KERNEL", "jit")
    assert environment.caches() == Caches(root=home / "cache", csv=False, built_kernel=False)
    monkeypatch.setenv("PARLEY_KERNEL", "aot")
    assert environment.caches().built_kernel
    caches.use(environment.caches())
    monkeypatch.delenv("PARLEY_NO_CSV_CACHE")  # the core does not look again
    assert CsvCache.for_folder(home).root is None


def test_with_no_caches_set_nothing_is_written(tmp_path: Path) -> None:
    caches.use(Caches())  # a program that imports the core without a face
    path = tmp_path / "E.csv"
    path.write_text(f"{HEADER}\n2020-01-02,1,2,0.5,1.5,10\n")
    assert load_bars(path)["E"].close.tolist() == [1.5]
    assert CsvCache.for_folder(tmp_path).root is None


@pytest.mark.parametrize(("extra", "cached"), [({}, True), ({"PARLEY_NO_CSV_CACHE": "1"}, False)])
def test_parley_backtest_caches_the_csv_unless_told_not_to(
    tmp_path: Path, extra: dict[str, str], cached: bool
) -> None:
    from tests.conftest import DATA, ROOT, STRATEGIES

    home = tmp_path / "home"
    env = {**os.environ, "PARLEY_HOME": str(home), "PYTHONPATH": str(ROOT), **extra}
    env.pop("PARLEY_NO_CSV_CACHE", None) if not extra else None
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "backtest",
            str(STRATEGIES / "sma_crossover.strategy"),
            "--data",
            str(DATA / "GOOG.csv"),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert bool(list((home / "cache" / "csv").glob("*.bars"))) is cached


def test_a_new_loader_version_does_not_reuse_the_digests_of_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stat index remembers each file's key; a key made under another VERSION names an
    # entry of the old rules (bumping VERSION did not reach files whose stat was unchanged).
    import app.market.csv_cache as csv_cache

    path = tmp_path / "V.csv"
    path.write_text(f"{HEADER}\n2020-01-02,1,2,0.5,1.5,10\n")
    load_bars(path)
    old_key = CsvCache.for_folder(tmp_path).digest(path)[0]
    monkeypatch.setattr(csv_cache, "VERSION", csv_cache.VERSION + 1)
    new_key, data = CsvCache.for_folder(tmp_path).digest(path)
    assert data is not None and new_key != old_key  # read and hashed again
