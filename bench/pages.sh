#!/usr/bin/env bash
# The list-page benchmark of issue 12 (pages written as text): on SQLite (or PostgreSQL:
# BENCH_PAGES_BACKEND=postgresql, a throwaway server of scripts/pg-test.sh), with the MSP of
# bench/trust.sh (bench_pages_db: the account "msp" with BENCH_ORGS organizations, trusted by
# 1,000 customer accounts of 10 organizations each, all of them customers of its SLAs), it
# measures
#   - callgrind: instructions per request of rolodeskd for GET /healthz and for the 25-row
#     organizations page, each over one keep-alive connection of BENCH_PAGES_REQUESTS
#     (200) requests (curl reuses its connection for the URLs of one invocation); the
#     counters are zeroed before and dumped after each loop (callgrind_control), so the
#     daemon's start is not counted;
#   - wrk: req/s of /healthz and of the 25- and 100-row pages in the same run, each page as
#     a ratio to /healthz: warm (the page cache on, data unchanged: pages served from it)
#     and cold (a daemon with --page-cache-mb 0: every page rendered); the MSP's own list
#     and a page of its All Organizations view in the middle of its 10,000 foreign records
#     (from the first organization of customer account c0500: every row foreign, each
#     through the TRUST-4 projection).
# Prints one table (also bench/out/pages-BACKEND.md). Not part of the tests' pass/fail.
#
# Usage: bench/pages.sh BUILD_DIR
# Knobs (environment): BENCH_ORGS (10000), BENCH_PAGES_REQUESTS (200), BENCH_DURATION (10s),
# BENCH_THREADS (2), BENCH_CONNECTIONS (50), BENCH_PAGES_CALLGRIND (1; 0 skips it),
# BENCH_PAGES_KEEP (a directory: the callgrind dumps are copied there, for callgrind_annotate).
set -euo pipefail

build=${1:?usage: bench/pages.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
orgs=${BENCH_ORGS:-10000}
requests=${BENCH_PAGES_REQUESTS:-200}
duration=${BENCH_DURATION:-10s}
wrk_threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-50}
use_callgrind=${BENCH_PAGES_CALLGRIND:-1}

for prog in rolodesk rolodeskd bench_load; do
  [ -x "$build/$prog" ] || { echo "bench: $build/$prog is missing; build first (make)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: wrk is missing (scripts/deps.sh installs it)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: curl is missing" >&2; exit 1; }
if [ "$use_callgrind" = 1 ] && ! command -v callgrind_control >/dev/null; then
  echo "bench: valgrind is missing: no instruction counts (BENCH_PAGES_CALLGRIND=0)" >&2
  use_callgrind=0
fi

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init bench-pages

echo "== ${BENCH_PAGES_BACKEND:-sqlite}: loading $orgs organizations" >&2
bench_pages_db "${BENCH_PAGES_BACKEND:-sqlite}" "$orgs"
token=$("$build/rolodesk" --db "$db" token create --account msp --username admin)
ctoken=$("$build/rolodesk" --db "$db" token create --account "$customer" --username admin)

# start_daemon [WRAPPER...]: rolodeskd on a free port (under WRAPPER when given); sets base.
# daemon_extra[]: more options for the daemon.
daemon_extra=()
start_daemon() {
  rm -f "$work/port"
  "$@" "$build/rolodeskd" --db "$db" --listen 127.0.0.1:0 --port-file "$work/port" \
    --data "$work/data" --quiet --max-conns-per-ip $((conns + 16)) "${daemon_extra[@]}" \
    2>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 600); do
    [ -s "$work/port" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$work/port" ] || { echo "bench: rolodeskd did not start: $(tail -3 "$work/daemon.log")" >&2; exit 1; }
  base="http://127.0.0.1:$(cat "$work/port")"
}

# loop PATH [TOKEN]: $requests requests on one keep-alive connection.
loop() {
  local urls=() hdr=()
  for _ in $(seq "$requests"); do urls+=("$base$1"); done
  [ -n "${2:-}" ] && hdr=(-H "Authorization: Bearer $2")
  curl -fsS "${hdr[@]}" "${urls[@]}" >/dev/null
}

