#!/usr/bin/env bash
# The API benchmark (PERF-1): loads 10,000 organizations into a fresh database, starts
# rolodeskd on a free loopback port and measures with wrk
#   - GET /healthz                          the floor: no database, a fixed body
#   - GET /v1/organizations?per_page=25     the default list page
#   - GET /v1/organizations?per_page=100    the largest list page
# then prints one table: requests/s, p50/p90/p99 latency and the ratio to the floor, for
# SQLite and, when scripts/pg-test.sh exists, PostgreSQL side by side. Not part of the
# tests' pass/fail. The table is also written to bench/out/latest.md.
#
# Usage: bench/run.sh BUILD_DIR
# Knobs (environment): BENCH_ORGS (10000), BENCH_DURATION (10s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (50), BENCH_DAEMON_THREADS (rolodeskd's default: one per core),
# BENCH_BACKENDS ("sqlite postgresql"). Then the other benchmarks of bench/, each skipped
# with its BENCH_<NAME>=0 (PAGES, SEARCH, TRUST, IMPORT, SECURITY, ASSIGN, MAIL_IN, ITEMS, RMM, UI).
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
orgs=${BENCH_ORGS:-10000}
duration=${BENCH_DURATION:-10s}
wrk_threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-50}
backends=${BENCH_BACKENDS:-sqlite postgresql}

for prog in rolodesk rolodeskd bench_load; do
  [ -x "$build/$prog" ] || { echo "bench: $build/$prog is missing; build first (make)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: wrk is missing (scripts/deps.sh installs it)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: curl is missing" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init bench

declare -A result # result[backend:scenario] = "rps p50 p90 p99 errs"
declare -A note   # note[backend] = why it was skipped
scenarios=(healthz orgs25 orgs100)
declare -A label=([healthz]="GET /healthz (floor)" [orgs25]="GET /v1/organizations?per_page=25"
  [orgs100]="GET /v1/organizations?per_page=100")
declare -A path=([healthz]="/healthz" [orgs25]="/v1/organizations?per_page=25"
  [orgs100]="/v1/organizations?per_page=100")

bench_backend() {
  local backend=$1 db=$2
  echo "== $backend: loading $orgs organizations" >&2
  if ! "$build/bench_load" --db "$db" --orgs "$orgs" 2>"$work/load.err"; then
    note[$backend]="loader failed: $(tail -1 "$work/load.err")"
    echo "bench: $backend: ${note[$backend]}" >&2
    return 0
  fi
  cat "$work/load.err" >&2
  local token
  if ! token=$("$build/rolodesk" --db "$db" token create --account bench --username admin \
    2>"$work/token.err"); then
    note[$backend]="token create failed: $(tail -1 "$work/token.err")"
    echo "bench: $backend: ${note[$backend]}" >&2
    return 0
  fi
  rm -f "$work/port"
  local args=(--db "$db" --listen 127.0.0.1:0 --port-file "$work/port" --data "$work/data-$backend"
    --quiet)
  [ -n "${BENCH_DAEMON_THREADS:-}" ] && args+=(--threads "$BENCH_DAEMON_THREADS")
  # wrk's connections all come from one address: above rolodeskd's per-address default (32)
  args+=(--max-conns-per-ip $((conns + 16)))
  "$build/rolodeskd" "${args[@]}" 2>"$work/daemon-$backend.log" &
  daemon_pid=$!
  for _ in $(seq 100); do
    [ -s "$work/port" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -s "$work/port" ]; then
    note[$backend]="rolodeskd did not start: $(tail -1 "$work/daemon-$backend.log")"
    echo "bench: $backend: ${note[$backend]}" >&2
    stop_daemon
    return 0
  fi
  local base="http://127.0.0.1:$(cat "$work/port")"
  # Check that the measured answer is the real one (a 401 would be fast and meaningless).
  local n
  n=$(curl -fsS -H "Authorization: Bearer $token" "$base/v1/organizations?per_page=25" |
    grep -o '"created_at":' | wc -l) || true
  if [ "$n" != 25 ]; then
    note[$backend]="GET /v1/organizations did not answer 25 records"
    echo "bench: $backend: ${note[$backend]}" >&2
    stop_daemon
    return 0
  fi
  echo "== $backend: warming up" >&2
  wrk -t"$wrk_threads" -c"$conns" -d2s -H "Authorization: Bearer $token" \
    "$base/v1/organizations?per_page=100" >/dev/null
  for s in "${scenarios[@]}"; do
    echo "== $backend: ${label[$s]} for $duration" >&2
    local tok=$token
    [ "$s" = healthz ] && tok=""
    run_wrk "$backend-$s" "$base${path[$s]}" "$tok"
    result[$backend:$s]="$RPS $P50 $P90 $P99 $ERRS"
  done
  stop_daemon
}

for backend in $backends; do
  case $backend in
  sqlite)
    bench_backend sqlite "$work/bench.db"
    ;;
  postgresql)
    if [ ! -x "$root/scripts/pg-test.sh" ]; then
      note[postgresql]="skipped: scripts/pg-test.sh is not there"
      echo "bench: PostgreSQL column ${note[postgresql]}" >&2
      continue
    fi
    # Its own directory outside $work: as root the server runs as another user, who must
    # be able to reach it (mktemp's 0700 parent would stop it).
    pgdir=$(mktemp -d /tmp/rdbench-pg.XXXXXX)
    if ! uri=$("$root/scripts/pg-test.sh" start "$pgdir" 2>"$work/pg.err"); then
      note[postgresql]="skipped: pg-test.sh start failed: $(tail -1 "$work/pg.err")"
      echo "bench: PostgreSQL column ${note[postgresql]}" >&2
      continue
    fi
    if ! psql -q "$uri/postgres" -c 'CREATE DATABASE bench' >/dev/null 2>"$work/pg.err"; then
      note[postgresql]="skipped: CREATE DATABASE failed: $(tail -1 "$work/pg.err")"
      echo "bench: PostgreSQL column ${note[postgresql]}" >&2
    else
      bench_backend postgresql "$uri/bench"
    fi
    "$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$pgdir"
    pgdir=""
    ;;
  *)
    echo "bench: unknown backend $backend" >&2
    exit 2
    ;;
  esac
