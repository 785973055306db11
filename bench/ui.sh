#!/usr/bin/env bash
# The web UI's figures (issue 16): the bundle's size (gzip -9 of web/dist/assets, JS and
# CSS) and the time to first render of the All Organizations view of the MSP of
# bench/trust.sh (bench_pages_db: "msp" with BENCH_ORGS own organizations and 10,000
# foreign ones of 1,000 trusting customer accounts) in Debian's Chromium: from the start
# of the navigation to /organizations?view=all (signed in) until its 25 rows are in the
# DOM, BENCH_UI_RUNS times (5), each in a fresh browser context (nothing cached), median
# and worst. The UI loads one page of 25 whatever the size of the view: the figure should
# not grow with BENCH_ORGS. Prints one table (also bench/out/ui.md). Not part of the
# tests' pass/fail.
#
# Usage: bench/ui.sh BUILD_DIR   (needs rolodesk, rolodeskd and bench_load in BUILD_DIR,
# web/dist built by scripts/web-build.sh and tests/ui installed by scripts/ui-tests.sh)
# Knobs (environment): BENCH_ORGS (10000), BENCH_UI_RUNS (5), CHROMIUM (/usr/bin/chromium).
set -euo pipefail

build=${1:?usage: bench/ui.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
orgs=${BENCH_ORGS:-10000}
runs=${BENCH_UI_RUNS:-5}
chromium=${CHROMIUM:-/usr/bin/chromium}
. "$root/bench/lib.sh"

for prog in rolodesk rolodeskd bench_load; do
  [ -x "$build/$prog" ] || { echo "bench: $build/$prog is missing; build first (make)" >&2; exit 1; }
done
[ -f "$root/web/dist/index.html" ] || { echo "bench: web/dist is missing (scripts/web-build.sh)" >&2; exit 1; }
[ -d "$root/tests/ui/node_modules/playwright-core" ] || { echo "bench: tests/ui is not installed (scripts/ui-tests.sh)" >&2; exit 1; }

bench_init ui
js=$(cat "$root"/web/dist/assets/*.js | gzip -9 | wc -c)
css=$(cat "$root"/web/dist/assets/*.css | gzip -9 | wc -c)
js_raw=$(cat "$root"/web/dist/assets/*.js | wc -c)

bench_pages_db sqlite "$orgs"
"$build/rolodeskd" --db "$db" --listen 127.0.0.1:0 --port-file "$work/port" --data "$work/data" \
  --web-root "$root/web/dist" --quiet >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  [ -s "$work/port" ] && break
  sleep 0.1
done
[ -s "$work/port" ] || { echo "bench: rolodeskd did not start" >&2; cat "$work/daemon.log" >&2; exit 1; }
base=http://127.0.0.1:$(cat "$work/port")
token=$("$build/rolodesk" --db "$db" token create --account msp --username admin)
# A person who signs in with a password, as the UI does (the loader's admin has none).
curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"first_name":"Ui","last_name":"Bench","username":"uibench","primary_email":"uibench@msp.example","roles":["account_administrator"],"password":"bench-password","web_access":true}' \
  "$base/v1/people"

cat >"$work/render.mjs" <<'JS'
import { chromium } from 'playwright-core';
const [base, runs, exe] = [process.env.BASE, Number(process.env.RUNS), process.env.CHROMIUM];
const res = await fetch(`${base}/v1/login`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ account: 'msp', username: 'uibench', password: 'bench-password' }),
});
const body = await res.json();
const cookie = /rd_session=([^;]+)/.exec(res.headers.get('set-cookie'))[1];
const p = body.person;
const info = JSON.stringify({ id: p.id, account: p.account, name: p.name, username: p.username, roles: p.roles });
const args = ['--disable-gpu', '--disable-dev-shm-usage'];
if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: exe, headless: true, args });
const times = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base });
  await context.addCookies([{ name: 'rd_session', value: cookie, url: base }]);
  const page = await context.newPage();
  await page.addInitScript(([csrf, person]) => {
    sessionStorage.setItem('rolodesk.csrf', csrf);
    sessionStorage.setItem('rolodesk.person', person);
  }, [body.csrf_token, info]);
  await page.goto('/organizations?view=all', { waitUntil: 'commit' });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=org-list] .org').length === 25, null, { polling: 'raf' });
  // performance.now() counts from the navigation's start.
  times.push(await page.evaluate(() => performance.now()));
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`${times[Math.floor(times.length / 2)].toFixed(0)} ${times[times.length - 1].toFixed(0)}`);
JS
cp "$work/render.mjs" "$root/tests/ui/.bench-render.mjs"
trap 'rm -f "$root/tests/ui/.bench-render.mjs"; bench_cleanup' EXIT
read -r median worst < <(cd "$root/tests/ui" && BASE=$base RUNS=$runs CHROMIUM=$chromium node .bench-render.mjs)
foreign=$((${BENCH_PAGES_CUSTOMERS:-1000} * 10))

mkdir -p "$root/bench/out"
{
  echo "Web UI (issue 16), $(date -u +'%Y-%m-%d %H:%M') UTC, load average before: $load_before"
  echo
  echo "| figure | value |"
  echo "|---|---|"
  echo "| JS bundle, gzip -9 (raw) | $((js / 1024)).$(((js % 1024) * 10 / 1024)) KB ($((js_raw / 1024)) KB) |"
  echo "| CSS, gzip -9 | $((css / 1024)).$(((css % 1024) * 10 / 1024)) KB |"
  echo "| All Organizations ($orgs own + $foreign foreign): navigation to 25 rows, median of $runs | $median ms |"
  echo "| same, worst | $worst ms |"
} | tee "$root/bench/out/ui.md"
