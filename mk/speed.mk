# Engine speed work: an instruction-count profile of the native engine (callgrind), stable
# on a loaded machine where wall-clock timings are not. See examples/engine_profile.rs.
PROFILE_SET ?= benign
PROFILE_STRIDE ?= 5

.PHONY: profile-engine
profile-engine:
	$(CARGO) build --release --example engine_profile
	mkdir -p build
	PROFILE_SET=$(PROFILE_SET) PROFILE_STRIDE=$(PROFILE_STRIDE) PROFILE_ROUNDS=1 valgrind --tool=callgrind \
	  --callgrind-out-file=build/engine.callgrind --toggle-collect='engine_profile::run' target/release/examples/engine_profile
	callgrind_annotate --inclusive=yes build/engine.callgrind | head -60
