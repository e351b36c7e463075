# make run: the portal on the embedded default (SQLite, tasks in-process,
# codes printed here and listed at http://127.0.0.1:8000/dev/outbox/).
# make test: every check CI runs, then the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Hashes pinned for the whole dependency tree (make lock writes them).
LOCK := requirements-dev.lock
COMPILE := PIP_EXTRA_INDEX_URL= PIP_FIND_LINKS= $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: run test lint format install lock clean

$(STAMP): $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	touch $(STAMP)

install: $(STAMP)

run: export DJANGO_DEBUG = 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Open http://127.0.0.1:8000/  (codes: this terminal and http://127.0.0.1:8000/dev/outbox/)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r . -q
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/djlint templates --lint
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(BIN)/python -m pytest --cov

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# After changing requirements*.txt: pin the whole tree again, with hashes.
lock: $(STAMP)
	$(COMPILE) --output-file requirements.lock requirements.txt
	$(COMPILE) --output-file requirements-dev.lock requirements-dev.txt

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
