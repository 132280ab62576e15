# The two commands of the README: `make run` and `make test`.
# Only Python 3.11 and the package registries are needed: uv is installed into
# .tools/ with pip, then uv installs the locked dependencies into .venv/.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: run test lint sync bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

sync: $(UV)
	$(UV) sync --frozen

run: sync
	.venv/bin/hall-server serve --demo

test: sync
	sh scripts/install-test-services.sh
	.venv/bin/python -m pytest

lint: sync
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench: sync
	.venv/bin/python -m bench.run

clean:
	rm -rf .venv .tools
