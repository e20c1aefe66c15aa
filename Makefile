# Odoo's 19.0 source is found at ODOO_PATH; the Python environment lives outside the checkout.
ODOO_PATH ?= /opt/odoo
VENV ?= $(HOME)/.cache/invoicing_specialist/venv
export ODOO_PATH VENV

.PHONY: run test lint env bench scale screenshots clean

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

## A generated ledger in a database of its own (SCALE journal entries, deterministic from SEED), for `make bench`.
scale:
	@bash tools/scale.sh

## Screenshots of the main screens for the README, from a demo database, by headless Chromium.
screenshots:
	@bash tools/screenshots.sh

## Lint: ruff, pylint-odoo with OCA's full check set (.pylintrc), OCA's pre-commit hooks for Odoo
## (oca-checks-odoo-module, oca-checks-po), XML well-formed, the addon's README.rst generated from readme/
## (`bash tools/lint.sh --fix-readme` regenerates it). Fails on any finding.
lint:
	@bash tools/lint.sh

clean:
	rm -rf .build