done

# One table, the backends side by side (cell: bench/lib.sh).

mkdir -p "$root/bench/out"
table="$root/bench/out/latest.md"
{
  echo "rolodesk bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores" \
    "($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $orgs organizations," \
    "wrk -t$wrk_threads -c$conns -d$duration, rolodeskd threads: ${BENCH_DAEMON_THREADS:-one per core}," \
    "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  table_rows
} >"$table"
echo
cat "$table"
[ "${BENCH_PAGES:-1}" = 0 ] || "$root/bench/pages.sh" "$build" # list pages warm and cold: instructions and ratio to /healthz (issue 12)
[ "${BENCH_PAGES:-1}" = 0 ] || "$root/bench/pages_mixed.sh" "$build" # one write per 50 reads: no stale page (issue 12)
[ "${BENCH_SEARCH:-1}" = 0 ] || "$root/bench/search.sh" "$build" # customer search at 1M (CUST-4)
[ "${BENCH_TRUST:-1}" = 0 ] || "$root/bench/trust.sh" "$build" # All Organizations, 1,000 trusted accounts (issue 4)
[ "${BENCH_IMPORT:-1}" = 0 ] || "$root/bench/import.sh" "$build" # customer import of 1M rows (IMP-5)
[ "${BENCH_SECURITY:-1}" = 0 ] || "$root/bench/security.sh" "$build" # /healthz under hostile clients (issue 10)
[ "${BENCH_ASSIGN:-1}" = 0 ] || "$root/bench/assign.sh" "$build" # request assignment, 100,000 requests (PART-4)
[ "${BENCH_MAIL_IN:-1}" = 0 ] || "$root/bench/mail_in.sh" "$build" # mail in, 10,000 messages (CUST-9)
[ "${BENCH_ITEMS:-1}" = 0 ] || "$root/bench/items.sh" "$build" # item export, CSV and xlsx (CUST-7)
[ "${BENCH_RMM:-1}" = 0 ] || "$root/bench/rmm.sh" "$build" # RMM load, import and sync (issue 15)
[ "${BENCH_UI:-1}" = 0 ] || "$root/bench/ui.sh" "$build" # web UI: bundle size, first rows of the Organizations screens (issue 16)
