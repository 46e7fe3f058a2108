# tigapilar: the two commands are `make run` (install, load the Kaltim demo, serve on :8000)
# and `make test` (install test tools, lint, type-check, run every test on SQLite and PostgreSQL).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The browser tests (tests/e2e) drive Debian's Chromium; no tool may download a browser of its own.
CHROMIUM ?= /usr/bin/chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run install install-dev chromium demo serve test lint typecheck pytest bench lock clean

# The demo is served on its own clock (from its last evening, 16 Dec 2024 WITA): its open alert's
# deadlines and escalations then run as they would have, not two years late.
run: install demo
	$(BIN)/tigapilar serve --host $(HOST) --port $(PORT) --demo-clock kaltim

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(BIN)/python requirements/run.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements/run.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements/dev.txt
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed-run

install-dev: $(VENV)/.installed-dev chromium

# Debian's chromium package when it is missing: with apt as root, or through sudo without a password;
# otherwise say what to run (the browser tests then skip with the reason, or fail with CI=true).
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  apt="apt-get -o Dpkg::Use-Pty=0 -qq"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; \
	  else sudo="none"; fi; \
	  if [ "$$sudo" = none ] || ! command -v apt-get >/dev/null 2>&1; then \
	    echo "Chromium is missing for the browser tests; run: sudo apt-get install -y --no-install-recommends chromium"; \
	  else \
	    echo "Installing Debian's chromium for the browser tests (tests/e2e)"; \
	    $$sudo $$apt update && $$sudo env DEBIAN_FRONTEND=noninteractive $$apt install -y --no-install-recommends chromium \
	      >/dev/null || echo "Could not install chromium; run: sudo apt-get install -y --no-install-recommends chromium"; \
	  fi; \
	fi

demo: install
	$(BIN)/tigapilar demo

serve: install
	$(BIN)/tigapilar serve --host $(HOST) --port $(PORT)

test: install-dev lint typecheck pytest

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest -n 2 --dist loadfile

bench: install-dev
	$(BIN)/python -m bench

lock:
	rm -rf /tmp/tigapilar-lock && $(PYTHON) -m venv /tmp/tigapilar-lock
	/tmp/tigapilar-lock/bin/pip install --quiet .
	{ echo "# Exact pins of every runtime package (direct ones are listed in pyproject.toml)."; \
	  echo "# Regenerate: make lock"; \
	  /tmp/tigapilar-lock/bin/pip freeze | grep -v '^tigapilar'; } > requirements/run.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
