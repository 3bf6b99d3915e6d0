"""Screens: one per file. Each composes widgets and routes their messages."""
