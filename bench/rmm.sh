#!/usr/bin/env bash
# The RMM benchmark (issue 15): bench_rmm (bench/rmm.c) loads and imports BENCH_RMM_ORGS
# (10,000) organizations from the VSA-shaped double of the tests, through the domain layer
# and the job runner, on SQLite and on a throwaway PostgreSQL, and prints each phase's time,
# the requests the RMM saw and the peak memory, beside the driver's fetch alone and plain
# INSERTs of as many organizations. Not part of the tests' pass/fail.
#
# Usage: bench/rmm.sh BUILD_DIR
# Knobs: BENCH_RMM_ORGS, BENCH_BACKENDS ("sqlite postgresql").
set -euo pipefail

build=${1:?usage: bench/rmm.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
[ -x "$build/bench_rmm" ] || { echo "rmm bench: $build/bench_rmm is missing; build first" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init rmm

echo "load average before: $load_before"
for backend in ${BENCH_BACKENDS:-sqlite postgresql}; do
  if [ "$backend" = postgresql ]; then
    pgdir=$(mktemp -d /tmp/rdrmm-pg.XXXXXX)
    uri=$("$root/scripts/pg-test.sh" start "$pgdir")
    psql -q "$uri/postgres" -c 'CREATE DATABASE bench' >/dev/null
    db="$uri/bench"
  else
    db="$work/bench.db"
  fi
  "$build/bench_rmm" --db "$db" --orgs "${BENCH_RMM_ORGS:-10000}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
