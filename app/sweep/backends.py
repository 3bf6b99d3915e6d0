"""Where a sweep's batches run: this process, a pool of local processes, or a Ray cluster.

Every backend runs the same :func:`app.sweep.evaluate.evaluate_batch` on the same batches
(variants sharded in fixed-size chunks), and results come back in variant order, so the
backends give identical sweeps. By default every symbol of a variant runs in one task.
With ``shards=N`` the universe is also cut into N groups of symbols
(:mod:`app.sweep.shards`): a first round of tasks runs each chunk of variants on each
group, a second merges each variant's groups into the whole-universe result (or runs it
whole where its symbols interacted), so a task holds and evaluates one group's data.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from app import caches
from app.errors import ParleyError
from app.spec.models import StrategySpec
from app.sweep.evaluate import Context, Outcome, evaluate_batch
from app.sweep.panel import batch_signals
from app.sweep.shards import ShardRun, merge_or_run, run_shard, shardable, split, sub_panel

Progress = Callable[[int], None]
_CTX: Context | None = None
"""The worker's context: set before a fork, or by the pool's initializer."""
_SHARDS: list[tuple[Context, np.ndarray]] = []
"""The worker's symbol shards (their contexts and their symbols' indices), likewise."""


def chunks(specs: Sequence[StrategySpec], size: int) -> Iterator[Sequence[StrategySpec]]:
    for i in range(0, len(specs), size):
        yield specs[i : i + size]


def run_batches(
    ctx: Context,
    specs: Sequence[StrategySpec],
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: Progress | None = None,
    start_method: str | None = None,
    shards: int = 0,
) -> list[Outcome]:
    """Every variant's outcome, in order."""
    with Runner(ctx, backend, workers, address, start_method, shards) as runner:
        return runner.run(specs, progress)


def shard_contexts(ctx: Context, shards: int) -> list[tuple[Context, np.ndarray]]:
    """The context of each group of symbols (none below two groups)."""
    parts = split(len(ctx.panel.symbols), shards) if shards > 1 else []
    if len(parts) < 2:
        return []
    return [
        (
            Context(
                sub_panel(ctx.panel, cols),
                {},
                ctx.cash,
                ctx.commission,
                ctx.slippage,
                ctx.start,
                ctx.end,
                ctx.source,
            ),
            cols,
        )
        for cols in parts
    ]


