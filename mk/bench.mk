# Benchmarks (issue 7): mirror-waf side by side with Envoy without the filter and with
# nginx + ModSecurity v3 + OWASP CRS (Debian). Everything on 127.0.0.1, started and stopped
# by bench/run.py.
#   make bench        full run (~16 min): writes bench/RESULTS.md and build/bench/results.json
#   make bench-smoke  every configuration and load for ~1 s, checks the output parses (part of make test)
# BENCH_ARGS adds options to bench/run.py (e.g. BENCH_ARGS="--configs a,b,e --loads get").

BENCH_APT := wrk nginx libnginx-mod-http-modsecurity libnginx-mod-http-echo modsecurity-crs
BENCH_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BENCH_RUNS ?= 3
BENCH_DURATION ?= 6
BENCH_LAT_DURATION ?= 4
BENCH_SHARED_NOTE ?=
BENCH_ARGS ?=

TEST_TARGETS += bench-smoke

.PHONY: bench bench-smoke bench-deps bench-noop bench-profile bench-native

# Its own target dir: a release build of the cdylib+rlib crate in target/release would clobber the
# rlib `cargo bench` (bench-engine, panic=unwind) uses there (cargo issue 6313).
BENCH_NATIVE_TARGET := build/native-target
BENCH_EXAMPLE := $(BENCH_NATIVE_TARGET)/release/examples/inspect_loads

# Native engine on the bench loads: timing and a callgrind profile (build/bench/profile.md).
bench-native:
	$(CARGO) build --release --example inspect_loads --target-dir $(BENCH_NATIVE_TARGET)

bench-profile: bench-native venv
	@command -v valgrind >/dev/null || { $(BENCH_SUDO) apt-get install -y -qq --no-install-recommends valgrind || true; }
	$(PY) bench/profile.py --example $(BENCH_EXAMPLE) --out build/bench/profile.md

BENCH_NOOP := build/noop-target/wasm32-wasip1/release/bench_noop_filter.wasm

# The no-op proxy-wasm filter of configuration (a0): Envoy's Wasm floor cost.
bench-noop: $(BENCH_NOOP)
$(BENCH_NOOP): bench/noop-filter/src/lib.rs bench/noop-filter/Cargo.toml | rust-targets
	$(CARGO) build --release --target wasm32-wasip1 --manifest-path bench/noop-filter/Cargo.toml --target-dir build/noop-target

# apt-get update only when something is missing, then install what is missing.
bench-deps:
	@missing=""; for p in $(BENCH_APT); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "bench: installing$$missing"; \
	  $(BENCH_SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(BENCH_SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

bench-smoke: bench-deps wasm venv bench-noop
	@mkdir -p build/bench
	$(PY) bench/run.py --smoke --json build/bench/smoke.json --results build/bench/smoke.md > build/bench/smoke.log 2>&1 \
	  || { tail -n 60 build/bench/smoke.log; exit 1; }
	@tail -n 1 build/bench/smoke.log

bench: bench-deps wasm venv bench-noop bench-profile
	@mkdir -p build/bench
	@if grep -qs '^bench-engine:' Makefile mk/*.mk; then \
	  echo "bench: make bench-engine"; \
	  $(MAKE) --no-print-directory bench-engine > build/bench/engine.txt 2>&1 || echo "(make bench-engine failed)" >> build/bench/engine.txt; \
	else \
	  rm -f build/bench/engine.txt; echo "bench: no bench-engine target yet (engine branch not merged)"; \
	fi
	$(PY) bench/run.py --runs $(BENCH_RUNS) --duration $(BENCH_DURATION) --lat-duration $(BENCH_LAT_DURATION) \
	  --json build/bench/results.json --results bench/RESULTS.md --engine-report build/bench/engine.txt --append build/bench/profile.md --analysis bench/ANALYSIS.md \
	  --perf --command "make bench" --shared-note "$(BENCH_SHARED_NOTE)" $(BENCH_ARGS)
