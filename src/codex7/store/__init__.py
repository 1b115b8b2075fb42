"""PostgreSQL + pgvector: the one store. SQL per table lives in the module named after it."""
