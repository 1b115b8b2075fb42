FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# CPU-only torch first, so sentence-transformers does not pull a CUDA build.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md LICENSE ./
COPY sql ./sql
COPY src ./src
RUN pip install --no-cache-dir ".[local]"
ENV HF_HUB_OFFLINE=1 CODEX7_DATA_DIR=/data
EXPOSE 8000
CMD ["codex7", "serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"]
