"""What the faces (CLI, TUI) read from the environment without loading
:class:`app.config.Settings` (which costs a command's start-up ~35 ms): Parley's home, the
secret values the logs must never show, and the caches' switches.

Only the faces and :mod:`app.config` import this module (an import-linter contract holds
the core to that): the core takes these values as arguments, or from :mod:`app.caches`.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.caches import Caches

SECRET_ENV = (
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "APCA_API_KEY_ID",
    "APCA_API_SECRET_KEY",
    "PARLEY_ANTHROPIC_API_KEY",
    "PARLEY_OPENAI_API_KEY",
    "PARLEY_ALPACA_KEY_ID",
    "PARLEY_ALPACA_SECRET_KEY",
    "PARLEY_LLM_API_KEY",
)
"""Variables whose values are keys: masked in the log and in any printed error."""


def default_home() -> Path:
    """The user's data folder for Parley (``PARLEY_HOME`` unset)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("parley", appauthor=False))


def home() -> Path:
    """``PARLEY_HOME``, or the user's data folder (as :attr:`Settings.home` reads it)."""
    value = os.environ.get("PARLEY_HOME")
    return Path(value) if value else default_home()


URL_ENV = (
    "PARLEY_DATABASE_URL",
    "ANTHROPIC_BASE_URL",
    "PARLEY_ANTHROPIC_BASE_URL",
    "PARLEY_LLM_BASE_URL",
    "OPENAI_BASE_URL",
    "APCA_API_BASE_URL",
    "PARLEY_ALPACA_BASE_URL",
    "APCA_API_DATA_URL",
    "PARLEY_ALPACA_DATA_URL",
)
"""Variables whose values are URLs: a password written in one (``user:PASSWORD@host``) is
a secret too."""


def secrets() -> list[str]:
    """The values of the key variables that are set, and the passwords in URL settings."""
    from urllib.parse import unquote, urlsplit

    found = [os.environ[name] for name in SECRET_ENV if os.environ.get(name)]
    for name in URL_ENV:
        try:
            password = urlsplit(os.environ.get(name) or "").password
        except ValueError:  # not a URL (the setting's own check says so)
            password = None
        if password:
            found += [password, unquote(password)]
    return found


def caches(root: Path | None = None) -> Caches:
    """The caches under ``root`` (default ``home()/cache``): ``PARLEY_NO_CSV_CACHE`` set to
    anything turns the CSV cache off, ``PARLEY_KERNEL=jit`` the built kernel."""
    return Caches(
        root=home() / "cache" if root is None else root,
        csv=not os.environ.get("PARLEY_NO_CSV_CACHE"),
        built_kernel=os.environ.get("PARLEY_KERNEL") != "jit",
    )
