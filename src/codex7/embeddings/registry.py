"""Provider name → factory. Built-ins register here the same way a test fake does."""

from __future__ import annotations

from collections.abc import Callable

from codex7.config import Settings
from codex7.embeddings.base import Embedder
from codex7.errors import ConfigError

Factory = Callable[[Settings], Embedder]
_PROVIDERS: dict[str, Factory] = {}


def register_provider(name: str, factory: Factory) -> None:
    _PROVIDERS[name] = factory


def unregister_provider(name: str) -> None:
    _PROVIDERS.pop(name, None)


def _local(settings: Settings) -> Embedder:
    from codex7.embeddings.local import LocalEmbedder

    return LocalEmbedder(
        settings.model_name,
        batch_size=settings.embedding_batch_size,
        dimensions=settings.dimensions,
    )


def _openai(settings: Settings) -> Embedder:
    from codex7.embeddings.openai import OpenAIEmbedder

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAIEmbedder(
        settings.model_name,
        api_key=key,
        base_url=settings.openai_base_url,
        dimensions=settings.embedding_dimensions,
        batch_size=settings.embedding_batch_size,
    )


register_provider("local", _local)
register_provider("openai", _openai)


def get_embedder(settings: Settings, provider: str | None = None) -> Embedder:
    name = provider or settings.embedding_provider
    try:
        factory = _PROVIDERS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown embedding provider {name!r}; choose one of: {', '.join(sorted(_PROVIDERS))}"
        ) from None
    return factory(settings)


def get_query_embedder(settings: Settings) -> Embedder:
    """The embedder for questions: the same as `get_embedder`, except that the built-in local
    provider answers with its torch-free forward pass when it reproduces the model
    (embeddings/light.py), so a server's first question does not wait for torch."""
    if settings.embedding_provider == "local" and _PROVIDERS.get("local") is _local:
        from codex7.embeddings.light import light_embedder

        light = light_embedder(settings.model_name, settings.dimensions)
        if light is not None:
            return light
    return get_embedder(settings)
