"""The query side of a local BERT sentence-transformers model (all-MiniLM-L6-v2), in numpy.

A server embeds one short question at a time. Importing torch and sentence-transformers for that
takes 3–4 s before the first question can be answered; this forward pass needs numpy,
`tokenizers` and `safetensors` only (about 0.2 s, model file included) and gives the same
vectors (cosine ≥ 0.99999 to sentence-transformers' on the same text). Indexing keeps
`LocalEmbedder` (torch): batches of long chunks are its strength.

Only models this file can reproduce exactly are taken: a BertModel with absolute positions and
GELU, then mean pooling and normalisation (modules.json); anything else returns None and the
caller uses `LocalEmbedder`.
"""

from __future__ import annotations

import json
import math
import threading
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from codex7.embeddings.base import Embedder
from codex7.errors import EmbeddingError

MODULES = [
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
]
FILES = ("config.json", "tokenizer.json", "model.safetensors", "modules.json")

_LOADED: dict[Path, Bert] = {}  # one copy of the weights per process and location
_LOAD_LOCK = threading.Lock()


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def supported(location: Path) -> bool:
    """Whether the model at LOCATION is one this forward pass reproduces."""
    try:
        if not all((location / name).is_file() for name in FILES):
            return False
        config = _json(location / "config.json")
        modules = [m.get("type") for m in _json(location / "modules.json")]
        pooling_dir = next(
            (m.get("path") for m in _json(location / "modules.json") if "Pooling" in m["type"]),
            "1_Pooling",
        )
        pooling = _json(location / pooling_dir / "config.json")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    mean_only = modes == {"pooling_mode_mean_tokens"}
    return bool(
        modules == MODULES
        and config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and mean_only
    )


def _erf(x: np.ndarray) -> np.ndarray:
    """erf, to about 1e-7 (Abramowitz & Stegun 7.1.26), computed in float64."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    x64 = x.astype(np.float64)
    return (0.5 * x64 * (1.0 + _erf(x64 / math.sqrt(2.0)))).astype(np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return ((x - mean) / np.sqrt(var + eps) * weight + bias).astype(np.float32)


class Bert:
    """BERT encoder weights and its forward pass (inference only, float32)."""

    def __init__(self, location: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = _json(location / "config.json")
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        weights = load_file(str(location / "model.safetensors"))
        self.w = {
            k.removeprefix("bert."): v.astype(np.float32, copy=False) for k, v in weights.items()
        }
        seq = config.get("max_position_embeddings", 512)
        sbert = location / "sentence_bert_config.json"
        if sbert.is_file():
            seq = min(seq, int(_json(sbert).get("max_seq_length", seq)))
        self.max_length = int(seq)
        self.tokenizer = Tokenizer.from_file(str(location / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.tokenizer.no_padding()

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), hidden) mean-pooled, unit-normalised vectors."""
        # One text at a time: encode_batch starts a thread pool, and a process that forks
        # afterwards (pg_ctl) gets a warning from it on stderr.
        encodings = [self.tokenizer.encode(t.strip()) for t in texts]
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1.0
        hidden = self._forward(ids, mask)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = _layer_norm(
            x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps
        )
        hidden = x.shape[-1]
        size = hidden // self.heads
        blocked = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for n in range(self.layers):
            p = f"encoder.layer.{n}."

            def dense(v: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            def split(v: np.ndarray) -> np.ndarray:
                return v.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + blocked
            scores = scores - scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = _layer_norm(
                dense(context, "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                dense(inner, "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                self.eps,
            )
        return x


class LightEmbedder(Embedder):
    """A local model's query embedder without torch; same provider and model name, same vectors."""

    provider = "local"

    def __init__(self, model: str, location: Path, dimensions: int | None = None):
        self.model = model
        self.location = location
        self.batch_size = 16
        self._dimensions = dimensions
        self._bert: Bert | None = None

    def _load(self) -> Bert:
        if self._bert is not None:
            return self._bert
        with _LOAD_LOCK:
            if self.location not in _LOADED:
                try:
                    _LOADED[self.location] = Bert(self.location)
                except Exception as exc:
                    raise EmbeddingError(
                        f"Could not load embedding model {self.model!r}: {exc}"
                    ) from None
            self._bert = _LOADED[self.location]
            return self._bert

    @property
    def loaded(self) -> bool:
        return self._bert is not None

    @property
    def dimensions(self) -> int:
        if self._dimensions is None:
            self._dimensions = int(_json(self.location / "config.json")["hidden_size"])
        return self._dimensions

    @cached_property
    def max_tokens(self) -> int:
        return self._load().max_length - 2  # [CLS] and [SEP]

    @cached_property
    def _counter(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.location / "tokenizer.json"))
        tok.no_truncation()  # true counts, as LocalEmbedder gives them
        tok.no_padding()
        return tok

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        bert = self._load()
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return bert.encode(texts)


def light_embedder(model: str, dimensions: int | None = None) -> LightEmbedder | None:
    """The numpy query embedder for MODEL, or None when it is not one this file reproduces."""
    from codex7.embeddings.local import model_location

    try:
        location = Path(model_location(model))
    except EmbeddingError:
        return None
    return LightEmbedder(model, location, dimensions) if supported(location) else None
