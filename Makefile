# One entry point for people and CI. `make serve` and `make test` install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install serve build test lint eval bench image image-offline clean

# The `build` extra (torch, sentence-transformers) rebuilds the default model and exports it
# to ONNX on the first run; serving itself needs only the base install (see Dockerfile). The
# CPU build of torch is pinned and installed first: an unpinned torch pulled in by
# sentence-transformers would be a multi-GB CUDA build.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
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

eval: install  ## answer quality on every question set of the three corpora
	for f in eval/*.jsonl; do \
		echo "== $$f"; $(BIN)/assistant eval $$f || exit 1; done
	for f in tests/second_corpus/*.jsonl; do \
		echo "== $$f"; $(BIN)/assistant --corpus-dir tests/second_corpus/docs --index-dir index-second-corpus eval $$f || exit 1; done
	for f in tests/third_corpus/*.jsonl; do \
		echo "== $$f"; $(BIN)/assistant --corpus-dir tests/third_corpus/docs --index-dir index-third-corpus eval $$f || exit 1; done

bench: install  ## retrieval quality on the Swedish FAQ, baselines side by side
	$(BIN)/python -m benchmarks

image:  ## the serving image (python:3.11-slim base; needs a registry and PyTorch's index)
	docker build -t sodertornsassistenten .

image-offline:  ## the same image with no registry: a debootstrapped Debian base (as root)
	bash deploy/build-offline.sh sodertornsassistenten:latest

clean:
	rm -rf index models .pytest_cache
