# Researcher Pro. Every target installs what it needs: a fresh machine needs only python3.12.
SHELL := /bin/bash
PYTHON ?= python3.12
UV_VERSION := 0.13.9
BOOT := .tools/uv
UV := $(BOOT)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
SAM := .tools/sam/bin/sam
# checkov pins its own boto3, so it lives apart from the project's environment, like the SAM CLI.
CHECKOV := .tools/checkov/bin/checkov
export SAM_CLI_TELEMETRY := 0
export UV_PYTHON := $(PYTHON)
# `sam build` runs the layer's Makefile outside this tree, where pyenv cannot see .python-version.
export PYENV_VERSION ?= $(shell cat .python-version 2>/dev/null)

.PHONY: install dev test checks bytecode lint typecheck template template-lint template-validate template-checkov build deploy bench \
	clean browser

$(UV):
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/python: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

install: $(BIN)/python

$(SAM): infra/tools/sam.lock | $(UV)
	$(UV) venv --quiet --allow-existing .tools/sam
	VIRTUAL_ENV=.tools/sam $(UV) pip install --quiet -r infra/tools/sam.lock
	@touch $@

$(CHECKOV): infra/tools/checkov.lock | $(UV)
	$(UV) venv --quiet --allow-existing .tools/checkov
	VIRTUAL_ENV=.tools/checkov $(UV) pip install --quiet -r infra/tools/checkov.lock
	@touch $@

## Run the whole system locally (moto, HTTP gateway, SQS poller, ticker). Ctrl-C stops it.
dev: install bytecode
	$(BIN)/python -m infra.local

## Every check and every test.
## The checks run side by side: the installs mostly wait on the network, mypy takes one core, the template's
## four checks the other. Then the tests, longest files first (xdist would otherwise start the files with most tests).
test:
	$(MAKE) --jobs=8 --output-sync=target checks bytecode
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

checks: lint typecheck template browser

## Bytecode for our own code too: every local function container imports it and may not write it (as in Lambda),
## so without this each cold start would compile it again.
bytecode: install
	$(BIN)/python -m compileall -q -j 0 layers/shared infra tests

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project --quiet | diff -u layers/shared/requirements.txt - \
		|| (echo "layers/shared/requirements.txt is out of date: make requirements" && exit 1)

typecheck: install
	$(BIN)/mypy

## Headless Chromium and its driver from Debian's packages, for the /console browser test.
## The package lists are refreshed only when the install fails without it.
APT_BROWSER := apt-get install -y --no-install-recommends chromium chromium-driver
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(DEBIAN_FRONTEND=noninteractive $(APT_BROWSER) || (apt-get update && DEBIAN_FRONTEND=noninteractive $(APT_BROWSER)))

## template.yaml must stay deployable: four checks that read it, side by side under `make --jobs`.
template: template-lint template-validate template-checkov build

template-lint: install
	$(BIN)/cfn-lint template.yaml

template-validate: $(SAM)
	$(SAM) validate --lint

template-checkov: $(CHECKOV)
	$(CHECKOV) --file template.yaml --framework cloudformation --compact --quiet --skip-download

requirements: install
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project --quiet > layers/shared/requirements.txt

build: $(SAM)
	$(SAM) build

deploy: build
	$(SAM) deploy --config-env $${ENV:-dev}

## Benchmarks; figures go to benchmarks/results.json.
bench: install build bytecode
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
