# Odoo's 19.0 source is found at ODOO_PATH; the Python environment lives outside the checkout.
ODOO_PATH ?= /opt/odoo
VENV ?= $(HOME)/.cache/invoicing_specialist/venv
export ODOO_PATH VENV

.PHONY: run test lint env bench clean

## Prepare the environment, create or update the demo database and start Odoo on 127.0.0.1:8069.
run:
	@bash tools/run.sh

## Lint, install on a fresh database with Odoo's test runner, demo install and uninstall, then pytest-odoo.
test:
	@bash tools/test.sh

## Only prepare the environment (system packages, PostgreSQL, virtualenv).
env:
	@bash tools/ensure_env.sh

## The bill matching benchmark: posting N vendor bills with and without the check (BENCH_BILLS, default 500).
bench:
	@bash tools/bench.sh

lint:
	@$(VENV)/bin/ruff check invoicing_specialist tools bench
	@$(VENV)/bin/pylint --rcfile=.pylintrc-mandatory invoicing_specialist

clean:
	rm -rf .build
