"""Feeds: the replay of history as a live market (offline default) and Alpaca's bars."""
