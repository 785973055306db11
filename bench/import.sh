#!/usr/bin/env bash
# The customer import benchmark (IMP-5, PERF-2): generates BENCH_IMPORT_ROWS (1,000,000)
# customers in the seed's template (bench/gen_customers.py: 1,000 companies with 5
# departments each, every tenth customer the line manager of the nine after it, one in a
# hundred naming a manager further down the file, countries by name and code, some quoted
# multi-line notes), then measures in the same run
#   - the floor: sqlite3's own `.import --csv` of the same file into a plain table of TEXT
#     columns (no validation, no indexes);
#   - `rolodesk import people` of the file into a fresh SQLite database: the whole command
#     (store and check the file, every row validated and written by the API's rules, the
#     per-row report), timed and its peak RSS taken with /usr/bin/time -v;
#   - the same on PostgreSQL (the first BENCH_IMPORT_PG_ROWS rows, default 100,000: the
#     whole million takes about half an hour there) when
#     scripts/pg-test.sh can start a server;
#   - the first BENCH_IMPORT_HTTP_ROWS rows (200,000; 0 skips it) through the API as a
#     client does it: POST /v1/imports to a rolodeskd on SQLite, then GET /v1/imports/{id}
#     every 0.2 s until it is done, timed from the upload's start to the answer saying done.
# Prints rows/s, the ratio to the floor and peak RSS; targets on SQLite (PERF-2): at least
# 100,000 validated rows/s, at least half the floor's rate, peak RSS under 64 MB. Not part
# of the tests' pass/fail. The table also goes to bench/out/import.md.
#
# Usage: bench/import.sh BUILD_DIR
# Knobs: BENCH_IMPORT_ROWS (1000000), BENCH_IMPORT_PG_ROWS, BENCH_BACKENDS ("sqlite postgresql"),
# BENCH_IMPORT_PASSWORDS=1 (a password in every row: one argon2id hash each, hashed on all
# cores; use a few hundred rows, e.g. BENCH_IMPORT_ROWS=400).
set -euo pipefail

build=${1:?usage: bench/import.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
rows=${BENCH_IMPORT_ROWS:-1000000}
pg_rows=${BENCH_IMPORT_PG_ROWS:-100000}
[ "$pg_rows" -le "$rows" ] || pg_rows=$rows
backends=${BENCH_BACKENDS:-sqlite postgresql}

[ -x "$build/rolodesk" ] || { echo "import bench: $build/rolodesk is missing; build first (make)" >&2; exit 1; }
for cmd in sqlite3 python3 /usr/bin/time; do
  command -v "$cmd" >/dev/null || { echo "import bench: $cmd is missing" >&2; exit 1; }
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d /tmp/rdimport.XXXXXX)
pgdir=""
cleanup() {
  if [ -n "$pgdir" ]; then
    "$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  fi
  [ -n "${BENCH_KEEP:-}" ] && echo "import bench: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "import bench: interrupted" >&2; exit 130' INT TERM

# Elapsed seconds and peak RSS (MB) of a command, from /usr/bin/time -v, into $secs $rss,
# and the peak of its anonymous memory (RssAnon, sampled every 0.2 s) into $anon: SQLite
# maps the database file (PRAGMA mmap_size), and those pages, the OS's file cache, count in
# RSS too.
timed() {
  local log=$1
  shift
  /usr/bin/time -v "$@" >"$log.out" 2>"$log.err" &
  local tpid=$! peak=0 kb child
  while kill -0 "$tpid" 2>/dev/null; do
    child=$(pgrep -P "$tpid" | head -1 || true)
    if [ -n "$child" ]; then
      kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$child/status" 2>/dev/null || echo 0)
      [ "${kb:-0}" -gt "$peak" ] && peak=$kb
    fi
    sleep 0.2
  done
  # rolodesk import exits 3 when some rows failed: the table counts them.
  wait "$tpid" || { local rc=$?; [ "$rc" = 3 ] || { cat "$log.err" >&2; return 1; }; }
  anon=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
           for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log.err")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log.err")
}

echo "import bench: generating $rows customers" >&2
pw_flag=""
[ "${BENCH_IMPORT_PASSWORDS:-0}" = 1 ] && pw_flag=--passwords
python3 "$root/bench/gen_customers.py" "$rows" $pw_flag >"$work/people.csv"
size_mb=$(du -m "$work/people.csv" | cut -f1)

