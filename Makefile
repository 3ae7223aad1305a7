# Two commands for a newcomer: `make demo` and `make test` (see README.md).
# `make check` is the fast loop while working: lint, types and every test not marked slow.
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian packages the tests drive for real: a private D-Bus for the fake BlueZ,
# headless Chromium for the dashboard, poppler for PDF pages, shellcheck and
# systemd-analyze for the Pi install files.
DEBS := dbus-daemon chromium poppler-utils shellcheck systemd
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test check lint benchmarks setup system-packages

demo: setup
	$(VENV)/bin/footnote demo

test: setup system-packages lint
	$(PY) -m pytest

check: setup system-packages lint
	$(PY) -m pytest -q -m "not slow"

lint: setup .typecheck/footnote
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# mypy sees device/ and server/ under the names they install as (see pyproject.toml).
.typecheck/footnote:
	mkdir -p $@
	ln -sfn ../../device $@/device
	ln -sfn ../../server $@/server

benchmarks: setup
	$(PY) benchmarks/run_all.py

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Only what is missing is installed, so this costs a dpkg query once they are there.
system-packages:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
