# One entry point for people and CI. `make serve` and `make test` install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install serve build test lint eval eval-sealed bench image image-offline clean

# The `build` extra (torch, sentence-transformers) rebuilds the default model and exports it
# to ONNX on the first run; serving itself needs only the base install (see Dockerfile). The
# CPU build of torch is pinned and installed first: an unpinned torch pulled in by
# sentence-transformers would be a multi-GB CUDA build. llama.cpp (the `dev` extra's model
# server for the language-model tests) is built from source for any x86-64 with AVX2, not for
# the building CPU: its AMX kernels crash on some Xeons (ggml-org/llama.cpp#20824), and no
# cached wheel built natively on another machine is reused.
# It is installed first, and again over a venv that holds a native build; the pin is
# pyproject.toml's.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
LLAMA := $(shell grep -o 'llama-cpp-python\[server\]==[0-9.]*' pyproject.toml)
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-cache-dir --force-reinstall --no-deps '$(LLAMA)'
	$(BIN)/pip install --quiet -e '.[build,dev]'
	touch $@

install: $(BIN)/.installed

serve: install  ## start the service on the bundled corpus (builds model and index on first run)
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

build: install  ## (re)build the index
	$(BIN)/assistant build

# The browser tests drive Debian's Chromium through Debian's chromedriver (nothing downloads
# a browser of its own) and check accessibility with axe-core from the npm registry.
BROWSER_DEPS := /usr/bin/chromedriver tests/browser/node_modules/axe-core/axe.min.js

/usr/bin/chromedriver:
	apt-get update -q && apt-get install -y -q chromium chromium-driver

tests/browser/node_modules/axe-core/axe.min.js: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

test: install $(BROWSER_DEPS)  ## lint and run the whole test suite (real model, FAISS, HTTP server, browser)
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/ruff format --check assistant tests benchmarks
	$(BIN)/pytest

eval: install  ## answer quality on every question set of every corpus
	for f in eval/*.jsonl; do \
		echo "== $$f"; $(BIN)/assistant eval $$f || exit 1; done
	for d in tests/*_corpus; do for f in $$d/*.jsonl; do \
		[ -f "$$f" ] || continue; index=index-$$(basename $$d | tr _ -); \
		echo "== $$f"; $(BIN)/assistant --corpus-dir $$d/docs --index-dir $$index eval $$f || exit 1; done; done

# The sealed held-out sets (eval/sealed/README.md), answered over HTTP by a served instance of
# their corpus (rate limit off): reported once, then moved next to the tuning sets.
eval-sealed: install  ## the sealed held-out sets, over HTTP (report once)
	@found=0; for file in eval/sealed/*.jsonl tests/*_corpus/sealed/*.jsonl; do \
		[ -f "$$file" ] || continue; found=1; set -e; \
		case $$file in \
			eval/*) docs=corpus; index=index;; \
			*) corpus=$$(echo $$file | cut -d/ -f2); docs=tests/$$corpus/docs; \
				index=index-$$(echo $$corpus | tr _ -);; \
		esac; \
		$(BIN)/assistant --corpus-dir $$docs --index-dir $$index build >/dev/null; \
		ASSISTANT_RATE_LIMIT_PER_MINUTE=0 $(BIN)/assistant --corpus-dir $$docs --index-dir $$index serve --port 8765 >/dev/null 2>&1 & pid=$$!; \
		for i in $$(seq 120); do curl -fs http://127.0.0.1:8765/healthz >/dev/null && break; sleep 0.5; done; \
		echo "== $$file (over HTTP)"; \
		$(BIN)/assistant eval $$file --url http://127.0.0.1:8765 || { kill $$pid; exit 1; }; \
		kill $$pid; wait $$pid 2>/dev/null || true; \
	done; [ $$found = 1 ] || echo "No sealed sets left: each was reported once (eval/sealed/README.md)"

bench: install  ## retrieval quality on the Swedish FAQ, baselines side by side
	$(BIN)/python -m benchmarks

image:  ## the serving image (python:3.11-slim base; needs a registry and PyTorch's index)
	docker build -t sodertornsassistenten .

image-offline:  ## the same image with no registry: a debootstrapped Debian base (as root)
	bash deploy/build-offline.sh sodertornsassistenten:latest

clean:
	rm -rf index models .pytest_cache
