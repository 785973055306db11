# rolodesk: the top-level driver. `make run` and `make test` work on a fresh Debian 12.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEMO_DB ?= demo.db

.PHONY: all build deps run test test-unit test-api test-asan bench clean check-source

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS)

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
	 echo "  sign in: account wdc, username admin, password demo-password"; \
	 echo "  or try:  curl -H 'Authorization: Bearer $$token' http://127.0.0.1:8080/v1/organizations"; echo
	@exec $(BUILD)/rolodeskd --db $(DEMO_DB) --listen 127.0.0.1:8080

# Everything: source checks, unit + API tests (SQLite and PostgreSQL), then all again
# under AddressSanitizer and UndefinedBehaviorSanitizer.
test: deps
	@$(MAKE) --no-print-directory check-source
	@$(MAKE) --no-print-directory build CMAKE_FLAGS="-DRD_WERROR=ON"
	@scripts/run-tests.sh $(BUILD)
	@$(MAKE) --no-print-directory build-asan CMAKE_FLAGS="-DRD_WERROR=ON"
	@scripts/run-tests.sh $(ASAN_BUILD)
	@echo "make test: all passed"

check-source:
	@scripts/check-source.sh

bench: deps build
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
