#!/usr/bin/env bash
# Runs every test program of one build directory: unit tests, then the API (and property)
# tests on SQLite and on a throwaway PostgreSQL server started for the run, with the unit
# tests that use a database run again on it.
# Usage: scripts/run-tests.sh BUILD_DIR
set -euo pipefail
build=${1:?build directory}
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${TEST_JOBS:-$(( $(nproc) * 2 ))}
# Criterion's -q would silence failures too: its default output is one line per failure plus
# a summary, which is what a CI log needs.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# LeakSanitizer: libraries' one-time allocations that live until exit are not our leaks.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}

echo "== $build: unit tests"
"$build/unit_tests" --jobs "$jobs"

run_api() {
  for t in api_tests prop_tests; do
    [ -x "$build/$t" ] || continue
    echo "== $build: $t on $1"
    "$build/$t" --jobs "$jobs"
  done
}

unset ROLODESK_TEST_PG
run_api sqlite

if [ -x "$root/scripts/pg-test.sh" ]; then
  pgdir=$(mktemp -d /tmp/rdpg.XXXXXX)
  trap '"$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
  ROLODESK_TEST_PG=$("$root/scripts/pg-test.sh" start "$pgdir")
  export ROLODESK_TEST_PG
  echo "== $build: unit tests of the store on postgresql"
  "$build/unit_tests" --jobs "$jobs" --filter '*_pg/*'
  # The unit suites that open a database (a TestSuite with a fixture in a file that calls
  # ut_db_open: tests/unit/unit.h) again, each test on a fresh migrated PostgreSQL database.
  suites=$(grep -rl --include='*.c' 'ut_db_open(' "$root/tests/unit" |
    xargs sed -n 's/^TestSuite(\([a-z0-9_]*\), *\.init.*/\1/p' | sort -u | paste -sd'|')
  echo "== $build: unit tests with a database on postgresql"
  ROLODESK_UNIT_BACKEND=postgresql "$build/unit_tests" --jobs "$jobs" --filter "@($suites)/*"
  run_api postgresql
fi
