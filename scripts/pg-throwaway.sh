#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for tests, the benchmark and trying the several-instances
# setup locally (DESIGN.md, "Several instances"). Uses Debian's PostgreSQL 15 binaries.
#
#   scripts/pg-throwaway.sh up [DIR]   create a cluster in DIR (default: a new temp dir) on a free
#                                      127.0.0.1 port and start it; prints {"url","dir","port"} on stdout
#   scripts/pg-throwaway.sh stop DIR   stop the server, keep its data (to restart it)
#   scripts/pg-throwaway.sh start DIR  start it again on the same port
#   scripts/pg-throwaway.sh down DIR   stop it and delete DIR
#
# The server listens on 127.0.0.1 only, its Unix socket lives inside DIR, TCP logins need the random
# password written to DIR/password (mode 0600). Durability is traded for speed (fsync off): the data
# is disposable by design. Run as root, the cluster runs as the `postgres` user, which owns DIR.
set -euo pipefail

bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
cmd="${1:-}"

as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

server_start() {
  local dir="$1" port
  port="$(cat "$dir/port")"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -s \
    -o "-c listen_addresses=127.0.0.1 -k $dir -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start
}

need_dir() {
  if [ -z "${1:-}" ] || [ ! -f "$1/port" ]; then
    echo "pg-throwaway: '$1' is not a throwaway cluster directory (made by 'up')" >&2
    exit 2
  fi
}

case "$cmd" in
  up)
    if [ ! -x "$bin/initdb" ]; then
      echo "pg-throwaway: PostgreSQL binaries not found in $bin; run: npm run system-deps" >&2
      exit 1
    fi
    dir="${2:-}"
    if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/tmp}/airlock-pg.XXXXXX")"; else mkdir -p "$dir"; fi
    dir="$(cd "$dir" && pwd)"
    chmod 0700 "$dir"
    [ "$(id -u)" = "0" ] && chown postgres: "$dir"
    password="$(node -e "console.log(require('node:crypto').randomBytes(18).toString('base64url'))")"
    (umask 077 && printf '%s\n' "$password" > "$dir/password")
    [ "$(id -u)" = "0" ] && chown postgres: "$dir/password"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C -N \
      --auth-local=peer --auth-host=scram-sha-256 --pwfile="$dir/password" >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # A free port can be taken between asking and binding; try a few.
    for attempt in 1 2 3 4 5; do
      free_port > "$dir/port"
      if server_start "$dir" 2>>"$dir/start.log"; then break; fi
      if [ "$attempt" = 5 ]; then cat "$dir/server.log" >&2 || true; exit 1; fi
    done
    port="$(cat "$dir/port")"
    printf '{"url":"postgres://postgres:%s@127.0.0.1:%s/postgres","dir":"%s","port":%s}\n' "$password" "$port" "$dir" "$port"
    ;;
  stop)
    need_dir "${2:-}"
    as_owner "$bin/pg_ctl" -D "$2/data" -m fast -w -s stop
    ;;
  start)
    need_dir "${2:-}"
    server_start "$2"
    ;;
  down)
    need_dir "${2:-}"
    as_owner "$bin/pg_ctl" -D "$2/data" -m immediate -w -s stop >/dev/null 2>&1 || true
    rm -rf -- "$2"
    ;;
  *)
    sed -n '2,13p' "$0" >&2
    exit 2
    ;;
esac
