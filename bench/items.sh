#!/usr/bin/env bash
# The item export benchmark (CUST-7, issue 14): loads items into one account of a fresh
# database (bulk SQL: each item with a name holding non-ASCII text, a serial, its
# organization, location, department and an owner), starts rolodeskd, and times
# GET /v1/items/export.csv and /export.xlsx at two sizes (BENCH_ITEM_SIZES, default 10,000
# and 100,000 items). Each export runs on a daemon started for it alone, so its peak memory
# (VmHWM of /proc/PID/status) is that export's: the table shows the peak after the daemon
# started and answered one empty export (the baseline), after the measured export, and the
# difference. The point is the last column: it must not grow with the row count. Prints a
# Markdown table (also in bench/out/items.md). Not part of the tests' pass/fail.
#
# Usage: bench/items.sh BUILD_DIR
# Knobs: BENCH_ITEM_SIZES ("10000 100000"), BENCH_BACKENDS ("sqlite postgresql").
set -euo pipefail

build=${1:?usage: bench/items.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
sizes=${BENCH_ITEM_SIZES:-10000 100000}
backends=${BENCH_BACKENDS:-sqlite postgresql}

for prog in rolodesk rolodeskd; do
  [ -x "$build/$prog" ] || { echo "items bench: $build/$prog is missing; build first (make)" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "items bench: sqlite3 is missing" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init items
declare -A note=() rows=()

# sql BACKEND DB TEXT: runs SQL on the benchmark's database.
sql() {
  if [ "$1" = sqlite ]; then sqlite3 "$2" "$3" >/dev/null; else psql -q "$2" -c "$3" >/dev/null; fi
}
sql_value() {
  if [ "$1" = sqlite ]; then sqlite3 "$2" "$3"; else psql -qtA "$2" -c "$3"; fi
}

# load BACKEND DB FROM TO: items FROM..TO (ids and numbers from the item's index).
load() {
  local b=$1 db=$2 from=$3 to=$4
  sql "$b" "$db" "WITH RECURSIVE n(i) AS (SELECT $from UNION ALL SELECT i + 1 FROM n WHERE i < $to)
    INSERT INTO items (id, account_id, number, name, category, status, serial, organization_id,
      location_id, department_id, custom_fields, source, version, created_at, updated_at)
    SELECT 1000000000 + i, 'wdc', 'IT-' || i, 'Überwachungskamera ' || i || ', Eingang',
      'camera', 'in_use', '=SN' || i, $org, $loc, $dep, '{}', 'manual', 1,
      '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z' FROM n"
  sql "$b" "$db" "INSERT INTO item_people (account_id, item_id, person_id, relation)
    SELECT 'wdc', id, $owner, 'owner' FROM items WHERE id > 1000000000 + $from - 1
    AND id <= 1000000000 + $to"
}

start_daemon() { # BACKEND DB: sets base
  rm -f "$work/port"
  "$build/rolodeskd" --db "$2" --listen 127.0.0.1:0 --port-file "$work/port" \
    --data "$work/data-$1" --quiet 2>>"$work/daemon-$1.log" &
  daemon_pid=$!
  for _ in $(seq 300); do
    [ -s "$work/port" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$work/port" ] || return 1
  base="http://127.0.0.1:$(cat "$work/port")"
}

hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$daemon_pid/status"; }

# measure BACKEND DB N FORMAT: one export on a daemon of its own; a row of the table.
measure() {
  local b=$1 db=$2 n=$3 fmt=$4
  start_daemon "$b" "$db" || { note[$b]="rolodeskd did not start"; return 0; }
  curl -sf -o /dev/null -H "Authorization: Bearer $token" "$base/v1/items/export.$fmt?q=none"
  local before after out
  before=$(hwm_kb)
  out=$(curl -sf -o "$work/export.$fmt" -w '%{http_code} %{time_total} %{size_download}' \
    -H "Authorization: Bearer $token" "$base/v1/items/export.$fmt")
  after=$(hwm_kb)
  stop_daemon
  set -- $out
  local lines="-"
  [ "$fmt" = csv ] && lines=$(($(wc -l <"$work/export.csv") - 1))
  rows[$b]+=$(printf '| %s | %s | %s | %s | %.2f | %.1f | %s | %.1f | %.1f | %.1f |\n' "$b" "$n" \
    "$fmt" "$1" "$2" "$(awk -v s="$3" 'BEGIN { print s / 1048576 }')" "$lines" \
    "$(awk -v k="$before" 'BEGIN { print k / 1024 }')" "$(awk -v k="$after" 'BEGIN { print k / 1024 }')" \
    "$(awk -v a="$after" -v b="$before" 'BEGIN { print (a - b) / 1024 }')")$'\n'
}

bench_backend() { # BACKEND DB
  local b=$1 db=$2
  "$build/rolodesk" --db "$db" init >/dev/null
  "$build/rolodesk" --db "$db" account create wdc "Widget Data Center" >/dev/null
  "$build/rolodesk" --db "$db" person create --account wdc --username admin --first-name A \
    --last-name Admin --email admin@example.com --role account_administrator >/dev/null
  "$build/rolodesk" --db "$db" person create --account wdc --username ann --first-name Ann \
    --last-name Lee --email ann@example.com --role customer >/dev/null
  token=$("$build/rolodesk" --db "$db" token create --account wdc --username admin)
  owner=$(sql_value "$b" "$db" "SELECT id FROM people WHERE username = 'ann'")
  # an organization with a location and a department, through the API (their rules)
  start_daemon "$b" "$db" || { note[$b]="rolodeskd did not start"; return 0; }
  local auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
  org=$(curl -sf "${auth[@]}" -d '{"name":"Widget Labs"}' "$base/v1/organizations" |
    sed -E 's/^\{"id":([0-9]+).*/\1/')
  loc=$(curl -sf "${auth[@]}" -d '{"name":"HQ"}' "$base/v1/organizations/$org/locations" |
    sed -E 's/^\{"id":([0-9]+).*/\1/')
  dep=$(curl -sf "${auth[@]}" -d '{"name":"Security"}' "$base/v1/organizations/$org/departments" |
    sed -E 's/^\{"id":([0-9]+).*/\1/')
  stop_daemon
  local have=0
  for n in $sizes; do
    load "$b" "$db" $((have + 1)) "$n"
    have=$n
    [ "$b" = postgresql ] && sql "$b" "$db" "ANALYZE"
    measure "$b" "$db" "$n" csv
    measure "$b" "$db" "$n" xlsx
  done
}

for backend in $backends; do
  case $backend in
  sqlite) bench_backend sqlite "$work/items.db" ;;
  postgresql)
    pgdir=$(mktemp -d /tmp/rditems-pg.XXXXXX)
    chmod 755 "$pgdir"
    if ! uri=$("$root/scripts/pg-test.sh" start "$pgdir" 2>"$work/pg.err"); then
      note[postgresql]="skipped: pg-test.sh start failed: $(tail -1 "$work/pg.err")"
      continue
    fi
    if psql -q "$uri/postgres" -c 'CREATE DATABASE items' >/dev/null 2>"$work/pg.err"; then
      bench_backend postgresql "$uri/items"
    else
      note[postgresql]="skipped: CREATE DATABASE failed: $(tail -1 "$work/pg.err")"
    fi
    "$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$pgdir"
    pgdir=""
    ;;
  esac
done

mkdir -p "$root/bench/out"
{
  echo "Item export (CUST-7): $(nproc) CPUs, load before: $load_before"
  echo
  echo "| backend | items | format | status | seconds | MiB | CSV rows | VmHWM before MiB | VmHWM after MiB | growth MiB |"
  echo "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|"
  for b in $backends; do printf '%s' "${rows[$b]:-}"; done
  for b in $backends; do
    [ -z "${note[$b]:-}" ] || { echo; echo "$b: ${note[$b]}"; }
  done
} | tee "$root/bench/out/items.md"
