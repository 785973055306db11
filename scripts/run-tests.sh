#!/usr/bin/env bash
# Runs every test program of one build directory: unit tests, then the API (and property)
# tests on SQLite and, at the same time, on a throwaway PostgreSQL server started for the
# run, with the unit tests that use a database run again on it.
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

# Each phase prints its own log when it ends, with its time.
phase() {
  local name=$1 start=$SECONDS
  shift
  echo "== $build: $name"
  "$@"
  echo "== $build: $name: $((SECONDS - start)) s"
}

run_api() {
  for t in api_tests prop_tests; do
    [ -x "$build/$t" ] || continue
    phase "$t on $1" "$build/$t" --jobs "$jobs"
  done
}

postgresql() {
  ROLODESK_TEST_PG=$("$root/scripts/pg-test.sh" start "$pgdir")
  export ROLODESK_TEST_PG
  phase "unit tests of the store on postgresql" "$build/unit_tests" --jobs "$jobs" --filter '*_pg/*'
  # The unit suites that open a database (a TestSuite with a fixture in a file that calls
  # ut_db_open: tests/unit/unit.h) again, each test on a fresh migrated PostgreSQL database.
  suites=$(grep -rl --include='*.c' 'ut_db_open(' "$root/tests/unit" |
    xargs sed -n 's/^TestSuite(\([a-z0-9_]*\), *\.init.*/\1/p' | sort -u | paste -sd'|')
  ROLODESK_UNIT_BACKEND=postgresql phase "unit tests with a database on postgresql" \
    "$build/unit_tests" --jobs "$jobs" --filter "@($suites)/*"
  run_api postgresql
}

phase "unit tests" "$build/unit_tests" --jobs "$jobs"

# SQLite and PostgreSQL run side by side: much of an API test's time is waiting (daemons
# starting, kill -9 loops, lock and mail timeouts), so two runs share the cores well.
unset ROLODESK_TEST_PG
logs=$(mktemp -d /tmp/rdtests.XXXXXX)
pgdir=$(mktemp -d /tmp/rdpg.XXXXXX)
trap '"$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir" "$logs"' EXIT
run_api sqlite >"$logs/sqlite" 2>&1 &
sqlite_pid=$!
postgresql >"$logs/postgresql" 2>&1 &
pg_pid=$!
rc=0
wait "$sqlite_pid" || rc=1
cat "$logs/sqlite"
wait "$pg_pid" || rc=1
cat "$logs/postgresql"
exit "$rc"
