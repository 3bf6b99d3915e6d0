"""The strategy-language commands as a user runs them: output, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from app.cli import main
from tests.conftest import DATA, STRATEGIES, TEST_DATA

ALL_SPECS = sorted(str(p) for p in STRATEGIES.glob("*.strategy"))


def test_check_all_examples_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(ALL_SPECS) >= 10
    assert main(["check", *ALL_SPECS]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok") == len(ALL_SPECS)


def test_check_warns_when_nothing_ever_closes_a_position(tmp_path, capsys) -> None:
    """Valid, so still ok (buy and hold is a strategy), but said: no exit rule, stop,
    target, trailing stop or max hold means the position is held until the run ends."""
    path = tmp_path / "hold.strategy"
    base = 'strategy "h"\nuniverse GOOG\nlong when close > sma(close, 30)\nsize 10 shares\n'
    path.write_text(base)
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{path}: ok"
    assert f"{path}: warning: nothing ever closes a long position" in err
    assert main(["explain", str(path)]) == 0
    assert "Nothing closes a long position" in capsys.readouterr().out
    for closer in (
        "exit when close < sma(close, 30)\n",
        "stop loss 5%\n",
        "max hold 10 bars\n",
        "trailing stop 3%\n",
        "take profit 10%\n",
    ):
        path.write_text(base + closer)
        assert main(["check", str(path)]) == 0
        assert "warning" not in capsys.readouterr().err, closer
    path.write_text(
        base.replace("long when", "direction both\nlong when")
        + "exit long when close < sma(close, 30)\nshort when close < sma(close, 50)\n"
    )
    assert main(["check", str(path)]) == 0
    err = capsys.readouterr().err
    assert "closes a short position" in err and "`exit short when ...`" in err
    assert "long position" not in err


def test_fmt_check_examples_already_canonical() -> None:
    assert main(["fmt", "--check", *ALL_SPECS]) == 0


def test_check_json_is_model_dump(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--json", str(STRATEGIES / "sma_crossover.strategy")]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in (
        "name",
        "universe",
        "screen",
        "timeframe",
        "direction",
        "stop_loss",
        "take_profit",
        "trailing_stop",
        "max_hold_bars",
        "sizing",
        "regime",
        "agents",
        "limits",
        "questions",
    ):
        assert key in data
    assert data["universe"] == ["GOOG"]
    assert data["sizing"] == {"kind": "fixed_shares", "value": 10.0}
    assert data["questions"] == []


def test_check_json_of_several_files_names_each(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.strategy"
    bad.write_text('strategy "b"\nunivers GOOG\n')
    good = str(STRATEGIES / "sma_crossover.strategy")
    assert main(["check", "--json", str(bad), good]) == 1
    first, second = json.loads(capsys.readouterr().out)
    assert first["path"] == str(bad) and "did you mean 'universe'" in first["errors"][0]["message"]
    assert second["path"] == good and second["spec"]["universe"] == ["GOOG"]
    assert second["warnings"] == []


def test_explain_reads_back_several_files(capsys) -> None:
    a, b = (str(STRATEGIES / f) for f in ("sma_crossover.strategy", "golden_cross.strategy"))
    assert main(["explain", a, b]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"== {a}\n") and f"\n== {b}\n" in out
    assert '"SMA 10/30 crossover" trades GOOG' in out


def test_check_reports_every_error_with_caret(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.strategy"
    bad.write_text('strategy "x"\nuniverse GOOG\nlong when clse > 1\nexit when close >\n')
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3:11: unknown name 'clse'; did you mean close?" in err
    assert f"{bad}:4:" in err and "expected" in err
    assert "    long when clse > 1\n              ^^^^" in err
    assert "Traceback" not in err


def test_check_missing_file_is_user_error(capsys) -> None:
    assert main(["check", "no/such.strategy"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_fmt_rewrites_keeping_comments_and_refuses_invalid(tmp_path, capsys) -> None:
    spec = tmp_path / "s.strategy"
    spec.write_text(
        '# my idea\nstrategy "x"\nuniverse goog\ntake profit 5%  # greedy\n'
        "stop loss 2%\nlong when close>sma(close,20)\n"
    )
    assert main(["fmt", "--check", str(spec)]) == 1
    assert main(["fmt", str(spec)]) == 0
    assert spec.read_text() == (
        '# my idea\nstrategy "x"\nuniverse GOOG\ntimeframe 1d\nlong when close > sma(close, 20)\n'
        "stop loss 2%\ntake profit 5%  # greedy\n"
    )
    broken = tmp_path / "b.strategy"
    broken.write_text('strategy "x"\nuniverse GOOG\nlong when\n')
    assert main(["fmt", str(broken)]) == 1
    assert broken.read_text() == 'strategy "x"\nuniverse GOOG\nlong when\n'


def test_explain(capsys) -> None:
    assert main(["explain", str(STRATEGIES / "golden_cross.strategy")]) == 0
    out = capsys.readouterr().out
    assert "crosses above the 200-bar simple moving average" in out
    assert "risks 1% of equity" in out


def _signals(capsys, *args: str) -> pd.DataFrame:
    assert main(["signals", *args]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out))


def test_signals_fire_the_bar_before_reference_fills(capsys) -> None:
    """Entries fire on the bar before each reference entry (fills come at the next open)."""
    table = _signals(
        capsys, str(STRATEGIES / "sma_crossover.strategy"), "--data", str(DATA / "GOOG.csv")
    )
    assert list(table.columns) == ["date", "symbol", "entry", "exit"]
    dates = pd.read_csv(DATA / "GOOG.csv")["Date"].tolist()
    before = {d: dates[i - 1] for i, d in enumerate(dates) if i}
    with open(TEST_DATA / "goog_sma_10_30_closed_trades.csv") as fh:
        reference = list(csv.DictReader(fh))
    entries = table.loc[table.entry == 1, "date"].tolist()
    exits = table.loc[table.exit == 1, "date"].tolist()
    expected_entries = [before[r["EntryTime"]] for r in reference]
    expected_exits = [before[r["ExitTime"]] for r in reference]
    # The 33rd trade (entered 2012-12-04) is still open at the end.
    assert [e for e in entries if e in expected_entries] == expected_entries
    assert before["2012-12-04"] in entries
    assert set(expected_exits) <= set(exits)
    # Between consecutive reference trades there is no other entry.
    assert len(entries) == len(expected_entries) + 1


def test_signals_on_a_folder_and_unknown_symbol(tmp_path, capsys) -> None:
    folder = tmp_path / "bars"
    folder.mkdir()
    shutil.copy(DATA / "GOOG.csv", folder / "GOOG.csv")
    table = _signals(capsys, str(STRATEGIES / "sma_crossover.strategy"), "--data", str(folder))
    assert set(table.symbol) == {"GOOG"}
    assert main(["signals", str(STRATEGIES / "macd_cross.strategy"), "--data", str(folder)]) == 1
    assert "NVDA" in capsys.readouterr().err


def test_usage_error_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2


# ----- start-up: the spec commands stay light -------------------------------------------------

PROBE = (
    "import runpy, sys\nsys.argv = ['parley', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('app', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
    "('pandas', 'numpy', 'textual', 'sqlalchemy', 'anthropic', 'openai'))\n"
    "print('HEAVY', heavy, file=sys.stderr)"
)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "strategies/golden_cross.strategy"],
        ["fmt", "--check", "strategies/golden_cross.strategy"],
        ["explain", "strategies/golden_cross.strategy"],
        [
            "compile",
            "--offline",
            "buy GOOG when the 20 day average crosses above the 50 day "
            "average, sell when it crosses below, 10 shares",
        ],
    ],
    ids=["check", "fmt", "explain", "compile"],
)
def test_spec_commands_import_neither_pandas_nor_numpy(argv: list[str], tmp_path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if not k.endswith("API_KEY")}
    env.update(PARLEY_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    heavy = [line for line in done.stderr.splitlines() if line.startswith("HEAVY")]
    assert heavy == ["HEAVY []"], done.stderr[-2000:]


def test_each_command_is_registered_by_the_module_the_dispatch_names() -> None:
    import argparse
    import importlib

    from app.cli import COMMAND_MODULES, MODULES

    for name in MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"app.cli.{name}").register(sub)
        registered = set(sub.choices)
        assert registered == {c for c, m in COMMAND_MODULES.items() if m == name}, name


def test_a_mistyped_command_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["chekc", "x"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'chekc'" in err and "'backtest'" in err and "'check'" in err


def test_no_command_without_a_terminal_is_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    """`parley` alone opens the TUI; in a pipe (no terminal) it says so instead of hanging."""
    from app.cli import main

    assert main([]) == 1
    err = capsys.readouterr().err
    assert "needs a terminal" in err and "parley --help" in err


def test_a_byte_order_mark_is_not_part_of_the_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Windows Notepad saves UTF-8 with a byte-order mark: the file still reads."""
    from app.cli import main

    spec = tmp_path / "bom.strategy"
    spec.write_bytes(b"\xef\xbb\xbf" + (STRATEGIES / "sma_crossover.strategy").read_bytes())
    assert main(["check", str(spec)]) == 0
    assert "ok" in capsys.readouterr().out


def test_a_spec_error_is_printed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    spec = tmp_path / "typo.strategy"
    spec.write_text(
        'strategy "t"\nuniverse GOOG\nlong when smaa(close, 10) > close\n'
        "exit when close < sma(close, 30)\nsize 10 shares\n"
    )
    assert main(["explain", str(spec)]) == 1
    err = capsys.readouterr().err
    assert err.count("unknown indicator 'smaa'") == 1 and ":3:11:" in err
