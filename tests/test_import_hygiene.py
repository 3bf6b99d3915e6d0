"""The core must import without Textual: the CLI and the TUI are two faces on one core."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

CORE = ["app.dsl", "app.spec.readback", "app.engine.signals", "app.market.loader", "app.cli"]


def test_core_does_not_import_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "bad = [m for m in sys.modules if m == 'textual' or m.startswith('app.tui')]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
