# tigapilar: the two commands are `make run` (install, load the Kaltim demo, serve on :8000)
# and `make test` (install test tools, lint, type-check, run every test on SQLite and PostgreSQL).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run install install-dev demo serve test lint typecheck pytest bench lock clean

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

install-dev: $(VENV)/.installed-dev

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
