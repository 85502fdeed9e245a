# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The browser the end-to-end tests drive (tests/e2e/conftest.py reads E2E_CHROMIUM).
CHROMIUM ?= $(or $(E2E_CHROMIUM),/usr/bin/chromium)
export FLASK_APP := wsgi
export E2E_CHROMIUM := $(CHROMIUM)

.PHONY: run test install install-dev translations translations-update migrate lint clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

# Compiled catalogues are build output, not source: made from the .po files.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy --statistics -d portal/translations

## translations-update: collect the marked strings (see babel.cfg) and add new ones to the catalogues to translate
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg --project="MCF portal" -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete

## run: install, migrate, load demo data on first start, serve on http://127.0.0.1:$(PORT)
run: install
	$(BIN)/flask migrate
	$(BIN)/flask demo-data
	PORT=$(PORT) $(BIN)/flask serve --port $(PORT)

## chromium: Debian's Chromium for the browser tests; installed when missing and we are root (CI,
## a container), otherwise we say what to install and stop: the browser tests are never skipped
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "== installing Debian's chromium for the browser tests (apt-get install chromium)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	    || { echo "make: could not install chromium with apt-get (see above)" >&2; exit 1; }; \
	  [ -x "$(CHROMIUM)" ] || { echo "make: chromium was installed but $(CHROMIUM) is not there" >&2; exit 1; }; \
	else \
	  echo "make: the browser tests need Chromium at $(CHROMIUM), and it is not there." >&2; \
	  echo "  On Debian or Ubuntu install it as root:  sudo apt-get install chromium" >&2; \
	  echo "  Or use a Chromium you have:              make test CHROMIUM=/path/to/chromium" >&2; \
	  exit 1; \
	fi

## test: install what the tests need (also Chromium, see above) and run the whole suite
test: install-dev chromium
	$(BIN)/lint-imports --config .importlinter
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check portal roles jobs tests

clean:
	rm -rf $(VENV) instance .pytest_cache
