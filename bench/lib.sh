# Shared by the benchmark scripts (bench/run.sh, search.sh, trust.sh): a scratch directory,
# the daemon and throwaway PostgreSQL they start, cleanup on exit, and wrk's figures.
# Source it after setting root; bench_init NAME creates $work and installs the traps.

bench_init() { # NAME
  load_before=$(cut -d' ' -f1-3 /proc/loadavg) # the machine may be shared: it goes in the header
  work=$(mktemp -d "/tmp/rd$1.XXXXXX")
  chmod 755 "$work"
  daemon_pid=""
  pgdir=""
  bench_name=$1
  trap bench_cleanup EXIT
  trap 'echo "$bench_name: interrupted" >&2; exit 130' INT TERM
}

stop_daemon() {
  [ -n "$daemon_pid" ] || return 0
  kill -TERM "$daemon_pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$daemon_pid" 2>/dev/null || true
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=""
}

bench_cleanup() {
  stop_daemon
  if [ -n "$pgdir" ]; then
    "$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$pgdir"
    pgdir=""
  fi
  rm -rf "$work"
}

# Latency as wrk prints it (176.00us, 13.61ms, 1.20s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

# wrk_figures NAME FILE: sets RPS, P50, P90, P99 (ms) and ERRS from wrk --latency's output.
wrk_figures() {
  local name=$1 out=$2
  RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  P90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$out")")
  P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  ERRS=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { n += 1 } END { print n + 0 }' "$out")
  [ "$ERRS" = 0 ] || echo "bench: $name: wrk saw errors:" "$(grep -E 'Non-2xx|Socket errors' "$out")" >&2
}

# run_wrk NAME URL [TOKEN]: one scenario with $wrk_threads threads, $conns connections for
# $duration; sets the figures of wrk_figures.
run_wrk() {
  local name=$1 url=$2 token=${3:-} out="$work/wrk-$1.txt"
  local hdr=()
  [ -n "$token" ] && hdr=(-H "Authorization: Bearer $token")
  wrk -t"$wrk_threads" -c"$conns" -d"$duration" --latency "${hdr[@]}" "$url" >"$out"
  wrk_figures "$name" "$out"
}

# cell BACKEND SCENARIO: one table cell group "| rps | p50 | p90 | p99 | ratio " from
# result[BACKEND:SCENARIO] ("rps p50 p90 p99 errs"), the ratio to result[BACKEND:healthz].
cell() {
  local r=${result[$1:$2]:-} floor=${result[$1:healthz]:-}
  if [ -z "$r" ]; then
    printf '| %s | %s | %s | %s | %s ' - - - - -
    return
  fi
  set -- $r
  local ratio="-"
  [ -n "$floor" ] && ratio=$(awk -v a="$1" -v b="${floor%% *}" 'BEGIN { printf "%.1f%%", b ? 100 * a / b : 0 }')
  [ "$5" = 0 ] || ratio="$ratio (errors: $5)"
  printf '| %s | %s | %s | %s | %s ' "$1" "$2" "$3" "$4" "$ratio"
}

# table_rows: the table of scenarios[] (labels in label[]) for $backends side by side, then
# each backend's note[], if any.
table_rows() {
  printf '| scenario '
  for b in $backends; do printf '| %s req/s | p50 ms | p90 ms | p99 ms | vs floor ' "$b"; done
  echo '|'
  printf '|---'
  for b in $backends; do printf '|--:|--:|--:|--:|--:'; done
  echo '|'
  for s in "${scenarios[@]}"; do
    printf '| %s ' "${label[$s]}"
    for b in $backends; do cell "$b" "$s"; done
    echo '|'
  done
  for b in $backends; do
    [ -z "${note[$b]:-}" ] || { echo; echo "$b: ${note[$b]}"; }
  done
}

# bench_pages_db BACKEND ORGS: the database of the page benchmarks (pages.sh,
# pages_mixed.sh): a SQLite file in $work, or a throwaway PostgreSQL server outside $work
# (as root the server runs as another user; bench_cleanup stops it), loaded by bench_load
# with the MSP of bench/trust.sh: the account "msp" with ORGS organizations, trusted by
# BENCH_PAGES_CUSTOMERS (1000) customer accounts of 10 organizations each, every one of them
# the customer of an active SLA of the MSP (so the MSP's All Organizations view holds ORGS
# own and 10 x BENCH_PAGES_CUSTOMERS foreign organizations). Sets backend, db, and customer
# (the customer account in the middle, which has an administrator "admin" like "msp").
bench_pages_db() {
  backend=$1
  if [ "$backend" = postgresql ]; then
    pgdir=$(mktemp -d /tmp/rdbench-pg.XXXXXX)
    uri=$("$root/scripts/pg-test.sh" start "$pgdir")
    psql -q "$uri/postgres" -c 'CREATE DATABASE bench' >/dev/null
    db="$uri/bench"
  else
    db="$work/bench.db"
  fi
  local ids
  ids=$("$build/bench_load" --db "$db" --trust "${BENCH_PAGES_CUSTOMERS:-1000}" --orgs 10 \
    --msp-orgs "$2" 2>"$work/load.err") || {
    cat "$work/load.err" >&2
    exit 1
  }
  customer=${ids#* }
}

# cursor_before ID: the list cursor (router.c: base64url of "c1:<last id>", no padding)
# of a page that begins with the record after ID - 1.
cursor_before() {
  printf 'c1:%d' $(($1 - 1)) | base64 | tr '+/' '-_' | tr -d '='
}
