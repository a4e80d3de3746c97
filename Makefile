# Two commands for a fresh machine with only Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Test processes: the suite runs in parallel on both cores (pytest-xdist); PYTEST_WORKERS=0 runs it serially.
PYTEST_WORKERS ?= 2
STAMP := $(VENV)/.installed

.PHONY: run test lint format install migrate demo worker beat clean messages compilemessages

install: $(STAMP) compilemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changed.
$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Translations (README, "Translations"). The compiled catalogues (.mo, not in git) are written by Babel,
# pure Python, whenever a .po is newer: a fresh machine needs no GNU gettext to run or test.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

compilemessages: $(MO_FILES)

$(MO_FILES): %.mo: %.po $(STAMP)
	$(BIN)/python -m config.catalogues compile

# Updates the .po files from the marked strings (Django's makemessages: needs GNU gettext, a developer's
# tool). --no-location keeps file:line comments out, so the catalogue changes only when strings do.
messages: install
	$(BIN)/python manage.py makemessages --locale fr --no-location --no-obsolete \
		--ignore 'var/*' --ignore 'perf/*' --ignore 'tests/*' --ignore 'static/*'
	$(BIN)/python -m config.catalogues tidy
	$(BIN)/python -m config.catalogues apidocs
	$(BIN)/python -m config.catalogues compile

migrate: install
	@mkdir -p "$(VAR_DIR)"
	$(BIN)/python manage.py migrate --noinput

# seed_demo loads the framework library (framework_load), then the demo mission; both are idempotent.
# On the embedded SQLite database a second `make run` skips both (each Python start imports the whole
# project): the stamp keeps seed_demo's last line, the demo users and password, to print again. Anything
# they depend on (requirements, migrations, the framework file, the seed code) or a deleted database
# file brings them back. With DATABASE_URL set they always run.
VAR_DIR ?= var
DEMO_STAMP := $(VAR_DIR)/.demo-loaded
DEMO_INPUTS := $(STAMP) $(wildcard */migrations/*.py) benchmarks/framework/handbook.json \
	$(wildcard mandate/management/*.py mandate/management/commands/*.py)

demo: install
	@mkdir -p "$(VAR_DIR)"
	@if [ -z "$$DATABASE_URL" ] && [ -f "$(VAR_DIR)/mandate.sqlite3" ] && [ -f "$(DEMO_STAMP)" ] \
		&& [ -z "$$(find $(DEMO_INPUTS) -newer "$(DEMO_STAMP)" 2>/dev/null)" ]; then \
		echo "Database and demo mission are up to date."; tail -n 1 "$(DEMO_STAMP)"; \
	else \
		rm -f "$(DEMO_STAMP)"; \
		$(BIN)/python manage.py migrate --noinput && $(BIN)/python manage.py seed_demo > "$(DEMO_STAMP).tmp" \
		&& cat "$(DEMO_STAMP).tmp" && if [ -z "$$DATABASE_URL" ]; then mv "$(DEMO_STAMP).tmp" "$(DEMO_STAMP)"; \
		else rm "$(DEMO_STAMP).tmp"; fi; \
	fi

run: demo
	@echo ""
	@echo "  Mandate is starting on http://127.0.0.1:$(PORT)  (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# pytest exits 5 when it collected no test: that is a failure here, as any other non-zero code.
test: install
	@test -x /usr/bin/chromium || echo "NOTE: no /usr/bin/chromium: the browser tests (tests/browser/) are skipped (apt-get install chromium)"
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
