# The two commands of the README: `make run` and `make test`.
# Only Python 3.11 and the package registries are needed: uv is installed into
# .tools/ with pip, then uv installs the locked dependencies into .venv/.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: run test lint sync web bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

sync: $(UV)
	$(UV) sync --frozen

# The web pages (TypeScript, web/) are built with the locked npm packages
# into hall_server/webapp/, which the hall serves.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web: web/node_modules/.package-lock.json
	cd web && npm run build

run: sync web
	.venv/bin/hall-server serve --demo

test: sync web
	sh scripts/install-test-services.sh
	cd web && npm run typecheck && npm test
	.venv/bin/python -m pytest

lint: sync web
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	cd web && npm run typecheck

bench: sync
	.venv/bin/python -m bench.run

clean:
	rm -rf .venv .tools web/node_modules hall_server/webapp
