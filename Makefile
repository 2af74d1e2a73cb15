# devcenter: `make run` serves the dashboard on its embedded default, `make test` runs the suite.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench lint migrate seed clean

$(PY):
	"$$(bin/find-python)" -m venv $(VENV)

$(STAMP): pyproject.toml kubesim/pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ./kubesim -e ".[test]"
	touch $(STAMP)

migrate: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=1 $(PY) manage.py seed_demo

## Serve the dashboard on http://127.0.0.1:8000/ with demo data: SQLite, no Redis, simulated clusters.
run: seed
	DEBUG=1 $(PY) -m demo.embedded

## Run the whole suite against PostgreSQL and Redis on this machine (started if stopped).
test: $(STAMP)
	bin/ensure-services
	bin/ensure-chromium
	bin/ensure-nginx
	bin/ensure-axe
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

bench: $(STAMP)
	bin/ensure-services
	QUICK=$(QUICK) $(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) var staticfiles
