#!/usr/bin/env bash
# The CUST-9 mail-in benchmark (issue 13): BENCH_MESSAGES (10,000) messages written by
# Python's email package (tests/mail/make_mail.py; from 100 customers, one in ten with a
# 20 KB PDF) delivered on SQLite and on a throwaway PostgreSQL, three ways:
#   domain  rd_mail_in_deliver in one process (bench/mail_in.c), beside the floor of the
#           same run: a plain INSERT of a request row per transaction;
#   cli     `rolodesk mail-in --account bench` once per message, as an MTA pipe runs it
#           (a process, a database connection and the migration check each);
#   http    POST /v1/mail/inbound with the account's inbound secret, one keep-alive
#           connection (serial) and BENCH_CONNS (4) at once.
# Prints messages/s per way. Not part of the tests' pass/fail.
#
# Usage: bench/mail_in.sh BUILD_DIR
# Knobs: BENCH_MESSAGES, BENCH_CLI_MESSAGES (2,000: 30 ms of process start each), BENCH_CONNS,
#        BENCH_BACKENDS ("sqlite postgresql").
set -euo pipefail

build=${1:?usage: bench/mail_in.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
for p in bench_mail_in rolodesk rolodeskd; do
  [ -x "$build/$p" ] || { echo "mail_in bench: $build/$p is missing; build first" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init mail_in

n=${BENCH_MESSAGES:-10000}
ncli=${BENCH_CLI_MESSAGES:-2000}
conns=${BENCH_CONNS:-4}
msgs="$work/messages"
/usr/bin/python3 "$root/tests/mail/make_mail.py" --from cust@bench.example --count "$n" \
  --senders 100 --attach-size 20000 --attach-every 10 \
  --body "$(printf 'Line %s of the text.\n' $(seq 20))" >"$msgs"
mkdir -p "$work/cli"
# One file per message for the CLI phase.
/usr/bin/python3 - "$msgs" "$work/cli" "$ncli" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
at, i, limit = 0, 0, int(sys.argv[3])
while at < len(data) and i < limit:
    nl = data.index(b"\n", at)
    n = int(data[at + 1:nl])
    open("%s/%06d.eml" % (sys.argv[2], i), "wb").write(data[nl + 1:nl + 1 + n])
    at, i = nl + 1 + n, i + 1
PY

# POST every message of the framed file with the secret over `conns` keep-alive
# connections; prints messages/s and the count of answers other than 201.
http_phase() { # PORT SECRET CONNS
  /usr/bin/python3 - "$msgs" "$1" "$2" "$3" <<'PY'
import http.client, sys, threading, time
data = open(sys.argv[1], "rb").read()
port, secret, conns = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
msgs, at = [], 0
while at < len(data):
    nl = data.index(b"\n", at)
    n = int(data[at + 1:nl])
    msgs.append(data[nl + 1:nl + 1 + n])
    at = nl + 1 + n
bad = [0]
def worker(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(k, len(msgs), conns):
        c.request("POST", "/v1/mail/inbound", msgs[i], {"Authorization": "Bearer " + secret,
                  "Content-Type": "message/rfc822"})
        r = c.getresponse()
        r.read()
        if r.status != 201:
            bad[0] += 1
t0 = time.monotonic()
ts = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
[t.start() for t in ts]
[t.join() for t in ts]
print("%.0f %d" % (len(msgs) / (time.monotonic() - t0), bad[0]))
PY
}

echo "load average before: $load_before"
for backend in ${BENCH_BACKENDS:-sqlite postgresql}; do
  if [ "$backend" = postgresql ]; then
    pgdir=$(mktemp -d /tmp/rdmailin-pg.XXXXXX)
    uri=$("$root/scripts/pg-test.sh" start "$pgdir")
    psql -q "$uri/postgres" -c 'CREATE DATABASE bench' >/dev/null
    db="$uri/bench"
  else
    db="$work/bench.db"
  fi
  data="$work/data-$backend"
  "$build/bench_mail_in" --db "$db" --messages "$msgs" --data "$data"

  t0=$(date +%s.%N)
  bad=0
  for f in "$work"/cli/*.eml; do
    "$build/rolodesk" --db "$db" mail-in --account bench --data "$data" -q <"$f" || bad=$((bad + 1))
  done
  t1=$(date +%s.%N)
  awk -v n="$ncli" -v s="$(echo "$t1 - $t0" | bc)" -v b="$bad" \
    'BEGIN { printf "cli      %8.0f messages/s  (rolodesk mail-in, a process each;" \
             " %d of %d failed)\n", n / s, b, n }'

  "$build/rolodeskd" --db "$db" --listen 127.0.0.1:0 --port-file "$work/port" --data "$data" \
    --openapi "$root/docs/openapi.json" >"$work/daemon-$backend.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
  token=$("$build/rolodesk" --db "$db" token create --account bench --username benchadmin)
  secret=$(curl -s -X POST -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/v1/mail/inbound/secret" | sed -E 's/.*"secret": ?"([^"]+)".*/\1/')
  for c in 1 "$conns"; do
    read -r rate nbad < <(http_phase "$port" "$secret" "$c")
    printf "http     %8s messages/s  (POST /v1/mail/inbound, %d connection(s); %d not 201)\n" \
      "$rate" "$c" "$nbad"
  done
  stop_daemon
  rm -f "$work/port"
  if [ "$backend" = postgresql ]; then
    "$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$pgdir"
    pgdir=""
  fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
