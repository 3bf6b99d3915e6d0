"""Parameter sweeps and walk-forward optimisation over a spec's ``param`` lines.

:func:`run_sweep` searches (grid or TPE), runs every variant -- compiled where the spec
allows, through the backtest engine otherwise -- locally or on Ray, and returns the
variants with the overfitting guards (deflated Sharpe ratio, PBO by CSCV, in- to
out-of-sample fall). :mod:`app.sweep.report` renders it.
"""

from app.sweep.sweep import Settings, SweepResult, run_sweep

__all__ = ["Settings", "SweepResult", "run_sweep"]
