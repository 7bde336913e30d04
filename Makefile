# Vanthu: `make run` starts the whole system on the embedded default,
# `make test` runs every test. Both set up from nothing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup system-run system-test messages lint test-fast demo-reset

$(STAMP): requirements/lock.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	@touch $(STAMP)

system-run:
	@bash deploy/install-system-packages.sh run

system-test:
	@bash deploy/install-system-packages.sh test

messages: $(STAMP) system-run
	@$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

setup: $(STAMP) system-run messages

run: setup
	@$(BIN)/python manage.py migrate --noinput -v 0
	@$(BIN)/python manage.py load_holidays -v 0
	@$(BIN)/python manage.py seed_demo
	@$(BIN)/python manage.py build_fonts
	@$(BIN)/python manage.py demo_pki
	@$(BIN)/python manage.py collectstatic --noinput -v 0
	@echo ""
	@echo "Vanthu starts on http://127.0.0.1:$${VANTHU_PORT:-8000}/ (web, worker, beat). Stop with Ctrl-C."
	@echo "Sign in with a demo login above, e.g. vanthu.stc, lanhdao.stc or luutru.stc."
	@echo ""
	@$(BIN)/honcho -f deploy/Procfile.embedded start

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: $(STAMP) system-test messages lint
	$(BIN)/python -m pytest

# The same suite without the slow tests, for a quick local loop.
test-fast: $(STAMP) messages
	$(BIN)/python -m pytest -m "not slow"
