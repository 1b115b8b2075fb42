"""The document flow, wired: sources → chunking → embeddings (new content only) → store."""
