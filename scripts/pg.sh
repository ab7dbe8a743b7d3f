#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for the test suite and benchmarks.
#   scripts/pg.sh start DIR PORT   -> initdb (as the postgres user), start, print the URL
#   scripts/pg.sh stop DIR
# initdb/pg_ctl refuse to run as root, so they run as the `postgres` user, which owns DIR.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data directory}
port=${3:-55432}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then as_pg "$bindir/initdb" -D "$dir" --auth=trust -U postgres >/dev/null; fi
    as_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
    echo "postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/postmaster.pid" ]; then as_pg "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null; fi
    ;;
  *) echo "usage: pg.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
