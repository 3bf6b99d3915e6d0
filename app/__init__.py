"""Parley: plain-English trading strategies, compiled, checked, backtested and run safely."""

__version__ = "0.1.0"
