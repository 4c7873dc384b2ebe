# Safe Harbor: two commands for a new user — `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SH := $(VENV)/bin/safeharbor
DEMO_DIR ?= var/demo
DEMO_ADS ?= 5000
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup runtime browser demo demo-data test lint typecheck pytest bench bench-quality bench-speed \
        bench-linking bench-risk bench-learning bench-web bench-scale bench-spark fuzz audit lock clean

# Two installs into one .venv, each with its own marker: `runtime` (what `make demo` needs: the package
# and its runtime dependencies) and `setup` (that plus the dev toolchain: pytest, Playwright, ruff, mypy).
setup: $(VENV)/.installed

runtime: $(VENV)/.runtime

$(VENV)/.runtime: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e .
	touch $@

# requirements.lock pins every dependency's exact version (see SECURITY.md): installs are reproducible.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	touch $@ $(VENV)/.runtime

# Refresh the lock after changing dependencies in pyproject.toml: a fresh venv, newest allowed versions.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --upgrade pip && .venv-lock/bin/pip install -q -e '.[dev]'
	{ echo "# Exact versions of every dependency (make lock refreshes it; make setup installs with it)."; \
	  .venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e '; } > requirements.lock
	rm -rf .venv-lock

# Known vulnerabilities in the installed dependencies (pip-audit). Fails on a finding; when the
# vulnerability database cannot be reached it says so and passes (AUDIT_STRICT=0: findings warn only).
AUDIT_STRICT ?= 1
audit: setup
	AUDIT_STRICT=$(AUDIT_STRICT) scripts/audit.sh $(VENV)

# Debian's Chromium for the page tests (Playwright drives /usr/bin/chromium; it never downloads a browser),
# and the fonts a referral PDF falls back to for CJK and full-width forms (Droid Sans Fallback, DejaVu).
browser:
	@test -x /usr/bin/chromium -a -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core fonts-droid-fallback >/dev/null; }

# Builds a demo data set, runs the whole pipeline, starts the app and says where to look.
demo: runtime
	$(SH) demo --dir $(DEMO_DIR) --ads $(DEMO_ADS) --host $(HOST) --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup browser
	$(PY) -m pytest -n 2 -q

test: lint typecheck pytest

# Property-based fuzzing with fresh random examples, many more than `make test` replays
# (tests/conftest.py: the "fuzz" profile). FUZZ_TESTS narrows it to some test files.
FUZZ_TESTS ?= tests/test_ingest_fuzz.py tests/test_extract_phones.py tests/test_extract_emails.py \
              tests/test_extract_handles.py
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -p no:cacheprovider $(FUZZ_TESTS)

bench: bench-quality bench-speed bench-linking bench-risk bench-web

bench-quality: setup
	$(PY) bench/quality.py

bench-speed: setup
	$(PY) bench/speed.py

bench-linking: setup
	$(PY) bench/linking.py

# The world-shift suite: ad and lead AUC / precision@k per shift of the demo world, and the worst case.
# RISK_ARGS='--ads 20000 --fit-ads 0' (no --shifts) runs the single-corpus report with re-fitted weights.
RISK_ARGS ?= --shifts all --ads 10000
bench-risk: setup
	nice -n 5 $(PY) bench/risk.py $(RISK_ARGS)

# The learning curve per world shift: lead P@k after 0/25/50/100/200 simulated reviews (top of the queue
# and --teach), the worst shift, and the reliability diagram. ~10 min at 3,000 ads on a shared 2-core
# machine; `make bench-risk RISK_ARGS='--shifts all --ads 10000 --learning-curve'` for larger worlds.
LEARNING_ARGS ?= --shifts all --learning-curve --ads 3000 --seed 31337
bench-learning: setup
	nice -n 5 $(PY) bench/risk.py $(LEARNING_ARGS)

bench-web: setup
	$(PY) bench/web.py

# The cost curve, stage by stage: make bench-scale ARGS="--sizes 100000,300000,1000000 [--batch 150000]"
bench-scale: setup
	$(PY) bench/scale.py $(ARGS)

# The Spark engine's cost per stage, shuffle sizes and memory (docs/scale.md); BENCH_SPARK_ARGS e.g. --ads 100000 --local
bench-spark: setup
	nice -n 5 $(PY) bench/spark.py $(BENCH_SPARK_ARGS)

clean:
	rm -rf var build .pytest_cache .mypy_cache .ruff_cache test-artifacts
