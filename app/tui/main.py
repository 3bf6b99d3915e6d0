"""``parley`` with no arguments: build the services from the settings and run the TUI."""

from __future__ import annotations

import sys


def run_tui() -> int:
    """Run the TUI until the user quits; 1 (with a message) if it cannot start."""
    from app.config import load_settings
    from app.errors import ParleyError
    from app.tui.app import ParleyApp
    from app.tui.services import build_services

    try:
        services = build_services(load_settings())
    except ParleyError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 1
    ParleyApp(services).run()
    return 0
