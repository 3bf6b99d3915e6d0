"""Does each layer (regime filter, agent team, memory) help, out of sample, beyond chance?

:func:`~app.evaluate.run.evaluate` gives the figures; :mod:`app.evaluate.report` the table
and verdicts; :mod:`app.evaluate.audit` the look-ahead audit.
"""