# find_all: sets all, the All Organizations page (without its per_page value) that begins
# with the customer's first organization, and checks that its 25 rows are all foreign.
find_all() {
  local first n
  first=$(curl -fsS -H "Authorization: Bearer $ctoken" "$base/v1/organizations?per_page=1" |
    grep -o '"id":[0-9]*' | head -1)
  first=${first#\"id\":}
  all="/v1/organizations/all?cursor=$(cursor_before "$first")&per_page"
  n=$(curl -fsS -H "Authorization: Bearer $token" "$base$all=25" | grep -o '"foreign":true' | wc -l)
  [ "$n" = 25 ] || { echo "bench: the All Organizations page answered $n foreign records" >&2; exit 1; }
}

declare -A instr
# callgrind_loops SCENARIO...: instructions per request of each scenario (a name of the
# wrk table below) in the running daemon, into instr[].
callgrind_loops() {
  for s in "$@"; do
    p=/healthz t=""
    case $s in
      orgs25*) p="/v1/organizations?per_page=25" t=$token ;;
      all25*) p="$all=25" t=$token ;;
    esac
    loop "$p" "$t" # caches and statements warmed first
    callgrind_control -z "$daemon_pid" >/dev/null 2>&1
    loop "$p" "$t"
    rm -f "$work"/cg.*.[0-9]*
    callgrind_control --dump="$s" "$daemon_pid" >/dev/null 2>&1
    sleep 1
    # The dump of every thread: sum their totals.
    total=$(cat "$work"/cg.*.[0-9]* 2>/dev/null | awk '/^totals:/ { n += $2 } END { print n + 0 }')
    [ -z "${BENCH_PAGES_KEEP:-}" ] || for f in "$work"/cg.*.[0-9]*; do cp "$f" "$BENCH_PAGES_KEEP/$s.${f##*/}"; done
    instr[$s]=$(awk -v n="$total" -v r="$requests" 'BEGIN { printf "%.0f", n / r }')
  done
}
if [ "$use_callgrind" = 1 ]; then
  echo "== callgrind: $requests keep-alive requests each" >&2
  start_daemon valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p"
  find_all
  callgrind_loops healthz orgs25 all25
  stop_daemon
  daemon_extra=(--page-cache-mb 0)
  start_daemon valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p"
  callgrind_loops orgs25cold all25cold
  stop_daemon
  daemon_extra=()
fi

echo "== wrk: $duration each" >&2
declare -A result note
start_daemon
n=$(curl -fsS -H "Authorization: Bearer $token" "$base/v1/organizations?per_page=25" |
  grep -o '"created_at":' | wc -l)
[ "$n" = 25 ] || { echo "bench: the 25-row page answered $n records" >&2; exit 1; }
find_all
wrk -t"$wrk_threads" -c"$conns" -d2s -H "Authorization: Bearer $token" \
  "$base/v1/organizations?per_page=100" >/dev/null
scenarios=(healthz orgs25 orgs100 all25 all100 orgs25cold orgs100cold all25cold all100cold)
declare -A label=([healthz]="GET /healthz (floor)"
  [orgs25]="GET /v1/organizations?per_page=25, warm"
  [orgs100]="GET /v1/organizations?per_page=100, warm"
  [all25]="GET /v1/organizations/all, 25 foreign rows, warm"
  [all100]="GET /v1/organizations/all, 100 foreign rows, warm"
  [orgs25cold]="GET /v1/organizations?per_page=25, cold (cache off)"
  [orgs100cold]="GET /v1/organizations?per_page=100, cold (cache off)"
  [all25cold]="GET /v1/organizations/all, 25 foreign rows, cold"
  [all100cold]="GET /v1/organizations/all, 100 foreign rows, cold")
declare -A path=([healthz]="/healthz")
for s in "${scenarios[@]}"; do
  case $s in
    orgs25*) path[$s]="/v1/organizations?per_page=25" ;;
    orgs100*) path[$s]="/v1/organizations?per_page=100" ;;
    all25*) path[$s]="$all=25" ;;
    all100*) path[$s]="$all=100" ;;
  esac
done
for s in "${scenarios[@]}"; do
  if [ $s = orgs25cold ]; then
    stop_daemon
    daemon_extra=(--page-cache-mb 0)
    start_daemon
  fi
  tok=$token
  [ $s = healthz ] && tok=""
  run_wrk "$s" "$base${path[$s]}" "$tok"
  result[$backend:$s]="$RPS $P50 $P90 $P99 $ERRS"
done
stop_daemon

backends=$backend
mkdir -p "$root/bench/out"
{
  echo "bench/pages.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load before: $load_before,"
  echo "$backend, MSP with $orgs organizations and 1,000 trusting customers of 10, wrk -t$wrk_threads -c$conns -d$duration"
  echo
  table_rows
  if [ "$use_callgrind" = 1 ]; then
    echo
    echo "| callgrind, $requests keep-alive requests | instructions per request |"
    echo "|---|--:|"
    echo "| GET /healthz | ${instr[healthz]} |"
    echo "| GET /v1/organizations?per_page=25 (warm) | ${instr[orgs25]} |"
    echo "| GET /v1/organizations/all, 25 foreign rows (warm) | ${instr[all25]} |"
    echo "| GET /v1/organizations?per_page=25 (cold) | ${instr[orgs25cold]} |"
    echo "| GET /v1/organizations/all, 25 foreign rows (cold) | ${instr[all25cold]} |"
  fi
} | tee "$root/bench/out/pages-$backend.md"
