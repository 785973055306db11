#!/usr/bin/env bash
# The hostile-client benchmark (issue 10): how fast /healthz stays while clients make the
# daemon hash passwords or mail through an SMTP server that never answers. One rolodeskd on
# a fresh SQLite database with the demo accounts; the latency of GET /healthz is measured
# with wrk (BENCH_THREADS threads, 4 connections, BENCH_DURATION) in each scenario:
#   - idle                       nothing else runs
#   - login hammer               20 clients POST /v1/login with wrong passwords (the
#                                per-address limit turns most into 429s after 10)
#   - security answers hammer    20 clients of one customer PUT its security questions
#                                (two argon2id hashes each, authenticated, not rate limited)
#   - silent SMTP                the account's SMTP server accepts and never answers while
#                                20 clients POST /v1/password_reset
# and prints one table (also written to bench/out/security.md). Not part of the tests.
#
# Usage: bench/security.sh BUILD_DIR
# Knobs (environment): BENCH_DURATION (10s), BENCH_THREADS (1), BENCH_DAEMON_THREADS.
set -euo pipefail

build=${1:?usage: bench/security.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
duration=${BENCH_DURATION:-10s}
wrk_threads=${BENCH_THREADS:-1}
conns=4
hammer=20

for prog in rolodesk rolodeskd; do
  [ -x "$build/$prog" ] || { echo "bench: $build/$prog is missing; build first (make)" >&2; exit 1; }
done
for cmd in wrk curl python3; do
  command -v "$cmd" >/dev/null || { echo "bench: $cmd is missing" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init bench-security
silent_pid=""
trap 'kill "$silent_pid" 2>/dev/null || true; bench_cleanup' EXIT

# An SMTP server that accepts connections and never says a word.
python3 - "$work/smtp-port" <<'EOF' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(256)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept(); held.append(c)
EOF
silent_pid=$!
for _ in $(seq 50); do [ -s "$work/smtp-port" ] && break; sleep 0.1; done
smtp_port=$(cat "$work/smtp-port")

db="$work/bench.db"
"$build/rolodesk" --db "$db" init >/dev/null
"$build/rolodesk" --db "$db" demo >/dev/null
admin=$("$build/rolodesk" --db "$db" token create --account wdc --username admin)
ann=$("$build/rolodesk" --db "$db" token create --account wdc --username ann)
args=(--db "$db" --listen 127.0.0.1:0 --port-file "$work/port" --data "$work/data" --quiet
  --smtp-ports "25,465,587,2525,$smtp_port" --max-conns-per-ip 1000)
[ -n "${BENCH_DAEMON_THREADS:-}" ] && args+=(--threads "$BENCH_DAEMON_THREADS")
"$build/rolodeskd" "${args[@]}" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "bench: rolodeskd did not start: $(tail -1 "$work/daemon.log")" >&2; exit 1; }
base="http://127.0.0.1:$(cat "$work/port")"
ann_id=$(curl -fsS -H "Authorization: Bearer $ann" "$base/v1/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null -X PATCH -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"settings\": {\"password_questions\": true, \"smtp\": {\"host\": \"127.0.0.1\", \"port\": $smtp_port, \"from\": \"desk@wdc.example\", \"timeout\": 5}}}" \
  "$base/v1/account"

cat >"$work/login.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil,
    '{"account": "wdc", "username": "nobody' .. n .. '", "password": "wrong password"}')
end
EOF
cat >"$work/answers.lua" <<EOF
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $ann"
wrk.body = '{"questions": [{"question": "First pet?", "answer": "Rex"}, {"question": "Town?", "answer": "Delft"}]}'
EOF
cat >"$work/reset.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"account": "wdc", "username": "ann"}'
EOF

declare -A result label
scenarios=(idle login answers smtp)
label=([idle]="idle" [login]="$hammer clients: wrong-password logins"
  [answers]="$hammer clients: security answers (argon2id)"
  [smtp]="$hammer clients: password resets, SMTP silent")

# measure NAME [LUA PATH]: /healthz latency while wrk hammers PATH with LUA.
measure() {
  local name=$1 lua=${2:-} path=${3:-} hpid=""
  if [ -n "$lua" ]; then
    wrk -t2 -c"$hammer" -d"$(( ${duration%s} + 4 ))s" -s "$lua" "$base$path" >"$work/hammer-$name.txt" 2>&1 &
    hpid=$!
    sleep 2
  fi
  local out="$work/wrk-$name.txt"
  wrk -t"$wrk_threads" -c"$conns" -d"$duration" --latency "$base/healthz" >"$out"
  wrk_figures "$name" "$out"
  local hrps="-"
  if [ -n "$hpid" ]; then
    wait "$hpid" || true
    hrps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/hammer-$name.txt")
  fi
  result[$name]="$RPS $P50 $P99 $hrps"
}

measure idle
measure login "$work/login.lua" /v1/login
measure answers "$work/answers.lua" "/v1/people/$ann_id/security_questions"
measure smtp "$work/reset.lua" /v1/password_reset

mkdir -p "$root/bench/out"
{
  echo "rolodesk hostile-client benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load before: $load_before"
  echo "/healthz: wrk -t$wrk_threads -c$conns -d$duration; hammer: wrk -t2 -c$hammer; SQLite"
  echo
  echo "| scenario | /healthz req/s | p50 ms | p99 ms | hammer req/s |"
  echo "|---|--:|--:|--:|--:|"
  for s in "${scenarios[@]}"; do
    set -- ${result[$s]}
    echo "| ${label[$s]} | $1 | $2 | $3 | $4 |"
  done
} | tee "$root/bench/out/security.md"
