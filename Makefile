# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test install install-dev translations translations-update migrate lint clean

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

## test: install what the tests need and run the whole suite
test: install-dev
	$(BIN)/lint-imports --config .importlinter
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check portal roles jobs tests

clean:
	rm -rf $(VENV) instance .pytest_cache
