"""The kernel compiled ahead of time: a process that runs it imports neither numba nor llvmlite.

Importing numba and loading its cached machine code cost about 0.7 s a process (numba
initialises every registry it has, and scipy's BLAS through them) -- a third of a whole
500-symbol backtest whose kernel call takes 40 ms. So the first process that needs the
kernel builds :func:`app.backtest.kernel.simulate` with ``numba.pycc`` into an extension
module, keyed by the bytes of ``kernel.py`` and ``kernel_codes.py``, the Python ABI and
numpy's version; every later process imports that module in under a millisecond. It is the
same source compiled by the same compiler, so the trades are the jitted kernel's
(``tests/test_kernel_aot.py`` holds them equal).

The module lives in ``app/backtest/__pycache__`` beside numba's own cache (shared by every
``PARLEY_HOME``), or ``PARLEY_HOME/cache/kernel`` when the package folder is read-only.
When it cannot be built (no C compiler, no setuptools) the jitted kernel runs, as before,
and a marker keeps later processes from trying again. ``PARLEY_KERNEL=jit`` skips it.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from app.caches import current

HERE = Path(__file__).resolve().parent
_SOURCES = ("kernel.py", "kernel_codes.py")
_loaded: dict[str, Callable[..., int]] = {}

# simulate's arguments: (dtype, ndim) of each array, "i" / "f" for the scalars.
_ARGS: tuple[Any, ...] = (
    ("f8", 2),
    ("f8", 2),
    ("f8", 2),
    ("f8", 2),
    ("i8", 2),
    ("i8", 1),
    ("b1", 1),
    ("b1", 2),
    ("b1", 2),
    ("b1", 2),
    ("b1", 2),
    ("f8", 2),
    ("f8", 2),
    ("f8", 2),
    ("f8", 1),
    "i",
    "f",
    "i",
    "i",
    "f",
    "f",
    "f",
    "i",
    "f",
    "i",
    "f",
    ("f8", 2),
    ("f8", 1),
    ("f8", 1),
    ("f8", 2),
)
_OUTPUTS = 4
"""The last four arrays (trades, equity, flags, state) are written in place."""


def simulate_function() -> Callable[..., int]:
    """``simulate`` of the kernel: the built module's, or the jitted one's."""
    if "simulate" in _loaded:
        return _loaded["simulate"]
    fn = _built() if current().built_kernel else None
    if fn is None:
        from app.backtest import kernel

        fn = kernel.simulate
    else:
        fn = _checked(fn)
    _loaded["simulate"] = fn
    return fn


def module_name() -> str:
    """The extension's name: its sources' digest, the Python ABI, numpy's version."""
    h = hashlib.sha1()
    for name in _SOURCES:
        h.update((HERE / name).read_bytes())
    h.update(f"{sys.implementation.cache_tag} {np.__version__} {platform.machine()}".encode())
    return f"parley_kernel_{h.hexdigest()[:16]}"


def folders() -> list[Path]:
    """Beside the source, then the caches' folder (when the faces set one)."""
    home = current().folder("kernel")
    return [HERE / "__pycache__", *([] if home is None else [home])]


def _built() -> Callable[..., int] | None:
    name = module_name()
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    places = folders()
    for folder in places:
        path = folder / (name + suffix)
        if path.exists():
            fn = _import(name, path)
            if fn is not None:
                return fn
    if any((folder / (name + ".failed")).exists() for folder in places):
        return None
    for folder in places:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = tempfile.mkdtemp(prefix=".build-", dir=folder)
        except OSError:
            continue
        try:
            path = _build(name, Path(probe), folder)
        except Exception as err:  # noqa: BLE001 - any failure means: run the jitted kernel
            _mark_failed(folder / (name + ".failed"), err)
            return None
        finally:
            _remove_tree(Path(probe))
        return _import(name, path)
    return None


def _import(name: str, path: Path) -> Callable[..., int] | None:
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.simulate  # type: ignore[no-any-return]
    except (ImportError, OSError, AttributeError):
        return None


def _build(name: str, work: Path, folder: Path) -> Path:
    """Compile the kernel into ``work``, then move it into ``folder`` (atomic: a process
    racing this one imports either nothing or the whole module)."""
    import warnings

    from numba import types as nt

    from app.backtest import kernel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pycc: Any = importlib.import_module("numba.pycc")  # untyped, and deprecated by numba

    kinds = {"f8": nt.float64, "i8": nt.int64, "b1": nt.boolean}
    args = [
        nt.int64 if a == "i" else nt.float64 if a == "f" else nt.Array(kinds[a[0]], a[1], "A")
        for a in _ARGS
    ]
    cc = pycc.CC(name)
    cc.output_dir = str(work)
    cc.export("simulate", nt.int64(*args))(kernel.simulate.py_func)
    saved = os.dup(1)
    try:  # the C compiler's chatter must not reach stdout (`--json` writes there)
        sys.stdout.flush()
        os.dup2(2, 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cc.compile()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    built = work / cc.output_file
    target: Path = folder / cc.output_file
    os.replace(built, target)
    return target


def _checked(fn: Callable[..., int]) -> Callable[..., int]:
    """The built function with its input arrays in the dtypes it was compiled for (the
    jitted kernel would compile another version; the built one has only this one)."""

    def simulate(*args: Any) -> int:
        fixed = list(args)
        for i, kind in enumerate(_ARGS[:-_OUTPUTS]):
            if isinstance(kind, tuple) and fixed[i].dtype != kind[0]:
                fixed[i] = np.asarray(fixed[i], dtype=kind[0])
        for out in fixed[-_OUTPUTS:]:
            if out.dtype != np.float64:
                raise TypeError("the kernel writes float64 outputs")
        return fn(*fixed)

    return simulate


def _mark_failed(path: Path, err: Exception) -> None:
    try:
        path.write_text(f"{type(err).__name__}: {err}\n", encoding="utf-8")
    except OSError:
        pass


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
