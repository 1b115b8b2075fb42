"""Settings: the one place that reads the environment and `.env` (prefix CODEX7_)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Dimensions of models we know without loading them; others are probed on first use
# or taken from CODEX7_EMBEDDING_DIMENSIONS.
KNOWN_DIMENSIONS: dict[str, int] = {
    "all-MiniLM-L6-v2": 384,
    "sentence-transformers/all-MiniLM-L6-v2": 384,
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}

DEFAULT_MODELS: dict[str, str] = {
    "local": "all-MiniLM-L6-v2",
    "openai": "text-embedding-3-small",
}


def default_data_dir() -> Path:
    return platformdirs.user_data_path("codex7", appauthor=False)


def key_digest(key: str) -> str:
    """A key's SHA-256 digest: what is stored and compared, never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_digests(keys: SecretStr | None) -> frozenset[str]:
    """The digests of comma-separated keys."""
    raw = keys.get_secret_value() if keys else ""
    return frozenset(key_digest(k.strip()) for k in raw.split(",") if k.strip())


class Settings(BaseSettings):
    """Codex7 configuration. Every field is an env var `CODEX7_<NAME>` (see docs/configuration.md)."""

    model_config = SettingsConfigDict(
        env_prefix="CODEX7_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CODEX7_DATABASE_URL", "DATABASE_URL")
    )
    data_dir: Path = Field(default_factory=default_data_dir)
    auto_migrate: bool = True

    # Any provider registered in codex7.embeddings.registry ("local", "openai", or one a plugin or
    # test registers); checked when the embedder is made, with the registered names in the error.
    embedding_provider: str = Field(default="local", min_length=1)
    embedding_model: str | None = None
    embedding_dimensions: int | None = Field(default=None, gt=0)
    embedding_batch_size: int = Field(default=64, gt=0)
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CODEX7_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CODEX7_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )

    # Search: candidate chunks per retriever, and how sections are scored ("learned": the
    # cross-validated linear scorer of codex7.search.ranking; "rrf": reciprocal-rank fusion).
    search_overfetch: int = Field(default=60, gt=0, le=1000)
    search_ranker: Literal["learned", "rrf"] = "learned"
    # Optional second stage (codex7.search.rerank): "http" = a /rerank endpoint (Cohere, Jina,
    # vLLM, Infinity: rerank_api "cohere"; Hugging Face TEI: "tei"); "embeddings" = an embedding
    # model behind an OpenAI-compatible base URL. It reorders the first rerank_top_n sections.
    rerank_provider: Literal["none", "http", "embeddings"] = "none"
    rerank_url: str | None = None
    rerank_api: Literal["cohere", "tei"] = "cohere"
    rerank_model: str | None = None
    rerank_api_key: SecretStr | None = None
    rerank_top_n: int = Field(default=20, ge=2, le=100)
    rerank_timeout: float = Field(default=10.0, gt=0)
    default_tokens: int = Field(default=5000, gt=0)
    # Embeddings by model and content hash in a file under the data dir, kept across databases
    # and re-chunking: only text the model has never seen is embedded.
    embedding_cache: bool = True
    embedding_cache_path: Path | None = None  # default: <data_dir>/embedding-cache.sqlite3
    warm_up: bool = True  # load the embedding model in the background when the server starts

    # Comma-separated keys for the REST API (/api); unset = open. Compared by SHA-256 digest.
    api_keys: SecretStr | None = None
    # Comma-separated keys for the management API's write endpoints; unset = writes refused.
    admin_keys: SecretStr | None = None
    # Teams (docs/team.md): callers without a key may read public libraries when `anonymous` is
    # true; unset: only while no key exists (none above, none made with `codex7 keys create`).
    anonymous: bool | None = None
    # The workspace the CLI and a stdio server act in (its private libraries are visible to
    # them); unset: the default workspace, which sees public libraries only.
    workspace: str | None = None
    # Per key (per client address without one): a token bucket of rate_burst requests refilled
    # at rate_limit a minute (0: no limit), and at most max_concurrent requests at once (0: no cap).
    rate_limit: float = Field(default=1200.0, ge=0)
    rate_burst: int = Field(default=600, ge=1)
    max_concurrent: int = Field(default=16, ge=0)
    # Host names the server is reached by besides the address it listens on (a reverse proxy's
    # public name, docs.example.com), for the Host/Origin (DNS rebinding) checks; comma-separated.
    allowed_hosts: str = ""

    # Durable jobs: a worker holds a job's lease for job_lease seconds and renews it by heartbeat;
    # a job whose lease expired (its worker died) is retried up to job_max_attempts times.
    job_lease: float = Field(default=60.0, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)
    worker_poll: float = Field(default=1.0, gt=0)  # seconds an idle worker waits between claims

    # Website sources (codex7.sources.web, docs/sources.md). fetch_allow: hosts and CIDR networks
    # a crawl may reach although they are loopback/private/link-local ("127.0.0.1,10.0.0.0/8");
    # everything else non-public is refused. Then the limits of one crawl: pages, link hops,
    # parallel requests, requests per second per host, seconds and bytes per response.
    fetch_allow: str = ""
    fetch_max_pages: int = Field(default=500, gt=0)
    fetch_max_depth: int = Field(default=5, ge=0)
    fetch_concurrency: int = Field(default=4, gt=0, le=32)
    fetch_rate: float = Field(default=4.0, gt=0)
    fetch_timeout: float = Field(default=20.0, gt=0)
    fetch_max_bytes: int = Field(default=10_000_000, gt=0)

    # A running Codex7 server for `codex7 query|resolve` to ask (its model is already loaded);
    # unset: the default local port if a server answers there, else in-process.
    url: str | None = None

    # What agents ask (codex7.services.analytics, docs/ui.md): each MCP tool call and REST docs
    # or search call is recorded in query_log. "full": with the question; "aggregate": the
    # figures only (tool, library, version, results, tokens, latency, error kind), never the
    # question; "off": nothing. Rows older than query_log_days are deleted (0 keeps them all).
    query_log: Literal["full", "aggregate", "off"] = "full"
    query_log_days: int = Field(default=90, ge=0)

    # Read replicas for the query path (comma-separated PostgreSQL URLs; store/replicas.py): each
    # is tried in turn, a failing one skipped for replica_retry seconds, the primary used when
    # none answers. Writes (indexing, jobs, logs) always go to DATABASE_URL.
    read_database_urls: str | None = None
    replica_retry: float = Field(default=10.0, gt=0)

    pool_min_size: int = Field(default=1, ge=0)
    pool_max_size: int = Field(default=8, gt=0)
    # Seconds a call waits for a database connection before it fails with a clear error (the
    # pool reconnects by itself when the database is back), and the longest a statement of the
    # query path (server, query, resolve) may run; 0 = no limit.
    pool_timeout: float = Field(default=5.0, gt=0)
    statement_timeout: float = Field(default=5.0, ge=0)

    @property
    def model_name(self) -> str:
        """The configured model, else the provider's default ("" for a provider without one
        here: its factory chooses)."""
        return self.embedding_model or DEFAULT_MODELS.get(self.embedding_provider, "")

    @property
    def dimensions(self) -> int | None:
        """Embedding dimension if known without loading the model."""
        return self.embedding_dimensions or KNOWN_DIMENSIONS.get(self.model_name)

    @property
    def api_key_digests(self) -> frozenset[str]:
        return key_digests(self.api_keys)

    @property
    def admin_key_digests(self) -> frozenset[str]:
        return key_digests(self.admin_keys)

    @property
    def public_hosts(self) -> list[str]:
        """CODEX7_ALLOWED_HOSTS as a list."""
        return [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]

    @property
    def replica_urls(self) -> list[str]:
        raw = self.read_database_urls or ""
        return [u.strip() for u in raw.split(",") if u.strip()]

    @property
    def cache_file(self) -> Path:
        return self.embedding_cache_path or self.data_dir / "embedding-cache.sqlite3"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"
