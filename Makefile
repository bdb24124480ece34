# Microconv: `make demo` builds a demo warehouse, `make test` runs every check.
# Only Python 3.11 is needed; everything else is installed into .venv from constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: install install-spark install-postgres demo dashboard test test-spark lint pytest dagster dagster-home docs clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==26.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

SPARK_STAMP := $(VENV)/.installed-spark

$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,spark]"
	touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP)

POSTGRES_STAMP := $(VENV)/.installed-postgres

$(POSTGRES_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,postgres]"
	touch $(POSTGRES_STAMP)

install-postgres: $(POSTGRES_STAMP)

# EVENT_SOURCE=ga4 (or segment, snowplow, mixpanel, yandex_metrica, amplitude, posthog, heap) lands the demo in that
# vendor's export format.
EVENT_SOURCE ?= microconv

demo: install
	$(BIN)/microconv demo --event-source $(EVENT_SOURCE)

# The dashboard (docs/dashboard.md): redraws report.html from the published copy (MICROCONV_PUBLISH_DIR,
# default warehouse/publish) and prints how to open it; runs draw it after every publish as well.
dashboard: install
	$(BIN)/microconv report

test: install lint pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint --processes 2 models data-tests bi

# Two pytest-xdist workers: most of a test's time is one Python process (Dagster, dbt's start-up) or
# DuckDB on small data, so two at a time use both cores; tests/conftest.py keeps each module (and the
# shared pipeline build) on one worker.
pytest: install
	$(BIN)/pytest -n 2 --dist loadgroup --durations=15

# The same models on Apache Spark (PySpark in-process, Java 17), compared table by table with DuckDB.
test-spark: install-spark
	$(BIN)/pytest -m spark tests/spark --durations=5

# Dagster's instance (docs/operations.md): SQLite files in DAGSTER_HOME (the faster for one run at a time),
# or PostgreSQL when DAGSTER_POSTGRES_URL is set (production: concurrent runs, steadier on a busy disk).
DAGSTER_YAML ?= $(if $(DAGSTER_POSTGRES_URL),dagster.postgres.yaml,dagster.yaml)

dagster-home:
	mkdir -p $(DAGSTER_HOME)
	cp $(DAGSTER_YAML) $(DAGSTER_HOME)/dagster.yaml

dagster: install $(if $(DAGSTER_POSTGRES_URL),install-postgres) dagster-home
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev

docs: install
	$(BIN)/microconv docs

clean:
	rm -rf target logs .pytest_cache .ruff_cache
