# evoladder: make run (start the ladder), make test (the whole suite), make bench, make lint.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format install clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/evoladder db upgrade
	@if [ -n "$$DISCORD_TOKEN" ]; then exec $(VENV)/bin/evoladder run; \
	else exec $(VENV)/bin/evoladder sandbox; fi

test: $(STAMP)
	scripts/test.sh

bench: $(STAMP)
	scripts/bench.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
