#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (scripts/run-tests.sh).
#   pg-test.sh start DIR   creates a cluster in DIR/data (initdb, C locale, UTF8, trust
#                          auth), listens on 127.0.0.1 at a free port and on a unix socket
#                          in DIR only, and prints one line: the server URI without a
#                          database name, e.g. postgresql://nobody@127.0.0.1:54321
#   pg-test.sh stop DIR    stops it at once (pg_ctl -m immediate); does nothing when it is
#                          not running, so it is safe in traps after a failure.
# PostgreSQL refuses to run as root: as root, the server runs as $PG_TEST_USER (nobody).
# Settings trade durability for speed (fsync off): never point this at data you keep.
set -euo pipefail
cmd=${1:?usage: pg-test.sh start|stop DIR}
dir=${2:?usage: pg-test.sh start|stop DIR}

bin=${PG_BIN:-}
if [ -z "$bin" ]; then
  for v in 15 16 17 14 13; do
    [ -x "/usr/lib/postgresql/$v/bin/initdb" ] && { bin=/usr/lib/postgresql/$v/bin; break; }
  done
fi
[ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || { echo "pg-test: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }

user=$(id -un)
as_user() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  user=${PG_TEST_USER:-nobody}
  as_user() { (cd / && runuser -u "$user" -- "$@"); }
fi

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
  as_user "$bin/initdb" -D "$dir/data" -U "$user" -A trust --locale=C -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 400
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_min_error_statement = panic
EOF
  # A free port: probe, then let the server confirm (another process may win the race).
  for attempt in $(seq 1 20); do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    if as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
         -o "-p $port -k $dir" start >/dev/null 2>&1; then
      echo "postgresql://$user@127.0.0.1:$port"
      exit 0
    fi
  done
  echo "pg-test: could not start PostgreSQL; see $dir/server.log" >&2
  tail -n 20 "$dir/server.log" >&2 || true
  exit 1
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] || exit 0
  as_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  ;;
*)
  echo "usage: pg-test.sh start|stop DIR" >&2
  exit 2
  ;;
esac
