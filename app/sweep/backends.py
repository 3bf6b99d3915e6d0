"""Where a sweep's batches run: this process, a pool of local processes, or a Ray cluster.

Every backend runs the same :func:`app.sweep.evaluate.evaluate_batch` on the same batches
(variants sharded in fixed-size chunks, every symbol of a variant in one task, since
sizing, caps and cash tie a variant's symbols together), and results come back in
variant order, so the backends give identical sweeps.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from app.errors import ParleyError
from app.spec.models import StrategySpec
from app.sweep.evaluate import Context, Outcome, evaluate_batch

BACKENDS = ("local", "ray")
Progress = Callable[[int], None]
_CTX: Context | None = None
"""The worker's context: set before a fork, or by the pool's initializer."""


def chunks(specs: Sequence[StrategySpec], size: int) -> Iterator[Sequence[StrategySpec]]:
    for i in range(0, len(specs), size):
        yield specs[i:i + size]


def run_batches(ctx: Context, specs: Sequence[StrategySpec], backend: str = "local",
                workers: int | None = None, address: str | None = None,
                progress: Progress | None = None) -> list[Outcome]:
    """Every variant's outcome, in order."""
    if backend == "ray":
        return _ray(ctx, specs, workers, address, progress)
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n <= 1 or len(specs) < 8:
        out = []
        for batch in chunks(specs, 8):
            out += evaluate_batch(ctx, batch)
            if progress is not None:
                progress(len(batch))
        return out
    return _pool(ctx, specs, n, progress)


def _chunk_size(n_specs: int, workers: int) -> int:
    return max(1, min(64, n_specs // (workers * 4) or 1))


def _init(ctx: Context | None) -> None:
    global _CTX
    if ctx is not None:
        _CTX = ctx


def _work(batch: Sequence[StrategySpec]) -> list[Outcome]:
    assert _CTX is not None
    return evaluate_batch(_CTX, batch)


def _pool(ctx: Context, specs: Sequence[StrategySpec], n: int,
          progress: Progress | None) -> list[Outcome]:
    global _CTX
    fork = "fork" in mp.get_all_start_methods()
    _CTX = ctx  # a forked worker inherits it without pickling the panel
    method = mp.get_context("fork" if fork else "spawn")
    size = _chunk_size(len(specs), n)
    out: list[Outcome] = []
    with ProcessPoolExecutor(n, mp_context=method, initializer=_init,
                             initargs=(None if fork else ctx,)) as pool:
        for result in pool.map(_work, chunks(specs, size)):
            out += result
            if progress is not None:
                progress(len(result))
    return out


def _ray(ctx: Context, specs: Sequence[StrategySpec], workers: int | None,
         address: str | None, progress: Progress | None) -> list[Outcome]:
    try:
        import ray
    except ImportError:
        raise ParleyError("the ray backend needs Ray: pip install 'parley[ray]'") from None
    started = not ray.is_initialized()
    if started:
        _ray_init(ray, address, workers)
    try:
        ctx_ref = ray.put(ctx)
        task = ray.remote(_ray_task)
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        size = _chunk_size(len(specs), workers or cpus)
        refs = [task.remote(ctx_ref, list(batch)) for batch in chunks(specs, size)]
        out: list[Outcome] = []
        for ref in refs:
            result = ray.get(ref)
            out += result
            if progress is not None:
                progress(len(result))
        return out
    finally:
        if started:
            ray.shutdown()


def _ray_init(ray: Any, address: str | None, workers: int | None) -> None:
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": False}
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=workers or os.cpu_count() or 1, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as err:
        where = address or "a local Ray instance"
        raise ParleyError(f"could not start or reach Ray at {where}: {err}",
                          "check the address (ray://HOST:10001 or HOST:6379), or use "
                          "--backend local") from None


def _ray_task(ctx: Context, batch: list[StrategySpec]) -> list[Outcome]:
    return evaluate_batch(ctx, batch)
