# goship's two commands: `make demo` ships the local stack, `make test` proves everything.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON := .venv/bin/python
VENV := .venv/.installed

.PHONY: demo test unit engine lint toolchain bench clean

# The virtualenv is rebuilt whenever the pins change.
$(VENV): requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

lint: $(VENV)
	.venv/bin/black --check --quiet .
	test -z "$$(cd app && gofmt -l $$(find . -name '*.go' -not -path './vendor/*'))" || { echo "gofmt: files need formatting"; exit 1; }

unit: $(VENV)
	$(PYTHON) -m pytest -m "not engine"
	cd app && go vet ./... && go test ./...

# Builds or reuses the Pulumi toolchain, then drives the real engine (tests/engine).
engine: toolchain
	$(PYTHON) -m pytest -m engine

toolchain: $(VENV)
	tools/toolchain.sh env $(PYTHON) > /dev/null

test: lint unit engine

# Ratios measured side by side in one run; one `<name>: <value> (goal <goal>)` line each.
bench: toolchain
	$(PYTHON) bench/engine_bench.py
	eval "$$(tools/services/up.sh)" && tools/base-images/build.sh >&2 \
		&& tools/base-images/vendor.sh >&2 && $(PYTHON) bench/image_bench.py
	eval "$$(tools/services/up.sh)" && $(PYTHON) bench/app_bench.py

# Ships the local stack: toolchain, registry and builder, then `pulumi up`.
demo: $(VENV)
	tools/demo.sh

clean:
	rm -rf .venv .pytest_cache
