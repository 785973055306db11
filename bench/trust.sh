#!/usr/bin/env bash
# The trusted-accounts benchmark (issue 4, PERF-2): the All Organizations view of an MSP
# account trusted by 1,000 customer accounts (the customers' consent, TRUST-2: the
# customer's account trusts the provider's). bench_load --trust loads,
# into a fresh database, the account "msp" (100 organizations, 10 services) and customer
# accounts c0001..c1000 of 10 organizations each, each organization the customer of one
# active SLA of the MSP; so the MSP's view holds 10,100 organizations (10,000 of them
# foreign) and a customer's view its 10 own plus the 10 provider organizations of its
# SLAs. It then starts rolodeskd on a free loopback port and measures with wrk
#   - GET /healthz                                the floor: no database, a fixed body
#   - GET /v1/organizations?per_page=25           the MSP's own list, no trust: what a
#                                                 page costs without the view
#   - GET /v1/organizations/all?per_page=25|100   first page, for the MSP
#   - the same with a cursor deep in the view: the Link header of the 25-row pages
#     followed BENCH_TRUST_DEEP (200) times, i.e. after row 5,000; the 100-row page uses
#     the same cursor
#   - GET /v1/organizations/all?per_page=25|100   for customer c0500 (its whole view fits
#     on the first page, so it has no deep page)
# and prints one table like bench/run.sh's (also written to bench/out/trust.md), SQLite and
# PostgreSQL side by side. Not part of the tests' pass/fail.
#
# Usage: bench/trust.sh BUILD_DIR
# Knobs (environment): those of bench/run.sh (BENCH_DURATION, BENCH_THREADS,
# BENCH_CONNECTIONS, BENCH_DAEMON_THREADS, BENCH_BACKENDS) and BENCH_TRUST_CUSTOMERS
# (1000), BENCH_TRUST_ORGS (10 per customer), BENCH_TRUST_SLAS (10 per customer: one per
# organization; 1 leaves the MSP 1,000 foreign organizations), BENCH_TRUST_DEEP (200).
set -euo pipefail