cols=$(head -1 "$work/people.csv" | tr -d '\r' | awk -F, '{ for (i = 1; i <= NF; i++) printf "%sc%d TEXT", (i > 1 ? ", " : ""), i }')
sqlite3 "$work/raw.db" "CREATE TABLE raw ($cols);"
echo "import bench: sqlite3 .import (the floor)" >&2
timed "$work/raw" sqlite3 "$work/raw.db" ".import --csv --skip 1 $work/people.csv raw"
raw_rows=$(sqlite3 "$work/raw.db" "SELECT COUNT(*) FROM raw")
floor_secs=$secs floor_rss=$rss floor_anon=$anon
floor_rate=$(awk -v n="$raw_rows" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')

declare -A res
run_import() { # backend db-uri rows-file
  local b=$1 db=$2 file=$3
  "$build/rolodesk" --db "$db" init >/dev/null
  "$build/rolodesk" --db "$db" account create bench "Bench" >/dev/null
  echo "import bench: rolodesk import on $b" >&2
  timed "$work/$b" "$build/rolodesk" --db "$db" import people "$file" --account bench \
    --ignore-first-line --data "$work/$b.data"
  local created failed n
  n=$(awk '$1 == "rows" { print $2 }' "$work/$b.out")
  created=$(awk '$1 == "created" { print $2 }' "$work/$b.out")
  failed=$(awk '$1 == "failed" { print $2 }' "$work/$b.out")
  res[$b]="$n $created $failed $secs $rss $anon"
}

# The API's import: upload, then poll until done (a client's view, not the CLI's).
http_rows=${BENCH_IMPORT_HTTP_ROWS:-200000}
[ "$http_rows" -le "$rows" ] || http_rows=$rows
run_http() {
  local db="$work/http.db" file="$work/people_http.csv" token port base id status t0 t1
  # The first http_rows records (not lines: some notes span lines).
  python3 -c 'import csv, sys, itertools
r = csv.reader(open(sys.argv[1], newline=""))
csv.writer(sys.stdout, lineterminator="\n").writerows(itertools.islice(r, int(sys.argv[2]) + 1))' \
    "$work/people.csv" "$http_rows" >"$file"
  "$build/rolodesk" --db "$db" init >/dev/null
  "$build/rolodesk" --db "$db" account create bench "Bench" >/dev/null
  "$build/rolodesk" --db "$db" person create --account bench --username admin --first-name Bench \
    --last-name Admin --email admin@bench.example --role account_administrator >/dev/null
  token=$("$build/rolodesk" --db "$db" token create --account bench --username admin)
  rm -f "$work/port"
  "$build/rolodeskd" --db "$db" --listen 127.0.0.1:0 --port-file "$work/port" \
    --data "$work/http.data" --quiet --max-import-mb 4096 2>"$work/daemon-http.log" &
  http_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { echo "import bench: rolodeskd did not start" >&2; return 1; }
  base="http://127.0.0.1:$(cat "$work/port")"
  echo "import bench: POST /v1/imports of $http_rows rows" >&2
  t0=$(date +%s.%N)
  id=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' \
    --data-binary @"$file" "$base/v1/imports?type=people&ignore_first_line=true" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  status=queued
  while [ "$status" = queued ] || [ "$status" = running ]; do
    sleep 0.2
    curl -fsS -H "Authorization: Bearer $token" "$base/v1/imports/$id" >"$work/http-import.json"
    status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' \
      "$work/http-import.json")
  done
  t1=$(date +%s.%N)
  kill -TERM "$http_pid" 2>/dev/null; wait "$http_pid" 2>/dev/null || true
  http_pid=""
  read -r n created failed < <(python3 -c 'import json,sys; j = json.load(open(sys.argv[1]));
print(j["rows"], j["created"], j["failed"])' "$work/http-import.json")
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  res[http]="$n $created $failed $secs - -"
}
http_pid=""
trap '[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null; cleanup' EXIT

for b in $backends; do
  case $b in
    sqlite) run_import sqlite "$work/rolodesk.db" "$work/people.csv" || echo "import bench: SQLite run failed" >&2 ;;
    postgresql)
      pgdir=$(mktemp -d /tmp/rdimportpg.XXXXXX)
      if uri=$("$root/scripts/pg-test.sh" start "$pgdir" 2>"$work/pg.err") &&
        psql -q "$uri/postgres" -c 'CREATE DATABASE imports' >/dev/null 2>"$work/pg.err"; then
        file="$work/people.csv"
        if [ "$pg_rows" != "$rows" ]; then
          head -n $((pg_rows + 1)) "$work/people.csv" >"$work/people_pg.csv"
          file="$work/people_pg.csv"
        fi
        run_import postgresql "$uri/imports" "$file" || echo "import bench: PostgreSQL run failed" >&2
      else
        echo "import bench: PostgreSQL skipped: $(tail -1 "$work/pg.err")" >&2
      fi ;;
  esac
done

if [ "$http_rows" -gt 0 ]; then
  run_http || echo "import bench: API run failed" >&2
fi

mkdir -p "$root/bench/out"
table="$root/bench/out/import.md"
{
  echo "rolodesk import bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores," \
    "$rows generated customers ($size_mb MB), load average before: $load_before, after:" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| what | rows | created | failed | seconds | rows/s | vs sqlite3 .import | peak RSS MB | peak anon MB |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
  echo "| sqlite3 .import (floor, no validation) | $raw_rows | - | - | $floor_secs | $floor_rate | 100% | $floor_rss | $floor_anon |"
  for b in $backends http; do
    [ -n "${res[$b]:-}" ] || continue
    read -r n created failed s r a <<<"${res[$b]}"
    rate=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
    ratio=$(awk -v r="$rate" -v f="$floor_rate" 'BEGIN { printf "%.1f%%", 100 * r / f }')
    what="rolodesk import people ($b)"
    [ "$b" = http ] && what="POST /v1/imports, polled until done (SQLite)"
    echo "| $what | $n | $created | $failed | $s | $rate | $ratio | $r | $a |"
  done
} >"$table"
echo
cat "$table"
