# The two commands of the README: `make run` and `make test`.
# Everything else they need is installed here, into .venv (and Chromium via apt for browser tests).

PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CUSTOMERS ?= 20000
PYTEST_ARGS ?=

.PHONY: run test install browser lint bench clean

$(BIN)/griddesk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/griddesk

# Embedded default: SQLite under var/, demo province loaded once, server + worker on 127.0.0.1:$(PORT).
run: install
	$(BIN)/griddesk migrate --noinput
	$(BIN)/griddesk demo --if-empty --customers $(CUSTOMERS)
	$(BIN)/griddesk serve --port $(PORT)

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: install browser
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var build *.egg-info
