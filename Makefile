# storysift: `make run` (demo on a local broker) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The broker control script (start|stop|status); STORYSIFT_KAFKA_SCRIPT overrides it.
KAFKA := $(or $(STORYSIFT_KAFKA_SCRIPT),deploy/kafka/local-kafka.sh)
PYTEST_ARGS ?=
PYTEST_PATHS ?= tests

.PHONY: venv run test faults broker-start broker-stop broker-status test-tools

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py consumers/pipeline/_treewalk.c consumers/pipeline/_textfeatures.c \
                   consumers/pipeline/_segment.c consumers/pipeline/_guardscan.c
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "make: installing into $(VENV) (log: $(VENV)/pip.log)"
	@$(PY) -m pip install --disable-pip-version-check -e '.[test]' > $(VENV)/pip.log 2>&1 \
	  || { cat $(VENV)/pip.log; exit 1; }
	@touch $@

broker-start:
	$(KAFKA) start

broker-stop:
	$(KAFKA) stop

broker-status:
	$(KAFKA) status

# Broker, topics, one worker, the sample pages replayed, outcomes printed; Ctrl-C stops all of it.
run: venv
	deploy/run-local.sh

# promtool checks the alerting rules; Debian/Ubuntu package `prometheus` provides it.
test-tools:
	@command -v promtool >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq prometheus; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq prometheus; \
	  else echo "make test: promtool not found and cannot install it (not root): its tests will skip" >&2; fi; }

# Starts the broker when it is not running and stops it afterwards only if it started it.
# pytest exit 5 (nothing collected) counts as a failure: an empty suite proves nothing.
test: venv test-tools
	@started=0; \
	if ! $(KAFKA) status >/dev/null 2>&1; then \
	  echo "make test: starting the local Kafka broker"; $(KAFKA) start || exit 1; started=1; \
	fi; \
	$(PY) -m pytest $(PYTEST_PATHS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$started = 1 ]; then $(KAFKA) stop; fi; \
	if [ $$rc = 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# Only the fault tests (also part of `make test`), with their figures printed.
faults: venv
	@$(MAKE) --no-print-directory test PYTEST_ARGS=-s PYTEST_PATHS="$(wildcard tests/integration/test_faults*.py)"