class Runner:
    """One backend for the whole of a sweep: a search that runs its variants in many
    batches (TPE) starts or reaches Ray once and ships the context once, not per batch.

    ``start_method`` is how the local pool starts its processes (default: fork where the
    platform has it, else spawn); ``shards`` the number of symbol groups (0 or 1: none)."""

    def __init__(
        self,
        ctx: Context,
        backend: str = "local",
        workers: int | None = None,
        address: str | None = None,
        start_method: str | None = None,
        shards: int = 0,
    ) -> None:
        self.ctx, self.backend, self.workers, self.address = ctx, backend, workers, address
        if start_method is not None and start_method not in mp.get_all_start_methods():
            raise ParleyError(
                f"this platform cannot start processes by {start_method!r}",
                f"use one of {', '.join(mp.get_all_start_methods())}",
            )
        self.start_method = start_method
        self.shards = shard_contexts(ctx, shards)
        self._ray: Any = None
        self._ctx_ref: Any = None
        self._shard_refs: list[Any] = []
        self._task: Any = None
        self._started = False

    def __enter__(self) -> Runner:
        if self.backend == "ray":
            self._ray = _import_ray()
            self._started = not self._ray.is_initialized()
            if self._started:
                _ray_init(self._ray, self.address, self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False

    @property
    def width(self) -> int:
        """Variants a guided search should propose at once: one at a time on this machine
        (each result guides the next; a batch that small runs in this process), a batch
        per CPU on Ray."""
        if self.backend != "ray":
            return 1
        return self.workers or int(self._ray.cluster_resources().get("CPU", 1))

    def run(self, specs: Sequence[StrategySpec], progress: Progress | None = None) -> list[Outcome]:
        if self.backend == "ray":
            if self._ctx_ref is None:
                self._ctx_ref = self._ray.put(self.ctx)
                self._shard_refs = [self._ray.put(c) for c, _ in self.shards]
                self._task = (
                    self._ray.remote(_ray_task),
                    self._ray.remote(_ray_shard_task),
                    self._ray.remote(_ray_merge_task),
                )
            return _ray(
                self._ray,
                self._task,
                self.ctx,
                self._ctx_ref,
                self._shard_refs,
                [cols for _, cols in self.shards],
                specs,
                self.workers,
                progress,
            )
        n = self.workers if self.workers is not None else (os.cpu_count() or 1)
        if n <= 1 or len(specs) < 8:
            out = []
            for batch in chunks(specs, 8):
                out += _evaluate(self.ctx, self.shards, batch)
                if progress is not None:
                    progress(len(batch))
            return out
        return _pool(self.ctx, self.shards, specs, n, progress, self.start_method)


def _evaluate(
    ctx: Context, shards: list[tuple[Context, np.ndarray]], batch: Sequence[StrategySpec]
) -> list[Outcome]:
    """A batch in this process: whole, or through its symbol shards."""
    if not shards:
        return evaluate_batch(ctx, batch)
    mask = shardable_mask(ctx, batch)
    runs = [shard_batch(c, cols, batch, mask) for c, cols in shards]
    return merge_batch(ctx, batch, runs)


def shardable_mask(ctx: Context, batch: Sequence[StrategySpec]) -> list[bool]:
    """Which variants run through shards (the others run whole in the merge's task)."""
    return [shardable(spec, ctx.panel) for spec in batch]


def shard_batch(
    shard: Context, cols: np.ndarray, batch: Sequence[StrategySpec], mask: Sequence[bool]
) -> list[ShardRun | None]:
    """Each variant of the batch on one group of symbols (None: it runs whole), their
    signals evaluated together."""
    on = [spec for spec, use in zip(batch, mask) if use]
    signals = iter(batch_signals(on, shard.panel) if on else [])
    return [
        run_shard(shard, spec, cols, next(signals)) if use else None
        for spec, use in zip(batch, mask)
    ]


def merge_batch(
    ctx: Context, batch: Sequence[StrategySpec], runs: Sequence[Sequence[ShardRun | None]]
) -> list[Outcome]:
    """Each variant's outcome from its groups' runs (``runs[group][variant]``)."""
    out = []
    for i, spec in enumerate(batch):
        parts = [r[i] for r in runs]
        out.append(
            merge_or_run(
                ctx,
                spec,
                None if any(p is None for p in parts) else [p for p in parts if p is not None],
            )
        )
    return out


def _chunk_size(n_specs: int, workers: int) -> int:
    return max(1, min(64, n_specs // (workers * 4) or 1))


def _init(
    ctx: Context | None, shards: list[tuple[Context, np.ndarray]] | None, where: caches.Caches
) -> None:
    """A worker's start: the contexts (unless forked with them), and the caches the face
    set (a spawned worker is started by no face)."""
    global _CTX, _SHARDS
    caches.use(where)
    if ctx is not None:
        _CTX = ctx
    if shards is not None:
        _SHARDS = shards


def _work(batch: Sequence[StrategySpec]) -> list[Outcome]:
    assert _CTX is not None
    return evaluate_batch(_CTX, batch)


def _work_shard(item: tuple[int, Sequence[StrategySpec], list[bool]]) -> list[ShardRun | None]:
    k, batch, mask = item
    shard, cols = _SHARDS[k]
    return shard_batch(shard, cols, batch, mask)


def _work_merge(item: tuple[Sequence[StrategySpec], list[list[ShardRun | None]]]) -> list[Outcome]:
    assert _CTX is not None
    return merge_batch(_CTX, *item)


def _pool(
    ctx: Context,
    shards: list[tuple[Context, np.ndarray]],
    specs: Sequence[StrategySpec],
    n: int,
    progress: Progress | None,
    start_method: str | None = None,
) -> list[Outcome]:
    global _CTX, _SHARDS
    if start_method is None:
        start_method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    fork = start_method == "fork"
    _CTX, _SHARDS = ctx, shards  # a forked worker inherits them without pickling the panel
    size = _chunk_size(len(specs), n)
    batches = list(chunks(specs, size))
    out: list[Outcome] = []
    with ProcessPoolExecutor(
        n,
        mp_context=mp.get_context(start_method),
        initializer=_init,
        initargs=(None, None, caches.current()) if fork else (ctx, shards, caches.current()),
    ) as pool:
        if not shards:
            for result in pool.map(_work, batches):
                out += result
                if progress is not None:
                    progress(len(result))
            return out
        masks = [shardable_mask(ctx, batch) for batch in batches]
        firsts = [
            pool.submit(_work_shard, (k, batch, mask))
            for batch, mask in zip(batches, masks)
            for k in range(len(shards))
        ]
        merges = []
        for i, batch in enumerate(batches):
            runs = [f.result() for f in firsts[i * len(shards) : (i + 1) * len(shards)]]
            merges.append(pool.submit(_work_merge, (batch, runs)))
        for f in merges:
            result = f.result()
            out += result
            if progress is not None:
                progress(len(result))
    return out


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ParleyError("the ray backend needs Ray: pip install 'parley[ray]'") from None
    return ray


def _ray(
    ray: Any,
    tasks: Any,
    ctx: Context,
    ctx_ref: Any,
    shard_refs: list[Any],
    cols: list[np.ndarray],
    specs: Sequence[StrategySpec],
    workers: int | None,
    progress: Progress | None,
) -> list[Outcome]:
    cpus = int(ray.cluster_resources().get("CPU", 1))
    size = _chunk_size(len(specs), workers or cpus)
    whole, shard, merge = tasks
    where = caches.current()
    # the contexts' references travel inside a list, so Ray hands the task the reference,
    # not a fresh copy of the panel: each worker process resolves it once and keeps it;
    # the shards' results go to the merge as references (worker to worker, not through
    # this process)
    if shard_refs:
        refs = []
        for batch in chunks(specs, size):
            mask = shardable_mask(ctx, batch)
            refs.append(
                merge.remote(
                    [ctx_ref],
                    list(batch),
                    where,
                    *[
                        shard.remote([ref], c, list(batch), mask, where)
                        for ref, c in zip(shard_refs, cols)
                    ],
                )
            )
    else:
        refs = [whole.remote([ctx_ref], list(batch), where) for batch in chunks(specs, size)]
    out: list[Outcome] = []
    for ref in refs:
        result = ray.get(ref)
        out += result
        if progress is not None:
            progress(len(result))
    return out


def _ray_init(ray: Any, address: str | None, workers: int | None) -> None:
    kwargs: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "configure_logging": False,
    }
    if address:
        _check_reachable(address)
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=workers or os.cpu_count() or 1, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as err:
        where = address or "a local Ray instance"
        hint = "check the address (ray://HOST:10001 or HOST:6379), or use --backend local"
        if address and os.environ.get("RAY_AUTH_MODE") is None:
            # Ray never sends a token to an address given explicitly unless told to
            hint += (
                "; a cluster with token authentication (Ray 2.59+ turns it on for `ray "
                "start` where ~/.ray/auth_token exists) needs RAY_AUTH_MODE=token here, "
                "with its token in RAY_AUTH_TOKEN or ~/.ray/auth_token"
            )
        raise ParleyError(f"could not start or reach Ray at {where}: {err}", hint) from None


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse at once an address where nothing listens (Ray itself retries for minutes,
    printing its own warnings). ``auto`` and addresses without a port are left to Ray."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as err:
        raise ParleyError(
            f"could not reach Ray at {address}: {err.strerror or err}",
            "start the cluster (ray start --head --port=6379) or check the "
            "address (HOST:6379, or ray://HOST:10001 through Ray Client)",
        ) from None


_RAY_CTX: dict[str, Context] = {}
"""A Ray worker's contexts (the whole universe's, its shards'), by their objects' ids:
resolved on the worker's first task of a sweep and kept, so its indicator grids are
computed once per worker as in the local pool, not once per task."""
_RAY_KEEP = 64
"""Contexts a worker keeps (a sweep's: the whole one and a few shards'); past that it
forgets the older sweeps' (a worker serves one sweep at a time)."""


def _ray_context(holder: list[Any]) -> Context:
    ref = holder[0]
    key = ref.hex()
    ctx = _RAY_CTX.get(key)
    if ctx is None:
        import ray

        if len(_RAY_CTX) >= _RAY_KEEP:
            _RAY_CTX.clear()
        ctx = _RAY_CTX[key] = ray.get(ref)
    return ctx


def _ray_task(holder: list[Any], batch: list[StrategySpec], where: caches.Caches) -> list[Outcome]:
    caches.use(where)
    return evaluate_batch(_ray_context(holder), batch)


def _ray_shard_task(
    holder: list[Any],
    cols: np.ndarray,
    batch: list[StrategySpec],
    mask: list[bool],
    where: caches.Caches,
) -> list[ShardRun | None]:
    caches.use(where)
    return shard_batch(_ray_context(holder), cols, batch, mask)


def _ray_merge_task(
    holder: list[Any], batch: list[StrategySpec], where: caches.Caches, *runs: list[ShardRun | None]
) -> list[Outcome]:
    caches.use(where)
    return merge_batch(_ray_context(holder), batch, runs)
