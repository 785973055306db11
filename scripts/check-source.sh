#!/usr/bin/env bash
# Source rules of STYLE.md that a compiler does not check:
#  - banned functions (strcpy, sprintf, strtok, atoi, gets) anywhere in src/;
#  - raw malloc/calloc/realloc outside src/base/;
#  - #include lines follow the layering of STYLE.md: base <- store <- auth <- domain <-
#    import/mail <- jobs <- api <- daemon (jobs only for its kinds table, kinds.c, which
#    names the bulk paths' handlers), with http on base alone; the CLI uses everything
#    below api and never api/ or http/;
#  - only store/sqlite.c includes sqlite3.h and only store/postgres.c includes libpq-fe.h;
#  - no SQL in src/cli, src/api, src/http, src/daemon.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
say() { echo "check-source: $*" >&2; fail=1; }

while IFS= read -r hit; do say "banned function: $hit"; done < <(
  grep -nE '\b(strcpy|sprintf|vsprintf|strtok|atoi|atol|gets)\s*\(' -r src --include='*.c' --include='*.h' | grep -v 'snprintf\|vsnprintf')
while IFS= read -r hit; do say "raw allocation outside src/base: $hit"; done < <(
  grep -nE '\b(malloc|calloc|realloc)\s*\(' -r src --include='*.c' | grep -v '^src/base/' | grep -v 'rd_\(malloc\|calloc\|realloc\)')

# layer -> the folders it may include
declare -A allowed=(
  [base]="base"
  [store]="base store"
  [auth]="base store auth"
  [domain]="base store auth domain"
  [jobs]="base store auth domain import mail jobs"
  [import]="base store auth domain import"
  [mail]="base store auth domain mail"
  [http]="base http"
  [api]="base store auth domain jobs import mail http api"
  [daemon]="base store auth domain jobs import mail http api daemon"
  [cli]="base store auth domain jobs import mail cli"
)
for f in $(find src -name '*.c' -o -name '*.h'); do
  layer=$(echo "$f" | cut -d/ -f2)
  while IFS= read -r inc; do
    dir=${inc%%/*}
    case " ${allowed[$layer]:-} " in
      *" $dir "*) ;;
      *) say "$f includes $inc: $layer may not depend on $dir" ;;
    esac
  done < <(grep -oE '^#include "[^"]+"' "$f" | sed -E 's/#include "(.*)"/\1/')
done
for f in $(grep -rl 'sqlite3.h' src); do [ "$f" = src/store/sqlite.c ] || say "$f includes sqlite3.h"; done
for f in $(grep -rl 'libpq-fe.h' src); do [ "$f" = src/store/postgres.c ] || say "$f includes libpq-fe.h"; done
# No SQL outside store/ and the layers that own rules (STYLE.md "Storage"): the CLI, the
# API, HTTP and the daemon call domain functions instead (issue 11).
while IFS= read -r hit; do say "SQL outside store/domain: $hit"; done < <(
  grep -nE '\brd_sql(_exec|_int64|_params)?\s*\(|"(SELECT|INSERT|UPDATE|DELETE) ' -r src/cli src/api src/http src/daemon --include='*.c' --include='*.h')
exit $fail
