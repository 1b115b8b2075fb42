"""The question's vector: a question naming the library counts the name at half weight; with
the bundled model, as queries are embedded in production."""

from __future__ import annotations

import numpy as np

from codex7.embeddings.light import light_embedder
from codex7.search.docs import query_vector


def test_the_library_name_counts_at_half_weight() -> None:
    model = light_embedder("all-MiniLM-L6-v2")
    assert model is not None
    words = {"fastapi", "FastAPI"}
    asked = "serve a folder of images and css from fastapi"
    vector = query_vector(model, asked, words)
    full, rest = (
        model.embed_query(asked),
        model.embed_query("serve a folder of images and css from"),
    )
    mean = (full + rest) / np.linalg.norm(full + rest)
    assert vector.dtype == np.float32 and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert float(vector @ mean) > 0.99999
    # Between the two: closer to each than they are to each other.
    assert float(vector @ full) > float(full @ rest) and float(vector @ rest) > float(full @ rest)


def test_a_question_without_the_name_is_embedded_as_asked() -> None:
    model = light_embedder("all-MiniLM-L6-v2")
    assert model is not None
    asked = "serve a folder of images and css"
    assert np.array_equal(query_vector(model, asked, {"fastapi"}), model.embed_query(asked))
    # Nothing would be left without the name: the question as asked.
    assert np.array_equal(query_vector(model, "FastAPI", {"fastapi"}), model.embed_query("FastAPI"))
