# Two commands for a newcomer: `make demo` and `make test` (see README.md).
# `make check` is the fast loop while working: lint, types and every test not marked slow.
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian packages the tests drive for real: a private D-Bus for the fake BlueZ,
# headless Chromium for the dashboard, poppler for PDF pages, shellcheck and
# systemd-analyze for the Pi install files, the sqlite3 command whose .recover
# `footnote recover` uses where it is built in, libfuse2 for the power-cut file
# system of the tests (tests/powercut, through fusepy), and DejaVu Sans, the PDF's font.
DEBS := dbus-daemon chromium poppler-utils shellcheck systemd sqlite3 libfuse2 fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# `make test` runs the tests against footnote as a runner has it: the wheel built from
# this tree (with its sdist), installed (not editable) into a clean virtual environment
# made with Debian's own Python, /usr/bin/python3 (3.11.2 on Debian 12 and Raspberry Pi
# OS bookworm), so the tests import footnote from site-packages. `make check`, the fast
# loop, runs on the editable install in .venv.
TEST_PYTHON := $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
WHEEL_VENV := .venv-wheel
# Many tests run `footnote` as a child process; with PYTHONDONTWRITEBYTECODE set (some CI
# images set it) each child compiles footnote's modules again (about 0.3 s a start).
# An empty value lets Python keep its bytecode cache.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: demo test check lint benchmarks setup system-packages fhir-r4 dist wheel-env docs pi-rehearsal

# `make demo` installs only what the demo needs (footnote with its dashboard, no test
# toolchain) and says nothing unless something fails; PORT=8766 serves it elsewhere.
PORT ?= 8765
demo: $(VENV)/.installed-server
	@echo "footnote is installed in $(VENV)/bin/: run it as $(VENV)/bin/footnote (or '. $(VENV)/bin/activate', then footnote)"
	@$(VENV)/bin/footnote demo --port $(PORT)

# The runtime and the dashboard only. A development install (make setup) has them already.
$(VENV)/.installed-server: pyproject.toml
	@if [ ! -f $(VENV)/.installed ] || [ pyproject.toml -nt $(VENV)/.installed ]; then \
		python3 -m venv $(VENV) && $(PY) -m pip install --quiet --quiet -e '.[server]'; \
	fi
	@touch $@

test: setup system-packages fhir-r4 lint wheel-env
	FOOTNOTE_TEST_INSTALLED=wheel $(WHEEL_VENV)/bin/python -m pytest

check: setup system-packages fhir-r4 lint
	$(PY) -m pytest -q -m "not slow" -n 3  # three workers (pytest-xdist) on two cores: the fast tests are independent and mostly wait on child processes

lint: setup .typecheck/footnote
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# mypy sees device/ and server/ under the names they install as (see pyproject.toml).
.typecheck/footnote:
	mkdir -p $@
	ln -sfn ../../device $@/device
	ln -sfn ../../server $@/server

dist: setup
	rm -rf dist build
	$(PY) -m build --outdir dist . >/dev/null

wheel-env: dist
	rm -rf $(WHEEL_VENV)
	$(TEST_PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(WHEEL_VENV)/bin/python -m pip install --quiet "$$(ls dist/footnote-*.whl)[dev]"

# The reference pages read off the code (tests/test_docs.py checks them).
docs: setup
	$(PY) tools/reference_docs.py

benchmarks: setup
	$(PY) benchmarks/run_all.py

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The FHIR R4 (4.0.1) validator the tests call (tests/fhir_r4_validate.py): fhir.resources
# 6.4.0 is its last R4 release and needs pydantic 1, which footnote's own environment
# (pydantic 2) cannot hold, so it gets a small environment of its own (~6 s to install).
FHIR_R4_VENV := .venv-fhir-r4
fhir-r4: $(FHIR_R4_VENV)/.installed

$(FHIR_R4_VENV)/.installed:
	python3 -m venv $(FHIR_R4_VENV)
	$(FHIR_R4_VENV)/bin/python -m pip install --quiet 'fhir.resources==6.4.0' 'pydantic>=1.10,<2'
	touch $@

# Only what is missing is installed, so this costs a dpkg query once they are there.
system-packages:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# An emulated Raspberry Pi (arm64 Debian 12 under qemu-user, booted by systemd-nspawn)
# that runs hardware/install-pi.sh and checks the services, a recorded run, every page
# and export, and a clean rerun: see "Rehearsing on an emulated Pi" in hardware/README.md.
# Not part of make test (.ci/run): about 10 minutes from scratch, 6 with the cached image.
REHEARSAL_DEBS := qemu-user-static binfmt-support mmdebstrap systemd-container nftables curl
pi-rehearsal: setup
	@$(MAKE) --no-print-directory system-packages DEBS="$(REHEARSAL_DEBS)"
	$(SUDO) $(PY) tools/pi_rehearsal.py $(REHEARSAL_ARGS)
