"""The one execution path shared by backtest, paper and live trading.

Only the clock, the feed and the broker differ between them (DESIGN.md section 5):

* :mod:`~app.execution.symbol_data` -- a symbol's bars with its rule signals, vectorised;
* :mod:`~app.execution.session` -- per (symbol, bar): fills at the open, protective exits,
  rules at the close, candidate -> gates -> sizing -> risk gate -> order;
* :mod:`~app.execution.gate` -- the decision hook the
  regime filter and the agent team plug into;
* :mod:`~app.execution.risk` -- the risk gate: the caps, and the limits of
  :mod:`~app.execution.limits` (daily loss, drawdown stop, circuit breaker, PDT), in code;
* :mod:`~app.execution.paper` -- the simulated venue (orders by client order id, fills,
  account); :mod:`~app.execution.fill_model`, :mod:`~app.execution.costs`,
  :mod:`~app.execution.sizing`, :mod:`~app.execution.portfolio` -- its parts.
"""
