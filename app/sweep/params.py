"""The bridge from a spec's ``param`` lines to a sweep's dimensions and bound variants."""

from __future__ import annotations

from collections.abc import Callable

from app.errors import ParleyError
from app.spec.models import StrategySpec
from app.sweep.space import Dimension


def dimensions(spec: StrategySpec, only: list[str] | None = None) -> list[Dimension]:
    """One dimension per parameter of the spec (or of those named in ``only``)."""
    declared = list(getattr(spec, "params", ()) or ())
    if not declared:
        raise ParleyError(
            f"{spec.name!r} has no parameters to sweep",
            "declare one, e.g. `param fast = 10 in 5..50 step 5`, and use it as sma(close, fast)",
        )
    names = [p.name for p in declared]
    for name in only or []:
        if name not in names:
            raise ParleyError(
                f"--param {name}: the spec has no parameter of that name "
                f"(it has {', '.join(names)})"
            )
    chosen = [p for p in declared if not only or p.name in only]
    from app.spec import params as P

    return [
        Dimension(p.name, tuple(P.values(p)), bool(getattr(p, "integer", False)), bool(p.pct))
        for p in chosen
    ]


def binder(spec: StrategySpec) -> Callable[[dict[str, float]], StrategySpec]:
    """values -> the plain spec of that variant (parameters not swept keep defaults)."""
    from app.spec import params as P

    def bind(values: dict[str, float]) -> StrategySpec:
        return P.bind(spec, values)

    return bind
