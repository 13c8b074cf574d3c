# Firestorm developer entry points. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BUILT := $(VENV)/.built-stamp
MODELS_PY := $(shell find models -name '*.py')
SAMPLE ?= examples/skyway-outage-en.jsonl

.PHONY: help venv build demo test test-unit test-versions test-integration lint typecheck check audit kafka-up kafka-down \
        prometheus-up prometheus-down services-up services-down examples bench bench-perf bench-month bench-watchlist bench-replay bench-detection clean

help:
	@echo "make build             compile models/ with mypyc again after changing it (make venv does it once;"
	@echo "                       FIRESTORM_PURE_PYTHON=1 removes the compiled modules instead: docs/building.md)"
	@echo "make demo              replay a bundled incident through the real engine (no broker)"
	@echo "make test              install everything, start Kafka + Prometheus, run all tests, stop them"
	@echo "make test-unit         unit tests only (no services)"
	@echo "make test-versions     the unit tests on Python 3.12 and 3.13 too (.venv312, .venv313)"
	@echo "make test-integration  integration tests (starts the services)"
	@echo "make check             ruff + mypy"
	@echo "make audit             installed packages against the vendored advisory snapshot"
	@echo "make kafka-up|kafka-down, make prometheus-up|prometheus-down"
	@echo "make bench             engine vs naive/raw loops and per-window costs (bench-perf), then the"
	@echo "                       worker's throughput, latency and memory benchmark (bench/RESULTS.md)"
	@echo "make bench-perf        only the engine part: replay/naive and replay/raw ratios, per-window costs,"
	@echo "                       the entity-scale table (quiet watched entities, changelog bytes)"
	@echo "make bench-month       the month drill (500 entities, 30 days, 20M mentions)"
	@echo "make bench-watchlist   the worker on the broker with 1k/10k/100k watched entities, 1,000 speaking"
	@echo "                       a minute: real-time factor, changelog kB/minute, restart time"
	@echo "make bench-replay      embedded replay benchmark on the bundled samples"
	@echo "make bench-detection   detection quality benchmark (recall, delay, false pages)"

# Quiet on success (pip's build backend prints notes that are not about firestorm); the log is kept.
# The editable install itself is pure Python: $(BUILT) compiles in place, once, with the venv's mypyc.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (or make ... PYTHON=python3.12)"; exit 1; }
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "installing firestorm and its dependencies into $(VENV) (log: $(VENV)/install.log)"
	@{ $(BIN)/pip install -q --upgrade pip "setuptools>=78.1.1" && \
		FIRESTORM_PURE_PYTHON=1 $(BIN)/pip install -q -e ".[dev]"; } \
		>$(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

# A compiled module shadows its .py, so a changed file of models/ is compiled again before any
# target runs code (setup.py; about a minute of CPU). This Python's old modules go first; with
# FIRESTORM_PURE_PYTHON=1 nothing is built in their place.
$(BUILT): $(STAMP) setup.py $(MODELS_PY)
	@suffix=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'); \
		rm -f firestorm/*$$suffix models/*$$suffix models/detectors/*$$suffix
	@echo "compiling models/ with mypyc for $(VENV) (log: $(VENV)/build.log)"
	@$(BIN)/python setup.py build_ext --inplace >$(VENV)/build.log 2>&1 || { cat $(VENV)/build.log; exit 1; }
	@# build_ext copies a module it found up to date with the old file's time: stamp them as built now
	@# (tests/conftest.py refuses a compiled module older than its .py).
	@suffix=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'); \
		find firestorm models -name "*$$suffix" -exec touch {} +
	@grep -h "^firestorm: installing pure Python" $(VENV)/build.log || true
	@touch $(BUILT)

venv: $(BUILT)

build: $(BUILT)

demo: $(BUILT)
	@$(BIN)/firestorm replay $(SAMPLE) --alerts-out .run/demo-alerts.jsonl

examples: $(BUILT)
	$(BIN)/python examples/generate.py
	$(BIN)/python examples/export_csv.py

kafka-up:
	deploy/kafka/kafka.sh up

kafka-down:
	deploy/kafka/kafka.sh down

prometheus-up:
	deploy/prometheus/prometheus.sh up

prometheus-down:
	deploy/prometheus/prometheus.sh down

services-up: kafka-up prometheus-up

services-down:
	-deploy/prometheus/prometheus.sh down
	-deploy/kafka/kafka.sh down

test-unit: $(BUILT)
	deploy/prometheus/prometheus.sh install
	deploy/alertmanager/install.sh
	$(BIN)/pytest -m "not integration" -q

# Starts the services, runs every test, and stops the services whatever the outcome.
test: $(BUILT)
	deploy/prometheus/prometheus.sh install
	deploy/alertmanager/install.sh
	deploy/chromium/install.sh
	status=0; $(MAKE) services-up && $(BIN)/pytest -q --durations=10 || status=$$?; \
	$(MAKE) services-down; exit $$status

test-versions:
	.ci/unit-tier 3.12
	.ci/unit-tier 3.13

test-integration: $(BUILT)
	status=0; $(MAKE) services-up && $(BIN)/pytest -m integration -q --durations=10 || status=$$?; \
	$(MAKE) services-down; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check setup.py firestorm models streams tests bench examples deploy
	$(BIN)/ruff format --check setup.py firestorm models streams tests bench examples deploy

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck

# pip-audit cannot reach an advisory service from here: see deploy/audit/SOURCE.md.
audit: $(STAMP)
	$(BIN)/python deploy/audit/audit.py

# The engine against the loops a user would write and per-window costs (about 5 minutes on 2 cores,
# issue 19), then throughput, latency, memory (about 8-13 minutes; starts the local broker if none runs).
bench: bench-perf bench-month bench-watchlist
	$(BIN)/python -m bench.throughput

# The month drill: 500 entities, 30 days, 20M mentions in a child `firestorm replay` (goal < 20 min).
bench-month: $(BUILT)
	$(BIN)/python -m bench.perf --month

bench-perf: $(BUILT)
	$(BIN)/python -m bench.perf

# Issue 23: the worker with a watch list of up to 100,000 entities on the broker of FIRESTORM_KAFKA_PORT.
bench-watchlist: $(BUILT)
	$(BIN)/python -m bench.perf.watchlist

bench-replay: $(BUILT)
	$(BIN)/python bench/replay_bench.py

# Detection quality on generated weeks of data (about 3 minutes on 2 cores); see README.
bench-detection: $(BUILT)
	$(BIN)/python -m bench.detection --detector all --json .run/bench-detection.json

# Also the compiled modules of every venv (the next `make build` or `make venv` compiles again).
clean:
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache build
	find firestorm models -name '*.so' -delete
	rm -f .venv*/.built-stamp
