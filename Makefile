# evoladder: make run (start the ladder), make test (the whole suite), make bench, make lint.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format install clean

# setup.py builds the C extension of the matchmaker (src/evoladder/domain/matchmaking/_kernel.c).
$(STAMP): pyproject.toml setup.py src/evoladder/domain/matchmaking/_kernel.c
	@echo "evoladder: installing into $(VENV) (first run, or pyproject.toml or the C extension changed)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# With a token (environment or .env, read through the settings) the real bot, after migrating
# the configured database; without one the sandbox, which never touches that database.
HAS_TOKEN := from evoladder.settings import load_settings; raise SystemExit(load_settings().discord_token is None)

# The first line says which of the two it will be, before anything is installed.
TOKEN_SET := [ -n "$$DISCORD_TOKEN" ] || grep -qsE '^(EVOLADDER_)?DISCORD_TOKEN=.+' .env

run:
	@if $(TOKEN_SET); then echo "evoladder: DISCORD_TOKEN is set: the ladder connects to Discord"; \
	else echo "evoladder SANDBOX: no DISCORD_TOKEN, so this starts the local Discord-compatible server with virtual players (nothing connects to Discord)"; fi
	@$(MAKE) --no-print-directory $(STAMP)
	@if $(PY) -c '$(HAS_TOKEN)'; then \
		$(VENV)/bin/evoladder db upgrade && exec $(VENV)/bin/evoladder run; \
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
