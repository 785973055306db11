#!/usr/bin/env bash
# The checks that need Node.js, run once by `make test` before the C suites:
#   1. npm ci in tests/js (the one npm project of the tests, versions pinned in its
#      package-lock.json; skipped when node_modules already matches the lock file);
#   2. docs/openapi.json linted by Redocly (tests/js/redocly.yaml) and Spectral
#      (tests/js/.spectral.yaml); any finding fails.
# The vCard parsers installed here (ical.js, vcard4) are driven by tests/api/vcard_test.c
# through tests/js/parse.js (CUST-5). No network but the npm registry during npm ci:
# install scripts are off (tests/js/.npmrc), Redocly's telemetry and update check too.
# Usage: scripts/js-tests.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
js=$root/tests/js

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "js-tests: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1 SCARF_ANALYTICS=false

# The same lock as tests/api/vcard_test.c, which installs the packages itself when run on
# its own. The stamp is the lock file's hash, written after a complete npm ci.
stamp=$js/node_modules/.rolodesk-lock.sha256
want=$(cat "$js/package.json" "$js/package-lock.json" | sha256sum | cut -d' ' -f1)
(
  flock 9
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "== js: npm ci in tests/js"
    (cd "$js" && npm ci --prefer-offline --no-audit --no-fund)
    echo "$want" >"$stamp"
  fi
) 9>/tmp/rolodesk-js-npm.lock

# Both linters run, so one run shows every finding.
bin=$js/node_modules/.bin
rc=0
echo "== js: Redocly lint of docs/openapi.json"
(cd "$js" && "$bin/redocly" lint --config redocly.yaml "$root/docs/openapi.json") || rc=1
echo "== js: Spectral lint of docs/openapi.json"
(cd "$js" && "$bin/spectral" lint --fail-severity=warn --ruleset .spectral.yaml "$root/docs/openapi.json") || rc=1
[ $rc -eq 0 ] || echo "js-tests: docs/openapi.json has lint findings (above)" >&2
exit $rc
