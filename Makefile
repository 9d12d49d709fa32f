# The two commands a new user needs (see README.md):
#   make run    install what is missing, build in Release, start the daemon on the embedded default
#   make test   install what is missing, build with ASan+UBSan, run every test (ctest),
#               then clang-tidy over the sources
# And for developers: make bench, make fuzz, make format, make clean.
# Warnings are errors in `make test` (and CI) only: a new compiler's false positive at -O3
# must not stop a user's `make run`.

CMAKE ?= cmake
JOBS ?= $(shell nproc)
RELEASE := build/release
TESTBUILD := build/asan
ARGS ?=

.PHONY: run test build bench fuzz format clean deps

build:
	scripts/install-deps build
	$(CMAKE) -S . -B $(RELEASE) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTEADYSTATE_BUILD_TESTS=OFF \
	  -DSTEADYSTATE_ROCKSDB_STATIC=ON -DSTEADYSTATE_WERROR=OFF
	$(CMAKE) --build $(RELEASE) -j $(JOBS) --target steadystate

run: build
	$(RELEASE)/app/steadystate serve $(ARGS)

test:
	scripts/install-deps test
	$(CMAKE) -S . -B $(TESTBUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTEADYSTATE_SANITIZE=ON
	$(CMAKE) --build $(TESTBUILD) -j $(JOBS)
	cd $(TESTBUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600
	scripts/lint tidy $(TESTBUILD)

bench:
	scripts/install-deps bench
	$(CMAKE) -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTEADYSTATE_BUILD_TESTS=OFF \
	  -DSTEADYSTATE_BUILD_BENCH=ON -DSTEADYSTATE_ROCKSDB_STATIC=ON -DSTEADYSTATE_WERROR=OFF
	$(CMAKE) --build build/bench -j $(JOBS)
	bench/run build/bench

# libFuzzer targets (tests/fuzz, docs/fuzzing.md), built with clang into build/fuzz and run one
# after another on one core: FUZZ_SECONDS per target, FUZZ_TARGETS to pick some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz:
	scripts/install-deps fuzz
	$(CMAKE) -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DSTEADYSTATE_BUILD_TESTS=OFF -DSTEADYSTATE_FUZZ=ON \
	  -DSTEADYSTATE_WERROR=OFF
	$(CMAKE) --build build/fuzz -j $(JOBS) --target fuzz_targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" scripts/fuzz build/fuzz

format:
	git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
