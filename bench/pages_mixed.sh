#!/usr/bin/env bash
# The mixed benchmark of issue 12's page cache: several clients read a shared list page and
# write one record per 50 reads, and a checker shows that no page is ever stale.
#
# Two daemons on one database (SQLite, or PostgreSQL with BENCH_PAGES_BACKEND=postgresql):
# A keeps pages (the default cache), B has none (--page-cache-mb 0). Each of
# BENCH_MIXED_CLIENTS clients owns one organization and, BENCH_MIXED_ROUNDS times: reads
# the shared page 50 times from A (filling and hitting its cache while the others write),
# renames its organization through A or B in turn (a write B makes reaches A only through
# the database's counters), then reads the page from A once more: it must show the new
# name, since the write was answered before the read began. The database is the MSP of
# bench_pages_db (lib.sh); even clients write an organization of a customer account (as its
# administrator) and check the MSP's All Organizations page that shows it as a foreign
# record, so a write in one account must reach the kept pages of another. At the end, with
# no writer left, every page is read from A and from B and must be the same bytes.
# Prints reads/s, writes and the stale count (0, or the script exits 1). Not a timed test.
#
# Usage: bench/pages_mixed.sh BUILD_DIR
# Knobs: BENCH_MIXED_CLIENTS (4), BENCH_MIXED_ROUNDS (40), BENCH_ORGS (1000).
set -euo pipefail

build=${1:?usage: bench/pages_mixed.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
clients=${BENCH_MIXED_CLIENTS:-4}
rounds=${BENCH_MIXED_ROUNDS:-40}
orgs=${BENCH_ORGS:-1000}
for prog in rolodesk rolodeskd bench_load; do
  [ -x "$build/$prog" ] || { echo "bench: $build/$prog is missing; build first (make)" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init bench-mixed

bench_pages_db "${BENCH_PAGES_BACKEND:-sqlite}" "$orgs"
token=$("$build/rolodesk" --db "$db" token create --account msp --username admin)
ctoken=$("$build/rolodesk" --db "$db" token create --account "$customer" --username admin)
auth=(-H "Authorization: Bearer $token")
cauth=(-H "Authorization: Bearer $ctoken")

# start NAME [OPTION...]: a daemon on a free port; sets pid_NAME and url_NAME.
start() {
  local name=$1
  shift
  rm -f "$work/port.$name"
  "$build/rolodeskd" --db "$db" --listen 127.0.0.1:0 --port-file "$work/port.$name" \
    --data "$work/data" --quiet --max-conns-per-ip 64 "$@" 2>"$work/daemon.$name.log" &
  local pid=$!
  for _ in $(seq 600); do
    [ -s "$work/port.$name" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$work/port.$name" ] || { echo "bench: rolodeskd $name did not start" >&2; exit 1; }
  printf -v "pid_$name" %s "$pid"
  printf -v "url_$name" %s "http://127.0.0.1:$(cat "$work/port.$name")"
}
start a
start b --page-cache-mb 0
daemon_pid=$pid_a # bench_cleanup stops it; B is stopped below and by the trap
trap 'kill -TERM $pid_b 2>/dev/null || true; bench_cleanup' EXIT

page="/v1/organizations?per_page=100&q=mixed"
# The customer's organizations (ids in order): even client C renames the (C/2)th one and
# reads the MSP's All Organizations page that begins with it.
mapfile -t cids < <(curl -fsS "${cauth[@]}" "$url_a/v1/organizations?per_page=10" |
  python3 -c 'import json, sys; [print(o["id"]) for o in json.load(sys.stdin)]')
[ "${#cids[@]}" = 10 ] || { echo "bench: $customer has ${#cids[@]} organizations" >&2; exit 1; }
ids=() pages=() auths=()
for c in $(seq "$clients"); do
  if [ $((c % 2)) = 0 ]; then
    id=${cids[$((c / 2 - 1))]}
    ids+=("$id")
    pages+=("/v1/organizations/all?per_page=25&cursor=$(cursor_before "$id")")
    auths+=("$ctoken")
  else
    id=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' \
      -d "{\"name\": \"mixed c$c r0\"}" "$url_a/v1/organizations" | grep -o '"id":[0-9]*' | head -1)
    ids+=("${id#\"id\":}")
    pages+=("$page")
    auths+=("$token")
  fi
done

# client C: its rounds; prints "stale" lines for every read that missed its own write.
# Reads are the MSP's; writes are the MSP's (odd C) or the customer's (even C).
client() {
  local c=$1 id=${ids[$(($1 - 1))]} p=${pages[$(($1 - 1))]} w=${auths[$(($1 - 1))]}
  local urls=() r via
  for _ in $(seq 50); do urls+=("$url_a$p"); done
  for r in $(seq "$rounds"); do
    curl -fsS "${auth[@]}" "${urls[@]}" >/dev/null
    via=$url_a
    [ $((r % 2)) = 0 ] && via=$url_b
    curl -fsS -o /dev/null -H "Authorization: Bearer $w" -X PATCH \
      -H 'Content-Type: application/json' \
      -d "{\"name\": \"mixed c$c r$r\"}" "$via/v1/organizations/$id"
    curl -fsS "${auth[@]}" "$url_a$p" | grep -q "\"mixed c$c r$r\"" ||
      echo "stale: client $c round $r (written through ${via##*:})"
  done
}

start_s=$(date +%s.%N)
pids=()
for c in $(seq "$clients"); do
  client "$c" >"$work/client.$c" 2>&1 &
  pids+=($!)
done
wait "${pids[@]}" || true
end_s=$(date +%s.%N)
stale=$(cat "$work"/client.* | grep -c '^stale' || true)
errors=$(cat "$work"/client.* | grep -vc '^stale' || true)

# Quiescent: every page from A (cached) and B (rendered) is the same.
differ=0
for p in "$page" "${pages[@]}" "/v1/organizations?per_page=25" \
  "/v1/organizations/all?per_page=25" "/v1/people?per_page=25"; do
  cmp -s <(curl -fsS "${auth[@]}" "$url_a$p") <(curl -fsS "${auth[@]}" "$url_b$p") || {
    echo "bench: $p differs between the caching daemon and the one without cache" >&2
    differ=$((differ + 1))
  }
done

reads=$((clients * rounds * 51))
writes=$((clients * rounds))
{
  echo "bench/pages_mixed.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load before: $load_before,"
  echo "$backend, MSP with $orgs organizations and 1,000 trusting customers, $clients clients x $rounds rounds (50 reads + 1 write + 1 checked read; even clients write in a customer account, read the MSP's All Organizations)"
  echo
  awk -v r="$reads" -v w="$writes" -v s="$start_s" -v e="$end_s" -v st="$stale" -v d="$differ" \
    -v er="$errors" 'BEGIN {
      printf "| reads | writes | seconds | reads/s | stale reads | pages differing at the end | client errors |\n"
      printf "|--:|--:|--:|--:|--:|--:|--:|\n"
      printf "| %d | %d | %.1f | %.0f | %d | %d | %d |\n", r, w, e - s, r / (e - s), st, d, er }'
} | tee "$root/bench/out/pages-mixed-$backend.md"
cat "$work"/client.* | head -20 >&2
kill -TERM "$pid_b" 2>/dev/null || true
[ "$stale" = 0 ] && [ "$differ" = 0 ] && [ "$errors" = 0 ]
