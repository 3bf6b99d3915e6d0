"""Where a sweep's batches run: this process, a pool of local processes, or a Ray cluster.

Every backend runs the same :func:`app.sweep.evaluate.evaluate_batch` on the same batches
(variants sharded in fixed-size chunks, every symbol of a variant in one task, since
sizing, caps and cash tie a variant's symbols together), and results come back in
variant order, so the backends give identical sweeps.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from app import caches
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
    with Runner(ctx, backend, workers, address) as runner:
        return runner.run(specs, progress)


class Runner:
    """One backend for the whole of a sweep: a search that runs its variants in many
    batches (TPE) starts or reaches Ray once and ships the context once, not per batch."""

    def __init__(self, ctx: Context, backend: str = "local", workers: int | None = None,
                 address: str | None = None) -> None:
        self.ctx, self.backend, self.workers, self.address = ctx, backend, workers, address
        self._ray: Any = None
        self._ctx_ref: Any = None
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

    def run(self, specs: Sequence[StrategySpec], progress: Progress | None = None
            ) -> list[Outcome]:
        if self.backend == "ray":
            if self._ctx_ref is None:
                self._ctx_ref = self._ray.put(self.ctx)
                self._task = self._ray.remote(_ray_task)
            return _ray(self._ray, self._task, self._ctx_ref, specs, self.workers, progress)
        n = self.workers if self.workers is not None else (os.cpu_count() or 1)
        if n <= 1 or len(specs) < 8:
            out = []
            for batch in chunks(specs, 8):
                out += evaluate_batch(self.ctx, batch)
                if progress is not None:
                    progress(len(batch))
            return out
        return _pool(self.ctx, specs, n, progress)


def _chunk_size(n_specs: int, workers: int) -> int:
    return max(1, min(64, n_specs // (workers * 4) or 1))


def _init(ctx: Context | None, where: caches.Caches) -> None:
    """A worker's start: the context (unless forked with it), and the caches the face set
    (a spawned worker is started by no face)."""
    global _CTX
    caches.use(where)
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
                             initargs=(None if fork else ctx, caches.current())) as pool:
        for result in pool.map(_work, chunks(specs, size)):
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


def _ray(ray: Any, task: Any, ctx_ref: Any, specs: Sequence[StrategySpec],
         workers: int | None, progress: Progress | None) -> list[Outcome]:
    cpus = int(ray.cluster_resources().get("CPU", 1))
    size = _chunk_size(len(specs), workers or cpus)
    # the context's reference travels inside a list, so Ray hands the task the reference,
    # not a fresh copy of the panel: each worker process resolves it once and keeps it
    where = caches.current()
    refs = [task.remote([ctx_ref], list(batch), where) for batch in chunks(specs, size)]
    out: list[Outcome] = []
    for ref in refs:
        result = ray.get(ref)
        out += result
        if progress is not None:
            progress(len(result))
    return out


def _ray_init(ray: Any, address: str | None, workers: int | None) -> None:
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": False}
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
            hint += ("; a cluster with token authentication (Ray 2.59+ turns it on for `ray "
                     "start` where ~/.ray/auth_token exists) needs RAY_AUTH_MODE=token here, "
                     "with its token in RAY_AUTH_TOKEN or ~/.ray/auth_token")
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
        raise ParleyError(f"could not reach Ray at {address}: {err.strerror or err}",
                          "start the cluster (ray start --head --port=6379) or check the "
                          "address (HOST:6379, or ray://HOST:10001 through Ray Client)"
                          ) from None


_RAY_CTX: dict[str, Context] = {}
"""A Ray worker's context, by its object's id: resolved on the worker's first task of a
sweep and kept, so its indicator grids are computed once per worker as in the local pool,
not once per task."""


def _ray_task(holder: list[Any], batch: list[StrategySpec], where: caches.Caches
              ) -> list[Outcome]:
    caches.use(where)
    ref = holder[0]
    key = ref.hex()
    ctx = _RAY_CTX.get(key)
    if ctx is None:
        import ray

        _RAY_CTX.clear()  # a worker serves one sweep at a time
        ctx = _RAY_CTX[key] = ray.get(ref)
    return evaluate_batch(ctx, batch)
