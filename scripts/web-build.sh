#!/usr/bin/env bash
# Builds the web UI (issue 16) into web/dist: npm ci in web/ (versions pinned by its
# package-lock.json, install scripts off by web/.npmrc), then `npm run build` (tsc + Vite).
# Each step is skipped when its inputs are unchanged since it last completed: npm ci when
# package.json and the lock are, the build when those and the sources are (stamps with
# their sha256 in web/node_modules/). Without npm it says so and does nothing (exit 0), so
# `make build` still builds the C programs on a machine without Node.js; `scripts/deps.sh`
# installs it. With --with-tests it also installs tests/ui (playwright-core and axe-core for
# the browser tests and bench/ui.sh; pinned lock, skipped when node_modules matches it).
# Usage: scripts/web-build.sh [--with-tests]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web=$root/web

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "web: npm is missing, the web UI is not built (scripts/deps.sh installs it)" >&2
  exit 0
fi
export NO_UPDATE_NOTIFIER=1

lock_sum=$(cat "$web/package.json" "$web/package-lock.json" | sha256sum | cut -d' ' -f1)
src_sum=$( (cd "$web" && find index.html vite.config.ts tsconfig.json package.json package-lock.json src \
  -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)
(
  flock 9
  ci_stamp=$web/node_modules/.rolodesk-lock.sha256
  if [ "$(cat "$ci_stamp" 2>/dev/null)" != "$lock_sum" ]; then
    echo "== web: npm ci in web/"
    (cd "$web" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$ci_stamp"
  fi
  build_stamp=$web/node_modules/.rolodesk-build.sha256
  if [ "$(cat "$build_stamp" 2>/dev/null)" != "$src_sum" ] || [ ! -f "$web/dist/index.html" ]; then
    echo "== web: npm run build in web/"
    (cd "$web" && npm run --silent build -- --logLevel warn)
    echo "$src_sum" >"$build_stamp"
  fi
) 9>/tmp/rolodesk-web-npm.lock

if [ "${1:-}" = --with-tests ]; then
  ui=$root/tests/ui
  stamp=$ui/node_modules/.rolodesk-lock.sha256
  want=$(cat "$ui/package.json" "$ui/package-lock.json" | sha256sum | cut -d' ' -f1)
  (
    flock 9
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
      echo "== ui: npm ci in tests/ui"
      (cd "$ui" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
      echo "$want" >"$stamp"
    fi
  ) 9>/tmp/rolodesk-ui-npm.lock
fi
