"""The terminal UI: chat, library and editor screens over the Textual-free core.

Nothing outside this package imports Textual. Screens compose and route, widgets render,
and everything that talks to the core goes through :mod:`app.tui.services`.
"""
