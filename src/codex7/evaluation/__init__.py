"""Retrieval-quality evaluation: run eval queries through the query-docs path and score them."""
