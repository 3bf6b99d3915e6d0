"""The example specs that ship with Parley, wherever it is installed.

In a source checkout they are the files of ``strategies/`` at the top of the tree; a built
wheel carries the same files as the package data ``app/examples/`` (see the hatch
``force-include`` in pyproject.toml). Read them through :func:`example_files`, never by a
path relative to the source.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

SUFFIX = ".strategy"


def examples_root() -> Traversable:
    packaged = resources.files("app") / "examples"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "strategies"


def example_files() -> list[Traversable]:
    """The example spec files, by name."""
    root = examples_root()
    if not root.is_dir():
        return []
    return sorted((f for f in root.iterdir() if f.name.endswith(SUFFIX)), key=lambda f: f.name)


def example_texts() -> dict[str, str]:
    """File name -> the spec's text."""
    return {f.name: f.read_text(encoding="utf-8") for f in example_files()}
