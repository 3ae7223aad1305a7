# Two commands for a newcomer: `make demo` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian packages the tests drive for real: a private D-Bus for the fake BlueZ,
# headless Chromium for the dashboard, poppler for PDF pages, shellcheck and
# systemd-analyze for the Pi install files.
DEBS := dbus-daemon chromium poppler-utils shellcheck systemd
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup system-packages benchmarks

demo: setup
	$(VENV)/bin/footnote demo

test: setup system-packages
	$(PY) -m pytest

benchmarks: setup
	$(PY) benchmarks/run_all.py

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

system-packages:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
