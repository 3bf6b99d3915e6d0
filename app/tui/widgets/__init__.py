"""Widgets: one per file. Each renders one thing and posts its own nested messages."""
