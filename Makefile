# rolodesk: the top-level driver. `make run` and `make test` work on a fresh Debian 12.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEMO_DB ?= demo.db
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))

.PHONY: all build build-asan web deps run test test-unit test-api test-asan bench clean check-source fuzz

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: $(BUILD)/Makefile web
	@cmake --build $(BUILD) -j $(JOBS)

# The web UI (issue 16) into web/dist: npm ci + vite build, skipped when nothing changed;
# without npm it says so and builds nothing (the C programs still build).
web:
	@scripts/web-build.sh

$(ASAN_BUILD)/Makefile: CMakeLists.txt
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRD_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null

build-asan: $(ASAN_BUILD)/Makefile
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

run: deps build
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@$(BUILD)/rolodesk --db $(DEMO_DB) init >/dev/null
	@$(BUILD)/rolodesk --db $(DEMO_DB) demo
	@token=$$($(BUILD)/rolodesk --db $(DEMO_DB) token create --account wdc --username admin); \
	 echo; echo "rolodesk demo on http://127.0.0.1:8080"; \
	 echo "  web UI:  http://127.0.0.1:8080/login"; \
	 echo "  sign in: account wdc, username admin, password demo-password"; \
	 echo "  or try:  curl -H 'Authorization: Bearer $$token' http://127.0.0.1:8080/v1/organizations"; echo
	@exec $(BUILD)/rolodeskd --db $(DEMO_DB) --listen 127.0.0.1:8080 --web-root web/dist

# Everything: source checks, the Node.js checks (OpenAPI lint; the vCard parsers the API
# tests use), unit + API tests (SQLite and PostgreSQL), the web UI in Chromium (once, on
# the plain build), then all again under AddressSanitizer and UndefinedBehaviorSanitizer.
test: deps
	@$(MAKE) --no-print-directory check-source
	@scripts/js-tests.sh
	@$(MAKE) --no-print-directory build CMAKE_FLAGS="-DRD_WERROR=ON"
	@scripts/run-tests.sh $(BUILD)
	@scripts/ui-tests.sh $(BUILD)
	@$(MAKE) --no-print-directory build-asan CMAKE_FLAGS="-DRD_WERROR=ON"
	@scripts/run-tests.sh $(ASAN_BUILD)
	@echo "make test: all passed"

check-source:
	@scripts/check-source.sh

bench: deps build
	@bench/run.sh $(BUILD)

# The libFuzzer targets of tests/fuzz (REL-3), built with clang in $(FUZZ_BUILD), each run for
# FUZZ_SECONDS from its corpus. New inputs go to $(FUZZ_BUILD)/corpus, crashes to
# $(FUZZ_BUILD)/crash-*; copy a crash into tests/fuzz/corpus/<target>/ once fixed, and the
# unit tests replay it for good (tests/fuzz/replay_test.c).
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=$(FUZZ_CC) -DCMAKE_BUILD_TYPE=Debug \
	  -DRD_FUZZ=ON -DRD_TESTS=OFF -DRD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@for t in $(FUZZ_TARGETS); do \
	  [ -x $(FUZZ_BUILD)/$$t ] || { echo "fuzz: $$t not built ($(FUZZ_CC) is not clang)"; continue; }; \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  echo "== $$t for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/$$t- $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	    || exit 1; \
	done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
