# Robustness (issue 8): fuzzing, hostile traffic, soak, fail-open. See docs/robustness.md.
#   make fuzz           every cargo-fuzz target for FUZZ_SECONDS each (default 60), seeded from ../shared/corpora
#   make fuzz-<target>  one target
#   make test-robust    just the hostile-traffic, fail-open and short-soak e2e tests (test-e2e runs them too)
#   make soak           1,000,000 mixed requests through the receiver, memory slope (SOAK_REQUESTS to change)

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := config realip pairs mirror_context json multipart xml urlencoded decoders engine
FUZZ_FLAGS ?= -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
SOAK_REQUESTS ?= 1000000

# `make test` already runs these through test-e2e (pytest tests/e2e); no extra TEST_TARGETS.
# The short soak in test-e2e needs wrk: install it first (Debian package).
test-e2e: wrk-tool

.PHONY: wrk-tool
wrk-tool:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

.PHONY: fuzz fuzz-tools fuzz-build fuzz-seed test-robust soak $(addprefix fuzz-,$(FUZZ_TARGETS))

fuzz-tools:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

fuzz-build: fuzz-tools
	cargo +nightly fuzz build -O -a

fuzz-seed:
	$(PYTHON) fuzz/seed.py

$(addprefix fuzz-,$(FUZZ_TARGETS)): fuzz-%: fuzz-build fuzz-seed
	@mkdir -p fuzz/logs fuzz/artifacts/$*
	cargo +nightly fuzz run -O -a $* fuzz/corpus/$* -- -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
		2>&1 | tee fuzz/logs/$*.log | grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|ERROR|panicked|SUMMARY' ; exit $${PIPESTATUS[0]}

fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))
	$(PYTHON) fuzz/report.py $(FUZZ_TARGETS)

test-robust: wasm venv wrk-tool
	$(PY) -m pytest -q tests/e2e/test_robust_hostile.py tests/e2e/test_robust_failopen.py tests/e2e/test_robust_soak.py

soak: wasm venv wrk-tool
	SOAK_REQUESTS=$(SOAK_REQUESTS) $(PY) tests/e2e/soak.py
