"""The specs in ``strategies/``: listing with status, reading, and saving without surprises.

Pure Python (no Textual), so it is easy to test and could move to the core later.

Drafts: a spec that does not validate can only be saved as a draft, and a draft lives next
to the specs as ``<name>.strategy.draft``. ``parley check strategies/*.strategy`` and the
runner never see drafts; the library lists them marked "draft". Saving a draft once its text
is valid writes ``<name>.strategy`` and removes the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from app.dsl import analyse, read_spec_text
from app.errors import ParleyError

SPEC_SUFFIX = ".strategy"
DRAFT_SUFFIX = ".strategy.draft"


@dataclass(frozen=True)
class SpecEntry:
    """One file of the library and what a check of it found."""

    path: Path
    name: str
    """The spec's name (from ``strategy "..."``), or the file stem when it has none."""
    errors: int
    draft: bool
    example: bool = False
    """One of the examples shipped with Parley (shown while the folder holds no spec):
    read-only, opened as a copy that saves into the folder."""

    @property
    def status(self) -> str:
        if self.example:
            return "example" if not self.errors else f"example · {_count(self.errors)}"
        if self.draft:
            return "draft" if not self.errors else f"draft · {_count(self.errors)}"
        return "valid" if not self.errors else _count(self.errors)


def _count(errors: int) -> str:
    return f"{errors} error{'s' if errors != 1 else ''}"


def slugify(name: str) -> str:
    """A file stem for a spec name: ``"Golden cross!"`` -> ``golden_cross``."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug[:60] or "untitled"


def is_draft(path: Path) -> bool:
    return path.name.endswith(DRAFT_SUFFIX)


def stem_of(path: Path) -> str:
    """``golden_cross`` for both ``golden_cross.strategy`` and its draft."""
    name = path.name
    for suffix in (DRAFT_SUFFIX, SPEC_SUFFIX):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


_NAME = re.compile(r'^strategy\s+"((?:[^"\\]|\\.)*)"', re.MULTILINE)


def name_in(text: str) -> str | None:
    """The quoted name of a spec text, found even when the rest does not parse."""
    match = _NAME.search(text)
    return match.group(1) if match else None


class SpecLibrary:
    """The folder of spec files (``settings.strategies_dir``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def entries(self) -> list[SpecEntry]:
        """Every spec and draft, checked, sorted by file name; the shipped examples when
        the folder holds none (a fresh install)."""
        paths = (
            [
                p
                for p in self.folder.iterdir()
                if p.is_file() and (p.name.endswith(SPEC_SUFFIX) or is_draft(p))
            ]
            if self.folder.is_dir()
            else []
        )
        if not paths:
            return self._examples()
        return [self._entry(p) for p in sorted(paths, key=lambda p: p.name)]

    def _examples(self) -> list[SpecEntry]:
        from dataclasses import replace

        from app.examples import example_files

        return [replace(self._entry(Path(str(f))), example=True) for f in example_files()]

    def _entry(self, path: Path) -> SpecEntry:
        try:
            text = read_spec_text(path)
        except ParleyError:
            return SpecEntry(path, stem_of(path), 1, is_draft(path))
        _spec, diagnostics = analyse(text)
        return SpecEntry(path, name_in(text) or stem_of(path), len(diagnostics), is_draft(path))

    def read(self, path: Path) -> str:
        return read_spec_text(path)

    def path_for(self, name: str, draft: bool = False) -> Path:
        """Where a spec called ``name`` is saved (``strategies/<slug>.strategy``)."""
        return self.folder / (slugify(name) + (DRAFT_SUFFIX if draft else SPEC_SUFFIX))

    def write(self, path: Path, text: str, overwrite: bool = False) -> Path:
        """Write a spec file; refuses to replace an existing file unless told to.

        Raises:
            ParleyError: the file exists (and ``overwrite`` is False) or cannot be written.
        """
        if path.exists() and not overwrite:
            raise ParleyError(
                f"{path} already exists", "save under another name, or confirm overwriting it"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except OSError as err:
            raise ParleyError(f"{path}: cannot write it ({err.strerror})") from None
        return path

    def save_valid(self, path: Path, text: str, overwrite: bool = False) -> Path:
        """Save a spec that validates (never a draft path).

        Raises:
            ParleyError: the text does not validate, or the file exists (see :meth:`write`).
        """
        _spec, diagnostics = analyse(text)
        if diagnostics:
            raise ParleyError(
                f"not saved: the spec has {_count(len(diagnostics))}",
                "fix them first, or save it as a draft",
            )
        return self.write(path, text, overwrite=overwrite)

    def discard_draft(self, path: Path) -> None:
        """Remove a draft once its spec is saved for real."""
        if is_draft(path):
            path.unlink(missing_ok=True)

    def draft_path(self, path: Path) -> Path:
        """The draft file that goes with a spec path."""
        return path if is_draft(path) else path.with_name(stem_of(path) + DRAFT_SUFFIX)

    def spec_path(self, path: Path) -> Path:
        """The spec file that goes with a draft path."""
        return path.with_name(stem_of(path) + SPEC_SUFFIX) if is_draft(path) else path
