#!/usr/bin/env bash
# The web UI's browser tests (issue 16), run once by `make test` after the plain build's
# suites: builds web/ when needed (scripts/web-build.sh), installs tests/ui (playwright-core,
# axe-core; pinned lock, skipped when node_modules matches it), loads the demo data into a
# fresh database, starts BUILD_DIR/rolodeskd on a free loopback port serving web/dist, runs
# tests/ui/ui.test.mjs and desk.test.mjs (node's test runner, Debian's Chromium headless),
# and stops the daemon it started, also on failure (with plain-HTTP RMM URLs allowed: the RMM
# screen's test serves a VSA double on loopback). Screenshots go to BUILD_DIR/ui/.
# Usage: scripts/ui-tests.sh [BUILD_DIR]   (default: build; needs `make build` first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
ui=$root/tests/ui
chromium=${CHROMIUM:-/usr/bin/chromium}

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "ui-tests: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
[ -x "$chromium" ] || { echo "ui-tests: $chromium is missing (scripts/deps.sh installs Debian's chromium)" >&2; exit 1; }
for prog in rolodesk rolodeskd; do
  [ -x "$build/$prog" ] || { echo "ui-tests: $build/$prog is missing (make build)" >&2; exit 1; }
done
export NO_UPDATE_NOTIFIER=1

"$root/scripts/web-build.sh" --with-tests
[ -f "$root/web/dist/index.html" ] || { echo "ui-tests: web/dist was not built" >&2; exit 1; }

tmp=$(mktemp -d /tmp/rolodesk-ui.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

db=$tmp/ui.db
"$build/rolodesk" --db "$db" init >/dev/null
"$build/rolodesk" --db "$db" demo >/dev/null
# ROLODESK_RMM_ALLOW_HTTP: the RMM screen's test serves a VSA double on plain loopback HTTP.
ROLODESK_RMM_ALLOW_HTTP=1 "$build/rolodeskd" --db "$db" --listen 127.0.0.1:0 --port-file "$tmp/port" --data "$tmp/data" \
  --web-root "$root/web/dist" --quiet >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/port" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "ui-tests: rolodeskd exited:" >&2; cat "$tmp/daemon.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$tmp/port" ] || { echo "ui-tests: rolodeskd did not start" >&2; cat "$tmp/daemon.log" >&2; exit 1; }
url=http://127.0.0.1:$(cat "$tmp/port")

echo "== ui: browser tests against $url (Chromium: $chromium)"
rc=0
(cd "$ui" && ROLODESK_UI_URL=$url ROLODESK_UI_SHOTS=$build/ui CHROMIUM=$chromium \
  node --test --test-concurrency=1 --test-reporter=spec ui.test.mjs desk.test.mjs) || rc=$?
if [ $rc -ne 0 ]; then
  echo "ui-tests: failed; the daemon's log:" >&2
  tail -n 50 "$tmp/daemon.log" >&2
fi
exit $rc
