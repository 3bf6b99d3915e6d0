"""Settings from the environment (and an optional config file), never written anywhere.

Keys are ``SecretStr`` so they print as ``**********`` in logs, reprs and tracebacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.environment import default_home


class Settings(BaseSettings):
    """Everything configurable. Environment variables win over ``$PARLEY_HOME/config.env``."""

    model_config = SettingsConfigDict(env_prefix="PARLEY_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=default_home)
    """Folder of the database, caches and conversations (``PARLEY_HOME``)."""
    strategies_dir: Path = Path("strategies")
    """Where specs live (``PARLEY_STRATEGIES_DIR``), relative to the current folder."""
    database_url: str | None = None
    """SQLAlchemy URL; default is SQLite in ``home``. A PostgreSQL URL switches backends."""
    model: str = "claude-sonnet-5-5"
    """Anthropic model for the LLM compiler and agents (``PARLEY_MODEL``)."""
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "PARLEY_ANTHROPIC_API_KEY")
    )
    anthropic_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ANTHROPIC_BASE_URL", "PARLEY_ANTHROPIC_BASE_URL"),
    )
    llm_provider: Literal["anthropic", "openai"] | None = None
    """``anthropic`` (the default) or ``openai``: any OpenAI-compatible endpoint
    (``PARLEY_LLM_PROVIDER``; implied by ``PARLEY_LLM_BASE_URL``)."""
    llm_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("PARLEY_LLM_BASE_URL", "OPENAI_BASE_URL")
    )
    """An OpenAI-compatible server, e.g. ``http://localhost:11434/v1`` (Ollama)."""
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("PARLEY_LLM_API_KEY", "OPENAI_API_KEY")
    )
    """The key of that server; local servers need none."""
    llm_timeout: float = 120.0
    """Seconds a model call may take before it fails (``PARLEY_LLM_TIMEOUT``), for the
    compiler and the agents alike (a whole spec can take a minute to write)."""
    alpaca_key_id: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("APCA_API_KEY_ID", "PARLEY_ALPACA_KEY_ID")
    )
    alpaca_secret_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("APCA_API_SECRET_KEY", "PARLEY_ALPACA_SECRET_KEY"),
    )
    alpaca_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("APCA_API_BASE_URL", "PARLEY_ALPACA_BASE_URL")
    )
    alpaca_data_url: str | None = Field(
        default=None, validation_alias=AliasChoices("APCA_API_DATA_URL", "PARLEY_ALPACA_DATA_URL")
    )

    @property
    def provider(self) -> str:
        """The LLM provider in force: ``openai`` when chosen or a base URL is set."""
        if self.llm_provider is not None:
            return self.llm_provider
        return "openai" if self.llm_base_url else "anthropic"

    @property
    def llm_enabled(self) -> bool:
        if self.provider == "openai":
            return bool(self.llm_base_url) or self.llm_api_key is not None
        key = self.anthropic_api_key
        return key is not None and bool(key.get_secret_value())

    @property
    def alpaca_enabled(self) -> bool:
        return bool(self.alpaca_key_id and self.alpaca_secret_key)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'parley.db'}"


def load_settings() -> Settings:
    """Settings from the environment, then ``$PARLEY_HOME/config.env`` if it exists."""
    probe = Settings()
    env_file = probe.home / "config.env"
    return Settings(_env_file=env_file) if env_file.exists() else probe  # type: ignore[call-arg]
