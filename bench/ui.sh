#!/usr/bin/env bash
# The web UI's benchmark (issue 16): the size of what a browser downloads (web/dist, raw and
# gzip -9, which is what a compressing proxy would send), and the time to the first rows of
# the Organizations screens in Debian's Chromium for the MSP of bench/lib.sh
# (bench_pages_db: 10,000 own organizations, 1,000 trusted customer accounts of 10 each, so
# the All Organizations view holds 20,000 records), measured by tests/ui/render-bench.mjs
# from the navigation's start, with the browser's cache off (a first visit) and on (a return
# visit). Also checks that a screen asks the API for one page only (the UI never loads more
# than it shows). Not part of the tests' pass/fail. Table also in bench/out/ui.md.
#
# Usage: bench/ui.sh BUILD_DIR
# Knobs: BENCH_UI_ORGS (10000), BENCH_UI_RUNS (20 per view), BENCH_PAGES_CUSTOMERS (1000).
set -euo pipefail

build=${1:?usage: bench/ui.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
orgs=${BENCH_UI_ORGS:-10000}
chromium=${CHROMIUM:-/usr/bin/chromium}
for prog in rolodesk rolodeskd bench_load; do
  [ -x "$build/$prog" ] || { echo "ui bench: $build/$prog is missing; build first (make)" >&2; exit 1; }
done
[ -x "$chromium" ] || { echo "ui bench: $chromium is missing (scripts/deps.sh installs it)" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init bench-ui

"$root/scripts/web-build.sh" --with-tests >&2
dist=$root/web/dist
[ -f "$dist/index.html" ] || { echo "ui bench: web/dist was not built" >&2; exit 1; }

# What the first visit downloads: index.html and every asset it names.
raw=0 gz=0 files=""
for f in "$dist/index.html" $(grep -o '/assets/[^"]*' "$dist/index.html" | sed "s|^|$dist|"); do
  r=$(wc -c <"$f")
  g=$(gzip -9 -c "$f" | wc -c)
  raw=$((raw + r)) gz=$((gz + g))
  files="$files${files:+, }$(basename "$f") $r/$g"
done

echo "== ui bench: loading $orgs organizations and ${BENCH_PAGES_CUSTOMERS:-1000} trusted accounts" >&2
bench_pages_db sqlite "$orgs"
password=bench-ui-password
echo "$password" | "$build/rolodesk" --db "$db" person create --account msp --username uibench \
  --first-name UI --last-name Bench --email uibench@example.com --role account_administrator --role service_level_manager \
  --password-stdin >/dev/null

"$build/rolodeskd" --db "$db" --listen 127.0.0.1:0 --port-file "$work/port" --data "$work/data" \
  --web-root "$dist" --quiet 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 600); do
  [ -s "$work/port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
[ -s "$work/port" ] || { echo "ui bench: rolodeskd did not start: $(tail -3 "$work/daemon.log")" >&2; exit 1; }
base="http://127.0.0.1:$(cat "$work/port")"

declare -A out
for view in own all; do
  out[$view]=$(cd "$root/tests/ui" && ROLODESK_UI_URL=$base BENCH_UI_ACCOUNT=msp \
    BENCH_UI_USERNAME=uibench BENCH_UI_PASSWORD=$password BENCH_UI_VIEW=$view \
    BENCH_UI_RUNS=${BENCH_UI_RUNS:-20} CHROMIUM=$chromium node render-bench.mjs)
done

field() { # JSON SERIES KEY
  node -e 'const o = JSON.parse(process.argv[1])[process.argv[2]]; console.log(o[process.argv[3]])' "$@"
}

mkdir -p "$root/bench/out"
{
  echo "Web UI, $(date -u '+%Y-%m-%d %H:%M UTC'), load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "First visit downloads $raw bytes, $gz with gzip -9 ($files; raw/gzip bytes)."
  echo
  echo "| screen | browser cache | runs | first rows, median ms | min ms | max ms | rows shown | API requests | list bytes |"
  echo "|---|---|--:|--:|--:|--:|--:|--:|--:|"
  for view in own all; do
    name="Organizations ($orgs own)"
    [ "$view" = all ] && name="All Organizations ($orgs own + $((10 * ${BENCH_PAGES_CUSTOMERS:-1000})) foreign)"
    for s in cache_off cache_on; do
      j=${out[$view]}
      echo "| $name | ${s#cache_} | $(field "$j" $s runs) | $(field "$j" $s median_ms) | $(field "$j" $s min_ms) |" \
        "$(field "$j" $s max_ms) | $(field "$j" $s rows) | $(field "$j" $s api_requests) | $(field "$j" $s list_bytes) |"
    done
  done
} | tee "$root/bench/out/ui.md"
