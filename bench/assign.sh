#!/usr/bin/env bash
# The PART-4 assignment benchmark (issue 13): bench_assign (bench/assign.c) raises
# BENCH_REQUESTS (100,000) requests for a team of BENCH_MEMBERS (200) people in two layers
# across BENCH_PARTNERS (20) partner organizations, through the domain layer, on SQLite and
# on a throwaway PostgreSQL, and prints requests/s beside the floor of the same run (plain
# INSERTs of request rows, one transaction each). Not part of the tests' pass/fail.
#
# Usage: bench/assign.sh BUILD_DIR
# Knobs: BENCH_REQUESTS, BENCH_MEMBERS, BENCH_PARTNERS, BENCH_BACKENDS ("sqlite postgresql").
set -euo pipefail

build=${1:?usage: bench/assign.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
[ -x "$build/bench_assign" ] || { echo "assign bench: $build/bench_assign is missing; build first" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init assign

args=(--requests "${BENCH_REQUESTS:-100000}" --members "${BENCH_MEMBERS:-200}"
  --partners "${BENCH_PARTNERS:-20}")
echo "load average before: $load_before"
for backend in ${BENCH_BACKENDS:-sqlite postgresql}; do
  if [ "$backend" = postgresql ]; then
    pgdir=$(mktemp -d /tmp/rdassign-pg.XXXXXX)
    uri=$("$root/scripts/pg-test.sh" start "$pgdir")
    psql -q "$uri/postgres" -c 'CREATE DATABASE bench' >/dev/null
    db="$uri/bench"
  else
    db="$work/bench.db"
  fi
  "$build/bench_assign" --db "$db" "${args[@]}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
