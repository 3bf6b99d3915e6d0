"""The compiled kernel's codes and array layouts, importable without numba.

:mod:`app.backtest.kernel` (the jitted source) and its ahead-of-time build
(:mod:`app.backtest.kernel_aot`) share them. numba's on-disk cache of ``kernel.py`` keys on
that file alone: a change here must come with a change there (the ahead-of-time build keys
on both files' bytes).
"""

# Sizing kinds, as codes.
PCT_EQUITY, RISK_PCT, FIXED_USD, FIXED_SHARES = 0, 1, 2, 3
# Exit reasons, as codes (see REASONS).
EXIT_RULE, MAX_HOLD, STOP_LOSS, TAKE_PROFIT, TRAILING_STOP = 0, 1, 2, 3, 4
REASONS = ("exit_rule", "max_hold", "stop_loss", "take_profit", "trailing_stop")
TRADE_FIELDS = 14
"""symbol, side, entry t, entry price, exit t, exit price, qty, reason, bars held, pnl,
entry bar, exit bar (the symbol's own bar indices), entry commission, exit commission."""
STATE_FIELDS = 12
"""Per symbol at the end: side, qty, entry price, entry bar, entry t, entry commission,
closing, close reason, close decided at (own bar), pending side, pending qty, pending
entry decided at (own bar)."""
FLAGS = 7
"""[buys cut to the cash, unused, lowest equity at a decision, entries cut by a cap, still
open, entries refused by max positions, entries refused for a zero size]."""
