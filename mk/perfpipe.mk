# Request-pipeline performance (issues 3/7): tools to compare builds, and the wasm build's
# dependency on .cargo/config.toml (it sets the wasm32-wasip1 target features).
#   make bench-ab AB_WASM="base=/tmp/old.wasm new=target/wasm32-wasip1/release/mirror_waf.wasm"
#        (a), (a0), then (b0)/(b) per build in one Envoy invocation (bench/ab.py; AB_ARGS adds options)
#   make bench-wasm-engine   the native bench example compiled to wasm32-wasip1, timed under Node's V8

$(WASM): .cargo/config.toml

AB_WASM ?= new=$(WASM)
AB_ARGS ?= --loads get,json,multipart --runs 3 --duration 3

.PHONY: bench-ab bench-wasm-engine

bench-ab: bench-deps wasm venv bench-noop
	@mkdir -p build/bench
	$(PY) bench/ab.py $(foreach w,$(AB_WASM),--wasm $(w)) $(AB_ARGS)

bench-wasm-engine: venv
	@mkdir -p build/bench
	$(PY) -c "import sys; sys.path.insert(0, 'bench'); from loads import make_loads, to_jsonl; open('build/bench/loads.jsonl', 'w').write(to_jsonl(make_loads()))"
	$(CARGO) build --release --target wasm32-wasip1 --example inspect_loads
	node --no-warnings bench/wasi-run.mjs target/wasm32-wasip1/release/examples/inspect_loads.wasm build/bench/loads.jsonl 300
	MIRROR_WAF_CLASSES_OFF=1 node --no-warnings bench/wasi-run.mjs target/wasm32-wasip1/release/examples/inspect_loads.wasm build/bench/loads.jsonl 300
