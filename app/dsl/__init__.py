"""The strategy language: text <-> :class:`~app.spec.models.StrategySpec`."""

from __future__ import annotations

from pathlib import Path

from app.dsl.diagnostics import Diagnostic, SpecError
from app.dsl.parser import analyse, parse_spec
from app.dsl.printer import format_expr, format_spec
from app.errors import ParleyError
from app.spec.models import StrategySpec

__all__ = [
    "Diagnostic",
    "SpecError",
    "analyse",
    "parse_spec",
    "format_spec",
    "format_expr",
    "read_spec_text",
    "load_spec",
]


def read_spec_text(path: str | Path) -> str:
    """The text of a spec file, with a clear error when it cannot be read."""
    p = Path(path)
    if p.is_dir():
        raise ParleyError(
            f"{p}: is a folder, not a spec file",
            "pass a file such as strategies/sma_crossover.strategy",
        )
    try:
        return p.read_text(encoding="utf-8-sig")  # a byte-order mark (Windows Notepad) is not text
    except FileNotFoundError:
        raise ParleyError(
            f"{p}: no such file", "check the path; specs live in strategies/"
        ) from None
    except UnicodeDecodeError as err:
        raise ParleyError(f"{p}: not a text file (byte {err.start} is not UTF-8)") from None
    except OSError as err:
        raise ParleyError(f"{p}: cannot read it ({err.strerror})") from None


def load_spec(path: str | Path) -> StrategySpec:
    """Read and parse a spec file; raises SpecError with every problem found."""
    return parse_spec(read_spec_text(path), str(path))