build=${1:?usage: bench/trust.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
customers=${BENCH_TRUST_CUSTOMERS:-1000}
cust_orgs=${BENCH_TRUST_ORGS:-10}
slas=${BENCH_TRUST_SLAS:-$cust_orgs}
deep=${BENCH_TRUST_DEEP:-200}
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
bench_init bench-trust

# rows TOKEN URL: how many records the page answers (a 401 or an empty page would be fast
# and meaningless).
rows() {
  curl -fsS -H "Authorization: Bearer $1" "$2" | grep -o '"account":' | wc -l
}

declare -A result # result[backend:scenario] = "rps p50 p90 p99 errs"
declare -A note   # note[backend] = why it was skipped or what it loaded
scenarios=(healthz own25 msp25 msp100 msp25deep msp100deep cust25 cust100)
all=/v1/organizations/all
declare -A label=([healthz]="GET /healthz (floor)"
  [own25]="MSP: GET /v1/organizations?per_page=25 (own only)"
  [msp25]="MSP: GET $all?per_page=25" [msp100]="MSP: GET $all?per_page=100"
  [msp25deep]="MSP: per_page=25, $deep pages in" [msp100deep]="MSP: per_page=100, same cursor"
  [cust25]="customer: GET $all?per_page=25" [cust100]="customer: GET $all?per_page=100")

skip() { # backend message
  note[$1]=$2
  echo "bench: $1: $2" >&2
}

bench_backend() {
  local backend=$1 db=$2 ids
  echo "== $backend: loading an MSP and $customers customer accounts that trust it" >&2
  if ! ids=$("$build/bench_load" --db "$db" --trust "$customers" --orgs "$cust_orgs" \
    --slas "$slas" 2>"$work/load.err"); then
    skip "$backend" "loader failed: $(tail -1 "$work/load.err")"
    return 0
  fi
  cat "$work/load.err" >&2
  note[$backend]="$(sed 's/^bench_load: //' "$work/load.err")"
  local msp=${ids%% *} customer=${ids##* } msp_token cust_token
  if ! msp_token=$("$build/rolodesk" --db "$db" token create --account "$msp" --username admin \
    2>"$work/token.err") ||
    ! cust_token=$("$build/rolodesk" --db "$db" token create --account "$customer" \
      --username admin 2>"$work/token.err"); then
    skip "$backend" "token create failed: $(tail -1 "$work/token.err")"
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
    skip "$backend" "rolodeskd did not start: $(tail -1 "$work/daemon-$backend.log")"
    stop_daemon
    return 0
  fi
  local base="http://127.0.0.1:$(cat "$work/port")"
  # The deep cursor: follow the server's own Link header, as a client paging through would.
  local next="$all?per_page=25" cursor="" i
  for ((i = 0; i < deep; i++)); do
    next=$(curl -fsS -o /dev/null -D - -H "Authorization: Bearer $msp_token" "$base$next" |
      sed -n 's/^[Ll]ink: <\([^>]*\)>; rel="next".*/\1/p' | tr -d '\r')
    [ -n "$next" ] || break
  done
  cursor=${next##*cursor=}
  if [ -z "$next" ] || [ -z "$cursor" ]; then
    skip "$backend" "the MSP's view ended before $deep pages of 25"
    stop_daemon
    return 0
  fi
  declare -A path=([healthz]="/healthz" [own25]="/v1/organizations?per_page=25" [msp25]="$all?per_page=25" [msp100]="$all?per_page=100"
    [msp25deep]="$all?per_page=25&cursor=$cursor" [msp100deep]="$all?per_page=100&cursor=$cursor"
    [cust25]="$all?per_page=25" [cust100]="$all?per_page=100")
  declare -A token=([healthz]="" [own25]=$msp_token [msp25]=$msp_token [msp100]=$msp_token [msp25deep]=$msp_token
    [msp100deep]=$msp_token [cust25]=$cust_token [cust100]=$cust_token)
  local cust_view=$((cust_orgs + (slas < 10 ? slas : 10)))
  declare -A want=([own25]=25 [msp25]=25 [msp100]=100 [msp25deep]=25 [msp100deep]=100
    [cust25]=$((cust_view < 25 ? cust_view : 25)) [cust100]=$((cust_view < 100 ? cust_view : 100)))
  local s n
  for s in "${!want[@]}"; do
    n=$(rows "${token[$s]}" "$base${path[$s]}") || true
    if [ "$n" != "${want[$s]}" ]; then
      skip "$backend" "${label[$s]} answered $n records, not ${want[$s]}"
      stop_daemon
      return 0
    fi
  done
  echo "== $backend: warming up" >&2
  wrk -t"$wrk_threads" -c"$conns" -d2s -H "Authorization: Bearer $msp_token" \
    "$base${path[msp25]}" >/dev/null
  for s in "${scenarios[@]}"; do
    echo "== $backend: ${label[$s]} for $duration" >&2
    run_wrk "$backend-$s" "$base${path[$s]}" "${token[$s]}"
    result[$backend:$s]="$RPS $P50 $P90 $P99 $ERRS"
  done
  stop_daemon
}

for backend in $backends; do
  case $backend in
  sqlite)
    bench_backend sqlite "$work/trust.db"
    ;;
  postgresql)
    if [ ! -x "$root/scripts/pg-test.sh" ]; then
      skip postgresql "skipped: scripts/pg-test.sh is not there"
      continue
    fi
    # Its own directory outside $work: as root the server runs as another user, who must
    # be able to reach it (mktemp's 0700 parent would stop it).
    pgdir=$(mktemp -d /tmp/rdbench-trust-pg.XXXXXX)
    if ! uri=$("$root/scripts/pg-test.sh" start "$pgdir" 2>"$work/pg.err"); then
      skip postgresql "skipped: pg-test.sh start failed: $(tail -1 "$work/pg.err")"
      continue
    fi
    if ! psql -q "$uri/postgres" -c 'CREATE DATABASE bench' >/dev/null 2>"$work/pg.err"; then
      skip postgresql "skipped: CREATE DATABASE failed: $(tail -1 "$work/pg.err")"
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
table="$root/bench/out/trust.md"
{
  echo "rolodesk trust bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores" \
    "($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), MSP with $customers" \
    "customer accounts that trust it ($cust_orgs organizations and $slas active SLAs each)," \
    "wrk -t$wrk_threads -c$conns -d$duration, rolodeskd threads: ${BENCH_DAEMON_THREADS:-one per core}," \
    "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  table_rows
} >"$table"
echo
cat "$table"
